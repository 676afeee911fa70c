package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/templates"
)

// deskSending is the sending state for the desk's banner: shown on every
// page while sending is paused, with Resume; on the overview, a Pause.
func (s *Server) deskSending(c *fiber.Ctx) *templates.AdminSending {
	st, err := s.cfg.Service.Sending(c.UserContext())
	if err != nil {
		return nil // the page itself says when the store is away
	}
	out := &templates.AdminSending{Paused: st.Paused, Reason: st.Reason, By: st.By}
	if !st.Since.IsZero() {
		out.Since = st.Since.In(s.deskZone(c)).Format("Mon 2 Jan 15:04 MST")
	}
	return out
}

// sendingPost pauses or resumes sending from the desk (action=pause with
// an optional reason, or action=resume).
func (s *Server) sendingPost(c *fiber.Ctx) error {
	var err error
	switch c.FormValue("action") {
	case "pause":
		_, err = s.cfg.Service.PauseSending(c.UserContext(), c.FormValue("reason"))
	case "resume":
		_, err = s.cfg.Service.ResumeSending(c.UserContext())
	default:
		return fiber.NewError(fiber.StatusBadRequest, "Choose pause or resume.")
	}
	if err != nil {
		return err
	}
	return c.Redirect("/admin?done="+c.FormValue("action")+"d", fiber.StatusSeeOther)
}
