package web

import (
	"strings"
	"testing"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
)

// TestPlainTemplate: the composer's template errors, from real templates,
// read as plain words with their line, never as Go's message.
func TestPlainTemplate(t *testing.T) {
	for body, want := range map[string]string{
		"Hi\n\n{{ .Nope }}":               "There is a mistake on line 3: there is no {{ .Nope }}.",
		"a\nb\n{{ .FirstName ":            "There is a mistake on line 3: a {{ is not closed with }}.",
		"a\n{{ or .FirstName \"friend }}": "There is a mistake on line 2: a quotation mark is opened but not closed",
		"x\ny\nz\n{{ foo }}":              "There is a mistake on line 4: “foo” is not something a letter knows.",
		"{{ if .FirstName }}x":            "There is a mistake on line 1: an {{ if … }} or {{ range … }} is never closed with {{ end }}.",
		"\n{{ end }}":                     "There is a mistake on line 2: there is an {{ end }} without an {{ if … }} before it.",
		"{{ .FirstName.X }}":              "There is a mistake on line 1: “.X” cannot follow there",
		"{{ or .FirstName friend }}":      "There is a mistake on line 1: “friend” is not something a letter knows. For a word, put it in quotes (\"friend\")",
		"{{}}":                            "There is a mistake on line 1: there is an empty {{ }}.",
		"{{ index .FirstName 5 }}":        "There is a mistake on line 1: this {{ … }} does not work: index out of range: 5.",
	} {
		errs := map[string]string{}
		if err := fieldErrors(errs, compose.ValidateContent(newsletter.LetterDraft{Subject: "s", Markdown: body})); err != nil {
			t.Fatalf("%q: %v", body, err)
		}
		plainErrors(errs)
		got := errs["markdown"]
		if !strings.HasPrefix(got, want) {
			t.Errorf("%q:\n got %q\nwant %q…", body, got, want)
		}
		for _, raw := range []string{"template:", "executing", "sequences.Data", "parse letter"} {
			if strings.Contains(got, raw) {
				t.Errorf("%q: Go's words in %q", body, got)
			}
		}
	}
	// Other messages pass unchanged.
	errs := map[string]string{"markdown": "A letter needs a body.", "subject": "x"}
	plainErrors(errs)
	if errs["markdown"] != "A letter needs a body." {
		t.Errorf("changed: %q", errs["markdown"])
	}
}
