// Package markdown turns the author's Markdown into mail and web pages.
//
// Markdown is rendered with goldmark (GitHub Flavored Markdown and
// typographic quotes) in its safe mode: raw HTML in the source, such as a
// <script>, is dropped, and links to javascript: and similar URLs lose their
// target. Links are otherwise written as the author wrote them: nothing is
// rewritten, redirected or tracked.
package markdown

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"

	"github.com/satina/newsletter/templates"
)

// Parts is a rendered mail body.
type Parts struct{ HTML, Text string }

// md renders Markdown to HTML for pages, mailMD for mail. Without
// html.WithUnsafe, goldmark omits raw HTML. A single line break is kept
// (hard wraps): the author's sign-off ("Warmly," / "Satina") stays on two
// lines, as she wrote it.
var md = newMD(imageSizes{})

// mailMD is md for the body of a mail: every image is given a width
// (images.go).
var mailMD = newMD(imageSizes{defaultWidth: MailImageWidth, maxWidth: MailImageWidth})

// newMD is the renderer of md and mailMD, sizing images with images.
func newMD(images imageSizes) goldmark.Markdown {
	return goldmark.New(
		goldmark.WithExtensions(extension.GFM, extension.Typographer),
		goldmark.WithParserOptions(parser.WithASTTransformers(util.Prioritized(images, 100))),
		goldmark.WithRendererOptions(renderer.WithNodeRenderers(util.Prioritized(linkRenderer{}, 100)), html.WithHardWraps()),
	)
}

// plainMD parses Markdown for its plain text; no typographer, whose
// replacements are HTML entities.
var plainMD = goldmark.New(goldmark.WithExtensions(extension.GFM))

// Render renders a mail from markdown: it sets m.HTML to the Markdown as
// HTML and m.Text to the Markdown source cleaned for reading as plain text
// (links written as "text (url)"), then applies the mail layouts. Parts.HTML
// is a complete HTML document. m.Preheader is used as given; see Preheader.
func Render(markdown string, m templates.Mail) (Parts, error) {
	h, err := convert(mailMD, markdown)
	if err != nil {
		return Parts{}, err
	}
	m.HTML = h
	m.Text = PlainText(markdown)
	var hb, tb strings.Builder
	if err := templates.MailHTML(&hb, m); err != nil {
		return Parts{}, err
	}
	if err := templates.MailText(&tb, m); err != nil {
		return Parts{}, err
	}
	return Parts{HTML: hb.String(), Text: tb.String()}, nil
}

// HTML renders markdown as an HTML fragment for a web page or a mail body.
// An image keeps the size its author gave in its title (images.go), and
// has none otherwise.
func HTML(markdown string) (template.HTML, error) {
	return convert(md, markdown)
}

// convert renders markdown with m as an HTML fragment.
func convert(m goldmark.Markdown, markdown string) (template.HTML, error) {
	var buf bytes.Buffer
	if err := m.Convert([]byte(markdown), &buf); err != nil {
		return "", fmt.Errorf("letter: render markdown: %w", err)
	}
	return template.HTML(buf.String()), nil // #nosec: goldmark's safe mode drops raw HTML
}
