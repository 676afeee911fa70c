package web

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
)

// The suppression list in the admin API, and the record that says why a
// subscriber left:
//
//	GET  /admin/api/suppressions      → {"suppressions":[{"email","reason","at"}]}, newest first
//	POST /admin/api/suppressions      {"suppressions":[{"email","reason","at"}]} → the entries added
//	DELETE /admin/api/suppressions/:email → {"removed":true,"email"}
//	GET  /admin/api/subscribers/:email → the subscriber with its sends and, when they left, reason
//
// The list holds every address that bounced, complained or was
// suppressed by hand; no mail goes to any of them, even after a new signup.
func (s *Server) suppressionRoutes(api fiber.Router) {
	api.Get("/suppressions", s.listSuppressions)
	api.Post("/suppressions", s.addSuppressions)
	api.Delete("/suppressions/:email", s.removeSuppression)
	api.Get("/subscribers/:email", s.subscriberRecordAPI)
}

// subscriberRecordJSON is one subscriber as GET /admin/api/subscribers/:email
// shows it.
type subscriberRecordJSON struct {
	subscriberJSON
	TZ        string             `json:"tz"`
	UpdatedAt string             `json:"updated_at"`
	Consent   newsletter.Consent `json:"consent"`
	Sends     []newsletter.Send  `json:"sends"`
	// Reason is why they left: "unsubscribed", "bounce: <the server's
	// reply>", "complaint", or the reason an address was suppressed by
	// hand with; absent while they get mail.
	Reason string `json:"reason,omitempty"`
}

func (s *Server) subscriberRecordAPI(c *fiber.Ctx) error {
	sub, err := s.subscriberByParam(c)
	if err != nil {
		return err
	}
	ex, err := s.cfg.Service.Export(c.UserContext(), sub.ID)
	if err != nil {
		return err
	}
	sends := ex.Sends
	if sends == nil {
		sends = []newsletter.Send{}
	}
	return c.JSON(subscriberRecordJSON{subscriberJSON: toSubscriberJSON(sub), TZ: sub.TZ, UpdatedAt: sub.UpdatedAt.UTC().Format(time.RFC3339),
		Consent: ex.Consent, Sends: sends, Reason: sub.LeftReason()})
}

// suppressionJSON is one entry as the API shows it.
type suppressionJSON struct {
	Email  string `json:"email"`
	Reason string `json:"reason"`
	At     string `json:"at"`
}

func toSuppressionsJSON(list []newsletter.Suppression) []suppressionJSON {
	out := make([]suppressionJSON, 0, len(list))
	for _, e := range list {
		out = append(out, suppressionJSON{Email: e.Email, Reason: e.Reason, At: e.At.UTC().Format(time.RFC3339)})
	}
	return out
}

func (s *Server) listSuppressions(c *fiber.Ctx) error {
	f := s.cfg.Feedback.Feedback
	if f == nil {
		return fiber.ErrNotFound
	}
	list, err := f.Suppressions(c.UserContext())
	if err != nil {
		return err
	}
	if c.Query("format") == "csv" || c.Accepts(fiber.MIMEApplicationJSON, "text/csv") == "text/csv" {
		return sendSuppressionsCSV(c, list)
	}
	return c.JSON(fiber.Map{"suppressions": toSuppressionsJSON(list)})
}

// sendSuppressionsCSV answers with the list as a CSV file to download
// (the API's text/csv and the desk's download).
func sendSuppressionsCSV(c *fiber.Ctx, list []newsletter.Suppression) error {
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="suppressions.csv"`)
	return service.WriteSuppressionsCSV(c.Response().BodyWriter(), list)
}

// addSuppressions puts addresses on the list by hand. An entry's reason is
// optional ("suppressed by hand"); one that starts with "complaint" makes
// the subscriber complained, any other bounced. at, when given, is RFC
// 3339 and not in the future. Nothing is added when any entry is bad: 422
// names each.
func (s *Server) addSuppressions(c *fiber.Ctx) error {
	f := s.cfg.Feedback.Feedback
	if f == nil {
		return fiber.ErrNotFound
	}
	if strings.HasPrefix(strings.ToLower(string(c.Request().Header.ContentType())), "text/csv") {
		entries, err := service.ParseSuppressionsCSV(bytes.NewReader(c.Body()))
		if err != nil {
			return invalid(c, newsletter.FieldErrors{"csv": err.Error()})
		}
		added, err := f.AddSuppressions(c.UserContext(), entries)
		if err != nil {
			return invalid(c, err)
		}
		return c.JSON(fiber.Map{"suppressions": toSuppressionsJSON(added)})
	}
	var in struct {
		Suppressions []struct {
			Email  string `json:"email"`
			Reason string `json:"reason"`
			At     string `json:"at"`
		} `json:"suppressions"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return invalid(c, err)
	}
	entries := make([]newsletter.Suppression, len(in.Suppressions))
	fe := newsletter.FieldErrors{}
	for i, e := range in.Suppressions {
		entries[i] = newsletter.Suppression{Email: e.Email, Reason: e.Reason}
		if e.At == "" {
			continue
		}
		at, err := time.Parse(time.RFC3339, e.At)
		if err != nil {
			fe["suppressions["+strconv.Itoa(i)+"].at"] = "Give the time as RFC 3339, e.g. 2026-03-01T08:00:00Z, or leave it out."
		}
		entries[i].At = at
	}
	if len(fe) > 0 {
		return invalid(c, fe)
	}
	added, err := f.AddSuppressions(c.UserContext(), entries)
	if err != nil {
		return invalid(c, err)
	}
	return c.JSON(fiber.Map{"suppressions": toSuppressionsJSON(added)})
}

// removeSuppression takes one address off the list (a mistaken entry); a
// subscriber with it keeps its status until the author changes it.
func (s *Server) removeSuppression(c *fiber.Ctx) error {
	f := s.cfg.Feedback.Feedback
	if f == nil {
		return fiber.ErrNotFound
	}
	email := emailParam(c, "email")
	err := f.RemoveSuppression(c.UserContext(), email)
	if errors.Is(err, newsletter.ErrNotFound) {
		return fiber.NewError(fiber.StatusNotFound, "That address is not on the suppression list.")
	}
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"removed": true, "email": email})
}
