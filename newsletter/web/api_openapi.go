package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/docs"
)

// openAPI serves the OpenAPI description of the admin API, exactly the
// bytes built into the binary (docs/openapi.json).
func (s *Server) openAPI(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return c.Send(docs.OpenAPI)
}
