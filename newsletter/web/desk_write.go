package web

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/templates"
)

// The compose page: write, preview, send a test, schedule; the letters
// with a cancel button for those still scheduled, and for a held letter
// (see heldNote) its explanation with Send it now and Cancel it.

// datetimeLocal is the value format of <input type="datetime-local">.
const datetimeLocal = "2006-01-02T15:04"

// pastGrace is how far in the past a send time may lie: further back is
// more likely a slip of the finger than a wish.
const pastGrace = 10 * time.Minute

// composeLetters is how many letters the compose page lists.
const composeLetters = 30

func (s *Server) composePage(c *fiber.Ctx) error {
	loc := s.deskZone(c)
	f := &templates.AdminCompose{TZ: loc.String()}
	d := templates.AdminDesk{Page: "compose", Compose: f}
	if id := c.Query("id"); id != "" {
		l, err := s.cfg.Store.Letter(c.UserContext(), id)
		if err != nil && !errors.Is(err, newsletter.ErrNotFound) {
			return err
		}
		switch {
		case l == nil:
			d.Error = "There is no such letter."
		case l.Status != newsletter.LetterScheduled:
			d.Error = "That letter is " + string(l.Status) + " and can no longer be changed."
		default:
			f.ID, f.Subject, f.Markdown, f.SkipInSequence = l.ID, l.Subject, l.Markdown, l.SkipInSequence
			f.SendAt = l.SendAt.In(loc).Format(datetimeLocal)
		}
	}
	return s.renderCompose(c, d)
}

