package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/webhook"
)

// FeedbackConfig wires the providers' bounce and complaint webhooks and
// the suppression list of the admin API.
type FeedbackConfig struct {
	// Feedback acts on what the webhooks report and keeps the
	// suppression list; without it the webhooks and
	// /admin/api/suppressions answer 404.
	Feedback *service.Feedback
	// MailgunKey is MAILGUN_WEBHOOK_KEY, the webhook signing key; empty:
	// POST /webhooks/mailgun answers 404.
	MailgunKey string
	// SendGridKey is SENDGRID_WEBHOOK_KEY, the Event Webhook's
	// verification key (base64 DER or PEM); empty: POST /webhooks/sendgrid
	// answers 404.
	SendGridKey string
	// SNS checks the Amazon SNS messages of POST /webhooks/ses (its Topics
	// are SES_TOPIC_ARNS); nil: that route answers 404.
	SNS *webhook.SNS
}

// hookRoutes registers the providers' webhooks. Postmark's shared secret
// is WEBHOOK_SECRET (Config.WebhookSecret), the others' keys are in
// Config.Feedback. Every one answers 200 for events processed or ignored,
// 401 for a bad signature or password, 400 for a body that does not
// parse, 502 when Amazon could not be reached, 503 when Redis could not.
func (s *Server) hookRoutes() {
	a := s.app
	a.Post("/webhooks/postmark", publicLimit, s.postmarkWebhook)
	a.Post("/webhooks/ses", publicLimit, s.sesWebhook)
	a.Post("/webhooks/mailgun", publicLimit, s.mailgunWebhook)
	a.Post("/webhooks/sendgrid", publicLimit, s.sendgridWebhook)
}

// hookOff answers a webhook that is not configured.
func hookOff(what string) error {
	return fiber.NewError(fiber.StatusNotFound, "This webhook is off: set "+what+" to turn it on.")
}

// hookMessages are the answers to the webhook package's errors, by status.
var hookMessages = map[int]string{
	fiber.StatusUnauthorized: "The request does not prove it comes from the provider.",
	fiber.StatusBadRequest:   "The body could not be read.",
	fiber.StatusBadGateway:   "The provider could not be reached; try again later.",
}

// applyHook answers a webhook: the error of the provider's reader by
// webhook.Status, else every event acted on (ignored ones counted) and
// 200. A store failure is the error handler's 503, so the provider sends
// the events again.
func (s *Server) applyHook(c *fiber.Ctx, provider string, events []webhook.Event, err error) error {
	if err != nil {
		code := webhook.Status(err)
		s.cfg.Log.Warn("webhook refused", "provider", provider, "status", code, "err", err)
		if msg, ok := hookMessages[code]; ok {
			return c.Status(code).JSON(fiber.Map{"error": msg})
		}
		return err
	}
	processed := 0
	for _, e := range events {
		r, ok := feedbackReport(e)
		if !ok {
			s.cfg.Log.Debug("webhook event ignored", "event", e)
			continue
		}
		if err := s.cfg.Feedback.Feedback.Apply(c.UserContext(), r); err != nil {
			return err
		}
		processed++
	}
	return c.JSON(fiber.Map{"status": "ok", "processed": processed, "ignored": len(events) - processed})
}

// feedbackKinds maps a webhook event to what the service acts on.
var feedbackKinds = map[webhook.Kind]newsletter.Feedback{
	webhook.Bounce:      newsletter.FeedbackBounce,
	webhook.SoftBounce:  newsletter.FeedbackSoftBounce,
	webhook.Complaint:   newsletter.FeedbackComplaint,
	webhook.Unsubscribe: newsletter.FeedbackUnsubscribe,
}

// feedbackReport is the report of an event; false for one to ignore.
func feedbackReport(e webhook.Event) (newsletter.Report, bool) {
	kind, ok := feedbackKinds[e.Kind]
	if !ok || e.Email == "" {
		return newsletter.Report{}, false
	}
	return newsletter.Report{Kind: kind, Email: e.Email, Reason: e.Reason, Mail: e.MessageID, Source: e.Provider}, true
}
