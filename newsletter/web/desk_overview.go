package web

import (
	"sort"
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
	return s.render(c, templates.AdminDesk{Page: "overview", Overview: o})
}
