package web

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter/token"
)

// Desk sessions are bound to the ADMIN_TOKEN they signed in with, and the
// CSRF token of a session's forms to the session (see desk.go for the
// cookie itself, sign-in and sign-out).

// sessionPurpose is the token purpose of the session cookies signed in
// with the current ADMIN_TOKEN: "admin-session:" and the first 16 hex
// digits of the token's SHA-256. The purpose is inside the cookie's MAC
// (never in the cookie), so the cookie says nothing about the token, and
// a cookie signed in with another token (before ADMIN_TOKEN changed)
// fails to verify: changing the token ends every session.
func (s *Server) sessionPurpose() token.Purpose {
	sum := sha256.Sum256([]byte("newsletter admin token\x00" + s.cfg.AdminToken))
	return adminSession + token.Purpose(":"+hex.EncodeToString(sum[:8]))
}

// sessionValue is the value of a session cookie of the sign-in id made at
// now: "admin:<id>:<sign-in>:<now>" (Unix seconds), signed for the current
// ADMIN_TOKEN until now+sessionTTL.
func (s *Server) sessionValue(id string, signin, now time.Time) string {
	subject := "admin:" + id + ":" + strconv.FormatInt(signin.Unix(), 10) + ":" + strconv.FormatInt(now.Unix(), 10)
	return s.cfg.Signer.Sign(s.sessionPurpose(), subject, now.Add(sessionTTL))
}

// CSRF tokens. Every form of a signed-in desk carries the session's token:
// a MAC of the session's random id (sessionCSRF), which nobody without the
// server's key can make, and which changes with every sign-in. The
// sign-in form, before there is a session, uses a double-submit cookie
// (loginCSRF); that token opens nothing after sign-in.

// errCSRF answers a form whose CSRF token is missing or wrong.
var errCSRF = fiber.NewError(fiber.StatusForbidden, "The form expired. Please reload the page and try again.")

// sessionCSRF is the CSRF token of the desk session id: 32 hex digits.
func (s *Server) sessionCSRF(id string) string {
	signed := s.cfg.Signer.Sign(deskCSRF, id, time.Time{})
	mac, err := base64.RawURLEncoding.DecodeString(signed[strings.LastIndexByte(signed, '.')+1:])
	if err != nil || len(mac) < 16 {
		panic("web: a signed token without its MAC") // token.Signer always appends one
	}
	return hex.EncodeToString(mac[:16])
}

// csrf returns the CSRF token for the forms of the page: the session's
// when the request has a valid session cookie, else the sign-in's.
func (s *Server) csrf(c *fiber.Ctx) string {
	if sess, ok := s.readSession(c); ok {
		return s.sessionCSRF(sess.id)
	}
	return s.loginCSRF(c)
}

// loginCSRF returns the request's sign-in CSRF cookie, setting a new one
// when absent (double-submit: the sign-in form carries the same value).
func (s *Server) loginCSRF(c *fiber.Ctx) string {
	if v := c.Cookies(csrfCookie); len(v) == 32 {
		return v
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	v := hex.EncodeToString(b)
	c.Cookie(&fiber.Cookie{Name: csrfCookie, Value: v, Path: "/admin", HTTPOnly: true, SameSite: "Strict", Secure: s.secureCookies()})
	return v
}

// checkLoginCSRF checks the sign-in form's token against its cookie.
func (s *Server) checkLoginCSRF(c *fiber.Ctx) error {
	cookie, form := c.Cookies(csrfCookie), c.FormValue("csrf")
	if len(cookie) != 32 || subtle.ConstantTimeCompare([]byte(cookie), []byte(form)) != 1 {
		return errCSRF
	}
	return nil
}

// checkCSRF checks a signed-in form's token against the session's.
func (s *Server) checkCSRF(c *fiber.Ctx, sess session) error {
	if subtle.ConstantTimeCompare([]byte(s.sessionCSRF(sess.id)), []byte(c.FormValue("csrf"))) != 1 {
		return errCSRF
	}
	return nil
}
