package web

import (
	"errors"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
)

// previewJSON is one rendered mail.
type previewJSON struct {
	Subject string `json:"subject"`
	To      string `json:"to"`
	HTML    string `json:"html"`
	Text    string `json:"text"`
}

func toPreviewJSON(m *newsletter.Message) previewJSON {
	return previewJSON{Subject: m.Subject, To: m.To, HTML: m.HTML, Text: m.Text}
}

// letterContent reads {subject, markdown[, preheader][, to]} for previews
// and tests.
type letterContent struct {
	Subject   string `json:"subject"`
	Markdown  string `json:"markdown"`
	Preheader string `json:"preheader"`
	To        string `json:"to"`
}

func (s *Server) previewLetterAPI(c *fiber.Ctx) error {
	var in letterContent
	if err := decodeJSON(c, &in); err != nil {
		return invalid(c, err)
	}
	comp, err := s.composer()
	if err != nil {
		return err
	}
	m, err := comp.PreviewLetter(newsletter.LetterDraft{Subject: in.Subject, Markdown: in.Markdown, Preheader: in.Preheader}, nil)
	if err != nil {
		return invalid(c, err)
	}
	return c.JSON(toPreviewJSON(m))
}

func (s *Server) testLetterAPI(c *fiber.Ctx) error {
	var in letterContent
	if err := decodeJSON(c, &in); err != nil {
		return invalid(c, err)
	}
	comp, err := s.composer()
	if err != nil {
		return err
	}
	draft := newsletter.LetterDraft{Subject: in.Subject, Markdown: in.Markdown, Preheader: in.Preheader}
	errs := newsletter.FieldErrors{}
	if err := draft.ValidateContent(); err != nil {
		if err := fieldErrors(errs, err); err != nil {
			return err
		}
	}
	to := newsletter.NormalizeEmail(in.To)
	if err := newsletter.CheckEmail(to); err != nil {
		errs["to"] = "Give the address the test should go to, like name@example.org."
	}
	if len(errs) > 0 {
		return invalid(c, errs)
	}
	if s.cfg.TestSender == nil {
		return fiber.NewError(fiber.StatusServiceUnavailable, "Test mail is not set up on this server.")
	}
	sample := compose.SampleSubscriber()
	sample.Email = to
	m, err := comp.PreviewLetter(draft, sample)
	if err != nil {
		return invalid(c, err)
	}
	if err := s.cfg.TestSender(c.UserContext(), m); err != nil {
		s.cfg.Log.Warn("test mail failed", "err", err)
		if errors.Is(err, newsletter.ErrRejected) {
			return invalid(c, newsletter.FieldErrors{"to": "The mail server refused this address."})
		}
		c.Set(fiber.HeaderRetryAfter, "30")
		return fiber.NewError(fiber.StatusServiceUnavailable, "The mail server did not take the test just now; try again in a moment.")
	}
	return c.JSON(fiber.Map{"sent": true, "to": to, "subject": m.Subject})
}

// letterJSON is a letter as the API shows it.
type letterJSON struct {
	ID        string `json:"id"`
	Subject   string `json:"subject"`
	Markdown  string `json:"markdown,omitempty"`
	Preheader string `json:"preheader"`
	// SendAt is RFC 3339 in UTC; null for a draft.
	SendAt         *string `json:"send_at"`
	Status         string  `json:"status"`
	Archive        bool    `json:"archive"`
	SkipInSequence bool    `json:"skip_in_sequence"`
	// Recipients is how many it goes (or went) to: the fan-out's count
	// once it ran, before that (scheduled) the subscribers confirmed now;
	// -1 for a draft, and for a letter held or cancelled before it
	// started.
	Recipients int `json:"recipients"`
	Sent       int `json:"sent"`
	Failed     int `json:"failed"`
	Skipped    int `json:"skipped"`
	// Held says why a held letter waits; absent for any other status.
	Held *heldJSON `json:"held,omitempty"`
}

// toLetterJSON shows l; confirmed is the number of subscribers confirmed
// now, the recipients of a letter that has not fanned out yet.
func toLetterJSON(l *newsletter.Letter, withBody bool, confirmed int) letterJSON {
	out := letterJSON{ID: l.ID, Subject: l.Subject, Preheader: l.Preheader, Status: string(l.Status), Archive: !l.Unlisted,
		SkipInSequence: l.SkipInSequence, Recipients: l.Recipients, Sent: l.Sent, Failed: l.Failed, Skipped: l.Skipped,
		Held: toHeldJSON(l)}
	if !l.SendAt.IsZero() {
		at := l.SendAt.UTC().Format(time.RFC3339)
		out.SendAt = &at
	}
	if l.Recipients < 0 && beforeFanOut(l) {
		out.Recipients = confirmed
	}
	if withBody {
		out.Markdown = l.Markdown
	}
	return out
}

