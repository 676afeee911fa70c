package web

import (
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/sequences"
)

// The form of a step's page: change the step (kept in Redis as an
// override, checked as `newsletter check` checks a file), put it back to
// its file, or send it to the author as a test.
//
//	POST /admin/sequences/:id/steps/:name  action=save   subject, markdown, after
//	                                       action=revert
//	                                       action=test   (for: the reader it is addressed to)

// stepPost answers the step page's form.
func (s *Server) stepPost(c *fiber.Ctx) error {
	id, name := pathParam(c, "id"), pathParam(c, "name")
	st, err := s.findStep(id, name)
	if err != nil {
		return err
	}
	back := stepURL(id, name)
	if f := strings.TrimSpace(c.FormValue("for")); f != "" {
		back += "?for=" + url.QueryEscape(f)
	}
	switch c.FormValue("action") {
	case "save":
		return s.stepSave(c, id, st, back)
	case "revert":
		if _, err := s.cfg.Service.RevertStep(c.UserContext(), id, name); err != nil {
			if errors.Is(err, newsletter.ErrNotFound) {
				return c.Redirect(withDone(back, "step-no-more"), fiber.StatusSeeOther)
			}
			return err
		}
		return c.Redirect(withDone(back, "step-back"), fiber.StatusSeeOther)
	case "test":
		return s.stepTest(c, id, st)
	default:
		return fiber.NewError(fiber.StatusBadRequest, "Choose what to do with the letter: save, put back or test.")
	}
}

// withDone adds done=what to a desk URL, for the notice after a redirect.
func withDone(u, what string) string {
	if strings.Contains(u, "?") {
		return u + "&done=" + what
	}
	return u + "?done=" + what
}

// stepSave keeps the form as the step's override; its problems (in the
// words and "line N: …" of `newsletter check`) show on the page, with the
// text as typed, and a 422.
func (s *Server) stepSave(c *fiber.Ctx, id string, st *sequences.Step, back string) error {
	o := sequences.Override{Subject: c.FormValue("subject"), Markdown: normalizeLines(c.FormValue("markdown")),
		After: strings.TrimSpace(c.FormValue("after"))}
	_, err := s.cfg.Service.ChangeStep(c.UserContext(), id, st.Name, o)
	var fe newsletter.FieldErrors
	switch {
	case errors.As(err, &fe):
		d, err := s.stepDesk(c, id, st)
		if err != nil {
			return err
		}
		m := d.Step.More
		m.Subject, m.Markdown, m.After = o.Subject, o.Markdown, o.After
		for k, v := range fe {
			m.Errors[k] = v
		}
		d.Error = "The letter is not changed: see what needs fixing below."
		return s.render(c.Status(fiber.StatusUnprocessableEntity), d)
	case err != nil:
		return noStep(err)
	}
	return c.Redirect(withDone(back, "step-saved"), fiber.StatusSeeOther)
}

// normalizeLines makes a browser's CRLF line ends plain LF, as in a file.
func normalizeLines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// stepTest sends the step, as now sent, to the author's own address
// (AUTHOR_EMAIL's place: REPLY_TO or MAIL_FROM), addressed to the reader
// the preview is for.
func (s *Server) stepTest(c *fiber.Ctx, id string, st *sequences.Step) error {
	d, err := s.stepDesk(c, id, st)
	if err != nil {
		return err
	}
	to := s.cfg.AuthorEmail
	if s.cfg.TestSender == nil || to == "" {
		d.Error = "Test mail is not set up on this server."
		return s.render(c.Status(fiber.StatusServiceUnavailable), d)
	}
	reader, _, err := s.stepFor(c, strings.TrimSpace(c.FormValue("for")))
	if err != nil {
		return err
	}
	test := *reader
	test.Email = to
	comp, err := s.composer()
	if err != nil {
		return err
	}
	m, err := comp.Step(&test, st)
	if err != nil {
		return err
	}
	if err := s.cfg.TestSender(c.UserContext(), m); err != nil {
		s.cfg.Log.Warn("test mail of a step failed", "err", err)
		d.Error = "The mail server did not take the test just now. Please try again in a moment."
		return s.render(c.Status(fiber.StatusServiceUnavailable), d)
	}
	d.Notice = "A test went to " + to + ", addressed to " + readerWords(reader) + "."
	return s.render(c, d)
}

// readerWords names the reader a preview or test is addressed to.
func readerWords(sub *newsletter.Subscriber) string {
	if sub.Name == "" {
		return sub.Email + " (no name given)"
	}
	return sub.Name + " <" + sub.Email + ">"
}
