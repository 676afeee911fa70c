package web

import (
	"sync"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter/webhook"
)

// sesWebhook takes Amazon SNS messages: SES bounce and complaint
// notifications, and the subscription confirmation that comes first
// (confirmed by visiting its SubscribeURL). Each is checked against
// Amazon's signing certificate and SES_TOPIC_ARNS.
func (s *Server) sesWebhook(c *fiber.Ctx) error {
	sns := s.cfg.Feedback.SNS
	if sns == nil || s.cfg.Feedback.Feedback == nil {
		return hookOff("SES_TOPIC_ARNS")
	}
	events, err := sns.Handle(c.UserContext(), c.Body())
	if err == nil && len(sns.Topics) == 0 {
		anyTopicOnce.Do(func() {
			s.cfg.Log.Warn("SES_TOPIC_ARNS is empty, so SNS messages of any topic are believed; " +
				"set it to your topic's ARN so that nobody else's topic can report bounces")
		})
	}
	return s.applyHook(c, "ses", events, err)
}

// anyTopicOnce warns once per process about an empty SES_TOPIC_ARNS.
var anyTopicOnce sync.Once

// mailgunWebhook takes Mailgun's webhooks, signed with
// MAILGUN_WEBHOOK_KEY.
func (s *Server) mailgunWebhook(c *fiber.Ctx) error {
	if s.cfg.Feedback.MailgunKey == "" || s.cfg.Feedback.Feedback == nil {
		return hookOff("MAILGUN_WEBHOOK_KEY")
	}
	events, err := webhook.Mailgun(c.Body(), s.cfg.Feedback.MailgunKey, s.cfg.Clock.Now())
	return s.applyHook(c, "mailgun", events, err)
}

// sendgridWebhook takes SendGrid's signed Event Webhook, checked with
// SENDGRID_WEBHOOK_KEY.
func (s *Server) sendgridWebhook(c *fiber.Ctx) error {
	if s.cfg.Feedback.SendGridKey == "" || s.cfg.Feedback.Feedback == nil {
		return hookOff("SENDGRID_WEBHOOK_KEY")
	}
	events, err := webhook.SendGrid(c.Body(), c.Get(webhook.SendGridSignatureHeader), c.Get(webhook.SendGridTimestampHeader),
		s.cfg.Feedback.SendGridKey, s.cfg.Clock.Now())
	return s.applyHook(c, "sendgrid", events, err)
}
