package compose

import (
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

// TestConfirmPromisesWhatTheSequenceHas: the confirmation mail speaks of
// the guide only when the subscriber's sequence has one.
func TestConfirmPromisesWhatTheSequenceHas(t *testing.T) {
	set, err := sequences.Load(fstest.MapFS{
		"guide/guide.md":  {Data: []byte("# The guide\n\nHello.\n")},
		"guide/01-a.md":   {Data: []byte("---\nsubject: Here it is\nafter: 0s\n---\nHi\n")},
		"letters/01-a.md": {Data: []byte("---\nsubject: Welcome\nafter: 0s\n---\nHi\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	c := &Composer{Sequences: set, Links: &Links{BaseURL: "https://l.example.org",
		Signer: token.NewSigner([]byte("0123456789abcdef0123456789abcdef")), Clock: newsletter.SystemClock{}}}
	cases := []struct {
		sequence, subject, want string
	}{
		{"guide", templates.ConfirmSubject, "send me the guide"},
		{"letters", templates.ConfirmLettersSubject, "send me the letters"},
		{"", templates.ConfirmLettersSubject, "send me the letters"},
	}
	for _, tc := range cases {
		sub := &newsletter.Subscriber{ID: "abc" + tc.sequence, Email: "a@example.org", Name: "Ann", Sequence: tc.sequence, CreatedAt: time.Now()}
		m, err := c.Confirm(sub)
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != tc.subject || !strings.Contains(m.Text, tc.want) || !strings.Contains(m.Text, "https://l.example.org/confirm/") {
			t.Errorf("sequence %q: subject %q, text %.200q; want %q and %q", tc.sequence, m.Subject, m.Text, tc.subject, tc.want)
		}
	}
}
