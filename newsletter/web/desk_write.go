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

// The compose page: write, preview, send a test, save as a draft,
// schedule; the drafts to reopen or delete, and the letters with a cancel
// button for those still scheduled, and for a held letter (see heldNote)
// its explanation with Send it now and Cancel it. Every time on it is in
// the author's zone, AUTHOR_TZ (desk_zone.go).

// datetimeLocal is the value format of <input type="datetime-local">.
const datetimeLocal = "2006-01-02T15:04"

// pastGrace is how far in the past a send time may lie: further back is
// more likely a slip of the finger than a wish.
const pastGrace = 10 * time.Minute

// composeLetters is how many letters (besides the drafts) the compose
// page lists.
const composeLetters = 30

func (s *Server) composePage(c *fiber.Ctx) error {
	forgetZoneCookie(c)
	loc := s.deskZone(c)
	f := &templates.AdminCompose{TZ: loc.String(), Archive: true}
	d := templates.AdminDesk{Page: "compose", Compose: f, Notice: draftNotices[c.Query("done")]}
	if id := c.Query("id"); id != "" {
		l, err := s.cfg.Store.Letter(c.UserContext(), id)
		if err != nil && !errors.Is(err, newsletter.ErrNotFound) {
			return err
		}
		switch {
		case l == nil:
			d.Error = "There is no such letter."
		case l.Status != newsletter.LetterScheduled && l.Status != newsletter.LetterDrafted:
			d.Error = "That letter is " + string(l.Status) + " and can no longer be changed."
		default:
			f.ID, f.Subject, f.Preheader, f.Markdown = l.ID, l.Subject, l.Preheader, l.Markdown
			f.Archive, f.SkipInSequence, f.Draft = !l.Unlisted, l.SkipInSequence, l.Status == newsletter.LetterDrafted
			if !f.Draft {
				f.SendAt = l.SendAt.In(loc).Format(datetimeLocal)
			}
		}
	}
	return s.renderCompose(c, d)
}

// renderCompose fills in the zone, the drafts and the letters and shows
// the page.
func (s *Server) renderCompose(c *fiber.Ctx, d templates.AdminDesk) error {
	f := d.Compose
	loc := s.deskZone(c)
	f.TZ = loc.String()
	letters, err := s.cfg.Store.ListLetters(c.UserContext(), "", 0)
	if err != nil {
		return err
	}
	now := s.cfg.Clock.Now()
	for _, l := range letters {
		switch {
		case l.Status == newsletter.LetterDrafted:
			f.Drafts = append(f.Drafts, deskLetter(l, loc))
		case len(f.Letters) < composeLetters:
			f.Letters = append(f.Letters, deskLetterAt(l, loc, now))
			if undoable(l, now) {
				if f.Write.Undo == nil {
					f.Write.Undo = map[string]bool{}
				}
				f.Write.Undo[l.ID] = true
			}
		}
	}
	// The script saves a new letter or a draft as she types; a scheduled
	// letter changes only when she saves it.
	f.Write.Autosave = f.ID == "" || f.Draft
	plainErrors(f.Errors)
	if len(f.Errors) > 0 && c.Response().StatusCode() == fiber.StatusOK {
		c.Status(fiber.StatusUnprocessableEntity)
	}
	return s.render(c, d)
}

// composeForm reads the compose form back into the page's data.
func composeForm(c *fiber.Ctx) *templates.AdminCompose {
	return &templates.AdminCompose{
		ID:             strings.TrimSpace(c.FormValue("id")),
		Draft:          formBool(c.FormValue("draft")),
		Subject:        c.FormValue("subject"),
		Preheader:      strings.TrimSpace(c.FormValue("preheader")),
		Markdown:       normalizeNewlines(c.FormValue("markdown")),
		SendAt:         strings.TrimSpace(c.FormValue("send_at")),
		Archive:        formBool(c.FormValue("archive")),
		SkipInSequence: formBool(c.FormValue("skip_in_sequence")),
		TestTo:         strings.TrimSpace(c.FormValue("test_to")),
		Errors:         map[string]string{},
	}
}

