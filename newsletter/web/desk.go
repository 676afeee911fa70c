package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/templates"
)

// The author's desk at /admin: server-rendered pages behind a session
// cookie, every form carrying a CSRF token. Everything works without
// script; one script of our own (/admin/desk.js, no inline script) saves
// the letter as she types and updates a sending letter's counts.

const (
	sessionCookie = "nl_admin"
	csrfCookie    = "nl_csrf"
	tzCookie      = "nl_tz"
	sessionTTL    = 12 * time.Hour
	// adminSession is the token purpose of the author's session cookie,
	// to which sessionPurpose adds the admin token's fingerprint.
	adminSession token.Purpose = "admin-session"
	// deskCSRF is the purpose of the MAC that makes a session's CSRF token.
	deskCSRF token.Purpose = "desk-csrf"
)

// deskCSP is the policy of the desk's pages: like every page, nothing from
// elsewhere and no script, except that a preview may show a letter's
// images from the web. deskPolicy (guard_csp.go) adds the hashes of the
// page's own inline styles once it is rendered.
const deskCSP = "default-src 'none'; img-src 'self' data: https:; style-src 'none'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func (s *Server) adminUIRoutes() {
	s.app.Get("/admin", s.adminHome)
	s.app.Post("/admin/login", publicLimit, s.adminLogin)
	s.app.Post("/admin/logout", publicLimit, s.adminLogout)

	s.app.Get("/admin/compose", s.desk, s.composePage)
	s.app.Post("/admin/compose", s.desk, s.composePost)
	s.app.Post("/admin/letters/:id/cancel", s.desk, s.cancelPost)
	s.writeRoutes() // desk_write_letter.go: autosave, a letter's page, Undo, Stop
	s.app.Get("/admin/subscribers", s.desk, s.subscribersPage)
	s.app.Get("/admin/subscribers/export.csv", s.desk, s.subscribersCSV)
	s.app.Post("/admin/subscribers/import", s.desk, s.importPost)
	s.app.Post("/admin/subscribers/status", s.desk, s.statusPost)
	s.app.Post("/admin/subscribers/erase", s.desk, s.erasePost)
	s.app.Get("/admin/sequences", s.desk, s.sequencesPage)
	s.app.Get("/admin/sequences/:id/steps/:name", s.desk, s.stepPage)
	s.app.Post("/admin/sending", s.desk, s.sendingPost)
	s.app.Post("/admin/suppressions", s.desk, s.suppressionPost)
	s.app.Get("/admin/suppressions.csv", s.desk, s.suppressionsCSV)
	s.deskRoutes() // desk_person.go: a subscriber's page, sequence controls, images
}

// session is what a valid session cookie says: the random id of its
// sign-in, shared by every renewed cookie of it, and when the author
// signed in and the cookie was made.
type session struct {
	id             string
	signin, issued time.Time
}

// sessionIDLen is the length of a session id: 16 random bytes in hex.
const sessionIDLen = 32

// readSession returns the request's session cookie when it is signed by
// us for the current ADMIN_TOKEN, unexpired and well formed (whether it
// was signed out is not checked here: see signedIn).
func (s *Server) readSession(c *fiber.Ctx) (session, bool) {
	return s.sessionOf(c.Cookies(sessionCookie))
}

// sessionOf reads the value of a session cookie (see readSession).
func (s *Server) sessionOf(v string) (session, bool) {
	if v == "" || s.cfg.AdminToken == "" {
		return session{}, false
	}
	subject, err := s.cfg.Signer.Verify(s.sessionPurpose(), v, s.cfg.Clock.Now())
	if err != nil {
		return session{}, false
	}
	// The subject is "admin:<id>:<sign-in>:<issued>", both times Unix
	// seconds. Cookies of the older three-part form carry no id and are
	// refused: their author signs in once more.
	parts := strings.Split(subject, ":")
	if len(parts) != 4 || parts[0] != "admin" || !isHex(parts[1], sessionIDLen) {
		return session{}, false
	}
	signin, err1 := strconv.ParseInt(parts[2], 10, 64)
	issued, err2 := strconv.ParseInt(parts[3], 10, 64)
	if err1 != nil || err2 != nil {
		return session{}, false
	}
	return session{id: parts[1], signin: time.Unix(signin, 0), issued: time.Unix(issued, 0)}, true
}

// isHex reports whether v is n lowercase hex digits.
func isHex(v string, n int) bool {
	if len(v) != n {
		return false
	}
	for i := 0; i < len(v); i++ {
		if !('0' <= v[i] && v[i] <= '9' || 'a' <= v[i] && v[i] <= 'f') {
			return false
		}
	}
	return true
}

