package web

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
)

// SIGNUP_LIMIT counts every POST /subscribe of a client (an IPv4 address,
// an IPv6 /64: clientKey) in fixed hour windows. signupGuard runs before
// the body is read, so that refused bodies (413, 415, 400) count too. A
// signup that reaches the store is counted in the store's own write
// (create.lua: one round trip to Redis per signup); anything else is
// counted by Store.Hit once the handler is done. Past the limit the answer
// is 429 with Retry-After, whatever the request was, and nothing is stored.

// signupMeter is the limit of one request and whether it was counted.
type signupMeter struct {
	limit   newsletter.Limit
	counted bool
}

// localSignupMeter is the c.Locals key of the request's *signupMeter.
const localSignupMeter = "signup-meter"

// errSignupLimited is the handler's word that the store refused the signup
// for the limit: signupGuard answers 429.
var errSignupLimited = errors.New("signup limit reached")

// signupGuard counts the request toward SIGNUP_LIMIT (see above).
func (s *Server) signupGuard(c *fiber.Ctx) error {
	if s.cfg.SignupLimit <= 0 || c.Method() != fiber.MethodPost {
		return c.Next()
	}
	now := s.cfg.Clock.Now()
	m := &signupMeter{limit: newsletter.Limit{Key: "signup:" + clientKey(s.clientIP(c)), Max: s.cfg.SignupLimit, Window: time.Hour}}
	c.Locals(localSignupMeter, m)
	err := c.Next()
	if errors.Is(err, errSignupLimited) {
		return s.tooMany(c, now, now.Truncate(m.limit.Window).Add(m.limit.Window))
	}
	if m.counted {
		return err
	}
	n, reset, herr := s.cfg.Store.Hit(c.UserContext(), m.limit.Key, now, m.limit.Window)
	if herr != nil {
		return herr
	}
	if n > int64(m.limit.Max) {
		// Whatever the handler answered goes: the answer is the 429.
		c.Response().ResetBody()
		c.Response().Header.Del(fiber.HeaderLocation)
		return s.tooMany(c, now, reset)
	}
	return err
}

// signupMeterOf returns the request's meter, nil when the limit is off.
func signupMeterOf(c *fiber.Ctx) *signupMeter {
	m, _ := c.Locals(localSignupMeter).(*signupMeter)
	return m
}
