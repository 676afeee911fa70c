package web

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
)

// Held letters in the admin API: a letter the late-letter guard held
// (LATE_LETTER_GRACE) shows status "held" and why; POST …/release sends
// it now, and DELETE (cancelLetter) drops it.

// heldJSON is why a held letter waits.
type heldJSON struct {
	// At is when it was held (RFC 3339).
	At string `json:"at"`
	// Reason is "late" (it could not start within the grace of its time;
	// nothing went out) or "stalled" (it stopped while sending, with sends
	// left, for the grace).
	Reason string `json:"reason"`
	// DueAt is when it was due: its send time, or when it was scheduled
	// or last released when that is later.
	DueAt string `json:"due_at"`
	// GraceSeconds is the LATE_LETTER_GRACE it was held under.
	GraceSeconds int64 `json:"grace_seconds"`
}

func toHeldJSON(l *newsletter.Letter) *heldJSON {
	if l.Status != newsletter.LetterHeld || l.Hold == nil {
		return nil
	}
	return &heldJSON{At: l.Hold.At.Format(time.RFC3339), Reason: string(l.Hold.Reason),
		DueAt: l.DueAt().Format(time.RFC3339), GraceSeconds: int64(l.Hold.Grace / time.Second)}
}

// releaseLetter sends a held letter now: 200 with the letter, 409 when it
// is not held, 404 when there is none.
func (s *Server) releaseLetter(c *fiber.Ctx) error {
	l, err := s.cfg.Service.ReleaseLetter(c.UserContext(), c.Params("id"))
	if errors.Is(err, newsletter.ErrConflict) {
		msg := "Only a held letter can be released."
		if cur, lerr := s.cfg.Store.Letter(c.UserContext(), c.Params("id")); lerr == nil {
			msg = "This letter is " + string(cur.Status) + ", not held: only a held letter can be released."
		}
		return fiber.NewError(fiber.StatusConflict, msg)
	}
	if err != nil {
		return err
	}
	return s.letterAnswer(c, l)
}
