package web

import (
	"context"
	"net/url"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/templates"
)

// Sending from the compose page. "Send now" and "Schedule" first show a
// confirmation: the exact number of readers it goes to and when, in the
// author's zone; the form's fields ride along hidden, so it works without
// script. Only the confirmation's button (confirmed=yes) schedules it.
//
// "Send now" schedules the letter undoDelay ahead, so that there is a
// moment to take it back: a letter still scheduled and due within
// undoWindow has an Undo button (desk_write_letter.go).

const (
	// undoDelay is how long after "Send now" a letter goes out.
	undoDelay = time.Minute
	// undoWindow: a scheduled letter due within this long has Undo.
	undoWindow = 5 * time.Minute
)

// undoable reports whether l can be taken back with Undo at now: it is
// still scheduled, and due within undoWindow (or due already, and not
// started yet).
func undoable(l *newsletter.Letter, now time.Time) bool {
	return l.Status == newsletter.LetterScheduled && l.SendAt.Sub(now) <= undoWindow
}

// composeSchedule is the Send now and Schedule buttons (action send or
// schedule): the confirmation first, then, confirmed, the schedule.
func (s *Server) composeSchedule(c *fiber.Ctx, d templates.AdminDesk, draft newsletter.LetterDraft) error {
	f := d.Compose
	now := s.cfg.Clock.Now()
	f.Write.SendNow = c.FormValue("action") == "send"
	var at time.Time
	switch {
	case f.Write.SendNow:
		at = now.Add(undoDelay)
	case f.SendAt == "":
		f.Errors["send_at"] = "Choose the day and time it goes out, or press Send now."
	default:
		var msg string
		if at, msg = s.sendTime(f); msg != "" {
			f.Errors["send_at"] = msg
		}
	}
	draft.SendAt = at
	check := compose.Validate
	if at.IsZero() {
		check = compose.ValidateContent
	}
	if err := check(draft); err != nil {
		if err := fieldErrors(f.Errors, err); err != nil {
			return err
		}
	}
	if len(f.Errors) > 0 {
		return s.renderCompose(c, d)
	}
	if c.FormValue("confirmed") != "yes" {
		return s.confirmSend(c, d, draft)
	}
	id := f.ID
	var err error
	if id != "" {
		err = s.cfg.Service.UpdateLetter(c.UserContext(), id, draft)
	} else {
		id, err = s.cfg.Service.ScheduleLetter(c.UserContext(), draft)
	}
	if err != nil {
		return s.saveFailed(c, d, err, "This letter is no longer a draft or scheduled (it went out, or was cancelled), so it can't be changed. Its text is still here: schedule it as a new letter if you like.")
	}
	return c.Redirect("/admin/letters/"+url.PathEscape(id)+"?done=scheduled", fiber.StatusSeeOther)
}

// confirmSend shows the confirmation of a letter about to be scheduled
// at draft.SendAt.
func (s *Server) confirmSend(c *fiber.Ctx, d templates.AdminDesk, draft newsletter.LetterDraft) error {
	f := d.Compose
	n, inSeq, err := s.recipientCount(c.UserContext(), draft.SkipInSequence)
	if err != nil {
		return err
	}
	loc := s.deskZone(c)
	f.Write.Confirm = &templates.AdminConfirm{Now: f.Write.SendNow, Zone: loc.String(), Recipients: n, InSequence: inSeq,
		Edit: f.ID != "" && !f.Draft, Public: f.Archive, UndoDelay: "a minute",
		When: draft.SendAt.In(loc).Format("Monday 2 January 2006 at 15:04 MST")}
	return s.renderCompose(c, d)
}

// recipientCount is how many readers a letter would go to now: every
// subscriber confirmed now, as the admin API counts a scheduled letter's
// recipients (bounced, complained and unsubscribed readers are not
// confirmed). With skipInSequence, those still receiving a welcome
// sequence (a step of it not sent yet) are left out, and counted in
// inSequence.
func (s *Server) recipientCount(ctx context.Context, skipInSequence bool) (n, inSequence int, err error) {
	counts, err := s.cfg.Store.CountStatuses(ctx)
	if err != nil {
		return 0, 0, err
	}
	n = counts[newsletter.StatusConfirmed]
	if !skipInSequence {
		return n, 0, nil
	}
	pos, err := s.cfg.Store.StepPositions(ctx)
	if err != nil {
		return 0, 0, err
	}
	for id, at := range pos {
		last := ""
		if seq, ok := s.cfg.Service.Sequences.Get(id); ok && len(seq.Steps) > 0 {
			last = seq.Steps[len(seq.Steps)-1].Name
		}
		for step, k := range at {
			if last != "" && step != last {
				inSequence += k
			}
		}
	}
	return n - inSequence, inSequence, nil
}
