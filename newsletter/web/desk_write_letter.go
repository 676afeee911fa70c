package web

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/templates"
)

// A letter's own page in the desk, /admin/letters/<id>: what it says, to
// how many it went (recipients, sent, failed, skipped), and what can
// still be done: Edit a draft or a scheduled letter, Undo one due within
// undoWindow, Stop one that is sending (its counts kept up to date by
// /admin/desk.js from …/progress, a small JSON of counts). A sent letter
// opens read-only. Every time on it is in the author's zone.

// autosavePath is where the compose page's script saves the draft.
const autosavePath = "/admin/drafts/autosave"

// writeRoutes adds the routes of writing and sending.
func (s *Server) writeRoutes() {
	s.app.Get("/admin/desk.js", static("desk.js", "text/javascript; charset=utf-8"))
	s.app.Post(autosavePath, s.desk, s.autosavePost)
	s.app.Get("/admin/letters/:id", s.desk, s.deskLetterPage)
	s.app.Get("/admin/letters/:id/progress", s.desk, s.letterProgress)
	s.app.Post("/admin/letters/:id/undo", s.desk, s.undoPost)
	s.app.Post("/admin/letters/:id/stop", s.desk, s.stopPost)
}

// letterNotices are the letter page's lines after a form redirects there.
var letterNotices = map[string]string{
	"scheduled": "The letter is scheduled.",
	"stopped":   "Sending is stopped: nothing more of it goes out. The counts below are final once the mails in flight settle.",
}

