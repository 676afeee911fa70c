package compose

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

// hiddenPadding is every trick of hidden preview padding: zero-width and
// invisible characters (as entities and as text) and invisible styles.
var hiddenPadding = []string{"&zwnj;", "&#847;", "\u200c", "\u034f", "\u200b", "&#8203;", "&nbsp;&#847;",
	"display:none", "mso-hide", "opacity:0", "color:transparent", "max-height:0", `class="preheader"`}

// fullLetterAsIs is Composer.Letter without the plan, frame as Letter
// makes it (preview line, and no web link for an unlisted letter).
func fullLetterAsIs(c *Composer, sub *newsletter.Subscriber, l *newsletter.Letter) (*newsletter.Message, error) {
	md, err := execute("letter "+l.ID, l.Markdown, c.Data(sub))
	if err != nil {
		return nil, err
	}
	frame := templates.Mail{WebURL: c.Links.Letter(l.ID), Preheader: l.Preheader}
	if l.Unlisted {
		frame.WebURL = ""
	}
	return c.mail(sub, l.Subject, md, frame, true, c.Links.Letter(l.ID))
}

// TestPreheaderIsTheAuthors: a letter's preview line is exactly the one
// the author set, escaped, in one hidden element; without one the mail
// has no hidden text at all (no padding taken from the body). The plan
// and the full rendering agree either way, for one plan cache that saw
// both.
func TestPreheaderIsTheAuthors(t *testing.T) {
	c := deliverabilityComposer()
	sub := &newsletter.Subscriber{ID: "0000000000000001", Email: "anna@example.org", Name: "Anna", Status: newsletter.StatusConfirmed}
	body := "Dear {{ .FirstName }},\n\nThe first words of the body are not a preview line."
	with := &newsletter.Letter{ID: "l1", Subject: "On rest", Markdown: body, Preheader: `Rest & "quiet" <now>`}
	without := &newsletter.Letter{ID: "l1", Subject: "On rest", Markdown: body}
	for _, l := range []*newsletter.Letter{with, without, with} {
		got, err := c.Letter(sub, l)
		if err != nil {
			t.Fatal(err)
		}
		full, err := fullLetterAsIs(c, sub, l)
		if err != nil {
			t.Fatal(err)
		}
		if got.HTML != full.HTML || got.Text != full.Text {
			t.Errorf("preheader %q: the plan and the full rendering differ", l.Preheader)
		}
		if l.Preheader != "" {
			want := `<div class="preheader" style="display:none;max-height:0;overflow:hidden;mso-hide:all">Rest &amp; &#34;quiet&#34; &lt;now&gt;</div>`
			if strings.Count(got.HTML, `class="preheader"`) != 1 || !strings.Contains(got.HTML, want) {
				t.Errorf("the preview line is not the author's, in one hidden element:\n%s", got.HTML)
			}
			for _, p := range hiddenPadding[:6] {
				if strings.Contains(got.HTML, p) {
					t.Errorf("padding %q beside the preview line", p)
				}
			}
			if strings.Contains(got.Text, "Rest & ") {
				t.Errorf("the preview line is in the text part:\n%s", got.Text)
			}
			continue
		}
		for _, p := range hiddenPadding {
			if strings.Contains(got.HTML, p) {
				t.Errorf("no preview line set, yet the HTML holds %q", p)
			}
		}
	}
}