// signedIn reports whether the request carries a valid session cookie of
// a sign-in that has not signed out; an error means the store could not
// say (the caller answers 503: a desk request never passes unchecked).
// A session in use is renewed once it is older than sessionRenew, so that
// an author who keeps working is not signed out mid-letter, but never
// beyond sessionMax after signing in.
func (s *Server) signedIn(c *fiber.Ctx) (bool, error) {
	sess, ok := s.readSession(c)
	if !ok {
		return false, nil
	}
	revoked, err := s.cfg.Store.SessionRevoked(c.UserContext(), sess.id)
	if err != nil {
		return false, fmt.Errorf("check desk session: %w", err)
	}
	if revoked {
		return false, nil
	}
	now := s.cfg.Clock.Now()
	if now.Sub(sess.issued) > sessionRenew && now.Sub(sess.signin) < sessionMax {
		s.startSession(c, sess.id, sess.signin)
	}
	return true, nil
}

// A session cookie is renewed on use once older than sessionRenew, and at
// most until sessionMax after signing in; the last renewal lives sessionTTL
// more, so no cookie of a sign-in is valid beyond sessionLife after it.
const (
	sessionRenew = time.Hour
	sessionMax   = 7 * 24 * time.Hour
	sessionLife  = sessionMax + sessionTTL
)

func (s *Server) secureCookies() bool { return strings.HasPrefix(s.cfg.Site.BaseURL, "https://") }

// newSessionID returns the random id of a new sign-in.
func newSessionID() string {
	b := make([]byte, sessionIDLen/2)
	_, _ = rand.Read(b) // crypto/rand does not fail on supported platforms
	return hex.EncodeToString(b)
}

// startSession sets a fresh session cookie for the sign-in id at signin.
func (s *Server) startSession(c *fiber.Ctx, id string, signin time.Time) {
	now := s.cfg.Clock.Now()
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: s.sessionValue(id, signin, now),
		// Max-Age rather than Expires: the browser counts it on its own clock.
		Path: "/admin", HTTPOnly: true, SameSite: "Strict", Secure: s.secureCookies(), MaxAge: int(sessionTTL.Seconds())})
}

// desk guards the pages behind sign-in: a POST needs its session's CSRF
// token (403 without), a request without a session goes to the sign-in
// page, and one whose session cannot be checked gets a 503. Errors are
// answered as desk pages that lead back to the desk.
func (s *Server) desk(c *fiber.Ctx) error {
	deskHeaders(c)
	if s.cfg.AdminToken == "" {
		return s.deskOff(c)
	}
	if sess, ok := s.readSession(c); ok && c.Method() == fiber.MethodPost {
		if err := s.checkCSRF(c, sess); err != nil {
			if keepsText(c) { // her letter is not lost (desk_write_keep.go)
				return s.keepText(c, err)
			}
			return s.deskError(c, err)
		}
	}
	in, err := s.signedIn(c)
	if err != nil {
		return s.deskError(c, err)
	}
	if !in {
		if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
			return c.Redirect("/admin", fiber.StatusSeeOther)
		}
		if keepsText(c) {
			return s.keepText(c, nil)
		}
		return s.page(c.Status(fiber.StatusUnauthorized), "admin_login", templates.AdminLogin{
			Site: s.cfg.Site, CSRF: s.loginCSRF(c), Error: "You were signed out. Please sign in again."})
	}
	if err := c.Next(); err != nil {
		return s.deskError(c, err)
	}
	return nil
}

// deskHeaders are the headers of every desk page: never cached, nothing
// loaded from elsewhere, not indexed.
func deskHeaders(c *fiber.Ctx) {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentSecurityPolicy, deskCSP)
	c.Set("X-Robots-Tag", "noindex, nofollow")
}

// deskError answers an error on a desk page with a page leading back to
// the desk; errors it does not know go on to the server's error handler.
func (s *Server) deskError(c *fiber.Ctx, err error) error {
	var fe *fiber.Error
	var code int
	var msg string
	switch {
	case errors.As(err, &fe):
		code, msg = fe.Code, fe.Message
	case errors.Is(err, newsletter.ErrUnavailable):
		s.cfg.Log.Warn("store unavailable", "path", c.Path(), "err", err)
		c.Set(fiber.HeaderRetryAfter, "30")
		code, msg = fiber.StatusServiceUnavailable, "We can't reach our storage right now. Nothing was lost; please try again in a minute."
	case errors.Is(err, newsletter.ErrNotFound):
		code, msg = fiber.StatusNotFound, "There is nothing here any more."
	case errors.Is(err, newsletter.ErrConflict):
		code, msg = fiber.StatusConflict, "That changed meanwhile: it can no longer be done. Reload the page to see where things stand."
	default:
		return err
	}
	c.Response().ResetBody()
	return s.page(c.Status(code), "message", templates.Message{Site: s.cfg.Site, Status: code, Title: titleFor(code),
		Message: msg, Link: "/admin", LinkText: "Back to your desk"})
}

// render shows a desk page.
func (s *Server) render(c *fiber.Ctx, d templates.AdminDesk) error {
	d.Site = s.cfg.Site
	if d.CSRF == "" { // set already for a session just started (desk_write_keep.go)
		d.CSRF = s.csrf(c)
	}
	d.Sending = s.deskSending(c)
	if d.Notice == "" {
		d.Notice = notices[c.Query("done")]
	}
	return s.page(c, "admin_desk", d)
}

