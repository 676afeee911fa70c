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

// letterContent reads {subject, markdown[, to]} for previews and tests.
type letterContent struct {
	Subject  string `json:"subject"`
	Markdown string `json:"markdown"`
	To       string `json:"to"`
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
	m, err := comp.PreviewLetter(newsletter.LetterDraft{Subject: in.Subject, Markdown: in.Markdown}, nil)
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
	draft := newsletter.LetterDraft{Subject: in.Subject, Markdown: in.Markdown}
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
	ID             string `json:"id"`
	Subject        string `json:"subject"`
	Markdown       string `json:"markdown,omitempty"`
	SendAt         string `json:"send_at"`
	Status         string `json:"status"`
	SkipInSequence bool   `json:"skip_in_sequence"`
	Recipients     int    `json:"recipients"`
	Sent           int    `json:"sent"`
	Failed         int    `json:"failed"`
	Skipped        int    `json:"skipped"`
	// Held says why a held letter waits; absent for any other status.
	Held *heldJSON `json:"held,omitempty"`
}

func toLetterJSON(l *newsletter.Letter, withBody bool) letterJSON {
	out := letterJSON{ID: l.ID, Subject: l.Subject, SendAt: l.SendAt.Format(time.RFC3339), Status: string(l.Status),
		SkipInSequence: l.SkipInSequence, Recipients: l.Recipients, Sent: l.Sent, Failed: l.Failed, Skipped: l.Skipped,
		Held: toHeldJSON(l)}
	if withBody {
		out.Markdown = l.Markdown
	}
	return out
}

// decodeDraft reads a letter from a JSON body.
func decodeDraft(c *fiber.Ctx) (newsletter.LetterDraft, error) {
	var in struct {
		Subject        string `json:"subject"`
		Markdown       string `json:"markdown"`
		SendAt         string `json:"send_at"`
		SkipInSequence bool   `json:"skip_in_sequence"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return newsletter.LetterDraft{}, err
	}
	d := newsletter.LetterDraft{Subject: in.Subject, Markdown: in.Markdown, SkipInSequence: in.SkipInSequence}
	if in.SendAt != "" {
		t, err := time.Parse(time.RFC3339, in.SendAt)
		if err != nil {
			return d, newsletter.FieldErrors{"send_at": "Give the send time as RFC 3339, e.g. 2026-12-01T08:00:00+01:00."}
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
	id, err := s.cfg.Service.ScheduleLetter(c.UserContext(), d)
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
	return c.JSON(toLetterJSON(l, true))
}

func (s *Server) listLetters(c *fiber.Ctx) error {
	ls, err := s.cfg.Store.ListLetters(c.UserContext(), newsletter.LetterStatus(c.Query("status")), 0)
	if err != nil {
		return err
	}
	out := make([]letterJSON, 0, len(ls))
	for _, l := range ls {
		out = append(out, toLetterJSON(l, false))
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

func (s *Server) cancelLetter(c *fiber.Ctx) error {
	if err := s.cfg.Store.CancelLetter(c.UserContext(), c.Params("id")); err != nil {
		return err
	}
	return s.getLetter(c)
}
