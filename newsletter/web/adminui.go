package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/templates"
)

// The author's desk at /admin: server-rendered pages behind a session
// cookie, every form carrying a CSRF token. No script runs on any of them.

const (
	sessionCookie = "nl_admin"
	csrfCookie    = "nl_csrf"
	tzCookie      = "nl_tz"
	sessionTTL    = 12 * time.Hour
	// adminSession is the token purpose of the author's session cookie.
	adminSession token.Purpose = "admin-session"
	// loginLimit is how many sign-in attempts one client IP gets per
	// loginWindow.
	loginLimit  = 10
	loginWindow = 15 * time.Minute
)

// deskCSP is the policy of the desk's pages: like every page, nothing from
// elsewhere and no script, except that a preview may show a letter's
// images from the web.
const deskCSP = "default-src 'none'; img-src 'self' data: https:; style-src 'unsafe-inline'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

func (s *Server) adminUIRoutes() {
	s.app.Get("/admin", s.adminHome)
	s.app.Post("/admin/login", publicLimit, s.adminLogin)
	s.app.Post("/admin/logout", publicLimit, s.adminLogout)

	s.app.Get("/admin/compose", s.desk, s.composePage)
	s.app.Post("/admin/compose", s.desk, s.composePost)
	s.app.Post("/admin/letters/:id/cancel", s.desk, s.cancelPost)
	s.app.Get("/admin/subscribers", s.desk, s.subscribersPage)
	s.app.Get("/admin/subscribers/export.csv", s.desk, s.subscribersCSV)
	s.app.Post("/admin/subscribers/import", s.desk, s.importPost)
	s.app.Post("/admin/subscribers/status", s.desk, s.statusPost)
	s.app.Post("/admin/subscribers/erase", s.desk, s.erasePost)
	s.app.Get("/admin/sequences", s.desk, s.sequencesPage)
	s.app.Get("/admin/sequences/:id/steps/:name", s.desk, s.stepPage)
}

// signedIn reports whether the request carries a valid session cookie.
// A session in use is renewed once it is older than sessionRenew, so that
// an author who keeps working is not signed out mid-letter, but never
// beyond sessionMax after signing in.
func (s *Server) signedIn(c *fiber.Ctx) bool {
	v := c.Cookies(sessionCookie)
	if v == "" || s.cfg.AdminToken == "" {
		return false
	}
	now := s.cfg.Clock.Now()
	subject, err := s.cfg.Signer.Verify(adminSession, v, now)
	if err != nil {
		return false
	}
	// The subject is "admin:<sign-in>:<issued>", both Unix seconds.
	parts := strings.Split(subject, ":")
	if len(parts) != 3 || parts[0] != "admin" {
		return false
	}
	signin, err1 := strconv.ParseInt(parts[1], 10, 64)
	issued, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return false
	}
	if now.Sub(time.Unix(issued, 0)) > sessionRenew && now.Sub(time.Unix(signin, 0)) < sessionMax {
		s.startSession(c, time.Unix(signin, 0))
	}
	return true
}

// A session cookie is renewed on use once older than sessionRenew, and at
// most until sessionMax after signing in.
const (
	sessionRenew = time.Hour
	sessionMax   = 7 * 24 * time.Hour
)

func (s *Server) secureCookies() bool { return strings.HasPrefix(s.cfg.Site.BaseURL, "https://") }

// startSession sets a fresh session cookie for a sign-in at signin.
func (s *Server) startSession(c *fiber.Ctx, signin time.Time) {
	now := s.cfg.Clock.Now()
	subject := "admin:" + strconv.FormatInt(signin.Unix(), 10) + ":" + strconv.FormatInt(now.Unix(), 10)
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: s.cfg.Signer.Sign(adminSession, subject, now.Add(sessionTTL)),
		// Max-Age rather than Expires: the browser counts it on its own clock.
		Path: "/admin", HTTPOnly: true, SameSite: "Strict", Secure: s.secureCookies(), MaxAge: int(sessionTTL.Seconds())})
}

// csrf returns the request's CSRF cookie, setting a new one when absent
// (double-submit: the form carries the same value).
func (s *Server) csrf(c *fiber.Ctx) string {
	if v := c.Cookies(csrfCookie); len(v) == 32 {
		return v
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	v := hex.EncodeToString(b)
	c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: v, Path: "/admin", HTTPOnly: true, SameSite: "Strict", Secure: s.secureCookies()})
	return v
}

func (s *Server) checkCSRF(c *fiber.Ctx) error {
	cookie, form := c.Cookies(csrfCookie), c.FormValue("csrf")
	if len(cookie) != 32 || subtle.ConstantTimeCompare([]byte(cookie), []byte(form)) != 1 {
		return fiber.NewError(fiber.StatusForbidden, "The form expired. Please reload the page and try again.")
	}
	return nil
}

