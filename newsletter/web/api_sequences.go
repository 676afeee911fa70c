package web

import (
	"strings"

	"github.com/gofiber/fiber/v2"
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
