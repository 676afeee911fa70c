package compose

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/sequences"
)

// What a name must never add to a mail: links, images, Markdown link
// syntax, template actions, addresses and anything a mail program would
// make a link of (a scheme, "www.", a dotted domain).
var nameHazards = map[string]*regexp.Regexp{
	"<a":       regexp.MustCompile(`(?i)<a[\s>]`),
	"<img":     regexp.MustCompile(`(?i)<img`),
	"](":       regexp.MustCompile(`\]\(`),
	"{{":       regexp.MustCompile(`\{\{`),
	"scheme":   regexp.MustCompile(`(?i)\b(?:https?|ftp|mailto|javascript|data|tel|sms):`),
	"www.":     regexp.MustCompile(`(?i)www\.`),
	"domain":   regexp.MustCompile(`\p{L}{2,}\.\p{L}{2,}`),
	"address":  regexp.MustCompile(`@`),
	"reader's": regexp.MustCompile(`reader@example\.org`),
}

// nameMails renders every kind of mail for a subscriber called name: the
// confirmation, a step and a letter whose templates use the names.
func nameMails(t testing.TB, c *Composer, step *sequences.Step, name string) map[string]*newsletter.Message {
	t.Helper()
	sub := &newsletter.Subscriber{ID: "0123456789abcdef", Email: "reader@example.org", Name: name,
		Status: newsletter.StatusConfirmed, Sequence: "guide", CreatedAt: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}
	letter := &newsletter.Letter{ID: "l1", Subject: "A letter",
		Markdown: "Hi {{ .FirstName }}!\n\n{{ if .Name }}Dear {{ .Name }},{{ end }} here is the news.\n\n*{{ .FirstName }}*, [read on]({{ .MeURL }})."}
	out := map[string]*newsletter.Message{}
	var err error
	if out["confirm"], err = c.Confirm(sub); err != nil {
		t.Fatalf("confirm for %q: %v", name, err)
	}
	if out["step"], err = c.Step(sub, step); err != nil {
		t.Fatalf("step for %q: %v", name, err)
	}
	if out["letter"], err = c.Letter(sub, letter); err != nil {
		t.Fatalf("letter for %q: %v", name, err)
	}
	return out
}

// FuzzNameIsText: whatever a subscriber types as a name, no mail gains a
// link, an image, Markdown link syntax, a template action, an address or
// anything link-like that the mail without a name does not have; and a
// plain name still greets its reader.
func FuzzNameIsText(f *testing.F) {
	for _, seed := range []string{
		"Ann", "Anne-Marie O'Neil", "Jr.", "José María", "李小龍", "Ann  Lee",
		"[click](https://evil.example)", "![x](https://evil.example/p.gif)", "{{.Email}}", "{{ .ConfirmURL }}",
		"<img src=x>", "<a href=//evil.example>hi</a>", "evil.example", "www.evil.example", "http://evil.example",
		"Ann <https://evil.example>", "a@evil.example", "**bold** _it_", "`code`", "# Heading", "1. list", "- item",
		"Ann\n\n[x]: https://evil.example", "&lt;img&gt;", "Ann\u202eelpmaxe.live", "javascript:alert(1)",
		"[x][1]", "Ann\\", "evil\uff0eexample", "Ann|Bob", "~~gone~~", "x. y", "A.B",
	} {
		f.Add(seed)
	}
	steps, err := sequences.Load(sequences.Builtin)
	if err != nil {
		f.Fatal(err)
	}
	step := &sequences.Step{Path: "guide/01.md", Name: "01", Subject: "For you, {{ .FirstName }}",
		Body: "Hello {{ .FirstName }}{{ if .Name }} ({{ .Name }}){{ end }},\n\n{{ .FirstName }}\n\nThe guide: {{ .DownloadURL }}"}
	clock := testkit.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	c := &Composer{Sequences: steps, Links: &Links{BaseURL: "https://letters.example.org",
		Signer: token.NewSigner([]byte("0123456789abcdef0123456789abcdef")), Clock: clock},
		PostalAddress: "1 Test Street, Testville", CrisisLine: "Crisis? Call 988."}
	// The most of each hazard the mails have without a name and with a
	// plain one (with which an empty paragraph comes back).
	base := map[string]map[string]int{}
	for _, name := range []string{"", "Ann"} {
		for kind, m := range nameMails(f, c, step, name) {
			for part, body := range map[string]string{"html": m.HTML + m.Subject, "text": m.Text + m.Subject} {
				k := kind + "/" + part
				if base[k] == nil {
					base[k] = map[string]int{}
				}
				for h, n := range hazards(body) {
					base[k][h] = max(base[k][h], n)
				}
			}
		}
	}
	f.Fuzz(func(t *testing.T, name string) {
		mails := nameMails(t, c, step, name)
		for kind, m := range mails {
			for part, body := range map[string]string{"html": m.HTML + m.Subject, "text": m.Text + m.Subject} {
				for h, n := range hazards(body) {
					if n > base[kind+"/"+part][h] {
						t.Errorf("name %q: the %s part of the %s mail has %d × %s, without a name %d:\n%s",
							name, part, kind, n, h, base[kind+"/"+part][h], body)
					}
				}
			}
		}
		if plain := PlainName(name); plain != "" {
			first := strings.Fields(plain)[0]
			if !strings.Contains(mails["letter"].Text, "Hi "+strings.TrimRight(first, ".")+"!") {
				t.Errorf("plain name %q: the letter does not greet %q:\n%s", name, first, mails["letter"].Text)
			}
		}
	})
}

// hazards counts each hazard in s.
func hazards(s string) map[string]int {
	out := map[string]int{}
	for h, re := range nameHazards {
		out[h] = len(re.FindAllStringIndex(s, -1))
	}
	return out
}

// TestPlainName: plain names pass as they are (white space folded);
// anything that could be read as Markdown, HTML, a template or a link
// leaves no name at all.
func TestPlainName(t *testing.T) {
	for in, want := range map[string]string{
		"Ann": "Ann", "  Anne-Marie   O'Neil ": "Anne-Marie O'Neil", "Jr.": "Jr.", "José": "José", "李小龍": "李小龍",
		"Zoë2": "Zoë2", "O’Neil": "O’Neil",
		"": "", "[click](https://evil.example)": "", "![x](https://evil.example/p.gif)": "", "{{.Email}}": "",
		"<img src=x>": "", "evil.example": "", "www.evil": "", "a@b": "", "*Ann*": "", "Ann-": "", "-Ann": "",
		"A--B": "", "2Ann": "", "Ann..": "", ".": "", "Ann\u202e": "", "Ann\u200b": "", "Ann:": "", "Ann/": "",
	} {
		if got := PlainName(in); got != want {
			t.Errorf("PlainName(%q) = %q, want %q", in, got, want)
		}
	}
}