// normalizeNewlines turns a form's CRLF line ends into LF.
func normalizeNewlines(v string) string { return strings.ReplaceAll(v, "\r\n", "\n") }

func formBool(v string) bool {
	switch strings.ToLower(v) {
	case "yes", "on", "true", "1":
		return true
	}
	return false
}

// sendTime reads the form's send time in the author's zone; empty means
// now.
func (s *Server) sendTime(f *templates.AdminCompose) (time.Time, string) {
	loc := s.authorZone()
	now := s.cfg.Clock.Now()
	if f.SendAt == "" {
		return now, ""
	}
	t, err := time.ParseInLocation(datetimeLocal, f.SendAt, loc)
	if err != nil {
		t, err = time.ParseInLocation(datetimeLocal+":05", f.SendAt, loc)
	}
	if err != nil {
		return time.Time{}, "Give a date and time, such as 2026-12-01 08:00, or leave it empty to send right away."
	}
	if t.Before(now.Add(-pastGrace)) {
		return time.Time{}, "That time has passed. Choose a later one, or leave it empty to send right away."
	}
	if t.Before(now) { // this minute, or a few ago: she means now, for everyone confirmed by now
		t = now
	}
	return t, ""
}

func (s *Server) composePost(c *fiber.Ctx) error {
	f := composeForm(c)
	d := templates.AdminDesk{Page: "compose", Compose: f}
	draft := newsletter.LetterDraft{Subject: f.Subject, Markdown: f.Markdown, Preheader: f.Preheader,
		Unlisted: !f.Archive, SkipInSequence: f.SkipInSequence}
	switch c.FormValue("action") {
	case "release":
		return s.releasePost(c)
	case "test":
		return s.composeTest(c, d, draft)
	case "draft":
		return s.composeDraft(c, d, draft)
	case "schedule", "send":
		return s.composeSchedule(c, d, draft)
	case "edit": // back from the confirmation, to write on
		return s.renderCompose(c, d)
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
	// The same mail to a reader who left no name: what a greeting such as
	// {{ or .FirstName "friend" }} gives them.
	nameless := compose.SampleSubscriber()
	nameless.Name = ""
	if m, err = comp.PreviewLetter(draft, nameless); err != nil {
		return fieldErrors(f.Errors, err)
	}
	f.Preview.Nameless = deskPreview(m)
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

// cancelPost cancels a scheduled, sending or held letter, or deletes a
// draft.
func (s *Server) cancelPost(c *fiber.Ctx) error {
	id := c.Params("id")
	err := s.cfg.Store.CancelLetter(c.UserContext(), id)
	if errors.Is(err, newsletter.ErrConflict) {
		return s.renderCompose(c.Status(fiber.StatusConflict), templates.AdminDesk{Page: "compose",
			Compose: &templates.AdminCompose{Archive: true},
			Error:   "That letter has already gone out, or was cancelled, so it can't be cancelled."})
	}
	if err != nil {
		return err
	}
	if _, err := s.cfg.Store.Letter(c.UserContext(), id); errors.Is(err, newsletter.ErrNotFound) {
		return c.Redirect("/admin/compose?done=draft-deleted", fiber.StatusSeeOther) // a draft: gone
	}
	return c.Redirect("/admin/compose?done=cancelled", fiber.StatusSeeOther)
}

// releasePost sends a held letter now: the Send it now button of a held
// letter, posted with action=release and the letter's id.
func (s *Server) releasePost(c *fiber.Ctx) error {
	_, err := s.cfg.Service.ReleaseLetter(c.UserContext(), strings.TrimSpace(c.FormValue("letter")))
	if errors.Is(err, newsletter.ErrConflict) {
		return s.renderCompose(c.Status(fiber.StatusConflict), templates.AdminDesk{Page: "compose",
			Compose: &templates.AdminCompose{Archive: true},
			Error:   "That letter is no longer held (it is going out already, or was cancelled), so there is nothing to send now."})
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin?done=sending", fiber.StatusSeeOther)
}
