package markdown

import (
	"html"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/satina/newsletter/templates"
)

const sample = `Dear Fellow Humans,

How did your body feel the morning *after* your last session? Here is
[your guide](https://example.org/download/abc.DEF-123?sig=x_Y&exp=1700000000#start "The guide"),
ready whenever you are.

## Three small things for this week

1. Write down **one** image or feeling that stayed with you.
2. Take a slow walk, no phone.
3. Tell someone you trust about it.

> Integration is not a task to finish. It is a way of living with what you found.

<script>alert("boo")</script>

Until next time, take care of yourself with the support of others.

Satina
`

func footerMail() templates.Mail {
	return templates.Mail{
		Subject:        "Three small things",
		Preheader:      "A gentle practice for the week after a session",
		UnsubscribeURL: "https://example.org/unsubscribe/U.tok",
		MeURL:          "https://example.org/me/M.tok",
		WebURL:         "https://example.org/letters/three",
		PostalAddress:  "Satina Conforti\n1 Main St, Springfield",
		CrisisLine:     "In crisis? In the US, call or text 988.",
	}
}

func TestRender(t *testing.T) {
	p, err := Render(sample, footerMail())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(p.HTML, "<!doctype html>") || !strings.Contains(p.HTML, "</html>") {
		t.Errorf("HTML part is not a complete document: %.60q", p.HTML)
	}
	for _, w := range []string{
		"<h2 ", "<ol ", "<blockquote ", "<strong>one</strong>", "Dear Fellow Humans,",
		`href="https://example.org/unsubscribe/U.tok"`, `href="https://example.org/me/M.tok"`,
		`href="https://example.org/letters/three"`, "1 Main St, Springfield", "988",
		"A gentle practice for the week after a session",
	} {
		if !strings.Contains(p.HTML, w) {
			t.Errorf("HTML part lacks %q", w)
		}
	}
	for _, w := range []string{
		"Dear Fellow Humans,", "## Three small things for this week",
		"your guide (https://example.org/download/abc.DEF-123?sig=x_Y&exp=1700000000#start)",
		"Unsubscribe: https://example.org/unsubscribe/U.tok", "Your data: https://example.org/me/M.tok",
		"Read on the web: https://example.org/letters/three", "1 Main St, Springfield", "988",
	} {
		if !strings.Contains(p.Text, w) {
			t.Errorf("text part lacks %q", w)
		}
	}
	if strings.Contains(p.Text, "](") {
		t.Errorf("text part still has Markdown link syntax:\n%s", p.Text)
	}
}

func TestRenderKeepsLinksByteForByte(t *testing.T) {
	urls := []string{
		"https://example.org/download/abc.DEF-123?sig=x_Y&exp=1700000000#start",
		"https://example.org/a/b%20c/?q=1&r=[2]&s=a|b^c{d}~e",
		"https://de.wikipedia.org/wiki/Ketamin_(Arzneistoff)",
		"https://example.org/grüße?x=ä",
		"mailto:satina@example.org?subject=Hello%20there",
	}
	for _, u := range urls {
		p, err := Render("Read [this]("+u+") today.", footerMail())
		if err != nil {
			t.Fatal(err)
		}
		if want := `href="` + html.EscapeString(u) + `"`; !strings.Contains(p.HTML, want) {
			t.Errorf("HTML part: want %s in\n%s", want, between(p.HTML, "Read", "today"))
		}
		if want := "this (" + u + ")"; !strings.Contains(p.Text, want) {
			t.Errorf("text part: want %q in\n%s", want, p.Text)
		}
	}
	// An autolink and a bare URL stay as written too.
	h, err := HTML("See <https://example.org/x?a=1&b=ü> and https://example.org/y_z.")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{`href="https://example.org/x?a=1&amp;b=ü"`, `href="https://example.org/y_z"`} {
		if !strings.Contains(string(h), w) {
			t.Errorf("want %s in %s", w, h)
		}
	}
}

func between(s, a, b string) string {
	i, j := strings.Index(s, a), strings.LastIndex(s, b)
	if i < 0 || j < i {
		return s
	}
	return s[i:j]
}

