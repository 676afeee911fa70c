package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
)

// suppressionPost adds one address to the suppression list from the desk.
func (s *Server) suppressionPost(c *fiber.Ctx) error {
	f := s.cfg.Feedback.Feedback
	if f == nil {
		return fiber.ErrNotFound
	}
	_, err := f.AddSuppressions(c.UserContext(), []newsletter.Suppression{{Email: c.FormValue("email"), Reason: c.FormValue("reason")}})
	if err != nil {
		return err
	}
	return c.Redirect("/admin/subscribers?done=suppressed#suppressed", fiber.StatusSeeOther)
}

// suppressionsCSV downloads the suppression list.
func (s *Server) suppressionsCSV(c *fiber.Ctx) error {
	f := s.cfg.Feedback.Feedback
	if f == nil {
		return fiber.ErrNotFound
	}
	list, err := f.Suppressions(c.UserContext())
	if err != nil {
		return err
	}
	return sendSuppressionsCSV(c, list)
}