func (s *Server) deskLetterPage(c *fiber.Ctx) error {
	l, err := s.cfg.Store.Letter(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	loc := s.deskZone(c)
	now := s.cfg.Clock.Now()
	v := &templates.AdminLetterView{AdminLetter: deskLetterAt(l, loc, now), Preheader: l.Preheader, Markdown: l.Markdown,
		Zone: loc.String(), Remaining: remaining(l), Undo: undoable(l, now),
		Editable: l.Status == newsletter.LetterDrafted || l.Status == newsletter.LetterScheduled}
	if !l.StartedAt.IsZero() {
		v.Started = l.StartedAt.In(loc).Format("2 January 2006, 15:04 MST")
	}
	if comp, err := s.composer(); err == nil {
		draft := newsletter.LetterDraft{Subject: l.Subject, Markdown: l.Markdown, Preheader: l.Preheader, Unlisted: l.Unlisted}
		if m, err := comp.PreviewLetter(draft, nil); err == nil {
			v.Preview = deskPreview(m)
		}
	}
	d := templates.AdminDesk{Page: "letter", Letter: v, Notice: letterNotices[c.Query("done")]}
	if d.Notice != "" && c.Query("done") == "scheduled" && l.Status == newsletter.LetterScheduled {
		d.Notice = scheduledNotice(l, loc, now)
	}
	return s.render(c, d)
}

// scheduledNotice says when a letter just scheduled goes out, and that
// it can still be taken back.
func scheduledNotice(l *newsletter.Letter, loc *time.Location, now time.Time) string {
	when := l.SendAt.In(loc).Format("Monday 2 January at 15:04 MST")
	if undoable(l, now) {
		return "The letter goes out at " + l.SendAt.In(loc).Format("15:04 MST") + ". Until then you can take it back with Undo."
	}
	return "The letter is scheduled for " + when + "."
}

// remaining is how many of a letter's sends are not dealt with yet; 0
// before its fan-out.
func remaining(l *newsletter.Letter) int {
	if l.Recipients < 0 {
		return 0
	}
	return max(0, l.Recipients-l.Sent-l.Failed-l.Skipped)
}

// progressJSON is a letter's counts for the page's script.
type progressJSON struct {
	Status     string `json:"status"`
	Recipients int    `json:"recipients"`
	Sent       int    `json:"sent"`
	Failed     int    `json:"failed"`
	Skipped    int    `json:"skipped"`
	Remaining  int    `json:"remaining"`
	// Words says it as the page does: "12 sent, 28 to go".
	Words string `json:"words"`
}

func (s *Server) letterProgress(c *fiber.Ctx) error {
	l, err := s.cfg.Store.Letter(c.UserContext(), c.Params("id"))
	if errors.Is(err, newsletter.ErrNotFound) {
		return c.Status(fiber.StatusNotFound).JSON(fiber.Map{"error": "There is no such letter."})
	}
	if err != nil {
		return err
	}
	return c.JSON(progressJSON{Status: string(l.Status), Recipients: l.Recipients, Sent: l.Sent, Failed: l.Failed,
		Skipped: l.Skipped, Remaining: remaining(l), Words: progressWords(l)})
}

// progressWords is a sending letter's counts in words.
func progressWords(l *newsletter.Letter) string {
	if l.Recipients < 0 {
		return "Starting: finding its readers."
	}
	w := fmt.Sprintf("%d sent, %d to go", l.Sent, remaining(l))
	if l.Failed > 0 {
		w += fmt.Sprintf(", %d failed", l.Failed)
	}
	if l.Skipped > 0 {
		w += fmt.Sprintf(", %d left before their turn", l.Skipped)
	}
	return w + fmt.Sprintf(" (of %d).", l.Recipients)
}

// undoPost takes a scheduled letter back: it is cancelled (cancelletter.lua
// decides in one step against the worker's start: a letter still
// scheduled never goes out) and its text comes back as a new draft. When
// the worker started it in the same instant, the cancel stops it: at
// most the mails already in flight go, and the page says so.
func (s *Server) undoPost(c *fiber.Ctx) error {
	ctx := c.UserContext()
	id := c.Params("id")
	l, err := s.cfg.Store.Letter(ctx, id)
	if err != nil {
		return err
	}
	tooLate := func() error {
		return fiber.NewError(fiber.StatusConflict, "It is too late to undo: the letter is "+string(l.Status)+
			". A letter that is sending can be stopped on its page.")
	}
	if l.Status != newsletter.LetterScheduled {
		return tooLate()
	}
	if err := s.cfg.Store.CancelLetter(ctx, id); errors.Is(err, newsletter.ErrConflict) {
		if l, err = s.cfg.Store.Letter(ctx, id); err != nil {
			return err
		}
		return tooLate()
	} else if err != nil {
		return err
	}
	after, err := s.cfg.Store.Letter(ctx, id)
	if err != nil {
		return err
	}
	draft := newsletter.LetterDraft{Subject: l.Subject, Markdown: l.Markdown, Preheader: l.Preheader,
		Unlisted: l.Unlisted, SkipInSequence: l.SkipInSequence}
	newID, err := s.cfg.Service.SaveDraft(ctx, draft)
	if err != nil {
		return err
	}
	done := "undone"
	if after.Recipients >= 0 || after.Sent+after.Failed+after.Skipped > 0 || !after.StartedAt.IsZero() {
		done = "undone-late" // the worker had begun: stopped, at most the mails in flight went
	}
	return c.Redirect("/admin/compose?done="+done+"&id="+url.QueryEscape(newID), fiber.StatusSeeOther)
}

// stopPost stops a letter that is sending: nothing more of it goes out
// but the mails in flight.
func (s *Server) stopPost(c *fiber.Ctx) error {
	id := c.Params("id")
	if err := s.cfg.Store.CancelLetter(c.UserContext(), id); errors.Is(err, newsletter.ErrConflict) {
		return fiber.NewError(fiber.StatusConflict, "There is nothing to stop: the letter has gone out already, or was stopped.")
	} else if err != nil {
		return err
	}
	return c.Redirect("/admin/letters/"+url.PathEscape(id)+"?done=stopped", fiber.StatusSeeOther)
}

// autosaveJSON is the autosave's answer.
type autosaveJSON struct {
	ID string `json:"id"`
	// Saved is when, in the author's zone ("14:03").
	Saved  string            `json:"saved,omitempty"`
	Errors map[string]string `json:"errors,omitempty"`
	Error  string            `json:"error,omitempty"`
}

// autosavePost saves the compose form as a draft while she types: a new
// draft (its id comes back, for the next save) or the draft it edits.
// 422 with the fields to fix when it cannot be saved as it stands; 409
// when the letter is no longer a draft. The script keeps the text in the
// browser until an answer says it is saved.
func (s *Server) autosavePost(c *fiber.Ctx) error {
	f := composeForm(c)
	draft := newsletter.LetterDraft{Subject: f.Subject, Markdown: f.Markdown, Preheader: f.Preheader,
		Unlisted: !f.Archive, SkipInSequence: f.SkipInSequence}
	id := f.ID
	var err error
	if id == "" {
		id, err = s.cfg.Service.SaveDraft(c.UserContext(), draft)
	} else {
		err = s.cfg.Service.UpdateLetter(c.UserContext(), id, draft)
	}
	var fe newsletter.FieldErrors
	switch {
	case err == nil:
		return c.JSON(autosaveJSON{ID: id, Saved: s.cfg.Clock.Now().In(s.deskZone(c)).Format("15:04")})
	case errors.As(err, &fe):
		if _, sched := fe["send_at"]; sched { // a scheduled letter: saved only by its own button
			return c.Status(fiber.StatusConflict).JSON(autosaveJSON{ID: id, Error: "This letter is scheduled: save your changes with its button."})
		}
		errs := map[string]string{}
		for k, v := range fe {
			errs[k] = v
		}
		plainErrors(errs)
		return c.Status(fiber.StatusUnprocessableEntity).JSON(autosaveJSON{ID: f.ID, Errors: errs})
	case errors.Is(err, newsletter.ErrConflict), errors.Is(err, newsletter.ErrNotFound):
		return c.Status(fiber.StatusConflict).JSON(autosaveJSON{ID: id,
			Error: "This draft was scheduled or deleted meanwhile. Your text is kept in this browser: reload the page to see it."})
	}
	return err
}