// notices are the lines shown after a form redirects with ?done=….
var notices = map[string]string{
	"scheduled":  "The letter is scheduled.",
	"sending":    "The letter is on its way. Its progress shows below.",
	"saved":      "Your changes are saved.",
	"cancelled":  "The letter is cancelled; it will not go out.",
	"erased":     "Erased, with everything kept about them.",
	"status":     "The status is changed.",
	"paused":     "Sending is paused: no letter and no step goes out until you resume. Confirmation mails still go.",
	"resumed":    "Sending is running again: what waited goes out now, once.",
	"suppressed": "The address is on the list: nothing more goes to it.",
}

// deskOffMessage says why nobody can sign in while ADMIN_TOKEN is unset.
const deskOffMessage = "The desk is switched off: nobody can sign in until ADMIN_TOKEN is set. " +
	"Set it in the server's environment and restart the service to turn the desk on."

// deskOff answers the desk's inner pages and the sign-in while ADMIN_TOKEN
// is unset: it says how to turn the desk on. The status is 404, as the
// admin API's is then. GET /admin itself stays the sign-in page the
// contract names, with that message (adminHome).
func (s *Server) deskOff(c *fiber.Ctx) error {
	deskHeaders(c)
	return s.page(c.Status(fiber.StatusNotFound), "message", templates.Message{Site: s.cfg.Site, Status: fiber.StatusNotFound,
		Title: "The desk is switched off", Message: deskOffMessage, Link: "/", LinkText: "Go to the front page"})
}

func (s *Server) adminHome(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentSecurityPolicy, deskCSP)
	if s.cfg.AdminToken == "" {
		deskHeaders(c)
		return s.page(c, "admin_login", templates.AdminLogin{Site: s.cfg.Site, CSRF: s.loginCSRF(c), Error: deskOffMessage})
	}
	in, err := s.signedIn(c)
	if err != nil {
		return s.deskError(c, err)
	}
	if !in {
		return s.page(c, "admin_login", templates.AdminLogin{Site: s.cfg.Site, CSRF: s.loginCSRF(c)})
	}
	if err := s.overviewPage(c); err != nil {
		return s.deskError(c, err)
	}
	return nil
}

func (s *Server) adminLogin(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if s.cfg.AdminToken == "" {
		return s.deskOff(c)
	}
	if err := s.checkLoginCSRF(c); err != nil {
		return err
	}
	// The guess limiter (guard_guess.go): a locked-out client gets 429,
	// the right token included; a wrong token counts.
	left, err := s.signInLockout(c)
	if err != nil {
		return err
	}
	if left > 0 {
		c.Set(fiber.HeaderRetryAfter, retryAfter(left))
		return s.page(c.Status(fiber.StatusTooManyRequests), "admin_login", templates.AdminLogin{
			Site: s.cfg.Site, CSRF: s.loginCSRF(c), Error: "Too many wrong tokens. Please wait " + retryAfterWords(left) + " and try again."})
	}
	got := c.FormValue("token")
	if subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.AdminToken)) != 1 {
		if err := s.signInFailed(c); err != nil {
			return err
		}
		return s.page(c.Status(fiber.StatusUnauthorized), "admin_login", templates.AdminLogin{
			Site: s.cfg.Site, CSRF: s.loginCSRF(c), Error: "That isn't the admin token."})
	}
	id := newSessionID()
	s.startSession(c, id, s.cfg.Clock.Now())
	if c.FormValue("carry") == "yes" { // a letter kept through the sign-in
		return s.restoreCarry(c, id)
	}
	return c.Redirect("/admin", fiber.StatusSeeOther)
}

// adminLogout signs out: it records the session's sign-in as signed out in
// the store, so that no cookie of it (a renewed one, a copied one) opens
// the desk again, then clears the browser's cookie. When the store cannot
// be reached the cookie is kept and the author is told to try again.
func (s *Server) adminLogout(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	// Without a valid session there is nothing to sign out of: the cookie
	// is cleared for any sign-out form (one with a CSRF field).
	sess, ok := s.readSession(c)
	if !ok && c.FormValue("csrf") == "" {
		return errCSRF
	}
	if ok {
		if err := s.checkCSRF(c, sess); err != nil {
			return err
		}
		ttl := sess.signin.Add(sessionLife).Sub(s.cfg.Clock.Now())
		if err := s.cfg.Store.RevokeSession(c.UserContext(), sess.id, ttl); err != nil {
			s.cfg.Log.Warn("sign-out not recorded", "err", err)
			c.Set(fiber.HeaderRetryAfter, "30")
			c.Set(fiber.HeaderContentSecurityPolicy, deskCSP)
			return s.deskError(c, fiber.NewError(fiber.StatusServiceUnavailable,
				"We can't reach our storage right now, so you are not signed out yet. Please try again in a minute."))
		}
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/admin", HTTPOnly: true, SameSite: "Strict",
		Secure: s.secureCookies(), Expires: time.Unix(0, 0), MaxAge: -1})
	return c.Redirect("/admin", fiber.StatusSeeOther)
}

// overviewDays is how many days of signups the overview shows.
const overviewDays = 14