// desk guards the pages behind sign-in: a POST needs its CSRF token (403
// without), a request without a session goes to the sign-in page. Errors
// are answered as desk pages that lead back to the desk.
func (s *Server) desk(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentSecurityPolicy, deskCSP)
	c.Set("X-Robots-Tag", "noindex, nofollow")
	if c.Method() == fiber.MethodPost {
		if err := s.checkCSRF(c); err != nil {
			return s.deskError(c, err)
		}
	}
	if !s.signedIn(c) {
		if c.Method() == fiber.MethodGet || c.Method() == fiber.MethodHead {
			return c.Redirect("/admin", fiber.StatusSeeOther)
		}
		return s.page(c.Status(fiber.StatusUnauthorized), "admin_login", templates.AdminLogin{
			Site: s.cfg.Site, CSRF: s.csrf(c), Error: "You were signed out. Please sign in again."})
	}
	if err := c.Next(); err != nil {
		return s.deskError(c, err)
	}
	return nil
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
	d.Site, d.CSRF = s.cfg.Site, s.csrf(c)
	if d.Notice == "" {
		d.Notice = notices[c.Query("done")]
	}
	return s.page(c, "admin_desk", d)
}

// notices are the lines shown after a form redirects with ?done=….
var notices = map[string]string{
	"scheduled": "The letter is scheduled.",
	"sending":   "The letter is on its way. Its progress shows below.",
	"saved":     "Your changes are saved.",
	"cancelled": "The letter is cancelled; it will not go out.",
	"erased":    "Erased, with everything kept about them.",
	"status":    "The status is changed.",
}

func (s *Server) adminHome(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentSecurityPolicy, deskCSP)
	if !s.signedIn(c) {
		return s.page(c, "admin_login", templates.AdminLogin{Site: s.cfg.Site, CSRF: s.csrf(c)})
	}
	if err := s.overviewPage(c); err != nil {
		return s.deskError(c, err)
	}
	return nil
}

func (s *Server) adminLogin(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	now := s.cfg.Clock.Now()
	n, _, err := s.cfg.Store.Hit(c.UserContext(), "login:"+s.clientIP(c).String(), now, loginWindow)
	if err != nil {
		return err
	}
	if n > loginLimit {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(loginWindow.Seconds())))
		return s.page(c.Status(fiber.StatusTooManyRequests), "admin_login", templates.AdminLogin{
			Site: s.cfg.Site, CSRF: s.csrf(c), Error: "Too many tries. Please wait a quarter of an hour and try again."})
	}
	got := c.FormValue("token")
	if s.cfg.AdminToken == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.AdminToken)) != 1 {
		msg := "That isn't the admin token."
		if s.cfg.AdminToken == "" {
			msg = "The desk is off: set ADMIN_TOKEN to turn it on."
		}
		return s.page(c.Status(fiber.StatusUnauthorized), "admin_login", templates.AdminLogin{
			Site: s.cfg.Site, CSRF: s.csrf(c), Error: msg})
	}
	s.startSession(c, now)
	return c.Redirect("/admin", fiber.StatusSeeOther)
}

func (s *Server) adminLogout(c *fiber.Ctx) error {
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: "", Path: "/admin", HTTPOnly: true, SameSite: "Strict",
		Secure: s.secureCookies(), Expires: time.Unix(0, 0), MaxAge: -1})
	return c.Redirect("/admin", fiber.StatusSeeOther)
}

// overviewDays is how many days of signups the overview shows.
const overviewDays = 14

func (s *Server) overviewPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	loc := s.deskZone(c)
	now := s.cfg.Clock.Now().In(loc)
	o := &templates.AdminOverview{Zone: loc.String()}

	counts, err := s.cfg.Store.CountStatuses(ctx)
	if err != nil {
		return err
	}
	for _, st := range newsletter.Statuses {
		o.Counts = append(o.Counts, templates.AdminCount{Status: string(st), N: counts[st]})
	}

	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	bounds := make([]time.Time, overviewDays+1)
	for i := range bounds {
		bounds[i] = today.AddDate(0, 0, i-overviewDays+1)
	}
	perDay, err := s.cfg.Store.CountCreated(ctx, bounds)
	if err != nil {
		return err
	}
	most := 0
	for _, n := range perDay {
		most = max(most, n)
		o.DaysTotal += n
	}
	for i, n := range perDay {
		d := templates.AdminDay{Date: bounds[i], N: n}
		if most > 0 && n > 0 {
			d.Percent = max(3, n*100/most)
		}
		o.Days = append(o.Days, d)
	}

	letters, err := s.cfg.Store.ListLetters(ctx, "", 0)
	if err != nil {
		return err
	}
	for _, l := range letters {
		switch {
		case l.Status == newsletter.LetterScheduled:
			o.Upcoming = append(o.Upcoming, deskLetter(l, loc))
		case (l.Status == newsletter.LetterSending || l.Status == newsletter.LetterSent) && len(o.Recent) < 5:
			o.Recent = append(o.Recent, deskLetter(l, loc))
		}
		if l.Failed > 0 && len(o.Failed) < 5 {
			o.Failed = append(o.Failed, deskLetter(l, loc))
		}
	}
	sort.Slice(o.Upcoming, func(i, j int) bool { return o.Upcoming[i].SendAt.Before(o.Upcoming[j].SendAt) })
	if len(o.Upcoming) > 5 {
		o.Upcoming = o.Upcoming[:5]
	}

	bounced, _, err := s.cfg.Store.Subscribers(ctx, newsletter.StatusBounced, 0, 5)
	if err != nil {
		return err
	}
	for _, b := range bounced {
		o.Bounced = append(o.Bounced, deskSubscriber(b, loc))
	}
	return s.render(c, templates.AdminDesk{Page: "overview", Overview: o})
}
