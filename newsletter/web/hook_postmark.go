package web

import (
	"crypto/subtle"
	"encoding/base64"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
)

// postmarkEvent is the part of a Postmark bounce or spam-complaint webhook
// we read (https://postmarkapp.com/developer/webhooks/bounce-webhook).
type postmarkEvent struct {
	RecordType string `json:"RecordType"` // "Bounce" or "SpamComplaint"
	Type       string `json:"Type"`       // for bounces: "HardBounce", "SoftBounce", ...
	Email      string `json:"Email"`
}

// permanentBounces are the Postmark bounce types that mean the address
// will never accept mail.
var permanentBounces = map[string]bool{
	"HardBounce": true, "BadEmailAddress": true, "ManuallyDeactivated": true, "SpamNotification": true,
}

// postmarkWebhook takes Postmark's bounce and spam-complaint webhooks.
// Postmark sends the shared secret as HTTP Basic credentials
// (https://user:WEBHOOK_SECRET@host/webhooks/postmark); anything else is 401.
func (s *Server) postmarkWebhook(c *fiber.Ctx) error {
	if s.cfg.WebhookSecret == "" {
		return fiber.NewError(fiber.StatusNotFound, "Webhooks are off: set WEBHOOK_SECRET to turn them on.")
	}
	_, pass, ok := basicAuth(c.Get(fiber.HeaderAuthorization))
	if !ok || subtle.ConstantTimeCompare([]byte(pass), []byte(s.cfg.WebhookSecret)) != 1 {
		return fiber.NewError(fiber.StatusUnauthorized, "Wrong or missing webhook credentials.")
	}
	var ev postmarkEvent
	if err := decodeJSON(c, &ev); err != nil {
		return invalid(c, err)
	}
	if newsletter.CheckEmail(newsletter.NormalizeEmail(ev.Email)) != nil {
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"errors": fiber.Map{"Email": "not a valid address"}})
	}
	var kind newsletter.Feedback
	switch {
	case ev.RecordType == "SpamComplaint":
		kind = newsletter.FeedbackComplaint
	case ev.RecordType == "Bounce" && permanentBounces[ev.Type]:
		kind = newsletter.FeedbackBounce
	default:
		return c.JSON(fiber.Map{"status": "ignored"}) // soft bounces, deliveries, opens: not ours to act on
	}
	if err := s.cfg.Service.Suppress(c.UserContext(), ev.Email, kind); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"status": "suppressed"})
}

// basicAuth reads HTTP Basic credentials.
func basicAuth(header string) (user, pass string, ok bool) {
	enc, found := strings.CutPrefix(header, "Basic ")
	if !found {
		return "", "", false
	}
	raw, err := decodeBase64(enc)
	if err != nil {
		return "", "", false
	}
	user, pass, ok = strings.Cut(raw, ":")
	return user, pass, ok
}

func decodeBase64(s string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	return string(b), err
}