func TestRawHTMLIsDropped(t *testing.T) {
	p, err := Render(sample+"\nInline <b onclick=\"x()\">bold</b> and <img src=x onerror=alert(1)>.\n", footerMail())
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "alert(", "onclick", "onerror", "<b "} {
		if strings.Contains(p.HTML, bad) {
			t.Errorf("HTML part contains %q", bad)
		}
		if strings.Contains(p.Text, bad) {
			t.Errorf("text part contains %q", bad)
		}
	}
	if !strings.Contains(p.Text, "Inline bold and .") {
		t.Errorf("text around raw HTML lost:\n%s", p.Text)
	}
	h, _ := HTML("[click](javascript:alert(1))")
	if strings.Contains(string(h), "javascript:") {
		t.Errorf("javascript: link kept: %s", h)
	}
}

func TestRenderWithoutFooter(t *testing.T) {
	p, err := Render("Please confirm: [yes](https://example.org/confirm/T)", templates.Mail{Subject: "Confirm"})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Unsubscribe", "Your data", "You get this because"} {
		if strings.Contains(p.HTML, s) || strings.Contains(p.Text, s) {
			t.Errorf("footer text %q in a mail without UnsubscribeURL", s)
		}
	}
	if !strings.Contains(p.Text, "yes (https://example.org/confirm/T)") {
		t.Errorf("text part: %q", p.Text)
	}
}

func TestHTML(t *testing.T) {
	h, err := HTML("# Title\n\nIt's *fine* -- really.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"<h1>Title</h1>", "<em>fine</em>", "&rsquo;", "&ndash;", "<table>", "<td>1</td>"} {
		if !strings.Contains(string(h), w) {
			t.Errorf("HTML lacks %q: %s", w, h)
		}
	}
}

func TestPlainText(t *testing.T) {
	cases := map[string]string{
		"[a](https://x.org)":                    "a (https://x.org)",
		"[https://x.org](https://x.org)":        "https://x.org",
		"![a cat](https://x.org/c.png)":         "a cat (https://x.org/c.png)",
		"<https://x.org/p>":                     "https://x.org/p",
		"<me@example.org>":                      "me@example.org",
		`[t](https://x.org "title")`:            "t (https://x.org)",
		"[t](<https://x.org/a b>)":              "t (https://x.org/a b)",
		"a < b > c":                             "a < b > c",
		"`[code](x)` stays":                     "`[code](x)` stays",
		"```\n[x](y)\n```\n[x](y)":              "```\n[x](y)\n```\nx (y)",
		"[not a link] (x)":                      "[not a link] (x)",
		"\\[escaped](x)":                        "\\[escaped](x)",
		"hard  \nbreak   ":                      "hard\nbreak",
		"one\n\n<div>\nraw\n</div>\n\n\n\ntwo":  "one\n\ntwo",
		"[**bold** link](https://x.org/(a)) ok": "**bold** link (https://x.org/(a)) ok",
	}
	for in, want := range cases {
		if got := PlainText(in); got != want {
			t.Errorf("PlainText(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestWritePreview writes a rendered mail to $TEMPLATES_PREVIEW_DIR for a
// look in a browser; skipped unless set.
func TestWritePreview(t *testing.T) {
	dir := os.Getenv("TEMPLATES_PREVIEW_DIR")
	if dir == "" {
		t.Skip("TEMPLATES_PREVIEW_DIR not set")
	}
	m := footerMail()
	m.Preheader = "Three small practices for the days after"
	p, err := Render(sample, m)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "letter-mail.html"), []byte(p.HTML), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "letter-mail.txt"), []byte(p.Text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSingleLineBreakKept: a sign-off on two lines stays on two lines in
// both parts; a blank line still makes a new paragraph.
func TestSingleLineBreakKept(t *testing.T) {
	p, err := Render("With care for the days after.\n\nWarmly,\nSatina", templates.Mail{Subject: "On rest"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(p.HTML, "Warmly,<br>\nSatina") && !strings.Contains(p.HTML, "Warmly,<br />\nSatina") {
		t.Errorf("HTML joins the sign-off's lines:\n%s", p.HTML)
	}
	if !strings.Contains(p.Text, "Warmly,\nSatina") {
		t.Errorf("text joins the sign-off's lines:\n%s", p.Text)
	}
	if strings.Count(p.HTML, "<p") < 2 {
		t.Errorf("a blank line no longer starts a paragraph:\n%s", p.HTML)
	}
}
