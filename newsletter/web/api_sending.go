package web

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
)

// sendingJSON is GET /admin/api/sending's answer.
type sendingJSON struct {
	State  string `json:"state"` // running or paused
	Reason string `json:"reason"`
	Since  string `json:"since,omitempty"` // RFC 3339
	By     string `json:"by,omitempty"`    // author, breaker or data-loss
}

func toSendingJSON(st newsletter.Sending) sendingJSON {
	out := sendingJSON{State: "running", Reason: st.Reason, By: st.By}
	if st.Paused {
		out.State = "paused"
	}
	if !st.Since.IsZero() {
		out.Since = st.Since.UTC().Format(time.RFC3339)
	}
	return out
}

// sendingState answers GET /admin/api/sending.
func (s *Server) sendingState(c *fiber.Ctx) error {
	st, err := s.cfg.Service.Sending(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(toSendingJSON(st))
}

// pauseSending answers POST /admin/api/sending/pause {"reason":"…"} (the
// body is optional).
func (s *Server) pauseSending(c *fiber.Ctx) error {
	var in struct {
		Reason string `json:"reason"`
	}
	if len(c.Body()) > 0 {
		if err := decodeJSON(c, &in); err != nil {
			return err
		}
	}
	st, err := s.cfg.Service.PauseSending(c.UserContext(), in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(toSendingJSON(st))
}

// resumeSending answers POST /admin/api/sending/resume.
func (s *Server) resumeSending(c *fiber.Ctx) error {
	st, err := s.cfg.Service.ResumeSending(c.UserContext())
	if err != nil {
		return err
	}
	return c.JSON(toSendingJSON(st))
}
