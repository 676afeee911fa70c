package web

import (
	"context"
	"crypto/subtle"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The guess limiter: after guessMax wrong admin tokens from one client (an
// IPv4 address, an IPv6 /64) within guessWindow, on the admin API or the
// desk's sign-in, that client gets 429 with Retry-After on both for
// guessLockout, the right token included. The count is kept in Redis, so
// that every process behind the same Redis shares it.
const (
	guessMax     = 10
	guessWindow  = 10 * time.Minute
	guessLockout = 10 * time.Minute
)

// guessStore counts failed guesses (redisstore/guesses.go).
type guessStore interface {
	// GuessLockout reports how much longer client is locked out (0: not).
	GuessLockout(ctx context.Context, client string, now time.Time) (time.Duration, error)
	// GuessFailed records a failed guess and returns the lock-out it
	// brought (0 while the client is under max failures in window).
	GuessFailed(ctx context.Context, client string, now time.Time, max int, window, lockout time.Duration) (time.Duration, error)
}

// apiGuard runs before everything else on /admin/api: a locked-out client
// gets 429 before its body is read or its token looked at, and a request
// whose Authorization does not hold the admin token counts as a failed
// guess (the bearer middleware then answers it 401). A request without an
// Authorization header guesses nothing and is not counted.
func (s *Server) apiGuard(c *fiber.Ctx) error {
	if s.cfg.AdminToken == "" {
		return c.Next() // the API is off: the bearer answers 404
	}
	client, now := clientKey(s.clientIP(c)), s.cfg.Clock.Now()
	left, err := s.cfg.Store.GuessLockout(c.UserContext(), client, now)
	if err != nil {
		return err
	}
	if left > 0 {
		c.Context().SetConnectionClose() // the body is not read
		return lockedOut(c, left)
	}
	if len(c.Request().Header.Peek(fiber.HeaderAuthorization)) > 0 && !s.bearerOK(c) {
		if _, err := s.cfg.Store.GuessFailed(c.UserContext(), client, now, guessMax, guessWindow, guessLockout); err != nil {
			return err
		}
	}
	return c.Next()
}

// bearerOK reports whether the request carries "Authorization: Bearer
// $ADMIN_TOKEN", compared in constant time.
func (s *Server) bearerOK(c *fiber.Ctx) bool {
	return s.bearerValue(c.Get(fiber.HeaderAuthorization))
}

// bearerValue reports whether an Authorization header's value is "Bearer
// $ADMIN_TOKEN".
func (s *Server) bearerValue(authorization string) bool {
	return bearerIs(authorization, s.cfg.AdminToken)
}

// bearerIs reports whether an Authorization header's value is "Bearer
// want" (the scheme in any case), comparing the token in constant time;
// an empty want matches nothing.
func bearerIs(authorization, want string) bool {
	if want == "" {
		return false
	}
	scheme, got, ok := strings.Cut(authorization, " ")
	return ok && strings.EqualFold(scheme, "Bearer") &&
		subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(want)) == 1
}

// lockedOut answers 429 with the seconds left of a lock-out.
func lockedOut(c *fiber.Ctx, left time.Duration) error {
	c.Set(fiber.HeaderRetryAfter, retryAfter(left))
	return fiber.NewError(fiber.StatusTooManyRequests,
		"Too many wrong admin tokens from your address. Please wait "+retryAfterWords(left)+" and try again.")
}

// retryAfter is a Retry-After value: whole seconds, rounded up.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(int(math.Ceil(d.Seconds())))
}

// retryAfterWords says how long to wait, in minutes.
func retryAfterWords(d time.Duration) string {
	m := int(math.Ceil(d.Minutes()))
	if m <= 1 {
		return "a minute"
	}
	return strconv.Itoa(m) + " minutes"
}

// signInLockout reports how much longer the client of a desk sign-in is
// locked out (0: not).
func (s *Server) signInLockout(c *fiber.Ctx) (time.Duration, error) {
	return s.cfg.Store.GuessLockout(c.UserContext(), clientKey(s.clientIP(c)), s.cfg.Clock.Now())
}

// signInFailed counts a wrong token at the desk's sign-in.
func (s *Server) signInFailed(c *fiber.Ctx) error {
	_, err := s.cfg.Store.GuessFailed(c.UserContext(), clientKey(s.clientIP(c)), s.cfg.Clock.Now(), guessMax, guessWindow, guessLockout)
	return err
}
