package compose

import (
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

// The footer's line on why the reader gets the mail, by how they joined.
const (
	whyGuide   = "You get this because you asked for the guide and confirmed your address."
	whyLetters = "You get this because you signed up for my letters and confirmed your address."
	whyImport  = "You get this because I brought you over to this list from an earlier one of mine."
)

// TestFooterFollowsHowTheReaderJoined: an imported reader is told the
// author added them from an earlier list, not that they signed up; a
// reader who signed up (form, api, or a record from before the source was
// kept) is told what for, the guide or the letters. The plan gives the same
// mail as the full rendering for each, also when one plan's key was used
// for another kind of reader just before (the key includes the footer).
func TestFooterFollowsHowTheReaderJoined(t *testing.T) {
	set, err := sequences.Load(fstest.MapFS{
		"guide/guide.md":  {Data: []byte("# The guide\n\nHello.\n")},
		"guide/01-a.md":   {Data: []byte("---\nsubject: Here it is\nafter: 0s\n---\nHi {{ .FirstName }}, {{ .DownloadURL }}\n")},
		"letters/01-a.md": {Data: []byte("---\nsubject: Welcome\nafter: 0s\n---\nHi {{ .FirstName }}\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := planComposer("https://letters.example.org")
	c.Sequences = set
	letter := &newsletter.Letter{ID: "l1", Subject: "On rest", Markdown: "Dear {{ .FirstName }},\n\nrest well."}
	cases := []struct {
		source, sequence, want string
	}{
		{"import", "guide", whyImport},
		{"form", "guide", whyGuide},
		{"import", "letters", whyImport},
		{"api", "letters", whyLetters},
		{"", "guide", whyGuide},
		{"form", "", whyLetters},
		{"import", "", whyImport},
		{"api", "guide", whyGuide},
	}
	for i, tc := range cases {
		sub := &newsletter.Subscriber{ID: fmt.Sprintf("%016x", i), Email: "anna@example.org", Name: "Anna",
			Status: newsletter.StatusConfirmed, Sequence: tc.sequence, Consent: newsletter.Consent{Source: tc.source}}
		what := fmt.Sprintf("source %q, sequence %q", tc.source, tc.sequence)
		full, err := fullLetter(c, sub, letter)
		if err != nil {
			t.Fatal(err)
		}
		got, err := c.Letter(sub, letter)
		if err != nil {
			t.Fatal(err)
		}
		samePlanned(t, what+" letter", got, full)
		data := c.Data(sub)
		if _, ok := c.planned(plannedMail{key: "letter\x00" + letter.ID + "\x00" + letter.Subject + "\x00" + letter.Markdown,
			name: "letter " + letter.ID, src: letter.Markdown, data: data, sub: sub, subject: letter.Subject,
			frame: templates.Mail{WebURL: c.Links.Letter(letter.ID)}, confirmed: true, unsubscribe: data.UnsubscribeURL, me: data.MeURL}); !ok {
			t.Errorf("%s: the letter is not planned, so the comparison tests nothing", what)
		}
		html := strings.ReplaceAll(got.HTML, "&#39;", "'")
		for _, why := range []string{whyGuide, whyLetters, whyImport} {
			if in := strings.Contains(html, why); in != (why == tc.want) {
				t.Errorf("%s: HTML has %q: %v", what, why, in)
			}
			if in := strings.Contains(got.Text, why); in != (why == tc.want) {
				t.Errorf("%s: text has %q: %v", what, why, in)
			}
		}
		if tc.want == whyImport && !strings.Contains(got.Text, whyImport+" If you would rather not hear from me here, you can leave at once with one click.\n\nUnsubscribe: ") {
			t.Errorf("%s: the footer does not offer to leave at once, before the link: %q", what, got.Text)
		}
		if tc.sequence != "" {
			seq, _ := set.Get(tc.sequence)
			full, err := fullStep(c, sub, seq.Steps[0])
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.Step(sub, seq.Steps[0])
			if err != nil {
				t.Fatal(err)
			}
			samePlanned(t, what+" step", got, full)
			if !strings.Contains(got.Text, tc.want) {
				t.Errorf("%s: the step's footer lacks %q", what, tc.want)
			}
		}
	}
}

// TestConfirmHasNoFooter: the confirmation goes to an address that has
// joined nothing yet, imported or not, so it says nothing of why.
func TestConfirmHasNoFooter(t *testing.T) {
	c := planComposer("https://letters.example.org")
	for _, source := range []string{"import", "form"} {
		sub := &newsletter.Subscriber{ID: "0123456789abcdef", Email: "anna@example.org", Name: "Anna",
			Status: newsletter.StatusPending, Consent: newsletter.Consent{Source: source}}
		m, err := c.Confirm(sub)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(m.Text, "You get this because") || strings.Contains(m.HTML, "You get this because") {
			t.Errorf("source %q: the confirmation has a footer", source)
		}
	}
}
