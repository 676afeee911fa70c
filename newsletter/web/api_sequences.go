package web

import (
	"bytes"
	"errors"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/sequences"
)

// stepJSON is one step of a sequence as the API lists it.
type stepJSON struct {
	Name        string `json:"name"`
	Subject     string `json:"subject"`
	After       string `json:"after"`
	Window      string `json:"window"`
	Days        string `json:"days"`
	Subscribers int    `json:"subscribers"` // confirmed subscribers whose latest step this is
	Preview     string `json:"preview"`     // the API path of its preview
	Changed     bool   `json:"changed"`     // changed from the desk (PUT …/steps/:name), not as in its file
}

type sequenceJSON struct {
	ID          string     `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	NotStarted  int        `json:"not_started"` // confirmed, no step sent yet
	State       string     `json:"state"`       // running or paused
	Waiting     int64      `json:"waiting"`     // readers whose step came due during a pause
	Steps       []stepJSON `json:"steps"`
}

func (s *Server) sequencesAPI(c *fiber.Ctx) error {
	infos, err := s.sequenceInfos(c.UserContext())
	if err != nil {
		return err
	}
	states, err := s.cfg.Service.SequenceStates(c.UserContext())
	if err != nil {
		return err
	}
	set := s.cfg.Service.Sequences
	out := make([]sequenceJSON, 0, len(infos))
	for _, info := range infos {
		state := toSequenceStateJSON(states[info.Seq.ID])
		q := sequenceJSON{ID: info.Seq.ID, Title: info.Seq.Title, Description: info.Seq.Description,
			NotStarted: info.NotStarted, State: state.State, Waiting: state.Waiting, Steps: []stepJSON{}}
		for _, st := range info.Steps {
			j := stepJSON{Name: st.Step.Name, Subject: strings.TrimSpace(st.Step.Subject), After: formatAfter(st.Step.After),
				Days: st.Step.Days.String(), Subscribers: st.Subscribers,
				Preview: "/admin/api" + strings.TrimPrefix(stepURL(info.Seq.ID, st.Step.Name), "/admin") + "/preview"}
			_, j.Changed = set.Override(info.Seq.ID, st.Step.Name)
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

// The sequence controls of the admin API:
//
//	POST   /admin/api/sequences/:id/pause         → the sequence's state
//	POST   /admin/api/sequences/:id/resume        → the sequence's state
//	PUT    /admin/api/sequences/:id/steps/:name   {subject, markdown, after} → the step as now sent
//	DELETE /admin/api/sequences/:id/steps/:name   back to its file → the step as now sent
//	GET    /admin/api/sequences/:id/export       application/gzip: the folder as it now stands
//	GET    /admin/api/stats                      counts only (api_stats.go)
func (s *Server) sequenceControlRoutes(api fiber.Router) {
	api.Post("/sequences/:id/pause", s.pauseSequenceAPI)
	api.Post("/sequences/:id/resume", s.resumeSequenceAPI)
	api.Put("/sequences/:id/steps/:name", s.changeStepAPI)
	api.Delete("/sequences/:id/steps/:name", s.revertStepAPI)
	api.Get("/sequences/:id/export", s.exportSequenceAPI)
	api.Get("/stats", s.statsAPI)
}

// sequenceStateJSON is a sequence's pause state as the API answers it.
type sequenceStateJSON struct {
	ID      string `json:"id"`
	State   string `json:"state"`           // running or paused
	Since   string `json:"since,omitempty"` // RFC 3339, while paused
	Waiting int64  `json:"waiting"`         // readers whose step came due during the pause
}

func toSequenceStateJSON(st service.SequenceState) sequenceStateJSON {
	out := sequenceStateJSON{ID: st.ID, State: "running", Waiting: st.Waiting}
	if st.Paused {
		out.State, out.Since = "paused", st.Since.UTC().Format(time.RFC3339)
	}
	return out
}

// noSequence answers a sequence id the set does not have.
func noSequence(err error) error {
	if errors.Is(err, newsletter.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "There is no such sequence.")
	}
	return err
}

// noStep answers a step the set does not have.
func noStep(err error) error {
	if errors.Is(err, newsletter.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "There is no such step.")
	}
	return err
}

func (s *Server) pauseSequenceAPI(c *fiber.Ctx) error {
	st, err := s.cfg.Service.PauseSequence(c.UserContext(), pathParam(c, "id"))
	if err != nil {
		return noSequence(err)
	}
	return c.JSON(toSequenceStateJSON(st))
}

func (s *Server) resumeSequenceAPI(c *fiber.Ctx) error {
	st, err := s.cfg.Service.ResumeSequence(c.UserContext(), pathParam(c, "id"))
	if err != nil {
		return noSequence(err)
	}
	return c.JSON(toSequenceStateJSON(st))
}

// stepChangeJSON is a step as sent now, with its source.
type stepChangeJSON struct {
	Sequence  string `json:"sequence"`
	Name      string `json:"name"`
	Subject   string `json:"subject"`
	Markdown  string `json:"markdown"`
	After     string `json:"after"`
	Window    string `json:"window"`
	Days      string `json:"days"`
	Changed   bool   `json:"changed"`              // changed from the desk, not as in its file
	ChangedAt string `json:"changed_at,omitempty"` // RFC 3339
}

func (s *Server) toStepChangeJSON(id string, st *sequences.Step) stepChangeJSON {
	out := stepChangeJSON{Sequence: id, Name: st.Name, Subject: st.Subject, Markdown: st.Body,
		After: formatAfter(st.After), Days: st.Days.String()}
	if st.Window != nil {
		out.Window = st.Window.String()
	}
	if o, ok := s.cfg.Service.Sequences.Override(id, st.Name); ok {
		out.Changed, out.After = true, o.After
		if !o.At.IsZero() {
			out.ChangedAt = o.At.UTC().Format(time.RFC3339)
		}
	}
	return out
}

// changeStepAPI answers PUT /admin/api/sequences/:id/steps/:name.
func (s *Server) changeStepAPI(c *fiber.Ctx) error {
	var in struct {
		Subject  string `json:"subject"`
		Markdown string `json:"markdown"`
		After    string `json:"after"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	id := pathParam(c, "id")
	st, err := s.cfg.Service.ChangeStep(c.UserContext(), id, pathParam(c, "name"),
		sequences.Override{Subject: in.Subject, Markdown: in.Markdown, After: in.After})
	if err != nil {
		return noStep(err)
	}
	return c.JSON(s.toStepChangeJSON(id, st))
}

// revertStepAPI answers DELETE /admin/api/sequences/:id/steps/:name.
func (s *Server) revertStepAPI(c *fiber.Ctx) error {
	id, name := pathParam(c, "id"), pathParam(c, "name")
	st, err := s.cfg.Service.RevertStep(c.UserContext(), id, name)
	if err != nil {
		if errors.Is(err, newsletter.ErrNotFound) {
			return fiber.NewError(fiber.StatusNotFound, "There is no such step changed from the desk.")
		}
		return err
	}
	return c.JSON(s.toStepChangeJSON(id, st))
}

// exportSequenceAPI answers GET /admin/api/sequences/:id/export with the
// folder as it now stands, a .tar.gz (sequences.Set.Export).
func (s *Server) exportSequenceAPI(c *fiber.Ctx) error {
	id := pathParam(c, "id")
	var b bytes.Buffer
	if err := s.cfg.Service.Sequences.Export(&b, id, s.cfg.Clock.Now()); err != nil {
		if errors.Is(err, sequences.ErrNoSequence) {
			return fiber.NewError(fiber.StatusNotFound, "There is no such sequence.")
		}
		return err
	}
	c.Set(fiber.HeaderContentType, "application/gzip")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+id+`.tar.gz"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(b.Bytes())
}
