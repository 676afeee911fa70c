package markdown

import (
	"regexp"
	"strings"
	"testing"
)

var imgTag = regexp.MustCompile(`<img [^>]*>`)

// TestMailImagesHaveAWidth: every image of a mail carries a width no wider
// than the column, and a height only when the author gave one (scaled
// with the width); a size title is not shown, any other title is; the
// address stays as written; the layout's style scales it on small screens.
func TestMailImagesHaveAWidth(t *testing.T) {
	src := strings.Join([]string{
		`![A bowl of soup](https://example.org/soup.jpg "1200x800")`,
		`![A sketch](https://example.org/sketch.png "200")`,
		`![Trees](https://example.org/trees.png "300 x 150 px")`,
		`![Unsized](https://example.org/a%20b/ü.png)`,
		`![Titled](https://example.org/t.png "Morning light")`,
		`[![Linked](https://example.org/l.png "90x90")](https://example.org/page)`,
		`![Ref][pic]`,
		``,
		`[pic]: https://example.org/ref.png "540x100"`,
	}, "\n\n")
	p, err := Render(src, footerMail())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`src="https://example.org/soup.jpg" alt="A bowl of soup" width="538" height="359">`,
		`src="https://example.org/sketch.png" alt="A sketch" width="200">`,
		`src="https://example.org/trees.png" alt="Trees" width="300" height="150">`,
		`src="https://example.org/a%20b/%C3%BC.png" alt="Unsized" width="538">`,
		`src="https://example.org/t.png" alt="Titled" title="Morning light" width="538">`,
		`src="https://example.org/l.png" alt="Linked" width="90" height="90">`,
		`src="https://example.org/ref.png" alt="Ref" width="538" height="100">`,
	}
	tags := imgTag.FindAllString(p.HTML, -1)
	if len(tags) != len(want) {
		t.Fatalf("%d images, want %d:\n%s", len(tags), len(want), strings.Join(tags, "\n"))
	}
	for i, tag := range tags {
		if !strings.HasSuffix(tag, want[i]) {
			t.Errorf("image %d: %s\nwant it to end %s", i, tag, want[i])
		}
		if !strings.Contains(tag, `style="max-width:100%;height:auto;`) {
			t.Errorf("image %d has not the scaling style: %s", i, tag)
		}
	}
	for _, size := range []string{"1200x800", "90x90", `title="200"`, "540x100"} {
		if strings.Contains(p.HTML, size) {
			t.Errorf("the size %s is shown", size)
		}
	}
	if strings.Contains(p.Text, "1200x800") { // the text part keeps a reference definition as written
		t.Errorf("the size is in the text part: %s", p.Text)
	}
	if !strings.Contains(p.Text, "A bowl of soup (https://example.org/soup.jpg)") {
		t.Errorf("text part: %s", p.Text)
	}
}

// TestPageImagesKeepTheirSize: on a web page an image has the size its
// author gave, unscaled, and none otherwise (the page's CSS scales it).
func TestPageImagesKeepTheirSize(t *testing.T) {
	h, err := HTML("![a](https://example.org/a.png \"1200x800\") ![b](https://example.org/b.png) ![c](https://example.org/c.png \"0x5\")")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{
		`<img src="https://example.org/a.png" alt="a" width="1200" height="800">`,
		`<img src="https://example.org/b.png" alt="b">`,
		`<img src="https://example.org/c.png" alt="c" title="0x5">`, // not a size
	} {
		if !strings.Contains(string(h), w) {
			t.Errorf("want %s in %s", w, h)
		}
	}
}