// renderCompose fills in the zones and the letter list and shows the page.
func (s *Server) renderCompose(c *fiber.Ctx, d templates.AdminDesk) error {
	f := d.Compose
	f.Zones = s.zoneChoices(f.TZ)
	letters, err := s.cfg.Store.ListLetters(c.UserContext(), "", composeLetters)
	if err != nil {
		return err
	}
	loc := s.deskZone(c)
	now := s.cfg.Clock.Now()
	for _, l := range letters {
		f.Letters = append(f.Letters, deskLetterAt(l, loc, now))
	}
	if len(f.Errors) > 0 && c.Response().StatusCode() == fiber.StatusOK {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.render(c, d)
}

// composeForm reads the compose form back into the page's data.
func composeForm(c *fiber.Ctx) *templates.AdminCompose {
	return &templates.AdminCompose{
		ID:             strings.TrimSpace(c.FormValue("id")),
		Subject:        c.FormValue("subject"),
		Markdown:       strings.ReplaceAll(c.FormValue("markdown"), "\r\n", "\n"),
		SendAt:         strings.TrimSpace(c.FormValue("send_at")),
		TZ:             strings.TrimSpace(c.FormValue("tz")),
		SkipInSequence: formBool(c.FormValue("skip_in_sequence")),
		TestTo:         strings.TrimSpace(c.FormValue("test_to")),
		Errors:         map[string]string{},
	}
}

func formBool(v string) bool {
	switch strings.ToLower(v) {
	case "yes", "on", "true", "1":
		return true
	}
	return false
}

// sendTime reads the form's send time in its zone; empty means now.
func (s *Server) sendTime(f *templates.AdminCompose) (time.Time, *time.Location, string) {
	loc := s.defaultZone()
	if tz := newsletter.ValidTZ(f.TZ); tz != "" {
		loc, _ = time.LoadLocation(tz)
	} else if f.TZ != "" {
		return time.Time{}, nil, "Choose a time zone from the list."
	}
	now := s.cfg.Clock.Now()
	if f.SendAt == "" {
		return now, loc, ""
	}
	t, err := time.ParseInLocation(datetimeLocal, f.SendAt, loc)
	if err != nil {
		t, err = time.ParseInLocation(datetimeLocal+":05", f.SendAt, loc)
	}
	if err != nil {
		return time.Time{}, loc, "Give a date and time, such as 2026-12-01 08:00, or leave it empty to send right away."
	}
	if t.Before(now.Add(-pastGrace)) {
		return time.Time{}, loc, "That time has passed. Choose a later one, or leave it empty to send right away."
	}
	if t.Before(now) { // this minute, or a few ago: she means now, for everyone confirmed by now
		t = now
	}
	return t, loc, ""
}

func (s *Server) composePost(c *fiber.Ctx) error {
	f := composeForm(c)
	if f.TZ == "" {
		f.TZ = s.deskZone(c).String()
	}
	d := templates.AdminDesk{Page: "compose", Compose: f}
	draft := newsletter.LetterDraft{Subject: f.Subject, Markdown: f.Markdown, SkipInSequence: f.SkipInSequence}
	switch c.FormValue("action") {
	case "release":
		return s.releasePost(c)
	case "test":
		return s.composeTest(c, d, draft)
	case "schedule":
		return s.composeSchedule(c, d, draft)
	default:
		if err := s.composePreview(f, draft); err != nil {
			return err
		}
		return s.renderCompose(c, d)
	}
}

// composePreview renders the preview into f, or f's errors.
func (s *Server) composePreview(f *templates.AdminCompose, draft newsletter.LetterDraft) error {
	comp, err := s.composer()
	if err != nil {
		return err
	}
	m, err := comp.PreviewLetter(draft, nil)
	if err != nil {
		return fieldErrors(f.Errors, err)
	}
	f.Preview = deskPreview(m)
	return nil
}

// fieldErrors copies FieldErrors into errs and returns any other error.
func fieldErrors(errs map[string]string, err error) error {
	var fe newsletter.FieldErrors
	if !errors.As(err, &fe) {
		return err
	}
	for k, v := range fe {
		errs[k] = v
	}
	return nil
}

func (s *Server) composeTest(c *fiber.Ctx, d templates.AdminDesk, draft newsletter.LetterDraft) error {
	f := d.Compose
	to := newsletter.NormalizeEmail(f.TestTo)
	if err := newsletter.CheckEmail(to); err != nil {
		f.Errors["test_to"] = "Give the address the test should go to, like name@example.org."
	}
	if err := s.composePreview(f, draft); err != nil {
		return err
	}
	if len(f.Errors) > 0 {
		return s.renderCompose(c, d)
	}
	if s.cfg.TestSender == nil {
		d.Error = "Test mail is not set up on this server."
		return s.renderCompose(c, d)
	}
	sample := compose.SampleSubscriber()
	sample.Email = to
	m, err := s.cfg.Composer.PreviewLetter(draft, sample)
	if err != nil {
		return err
	}
	if err := s.cfg.TestSender(c.UserContext(), m); err != nil {
		s.cfg.Log.Warn("test mail failed", "err", err)
		if errors.Is(err, newsletter.ErrRejected) {
			f.Errors["test_to"] = "The mail server refused this address."
		} else {
			d.Error = "The mail server did not take the test just now. Please try again in a moment."
		}
		return s.renderCompose(c, d)
	}
	d.Notice = "A test went to " + to + ", addressed to the sample reader " + sample.Name + "."
	return s.renderCompose(c, d)
}

func (s *Server) composeSchedule(c *fiber.Ctx, d templates.AdminDesk, draft newsletter.LetterDraft) error {
	f := d.Compose
	at, loc, msg := s.sendTime(f)
	if msg != "" {
		f.Errors["send_at"] = msg
		if err := draft.ValidateContent(); err != nil {
			if err := fieldErrors(f.Errors, err); err != nil {
				return err
			}
		}
		return s.renderCompose(c, d)
	}
	draft.SendAt = at
	var err error
	done := "scheduled"
	if f.ID != "" {
		err = s.cfg.Service.UpdateLetter(c.UserContext(), f.ID, draft)
		done = "saved"
	} else {
		_, err = s.cfg.Service.ScheduleLetter(c.UserContext(), draft)
	}
	if err != nil {
		if errors.Is(err, newsletter.ErrConflict) || errors.Is(err, newsletter.ErrNotFound) {
			d.Error = "This letter is no longer scheduled, so it can't be changed. Its text is still here: schedule it as a new letter if you like."
			f.ID = ""
			return s.renderCompose(c, d)
		}
		if err := fieldErrors(f.Errors, err); err != nil {
			return err
		}
		return s.renderCompose(c, d)
	}
	if f.ID == "" && !at.After(s.cfg.Clock.Now()) {
		done = "sending"
	}
	c.Cookie(&fiber.Cookie{Name: tzCookie, Value: loc.String(), Path: "/admin", HTTPOnly: true, SameSite: "Strict",
		Secure: s.secureCookies(), MaxAge: 365 * 24 * 3600})
	if done == "sending" {
		return c.Redirect("/admin?done=sending", fiber.StatusSeeOther)
	}
	return c.Redirect("/admin/compose?done="+done, fiber.StatusSeeOther)
}

// cancelPost cancels a scheduled, sending or held letter.
func (s *Server) cancelPost(c *fiber.Ctx) error {
	err := s.cfg.Store.CancelLetter(c.UserContext(), c.Params("id"))
	if errors.Is(err, newsletter.ErrConflict) {
		return s.renderCompose(c.Status(fiber.StatusConflict), templates.AdminDesk{Page: "compose",
			Compose: &templates.AdminCompose{TZ: s.deskZone(c).String()},
			Error:   "That letter has already gone out, or was cancelled, so it can't be cancelled."})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin/compose?done=cancelled", fiber.StatusSeeOther)
}

// releasePost sends a held letter now: the Send it now button of a held
// letter, posted with action=release and the letter's id.
func (s *Server) releasePost(c *fiber.Ctx) error {
	_, err := s.cfg.Service.ReleaseLetter(c.UserContext(), strings.TrimSpace(c.FormValue("letter")))
	if errors.Is(err, newsletter.ErrConflict) {
		return s.renderCompose(c.Status(fiber.StatusConflict), templates.AdminDesk{Page: "compose",
			Compose: &templates.AdminCompose{TZ: s.deskZone(c).String()},
			Error:   "That letter is no longer held (it is going out already, or was cancelled), so there is nothing to send now."})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin?done=sending", fiber.StatusSeeOther)
}
