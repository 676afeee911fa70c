package web

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/templates"
)

func (s *Server) overviewPage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	loc := s.deskZone(c)
	now := s.cfg.Clock.Now().In(loc)
	o := &templates.AdminOverview{Zone: loc.String()}

	counts, err := s.cfg.Store.CountStatuses(ctx)
	if err != nil {
		return err
	}
	for _, st := range newsletter.Statuses {
		o.Counts = append(o.Counts, templates.AdminCount{Status: string(st), N: counts[st]})
	}

	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
	bounds := make([]time.Time, overviewDays+1)
	for i := range bounds {
		bounds[i] = today.AddDate(0, 0, i-overviewDays+1)
	}
	perDay, err := s.cfg.Store.CountCreated(ctx, bounds)
	if err != nil {
		return err
	}
	most := 0
	for _, n := range perDay {
		most = max(most, n)
		o.DaysTotal += n
	}
	for i, n := range perDay {
		d := templates.AdminDay{Date: bounds[i], N: n}
		if most > 0 && n > 0 {
			d.Percent = max(3, n*100/most)
		}
		o.Days = append(o.Days, d)
	}

	letters, err := s.cfg.Store.ListLetters(ctx, "", 0)
	if err != nil {
		return err
	}
	for _, l := range letters {
		switch {
		case l.Status == newsletter.LetterHeld:
			o.Held = append(o.Held, deskLetterAt(l, loc, now))
		case l.Status == newsletter.LetterScheduled:
			o.Upcoming = append(o.Upcoming, deskLetter(l, loc))
		case (l.Status == newsletter.LetterSending || l.Status == newsletter.LetterSent) && len(o.Recent) < 5:
			o.Recent = append(o.Recent, deskLetter(l, loc))
		}
		if l.Failed > 0 && len(o.Failed) < 5 {
			o.Failed = append(o.Failed, deskLetter(l, loc))
		}
	}
	sort.Slice(o.Upcoming, func(i, j int) bool { return o.Upcoming[i].SendAt.Before(o.Upcoming[j].SendAt) })
	if len(o.Upcoming) > 5 {
		o.Upcoming = o.Upcoming[:5]
	}

	bounced, _, err := s.cfg.Store.Subscribers(ctx, newsletter.StatusBounced, 0, 5)
	if err != nil {
		return err
	}
	for _, b := range bounced {
		o.Bounced = append(o.Bounced, deskSubscriber(b, loc))
	}
	if o.Insight, err = s.deskInsight(c, o, letters); err != nil {
		return err
	}
	return s.render(c, templates.AdminDesk{Page: "overview", Overview: o})
}

// deskLetterAt is deskLetter with, for a held letter, the note that says
// what happened and what the author can do.
func deskLetterAt(l *newsletter.Letter, loc *time.Location, now time.Time) templates.AdminLetter {
	d := deskLetter(l, loc)
	if l.Status == newsletter.LetterHeld {
		d.Held = heldNote(l, loc, now)
	}
	return d
}

// heldNote explains a held letter in plain words: when it was due, that
// the service could not start it (or go on) within the grace, how much
// went out, and the two ways on.
func heldNote(l *newsletter.Letter, loc *time.Location, now time.Time) string {
	grace := newsletter.DefaultLateLetterGrace
	stalled := false
	if l.Hold != nil {
		if l.Hold.Grace > 0 {
			grace = l.Hold.Grace
		}
		stalled = l.Hold.Reason == newsletter.HeldStalled
	}
	due := dueWords(l.DueAt().In(loc), now.In(loc))
	var b strings.Builder
	if stalled {
		fmt.Fprintf(&b, "This letter was due %s and began going out, but then the service could not go on with it for %s (it was down, or sending was paused). ",
			due, graceWords(grace))
	} else {
		fmt.Fprintf(&b, "This letter was due %s but the service could not start it within %s (it was down, or sending was paused). ",
			due, graceWords(grace))
	}
	switch {
	case l.Sent == 0:
		b.WriteString("Nothing went out. Send it now, or cancel it.")
	case l.Recipients >= 0:
		fmt.Fprintf(&b, "%s of %s went out. Send the rest now, or cancel it.", thousands(l.Sent), thousands(l.Recipients))
	default:
		fmt.Fprintf(&b, "%s went out. Send the rest now, or cancel it.", thousands(l.Sent))
	}
	return b.String()
}

// dueWords says when something was due, seen from now: "at 09:00" today,
// "on 2 March at 09:00" this year, with the year before that.
func dueWords(t, now time.Time) string {
	switch {
	case t.Year() == now.Year() && t.YearDay() == now.YearDay():
		return "at " + t.Format("15:04")
	case t.Year() == now.Year():
		return "on " + t.Format("2 January") + " at " + t.Format("15:04")
	default:
		return "on " + t.Format("2 January 2006") + " at " + t.Format("15:04")
	}
}

// graceWords writes a duration as people say it: "an hour", "2 hours",
// "a minute", "45 minutes", "1 hour 30 minutes".
func graceWords(d time.Duration) string {
	d = max(d.Round(time.Minute), time.Minute)
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	count := func(n int, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return strconv.Itoa(n) + " " + unit + "s"
	}
	switch {
	case h > 0 && m > 0:
		return count(h, "hour") + " " + count(m, "minute")
	case h == 1:
		return "an hour"
	case h > 0:
		return count(h, "hour")
	case m == 1:
		return "a minute"
	default:
		return count(m, "minute")
	}
}

// thousands writes n with commas between groups of three digits.
func thousands(n int) string {
	if n < 0 {
		return "-" + thousands(-n)
	}
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
