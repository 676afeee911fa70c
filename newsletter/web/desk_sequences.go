package web

import (
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

// The sequences pages: every step with how many readers stand at it, pause
// and resume, the export; and a page per step with its preview (for the
// sample reader or a given subscriber, with and without a name), a test
// send to the author, and the form that changes it (desk_step.go).

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

// sequenceNotices are the lines shown after a sequence form redirects.
var sequenceNotices = map[string]string{
	"seq-paused":   "The sequence is paused: none of its letters goes out until you resume it.",
	"seq-resumed":  "The sequence runs again: each reader who waited gets their next letter once.",
	"step-saved":   "The letter is changed: from now on readers get it as you wrote it here.",
	"step-back":    "The letter is back to its file: readers get it as the file says.",
	"step-no-more": "That letter was not changed from the desk.",
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
	return s.render(c, templates.AdminDesk{Page: "sequences", Notice: sequenceNotices[c.Query("done")],
		Sequences: deskSequences(infos, s.cfg.Service.Sequences, states)})
}

func (s *Server) sequencePausePost(c *fiber.Ctx) error {
	if _, err := s.cfg.Service.PauseSequence(c.UserContext(), pathParam(c, "id")); err != nil {
		return noSequence(err)
	}
	return c.Redirect("/admin/sequences?done=seq-paused", fiber.StatusSeeOther)
}

func (s *Server) sequenceResumePost(c *fiber.Ctx) error {
	if _, err := s.cfg.Service.ResumeSequence(c.UserContext(), pathParam(c, "id")); err != nil {
		return noSequence(err)
	}
	return c.Redirect("/admin/sequences?done=seq-resumed", fiber.StatusSeeOther)
}

// stepFor is the reader a step's preview is addressed to: the subscriber
// with address email, as a copy whose links lead nowhere (the preview's
// id), or the sample reader when email is empty. A message says why an
// address could not be used.
func (s *Server) stepFor(c *fiber.Ctx, email string) (*newsletter.Subscriber, string, error) {
	sample := compose.SampleSubscriber()
	if email == "" {
		return sample, "", nil
	}
	sub, err := s.cfg.Store.SubscriberByEmail(c.UserContext(), newsletter.NormalizeEmail(email))
	switch {
	case errors.Is(err, newsletter.ErrNotFound):
		return sample, "There is no subscriber with the address " + email + "; the preview shows the sample reader.", nil
	case err != nil:
		return nil, "", err
	}
	reader := *sub
	reader.ID = compose.PreviewID
	return &reader, "", nil
}

// stepPreviews renders step for reader, and for the same reader without a
// name.
func (s *Server) stepPreviews(st *sequences.Step, reader *newsletter.Subscriber) (*templates.AdminPreview, error) {
	comp, err := s.composer()
	if err != nil {
		return nil, err
	}
	m, err := comp.Step(reader, st)
	if err != nil {
		return nil, err
	}
	p := deskPreview(m)
	nameless := *reader
	nameless.Name = ""
	if m, err = comp.Step(&nameless, st); err != nil {
		return nil, err
	}
	p.Nameless = deskPreview(m)
	return p, nil
}

// stepPage shows a step: its preview for ?for=<address> (or the sample
// reader), with and without a name, and the form that changes it.
func (s *Server) stepPage(c *fiber.Ctx) error {
	id, name := pathParam(c, "id"), pathParam(c, "name")
	st, err := s.findStep(id, name)
	if err != nil {
		return err
	}
	d, err := s.stepDesk(c, id, st)
	if err != nil {
		return err
	}
	d.Notice = sequenceNotices[c.Query("done")]
	return s.render(c, d)
}

// stepDesk is the page data of step st of sequence id, its form holding
// the step as now sent.
func (s *Server) stepDesk(c *fiber.Ctx, id string, st *sequences.Step) (templates.AdminDesk, error) {
	infos, err := s.sequenceInfos(c.UserContext())
	if err != nil {
		return templates.AdminDesk{}, err
	}
	states, err := s.cfg.Service.SequenceStates(c.UserContext())
	if err != nil {
		return templates.AdminDesk{}, err
	}
	var step templates.AdminStep
	for _, q := range deskSequences(infos, s.cfg.Service.Sequences, states) {
		for _, v := range q.Steps {
			if q.ID == id && v.Name == st.Name {
				step = v
			}
		}
	}
	now := s.toStepChangeJSON(id, st)
	more := &templates.AdminStepMore{For: strings.TrimSpace(c.Query("for")), Subject: now.Subject, Markdown: now.Markdown,
		After: now.After, Errors: map[string]string{}, TestTo: s.cfg.AuthorEmail, Paused: states[id].Paused,
		ExportURL: "/admin/sequences/" + url.PathEscape(id) + "/export.tar.gz"}
	if len(more.For) > 254 {
		more.For = more.For[:254]
	}
	if o, ok := s.cfg.Service.Sequences.Override(id, st.Name); ok && !o.At.IsZero() {
		more.ChangedAt = o.At.In(s.deskZone(c))
	}
	reader, msg, err := s.stepFor(c, more.For)
	if err != nil {
		return templates.AdminDesk{}, err
	}
	more.ForError = msg
	if step.Preview, err = s.stepPreviews(st, reader); err != nil {
		return templates.AdminDesk{}, err
	}
	step.More = more
	return templates.AdminDesk{Page: "step", Step: &step}, nil
}

// pathParam reads a path parameter, percent-decoded.
func pathParam(c *fiber.Ctx, name string) string {
	v := c.Params(name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}
