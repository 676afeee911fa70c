package web

import (
	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter/webhook"
)

// postmarkWebhook takes Postmark's Bounce, SpamComplaint and
// SubscriptionChange webhooks (one record per request). Postmark sends
// the shared secret as HTTP Basic credentials
// (https://user:WEBHOOK_SECRET@host/webhooks/postmark); anything else is
// 401.
func (s *Server) postmarkWebhook(c *fiber.Ctx) error {
	if s.cfg.WebhookSecret == "" || s.cfg.Feedback.Feedback == nil {
		return hookOff("WEBHOOK_SECRET")
	}
	if !webhook.CheckBasic(c.Get(fiber.HeaderAuthorization), s.cfg.WebhookSecret) {
		c.Set(fiber.HeaderWWWAuthenticate, `Basic realm="webhooks"`)
		return s.applyHook(c, "postmark", nil, webhook.ErrSignature)
	}
	events, err := webhook.Postmark(c.Body())
	return s.applyHook(c, "postmark", events, err)
}
