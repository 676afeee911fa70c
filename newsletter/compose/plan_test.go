package compose

// A plan (plan.go) must give byte for byte the mail the full rendering
// gives. These tests compose every mail both ways, for templates and
// values chosen to sit where Markdown, the typographer, linkify and the
// escapers react, and compare; and check that the plan is used where it
// should be, so that the comparison is not vacuous.

import (
	"fmt"
	htmltemplate "html/template"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

func planComposer(base string) *Composer {
	clock := testkit.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	return &Composer{Links: &Links{BaseURL: base, Signer: token.NewSigner([]byte("0123456789abcdef0123456789abcdef")), Clock: clock},
		PostalAddress: "1 Test Street,\nTestville", CrisisLine: "Crisis? Call 988 & \"breathe\".", SubjectPrefix: "[Letters] "}
}

// fullLetter is Composer.Letter without the plan.
func fullLetter(c *Composer, sub *newsletter.Subscriber, l *newsletter.Letter) (*newsletter.Message, error) {
	md, err := execute("letter "+l.ID, l.Markdown, c.Data(sub))
	if err != nil {
		return nil, err
	}
	return c.message(sub, l.Subject, md, templates.Mail{WebURL: c.Links.Letter(l.ID)}, true)
}

func fullStep(c *Composer, sub *newsletter.Subscriber, st *sequences.Step) (*newsletter.Message, error) {
	data := c.Data(sub)
	md, err := st.Render(data)
	if err != nil {
		return nil, err
	}
	subject, err := st.RenderSubject(data)
	if err != nil {
		return nil, err
	}
	return c.message(sub, subject, md, templates.Mail{}, true)
}

func fullConfirm(c *Composer, sub *newsletter.Subscriber) (*newsletter.Message, error) {
	data := struct{ FirstName, ConfirmURL string }{PlainName(sub.FirstName()), c.Links.Confirm(sub.ID)}
	md, err := execute("confirm", templates.ConfirmMarkdown, data)
	if err != nil {
		return nil, err
	}
	return c.message(sub, templates.ConfirmSubject, md, templates.Mail{}, false)
}

var planNames = []string{
	"", "Anna", "Anna Maria Lovelace", "José", "Jean-Luc", "Dr. Who", "Zoë 2", "Ørjan Å", "O'Brien", "*Anna*", "_x_",
	"<b>Bold</b>", "www.example.org", "Anna  Maria", "Anna-", "-Anna", "A&B", "Tom \"T\" Smith", "x--y", "a...b",
	"1. Anna", "# Anna", "[x](http://evil.example)", "http://x.example", "anna@example.org", "李小龙", "Ann\u0301a",
}

var planEmails = []string{
	"anna@example.org", "anna.b-c_d@mail.example.co.uk", "a+tag@example.org", "x@y.z", "very.long.local.part.of.an.address.here@example.org",
	"o'brien@example.org", "_a@example.org", "a_@example.org", "a@ex-ample.org", "a@-example.org",
}

var planLetters = []string{
	testkit.SampleLetter,
	"Hi {{ .Name }}!",
	"{{ .FirstName }}",
	"*{{ .FirstName }}* and **{{ .Name }}**, _{{ .Name }}_ and ~~{{ .FirstName }}~~",
	"\"{{ .FirstName }}\" said '{{ .Name }}' -- {{ .Name }}... <<{{ .FirstName }}>>",
	"`{{ .Name }}` and\n\n```\n{{ .Name }} {{ .Email }}\n```\n",
	"mail {{ .Email }}, or x{{ .Email }} or ({{ .Email }}) or <{{ .Email }}> or [{{ .Email }}](mailto:{{ .Email }})",
	"{{ .MeURL }}. {{ .MeURL }}_ ({{ .MeURL }}) <{{ .MeURL }}> [me]({{ .MeURL }}) ![img]({{ .DownloadURL }})",
	"[{{ .Name }}](http://example.org/{{ .FirstName }}) and http://example.org/{{ .FirstName }}",
	"{{ if .FirstName }}Dear {{ .FirstName }},{{ else }}Dear reader,{{ end }}\n\n{{ .FirstName }}\n===\n\n- {{ .Name }}\n- {{ .Email }}",
	"| a | b |\n|---|---|\n| {{ .Name }} | {{ .Email }} |\n\n- [ ] {{ .FirstName }}",
	"<div>{{ .Name }}</div> <span title=\"{{ .Name }}\">x</span>",
	"{{ .Name | printf \"%q\" }} (not plannable)",
	"{{ with .FirstName }}{{ . }}{{ end }} (not plannable)",
	"{{ if eq .FirstName \"Anna\" }}Hi Anna{{ end }} (not plannable)",
	"{{/* a comment */}}Hello {{ .FirstName }}, {{ .UnsubscribeURL }}",
	"www.{{ .FirstName }}.example and {{ .FirstName }}@example.org",
	"&{{ .FirstName }}; \\{{ .FirstName }} {{ .FirstName }}\\",
}

func samePlanned(t *testing.T, what string, planned, full *newsletter.Message) {
	t.Helper()
	if planned.HTML != full.HTML {
		t.Errorf("%s: HTML differs\nplanned: %q\nfull:    %q", what, planned.HTML, full.HTML)
	}
	if planned.Text != full.Text {
		t.Errorf("%s: text differs\nplanned: %q\nfull:    %q", what, planned.Text, full.Text)
	}
	if planned.Subject != full.Subject || planned.To != full.To || planned.ToName != full.ToName || !reflect.DeepEqual(planned.Headers, full.Headers) {
		t.Errorf("%s: envelope differs\nplanned: %q %q %q %v\nfull:    %q %q %q %v", what,
			planned.Subject, planned.To, planned.ToName, planned.Headers, full.Subject, full.To, full.ToName, full.Headers)
	}
}

func TestPlanMatchesFullRendering(t *testing.T) {
	planned, total := 0, 0
	for _, base := range []string{"https://letters.example.org", "http://127.0.0.1:8080", "https://example.org/news"} {
		c := planComposer(base)
		for li, md := range planLetters {
			l := &newsletter.Letter{ID: fmt.Sprintf("l%d", li), Subject: "On rest & \"quiet\" <3 + more", Markdown: md}
			for ni, name := range planNames {
				for ei, email := range planEmails {
					if ei > 2 && ni%3 != 0 {
						continue // every address with a third of the names
					}
					sub := &newsletter.Subscriber{ID: fmt.Sprintf("%016x", ni*100+ei), Email: email, Name: name, Status: newsletter.StatusConfirmed}
					full, ferr := fullLetter(c, sub, l)
					got, err := c.Letter(sub, l)
					if (err == nil) != (ferr == nil) {
						t.Fatalf("letter %d, %q %q: error %v, full rendering %v", li, name, email, err, ferr)
					}
					if err == nil {
						samePlanned(t, fmt.Sprintf("%s letter %d, %q %q", base, li, name, email), got, full)
					}
					total++
					data := c.Data(sub)
					if _, ok := c.planned(plannedMail{key: "letter\x00" + l.ID + "\x00" + l.Subject + "\x00" + l.Markdown, name: "letter " + l.ID,
						src: l.Markdown, data: data, sub: sub, subject: l.Subject, frame: templates.Mail{WebURL: c.Links.Letter(l.ID)}, confirmed: true,
						unsubscribe: data.UnsubscribeURL, me: data.MeURL}); ok {
						planned++
					}
				}
			}
		}
	}
	t.Logf("%d of %d mails planned", planned, total)
	// Most names and some templates above are there to be refused; the
	// rest must take the plan, or the comparison tests nothing.
	if planned < 600 {
		t.Errorf("only %d of %d mails planned: the comparison hardly tests the plan", planned, total)
	}
}

func TestPlanMatchesFullRenderingOfStepsAndConfirm(t *testing.T) {
	set, err := sequences.Load(sequences.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	c := planComposer("https://letters.example.org")
	for ni, name := range planNames {
		sub := &newsletter.Subscriber{ID: fmt.Sprintf("%016x", ni), Email: planEmails[ni%len(planEmails)], Name: name, Status: newsletter.StatusPending}
		full, err := fullConfirm(c, sub)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Confirm(sub)
		if err != nil {
			t.Fatal(err)
		}
		samePlanned(t, fmt.Sprintf("confirm %q", name), got, full)
		for _, id := range set.IDs() {
			seq, _ := set.Get(id)
			for _, st := range seq.Steps {
				full, err := fullStep(c, sub, st)
				if err != nil {
					t.Fatal(err)
				}
				got, err := c.Step(sub, st)
				if err != nil {
					t.Fatal(err)
				}
				samePlanned(t, fmt.Sprintf("step %s %q", st.Path, name), got, full)
			}
		}
	}
}

// TestPlanIsUsed makes sure the comparisons above compare the plan, not
// the full rendering with itself.
func TestPlanIsUsed(t *testing.T) {
	c := planComposer("https://letters.example.org")
	l := &newsletter.Letter{ID: "l", Subject: "On rest", Markdown: testkit.SampleLetter}
	for _, tc := range []struct {
		name, email string
		md          string
		want        bool
	}{
		{"Anna Maria", "anna@example.org", testkit.SampleLetter, true},
		{"", "anna.b-c@mail.example.org", testkit.SampleLetter, true},
		{"José", "x@y.example", testkit.SampleLetter, true},
		{"*Anna*", "anna@example.org", testkit.SampleLetter, true}, // PlainName leaves it out: an empty name
		{"Anna", "a+b@example.org", testkit.SampleLetter, false},   // value not admitted
		{"Anna", "anna@example.org", "{{ .Name | printf \"%q\" }}", false},
		{"Anna", "anna@example.org", "[x](http://example.org/{{ .Name }})", false}, // a space would end the link
	} {
		l.Markdown = tc.md
		sub := &newsletter.Subscriber{ID: "0123456789abcdef", Email: tc.email, Name: tc.name, Status: newsletter.StatusConfirmed}
		data := c.Data(sub)
		_, ok := c.planned(plannedMail{key: "t\x00" + tc.md, name: "t", src: tc.md, data: data, sub: sub,
			subject: l.Subject, frame: templates.Mail{WebURL: c.Links.Letter(l.ID)}, confirmed: true,
			unsubscribe: data.UnsubscribeURL, me: data.MeURL})
		if ok != tc.want {
			t.Errorf("%q %q with %q: planned %v, want %v", tc.name, tc.email, tc.md, ok, tc.want)
		}
	}
	sub := &newsletter.Subscriber{ID: "0123456789abcdef", Email: "anna@example.org", Name: "Anna", Status: newsletter.StatusPending}
	if _, ok := c.planned(plannedMail{key: "confirm", name: "confirm", src: templates.ConfirmMarkdown,
		data: struct{ FirstName, ConfirmURL string }{sub.FirstName(), c.Links.Confirm(sub.ID)}, sub: sub, subject: templates.ConfirmSubject}); !ok {
		t.Error("the confirmation mail is not planned")
	}
}

// TestEscapeShortcut: a string without htmlSpecial characters is what
// html/template makes of it, in both contexts the plan fills.
func TestEscapeShortcut(t *testing.T) {
	for r := rune(0); r < 0x3000; r++ {
		s := "a" + string(r) + "b"
		if strings.ContainsAny(s, htmlSpecial) {
			continue
		}
		for _, tc := range []struct {
			t           *htmltemplate.Template
			open, close string
		}{{titleEscaper, "<title>", "</title>"}, {textEscaper, "<div>", "</div>"}} {
			var b strings.Builder
			if err := tc.t.Execute(&b, s); err != nil {
				t.Fatal(err)
			}
			if got := b.String(); got != tc.open+s+tc.close {
				t.Fatalf("%U: html/template gives %q, the shortcut %q", r, got, s)
			}
		}
	}
}
