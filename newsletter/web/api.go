package web

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
)

func (s *Server) adminAPIRoutes() {
	api := s.app.Group("/admin/api", s.bearer)
	api.Post("/letters", s.createLetter)
	api.Get("/letters", s.listLetters)
	api.Get("/letters/:id", s.getLetter)
	api.Put("/letters/:id", s.updateLetter)
	api.Delete("/letters/:id", s.cancelLetter)
	api.Post("/letters/:id/release", s.releaseLetter)
	api.Get("/subscribers", s.listSubscribers)
	api.Post("/subscribers", s.importSubscribers)
	api.Get("/openapi.json", s.openAPI)
	api.Get("/sending", s.sendingState)
	api.Post("/sending/pause", s.pauseSending)
	api.Post("/sending/resume", s.resumeSending)
	s.adminAPIExtraRoutes(api)
	s.sequenceControlRoutes(api)
	s.suppressionRoutes(api)
}

// bearer lets through requests with "Authorization: Bearer $ADMIN_TOKEN",
// compared in constant time. With no token configured the API is off.
func (s *Server) bearer(c *fiber.Ctx) error {
	if s.cfg.AdminToken == "" {
		return fiber.NewError(fiber.StatusNotFound, "The admin API is off: set ADMIN_TOKEN to turn it on.")
	}
	if !s.bearerOK(c) {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="newsletter admin"`)
		return fiber.NewError(fiber.StatusUnauthorized, "Send the admin token as Authorization: Bearer <token>.")
	}
	return c.Next()
}

// decodeJSON reads a JSON body strictly: 415 for another type, 400 when it
// does not parse, 422 naming a field of the wrong type.
func decodeJSON(c *fiber.Ctx, v any) error {
	if !strings.HasPrefix(strings.ToLower(string(c.Request().Header.ContentType())), fiber.MIMEApplicationJSON) {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "Send JSON (Content-Type: application/json).")
	}
	err := json.Unmarshal(c.Body(), v)
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field == "":
		return errNotObject
	case errors.As(err, &te):
		return newsletter.FieldErrors{te.Field: "has the wrong type"}
	case err != nil:
		return fiber.NewError(fiber.StatusBadRequest, "The body is not valid JSON.")
	}
	return nil
}

// errNotObject answers a JSON body that parses but is not an object.
var errNotObject = fiber.NewError(fiber.StatusBadRequest, "The body must be a JSON object, such as {\"email\": \"…\"}.")

// invalid answers FieldErrors with 422 (a template mistake in the plain
// words the desk uses) and passes anything else on.
func invalid(c *fiber.Ctx, err error) error {
	var fe newsletter.FieldErrors
	if errors.As(err, &fe) {
		plainErrors(fe)
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"errors": fe})
	}
	return err
}

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
