package markdown

import (
	"regexp"
	"strconv"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Images in a mail. Outlook on Windows, and other mail programs that
// ignore CSS, draw an image at the size of its attributes, else at its
// natural size, which may be far wider than the column and break the
// layout. So every image of a mail body carries a width attribute, at most
// the column's (MailImageWidth); the layout's inline style
// (max-width:100%;height:auto, templates/inline.go) scales it down on
// narrow screens in the programs that read CSS.
//
// The author may give an image's size as its title, the width and height
// in pixels or the width alone:
//
//	![A bowl of soup](https://example.org/soup.jpg "600x400")
//	![A small sketch](https://example.org/sketch.png "200")
//
// Such a title is a size, not a title: it is not shown. A size wider than
// the column is scaled down to it, the height in proportion; an image
// without a size is drawn as wide as the column. Any other title stays a
// title. The image's address is never changed: a remote image is fetched
// from where the author put it (docs/mail.md says why she might not).

// MailImageWidth is the width of a mail's column inside its padding (the
// 600-pixel card less 30 pixels of padding and a pixel of border on each
// side): the widest an image in a mail is drawn, and the width of an
// image whose size the author did not give.
const MailImageWidth = 538

// imageSize matches a title that gives an image's size: "600x400" or "600".
var imageSize = regexp.MustCompile(`^\s*([1-9][0-9]{0,4})(?:\s*[xX×]\s*([1-9][0-9]{0,4}))?\s*(?:px)?\s*$`)

// imageSizes is a parser.ASTTransformer that reads the size titles of
// images into width and height attributes. An image without a size gets
// width defaultWidth (none when 0); a size wider than maxWidth (no limit
// when 0) is scaled down to it.
type imageSizes struct{ defaultWidth, maxWidth int }

// Transform implements parser.ASTTransformer.
func (t imageSizes) Transform(doc *ast.Document, _ text.Reader, _ parser.Context) {
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		img, ok := n.(*ast.Image)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		width, height := t.defaultWidth, 0
		if m := imageSize.FindSubmatch(img.Title); m != nil {
			img.Title = nil
			width, _ = strconv.Atoi(string(m[1]))
			if len(m[2]) > 0 {
				height, _ = strconv.Atoi(string(m[2]))
			}
		}
		if t.maxWidth > 0 && width > t.maxWidth {
			height = (height*t.maxWidth + width/2) / width
			width = t.maxWidth
		}
		if width > 0 {
			img.SetAttributeString("width", []byte(strconv.Itoa(width)))
		}
		if height > 0 {
			img.SetAttributeString("height", []byte(strconv.Itoa(height)))
		}
		return ast.WalkContinue, nil
	})
}
