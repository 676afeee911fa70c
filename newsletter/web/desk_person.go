package web

import (
	"net/url"
	"sort"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/templates"
)

// The desk's page of one subscriber: their record and what they got and
// when, read from the send ledger; every time in AUTHOR_TZ.

// deskRoutes are the desk's rooms for sequences, subscribers' pages and
// images (desk.go's adminUIRoutes calls it once).
func (s *Server) deskRoutes() {
	a := s.app
	a.Get("/admin/subscribers/:email", s.desk, s.personPage)
	a.Post("/admin/sequences/:id/pause", s.desk, s.sequencePausePost)
	a.Post("/admin/sequences/:id/resume", s.desk, s.sequenceResumePost)
	a.Get("/admin/sequences/:id/export.tar.gz", s.desk, s.exportSequenceAPI)
	a.Post("/admin/sequences/:id/steps/:name", s.desk, s.stepPost)
	s.imageRoutes()
}

// sendKinds words a ledger entry's kind for the author.
var sendKinds = map[string]string{"confirm": "Confirmation", "step": "Sequence letter", "letter": "Letter"}

func (s *Server) personPage(c *fiber.Ctx) error {
	sub, err := s.subscriberByParam(c)
	if err != nil {
		return err
	}
	ex, err := s.cfg.Service.Export(c.UserContext(), sub.ID)
	if err != nil {
		return err
	}
	loc := s.deskZone(c)
	p := &templates.AdminPerson{Email: sub.Email, Name: sub.Name, Status: string(sub.Status), Sequence: sub.Sequence,
		Step: sub.Step, TZ: sub.TZ, CreatedAt: sub.CreatedAt.In(loc), Zone: loc.String()}
	if sub.Status != newsletter.StatusConfirmed && sub.Status != newsletter.StatusPending {
		p.Reason = sub.LeftReason()
	}
	if !ex.Consent.ConfirmedAt.IsZero() {
		p.ConfirmedAt = ex.Consent.ConfirmedAt.In(loc)
	}
	sends := append([]newsletter.Send(nil), ex.Sends...)
	sort.SliceStable(sends, func(i, j int) bool { return sends[i].SentAt.Before(sends[j].SentAt) })
	for _, sd := range sends {
		kind := sendKinds[sd.Kind]
		if kind == "" {
			kind = sd.Kind
		}
		p.Sends = append(p.Sends, templates.AdminSend{Kind: kind, Subject: sd.Subject, SentAt: sd.SentAt.In(loc)})
	}
	if q, ok := s.cfg.Service.Sequences.Get(sub.Sequence); ok && sub.Status == newsletter.StatusConfirmed {
		if next, ok := q.StepAfter(sub.LastStep); ok {
			p.PreviewURL = stepURL(q.ID, next.Name) + "?for=" + url.QueryEscape(sub.Email)
		}
	}
	return s.render(c, templates.AdminDesk{Page: "subscriber", Person: p})
}
