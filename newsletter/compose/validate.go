package compose

import (
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/sequences"
)

// CheckLetter reports whether a letter's Markdown is a template that
// renders with sample data: unknown variables are caught before sending.
func CheckLetter(markdown string) error {
	_, err := execute("letter", markdown, sequences.SampleData())
	return err
}

// Validate checks a letter draft as the author submits it: its form
// (LetterDraft.Validate) and whether its body renders. FieldErrors name
// each problem.
func Validate(d newsletter.LetterDraft) error {
	return withTemplate(d, d.Validate())
}

// ValidateContent is Validate without a send time, for previews and test
// mail.
func ValidateContent(d newsletter.LetterDraft) error {
	return withTemplate(d, d.ValidateContent())
}

// withTemplate adds a template error of d's body to err's FieldErrors.
func withTemplate(d newsletter.LetterDraft, err error) error {
	fe, ok := err.(newsletter.FieldErrors)
	if err != nil && !ok {
		return err
	}
	if _, bad := fe["markdown"]; !bad {
		if terr := CheckLetter(d.Markdown); terr != nil {
			if fe == nil {
				fe = newsletter.FieldErrors{}
			}
			fe["markdown"] = "The body's template does not render: " + terr.Error()
		}
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// Public is a letter as the archive shows it: its template run with
// neutral data, so that no reader's name or links appear.
func Public(l *newsletter.Letter) (string, error) {
	return execute("letter "+l.ID, l.Markdown, struct {
		FirstName, Name, Email, DownloadURL, UnsubscribeURL, MeURL string
	}{})
}
