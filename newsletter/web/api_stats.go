package web

import (
	"github.com/gofiber/fiber/v2"
)

// statsAPI answers GET /admin/api/stats: counts only, never a person
// (service.Stats). Reading it costs a few counters, no subscriber.
func (s *Server) statsAPI(c *fiber.Ctx) error {
	st, err := s.cfg.Service.Stats(c.UserContext())
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(st)
}

// countDownload counts a guide download for the stats; a failure is
// logged by the service and costs the reader nothing.
func (s *Server) countDownload(c *fiber.Ctx) {
	s.cfg.Service.CountDownload(c.UserContext())
}
