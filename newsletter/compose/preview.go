package compose

import (
	"strings"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/sequences"
)

// The author's desk: previews, test mail and status changes made by hand.

// PreviewID is the subscriber and letter id of previews and test mail: its
// signed links lead nowhere (no subscriber or letter has that id).
const PreviewID = "preview"

// SampleSubscriber is the made-up reader a preview is addressed to: the
// names of sequences.SampleData, with links signed for PreviewID.
func SampleSubscriber() *newsletter.Subscriber {
	d := sequences.SampleData()
	return &newsletter.Subscriber{ID: PreviewID, Email: d.Email, Name: d.Name, Status: newsletter.StatusConfirmed}
}

// PreviewLetter is the exact mail a letter becomes, addressed to to (the
// sample reader when nil): layout, footer, list headers and preview line
// included.
// FieldErrors name a missing subject or a body that does not render.
func (c *Composer) PreviewLetter(d newsletter.LetterDraft, to *newsletter.Subscriber) (*newsletter.Message, error) {
	if err := ValidateContent(d); err != nil {
		return nil, err
	}
	if to == nil {
		to = SampleSubscriber()
	}
	return c.Letter(to, &newsletter.Letter{ID: PreviewID, Subject: d.Subject, Markdown: d.Markdown,
		Preheader: strings.TrimSpace(d.Preheader), Unlisted: d.Unlisted})
}

// PreviewStep is the exact mail a sequence step becomes for the sample reader.
func (c *Composer) PreviewStep(step *sequences.Step) (*newsletter.Message, error) {
	return c.Step(SampleSubscriber(), step)
}
