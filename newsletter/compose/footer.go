package compose

import (
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/templates"
)

// joined is how sub came onto the list, for the footer's line on why they
// get the mail (templates.Mail.Joined): added by the author from an
// earlier list (consent source "import"), else signed up for the guide
// when their sequence has one, or for the letters. The full rendering
// (message) and the plan (planned, whose key includes it) both take it
// from here.
func (c *Composer) joined(sub *newsletter.Subscriber) string {
	switch {
	case sub.Consent.Source == "import":
		return templates.JoinedImport
	case c.promisesGuide(sub):
		return templates.JoinedGuide
	default:
		return templates.JoinedLetters
	}
}
