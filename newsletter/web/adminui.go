package web

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/templates"
)

const (
	sessionCookie = "nl_admin"
	csrfCookie    = "nl_csrf"
	sessionTTL    = 12 * time.Hour
	// adminSession is the token purpose of the author's session cookie.
	adminSession token.Purpose = "admin-session"
)

func (s *Server) adminUIRoutes() {
	s.app.Get("/admin", s.adminHome)
	s.app.Post("/admin/login", publicLimit, s.adminLogin)
	s.app.Post("/admin/logout", publicLimit, s.adminLogout)
}

// signedIn reports whether the request carries a valid session cookie.
func (s *Server) signedIn(c *fiber.Ctx) bool {
	v := c.Cookies(sessionCookie)
	if v == "" || s.cfg.AdminToken == "" {
		return false
	}
	_, err := s.cfg.Signer.Verify(adminSession, v, s.cfg.Clock.Now())
	return err == nil
}

func (s *Server) secureCookies() bool { return strings.HasPrefix(s.cfg.Site.BaseURL, "https://") }

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
	if cookie == "" || subtle.ConstantTimeCompare([]byte(cookie), []byte(form)) != 1 {
		return fiber.NewError(fiber.StatusForbidden, "The form expired. Please reload the page and try again.")
	}
	return nil
}

func (s *Server) adminHome(c *fiber.Ctx) error {
	c.Set(fiber.HeaderCacheControl, "no-store")
	if !s.signedIn(c) {
		return s.page(c, "admin_login", templates.AdminLogin{Site: s.cfg.Site, CSRF: s.csrf(c)})
	}
	var counts []string
	for _, st := range newsletter.Statuses {
		_, n, err := s.cfg.Store.Subscribers(c.UserContext(), st, 0, 1)
		if err != nil {
			return err
		}
		counts = append(counts, fmt.Sprintf("%d %s", n, st))
	}
	return s.page(c, "message", templates.Message{Site: s.cfg.Site, Title: "Your desk",
		Message: "Subscribers: " + strings.Join(counts, ", ") + ".", Link: "/letters", LinkText: "Sent letters"})
}

func (s *Server) adminLogin(c *fiber.Ctx) error {
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	got := c.FormValue("token")
	if s.cfg.AdminToken == "" || subtle.ConstantTimeCompare([]byte(got), []byte(s.cfg.AdminToken)) != 1 {
		return s.page(c.Status(fiber.StatusUnauthorized), "admin_login", templates.AdminLogin{
			Site: s.cfg.Site, CSRF: s.csrf(c), Error: "That isn't the admin token."})
	}
	now := s.cfg.Clock.Now()
	c.Cookie(&fiber.Cookie{Name: sessionCookie, Value: s.cfg.Signer.Sign(adminSession, "admin", now.Add(sessionTTL)),
		Path: "/admin", HTTPOnly: true, SameSite: "Strict", Secure: s.secureCookies(), Expires: now.Add(sessionTTL)})
	return c.Redirect("/admin", fiber.StatusSeeOther)
}

func (s *Server) adminLogout(c *fiber.Ctx) error {
	if err := s.checkCSRF(c); err != nil {
		return err
	}
	c.ClearCookie(sessionCookie)
	return c.Redirect("/admin", fiber.StatusSeeOther)
}