// beforeFanOut reports whether l, which has not fanned out yet, is on its
// way: scheduled, or starting. (A held letter waits for the author: -1.)
func beforeFanOut(l *newsletter.Letter) bool {
	return l.Status == newsletter.LetterScheduled || l.Status == newsletter.LetterSending
}

// confirmedNow counts the subscribers confirmed now (one ZCARD a status),
// when any of ls has not fanned out yet; else 0 without asking.
func (s *Server) confirmedNow(c *fiber.Ctx, ls ...*newsletter.Letter) (int, error) {
	for _, l := range ls {
		if l.Recipients < 0 && beforeFanOut(l) {
			counts, err := s.cfg.Store.CountStatuses(c.UserContext())
			return counts[newsletter.StatusConfirmed], err
		}
	}
	return 0, nil
}

// letterAnswer is one letter as the API answers it.
func (s *Server) letterAnswer(c *fiber.Ctx, l *newsletter.Letter) error {
	n, err := s.confirmedNow(c, l)
	if err != nil {
		return err
	}
	return c.JSON(toLetterJSON(l, true, n))
}

// decodeDraft reads a letter from a JSON body. Without send_at (or with
// an empty one) it is a draft; archive defaults to true.
func decodeDraft(c *fiber.Ctx) (newsletter.LetterDraft, error) {
	var in struct {
		Subject        string `json:"subject"`
		Markdown       string `json:"markdown"`
		Preheader      string `json:"preheader"`
		SendAt         string `json:"send_at"`
		Archive        *bool  `json:"archive"`
		SkipInSequence bool   `json:"skip_in_sequence"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return newsletter.LetterDraft{}, err
	}
	d := newsletter.LetterDraft{Subject: in.Subject, Markdown: in.Markdown, Preheader: in.Preheader,
		Unlisted: in.Archive != nil && !*in.Archive, SkipInSequence: in.SkipInSequence}
	if in.SendAt != "" {
		t, err := time.Parse(time.RFC3339, in.SendAt)
		if err != nil {
			return d, newsletter.FieldErrors{"send_at": "Give the send time as RFC 3339, e.g. 2026-12-01T08:00:00+01:00, or leave it out for a draft."}
		}
		d.SendAt = t
	}
	return d, nil
}

func (s *Server) createLetter(c *fiber.Ctx) error {
	d, err := decodeDraft(c)
	if err != nil {
		return invalid(c, err)
	}
	var id string
	if d.SendAt.IsZero() {
		id, err = s.cfg.Service.SaveDraft(c.UserContext(), d)
	} else {
		id, err = s.cfg.Service.ScheduleLetter(c.UserContext(), d)
	}
	if err != nil {
		return invalid(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": id})
}

func (s *Server) getLetter(c *fiber.Ctx) error {
	l, err := s.cfg.Store.Letter(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return s.letterAnswer(c, l)
}

func (s *Server) listLetters(c *fiber.Ctx) error {
	ls, err := s.cfg.Store.ListLetters(c.UserContext(), newsletter.LetterStatus(c.Query("status")), 0)
	if err != nil {
		return err
	}
	n, err := s.confirmedNow(c, ls...)
	if err != nil {
		return err
	}
	out := make([]letterJSON, 0, len(ls))
	for _, l := range ls {
		out = append(out, toLetterJSON(l, false, n))
	}
	return c.JSON(fiber.Map{"letters": out})
}

func (s *Server) updateLetter(c *fiber.Ctx) error {
	d, err := decodeDraft(c)
	if err != nil {
		return invalid(c, err)
	}
	if err := s.cfg.Service.UpdateLetter(c.UserContext(), c.Params("id"), d); err != nil {
		return invalid(c, err)
	}
	return s.getLetter(c)
}

// cancelLetter cancels a letter (200 with it), or deletes a draft (204).
func (s *Server) cancelLetter(c *fiber.Ctx) error {
	if err := s.cfg.Store.CancelLetter(c.UserContext(), c.Params("id")); err != nil {
		return err
	}
	l, err := s.cfg.Store.Letter(c.UserContext(), c.Params("id"))
	if errors.Is(err, newsletter.ErrNotFound) { // it was a draft: deleted
		return c.SendStatus(fiber.StatusNoContent)
	}
	if err != nil {
		return err
	}
	return s.letterAnswer(c, l)
}
