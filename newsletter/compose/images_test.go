package compose

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/markdown"
	"github.com/satina/newsletter/templates"
)

var imgTag = regexp.MustCompile(`<img [^>]*>`)
var imgWidth = regexp.MustCompile(` width="([0-9]+)"`)

// TestEveryMailImageHasAWidth: in a letter as a reader gets it, planned or
// not, every <img> carries a width no wider than the column and the
// scaling style, and its address is the author's.
func TestEveryMailImageHasAWidth(t *testing.T) {
	c := planComposer("https://letters.example.org")
	l := &newsletter.Letter{ID: "l1", Subject: "Pictures", Markdown: "Dear {{ .FirstName }},\n\n" +
		"![The lake](https://photos.example.org/lake.jpg \"1600x900\")\n\n![Cover]({{ .DownloadURL }})\n\n" +
		"![Small](https://photos.example.org/s.png \"120\") and ![x](https://photos.example.org/x.png \"A title\")\n"}
	sub := &newsletter.Subscriber{ID: "0123456789abcdef", Email: "anna@example.org", Name: "Anna", Status: newsletter.StatusConfirmed}
	got, err := c.Letter(sub, l)
	if err != nil {
		t.Fatal(err)
	}
	full, err := fullLetter(c, sub, l)
	if err != nil {
		t.Fatal(err)
	}
	samePlanned(t, "letter with images", got, full)
	data := c.Data(sub)
	if _, ok := c.planned(plannedMail{key: "letter\x00" + l.ID + "\x00" + l.Subject + "\x00" + l.Markdown,
		name: "letter " + l.ID, src: l.Markdown, data: data, sub: sub, subject: l.Subject,
		frame: templates.Mail{WebURL: c.Links.Letter(l.ID)}, confirmed: true, unsubscribe: data.UnsubscribeURL, me: data.MeURL}); !ok {
		t.Error("the letter is not planned, so the comparison tests nothing")
	}
	tags := imgTag.FindAllString(got.HTML, -1)
	if len(tags) != 4 {
		t.Fatalf("%d images, want 4: %q", len(tags), tags)
	}
	for _, tag := range tags {
		m := imgWidth.FindStringSubmatch(tag)
		if m == nil {
			t.Errorf("no width: %s", tag)
			continue
		}
		if w, _ := strconv.Atoi(m[1]); w < 1 || w > markdown.MailImageWidth {
			t.Errorf("width %d: %s", w, tag)
		}
		if !strings.Contains(tag, "max-width:100%;height:auto") {
			t.Errorf("no scaling style: %s", tag)
		}
	}
	for _, w := range []string{`src="https://photos.example.org/lake.jpg"`, `width="538" height="303"`, `src="https://letters.example.org/download/`, `width="120"`} {
		if !strings.Contains(got.HTML, w) {
			t.Errorf("no %s in %s", w, strings.Join(tags, "\n"))
		}
	}
}
