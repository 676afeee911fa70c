package web

import (
	"time"

	"github.com/satina/newsletter/newsletter/token"
)

// SessionCookieForTest returns the value of a desk session cookie for the
// sign-in id at now, as signing in with adminToken on a server with signer
// makes it, and the CSRF token of that session's forms.
func SessionCookieForTest(signer *token.Signer, adminToken, id string, now time.Time) (cookie, csrf string) {
	s := &Server{cfg: Config{Signer: signer, AdminToken: adminToken}}
	return s.sessionValue(id, now, now), s.sessionCSRF(id)
}
