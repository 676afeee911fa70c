package compose

import (
	"time"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/token"
)

// How long each kind of link works. Unsubscribe and the subscriber's own
// page never expire: a letter from last year must still let its reader go.
const (
	ConfirmLinkTTL  = 7 * 24 * time.Hour
	DownloadLinkTTL = 365 * 24 * time.Hour
)

// Links builds the signed links that go out in mail and pages.
type Links struct {
	BaseURL string // BASE_URL without a trailing slash
	Signer  *token.Signer
	Clock   newsletter.Clock
}

// Confirm is the double opt-in link.
func (l *Links) Confirm(id string) string {
	return l.BaseURL + "/confirm/" + l.Signer.Sign(token.Confirm, id, l.Clock.Now().Add(ConfirmLinkTTL))
}

// Unsubscribe is the one-click unsubscribe link (also List-Unsubscribe).
func (l *Links) Unsubscribe(id string) string {
	return l.BaseURL + "/unsubscribe/" + l.UnsubscribeToken(id)
}

// UnsubscribeToken is the token inside the unsubscribe link.
func (l *Links) UnsubscribeToken(id string) string {
	return l.Signer.Sign(token.Unsubscribe, id, time.Time{})
}

// Me is the link to the subscriber's own data.
func (l *Links) Me(id string) string {
	return l.BaseURL + "/me/" + l.Signer.Sign(token.Me, id, time.Time{})
}

// Download is the signed link to a sequence's lead magnet.
func (l *Links) Download(id string) string {
	return l.BaseURL + "/download/" + l.Signer.Sign(token.Download, id, l.Clock.Now().Add(DownloadLinkTTL))
}

// Letter is the public archive page of a letter.
func (l *Links) Letter(letterID string) string {
	return l.BaseURL + "/letters/" + letterID
}