// TestStepPreheader: a step's preview line is its front matter's; a
// step without one has no hidden text.
func TestStepPreheader(t *testing.T) {
	set, err := sequences.Load(fstest.MapFS{
		"s/01-a.md": {Data: []byte("---\nsubject: Welcome\nafter: 0s\npreheader: What the guide holds\n---\nHi {{ .FirstName }}\n")},
		"s/02-b.md": {Data: []byte("---\nsubject: Later\nafter: 1d\n---\nHi {{ .FirstName }}\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	seq, _ := set.Get("s")
	c := planComposer("https://letters.example.org")
	sub := &newsletter.Subscriber{ID: "0000000000000002", Email: "bo@example.org", Name: "Bo", Status: newsletter.StatusConfirmed}
	m, err := c.Step(sub, seq.Steps[0])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.HTML, `mso-hide:all">What the guide holds</div>`) {
		t.Errorf("step preview line missing:\n%s", m.HTML)
	}
	m, err = c.Step(sub, seq.Steps[1])
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range hiddenPadding {
		if strings.Contains(m.HTML, p) {
			t.Errorf("a step without preheader holds %q", p)
		}
	}
}

// TestUnlistedLetterHasNoWebLink: a letter kept off the archive has no
// "Read on the web" link (its page is not found), and is still a letter
// to the mail system: the same Feedback-ID kind and envelope tag as when
// it is listed.
func TestUnlistedLetterHasNoWebLink(t *testing.T) {
	c := deliverabilityComposer()
	sub := &newsletter.Subscriber{ID: "0000000000000003", Email: "cy@example.org", Name: "Cy", Status: newsletter.StatusConfirmed}
	listed := &newsletter.Letter{ID: "l9", Subject: "Private", Markdown: "Hello {{ .FirstName }}."}
	unlisted := *listed
	unlisted.Unlisted = true
	a, err := c.Letter(sub, listed)
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Letter(sub, &unlisted)
	if err != nil {
		t.Fatal(err)
	}
	web := c.Links.Letter("l9")
	if !strings.Contains(a.HTML, web) || !strings.Contains(a.Text, web) {
		t.Errorf("a listed letter lacks its web link")
	}
	if strings.Contains(b.HTML, web) || strings.Contains(b.Text, web) || strings.Contains(b.HTML, "Read on the web") {
		t.Errorf("an unlisted letter links to its page, which is not found")
	}
	if a.Headers["Feedback-ID"] == "" || a.Headers["Feedback-ID"] != b.Headers["Feedback-ID"] || a.EnvelopeFrom != b.EnvelopeFrom {
		t.Errorf("unlisted letter's kind changed: Feedback-ID %q vs %q, envelope %q vs %q",
			a.Headers["Feedback-ID"], b.Headers["Feedback-ID"], a.EnvelopeFrom, b.EnvelopeFrom)
	}
	full, err := fullLetterAsIs(c, sub, &unlisted)
	if err != nil {
		t.Fatal(err)
	}
	if full.HTML != b.HTML || full.Headers["Feedback-ID"] != b.Headers["Feedback-ID"] {
		t.Errorf("unlisted: the plan and the full rendering differ")
	}
}

// TestFirstNameFallback: {{ or .FirstName "friend" }} greets a reader who
// left no name (or a name that is not plain text) as "friend", in a
// letter, a step and the previews; a named reader by name.
func TestFirstNameFallback(t *testing.T) {
	c := planComposer("https://letters.example.org")
	set, err := sequences.Load(fstest.MapFS{
		"s/01-a.md": {Data: []byte("---\nsubject: Hello\nafter: 0s\n---\nDear {{ or .FirstName \"friend\" }},\n\nwelcome.\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	seq, _ := set.Get("s")
	l := &newsletter.Letter{ID: "l2", Subject: "Spring", Markdown: "Dear {{ or .FirstName \"friend\" }},\n\nspring is here."}
	for _, tc := range []struct{ name, want string }{
		{"", "Dear friend,"}, {"Ada Lovelace", "Dear Ada,"}, {"<b>x</b>", "Dear friend,"},
	} {
		sub := &newsletter.Subscriber{ID: "0000000000000004", Email: "r@example.org", Name: tc.name, Status: newsletter.StatusConfirmed}
		for what, render := range map[string]func() (*newsletter.Message, error){
			"letter": func() (*newsletter.Message, error) { return c.Letter(sub, l) },
			"step":   func() (*newsletter.Message, error) { return c.Step(sub, seq.Steps[0]) },
			"preview": func() (*newsletter.Message, error) {
				return c.PreviewLetter(newsletter.LetterDraft{Subject: l.Subject, Markdown: l.Markdown}, sub)
			},
		} {
			m, err := render()
			if err != nil {
				t.Fatalf("%s: %v", what, err)
			}
			if !strings.Contains(m.Text, tc.want) || !strings.Contains(m.HTML, tc.want) {
				t.Errorf("%s for name %q: want %q in both parts:\n%s", what, tc.name, tc.want, m.Text)
			}
		}
	}
	if err := CheckLetter(l.Markdown); err != nil {
		t.Errorf("the fallback does not pass the check: %v", err)
	}
	md, err := Public(l)
	if err != nil || !strings.Contains(md, "Dear friend,") {
		t.Errorf("archive: %q, %v", md, err)
	}
}
