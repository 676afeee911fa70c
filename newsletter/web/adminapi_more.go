package web

import (
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
)

// The admin API beyond the contract: what the desk needs, for scripts too.
//
//	POST   /admin/api/letters/preview                    {subject, markdown} → {subject, html, text}
//	POST   /admin/api/letters/test                       {subject, markdown, to} → {sent, to}
//	GET    /admin/api/subscribers/export                 text/csv (q and status filter)
//	PATCH  /admin/api/subscribers/:email                 {status} → the subscriber
//	DELETE /admin/api/subscribers/:email                 erase → {erased, email}
//	GET    /admin/api/sequences                          steps with counts
//	GET    /admin/api/sequences/:id/steps/:name/preview  {subject, html, text}
func (s *Server) adminAPIExtraRoutes(api fiber.Router) {
	api.Post("/letters/preview", s.previewLetterAPI)
	api.Post("/letters/test", s.testLetterAPI)
	api.Get("/subscribers/export", s.exportSubscribersAPI)
	api.Patch("/subscribers/:email", s.patchSubscriberAPI)
	api.Delete("/subscribers/:email", s.eraseSubscriberAPI)
	api.Get("/sequences", s.sequencesAPI)
	api.Get("/sequences/:id/steps/:name/preview", s.stepPreviewAPI)
}

func toSubscriberJSON(sub *newsletter.Subscriber) subscriberJSON {
	return subscriberJSON{Email: sub.Email, Name: sub.Name, Status: string(sub.Status),
		Sequence: sub.Sequence, Step: sub.Step, CreatedAt: sub.CreatedAt.Format(time.RFC3339)}
}

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

func (s *Server) exportSubscribersAPI(c *fiber.Ctx) error {
	st := newsletter.Status(c.Query("status"))
	if st != "" && !st.Valid() {
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"errors": fiber.Map{
			"status": "Use pending, confirmed, unsubscribed or bounced."}})
	}
	q := strings.TrimSpace(c.Query("q"))
	if len(q) > 200 {
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"errors": fiber.Map{
			"q": "Search with at most 200 characters."}})
	}
	return s.exportCSV(c, st, q)
}

// subscriberByParam finds the subscriber the :email of the path names.
func (s *Server) subscriberByParam(c *fiber.Ctx) (*newsletter.Subscriber, error) {
	sub, err := s.cfg.Store.SubscriberByEmail(c.UserContext(), emailParam(c, "email"))
	if errors.Is(err, newsletter.ErrNotFound) {
		return nil, fiber.NewError(fiber.StatusNotFound, "There is no subscriber with that address.")
	}
	return sub, err
}

func (s *Server) patchSubscriberAPI(c *fiber.Ctx) error {
	var in struct {
		Status string `json:"status"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return invalid(c, err)
	}
	sub, err := s.subscriberByParam(c)
	if err != nil {
		return err
	}
	sub, err = s.cfg.Service.SetStatus(c.UserContext(), sub.ID, newsletter.Status(in.Status))
	if err != nil {
		return invalid(c, err)
	}
	return c.JSON(toSubscriberJSON(sub))
}

func (s *Server) eraseSubscriberAPI(c *fiber.Ctx) error {
	sub, err := s.subscriberByParam(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Service.Erase(c.UserContext(), sub.ID); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"erased": true, "email": sub.Email})
}

// stepJSON is one step of a sequence as the API lists it.
type stepJSON struct {
	Name        string `json:"name"`
	Subject     string `json:"subject"`
	After       string `json:"after"`
	Window      string `json:"window"`
	Days        string `json:"days"`
	Subscribers int    `json:"subscribers"` // confirmed subscribers whose latest step this is
	Preview     string `json:"preview"`     // the API path of its preview
}

type sequenceJSON struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	NotStarted  int        `json:"not_started"` // confirmed, no step sent yet
	Steps       []stepJSON `json:"steps"`
}

func (s *Server) sequencesAPI(c *fiber.Ctx) error {
	infos, err := s.sequenceInfos(c.UserContext())
	if err != nil {
		return err
	}
	out := make([]sequenceJSON, 0, len(infos))
	for _, info := range infos {
		q := sequenceJSON{ID: info.Seq.ID, Title: info.Seq.Title, Description: info.Seq.Description,
			NotStarted: info.NotStarted, Steps: []stepJSON{}}
		for _, st := range info.Steps {
			j := stepJSON{Name: st.Step.Name, Subject: strings.TrimSpace(st.Step.Subject), After: formatAfter(st.Step.After),
				Days: st.Step.Days.String(), Subscribers: st.Subscribers,
				Preview: "/admin/api" + strings.TrimPrefix(stepURL(info.Seq.ID, st.Step.Name), "/admin") + "/preview"}
			if st.Step.Window != nil {
				j.Window = st.Step.Window.String()
			}
			q.Steps = append(q.Steps, j)
		}
		out = append(out, q)
	}
	return c.JSON(fiber.Map{"sequences": out})
}

func (s *Server) stepPreviewAPI(c *fiber.Ctx) error {
	m, err := s.previewStep(pathParam(c, "id"), pathParam(c, "name"))
	if err != nil {
		return err
	}
	return c.JSON(toPreviewJSON(m))
}
