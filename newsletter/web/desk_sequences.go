package web

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

// The sequences pages: every step with how many readers stand at it, and a
// page per step with its preview.

func stepURL(seq, name string) string {
	return "/admin/sequences/" + url.PathEscape(seq) + "/steps/" + url.PathEscape(name)
}

// deskSequences turns sequence infos into page data, marking the steps
// changed from the desk (an override laid over the file) and the paused
// sequences (states may be nil: none paused).
func deskSequences(infos []sequenceInfo, set *sequences.Set, states map[string]service.SequenceState) []templates.AdminSequence {
	var out []templates.AdminSequence
	for _, info := range infos {
		state := states[info.Seq.ID]
		q := templates.AdminSequence{ID: info.Seq.ID, Title: info.Seq.Title, Description: info.Seq.Description,
			NotStarted: info.NotStarted, Paused: state.Paused, Waiting: state.Waiting}
		for i, st := range info.Steps {
			_, changed := set.Override(info.Seq.ID, st.Step.Name)
			q.Steps = append(q.Steps, templates.AdminStep{Sequence: info.Seq.ID, Name: st.Step.Name,
				Subject: strings.TrimSpace(st.Step.Subject), When: stepWhen(i, st.Step), N: st.Subscribers,
				URL: stepURL(info.Seq.ID, st.Step.Name), Changed: changed})
		}
		out = append(out, q)
	}
	return out
}

func (s *Server) sequencesPage(c *fiber.Ctx) error {
	infos, err := s.sequenceInfos(c.UserContext())
	if err != nil {
		return err
	}
	states, err := s.cfg.Service.SequenceStates(c.UserContext())
	if err != nil {
		return err
	}
	return s.render(c, templates.AdminDesk{Page: "sequences", Sequences: deskSequences(infos, s.cfg.Service.Sequences, states)})
}

func (s *Server) stepPage(c *fiber.Ctx) error {
	id, name := pathParam(c, "id"), pathParam(c, "name")
	m, err := s.previewStep(id, name)
	if err != nil {
		return err
	}
	infos, err := s.sequenceInfos(c.UserContext())
	if err != nil {
		return err
	}
	var step templates.AdminStep
	for _, q := range deskSequences(infos, s.cfg.Service.Sequences, nil) {
		for _, v := range q.Steps {
			if q.ID == id && v.Name == name {
				step = v
			}
		}
	}
	step.Preview = deskPreview(m)
	return s.render(c, templates.AdminDesk{Page: "step", Step: &step})
}

// pathParam reads a path parameter, percent-decoded.
func pathParam(c *fiber.Ctx, name string) string {
	v := c.Params(name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}
