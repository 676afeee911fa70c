package app

import (
	"context"
	"time"

	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/mailbox"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/web"
	"github.com/satina/newsletter/newsletter/webhook"
)

// wireFeedback gives the composer the deliverability headers and the VERP
// envelope, builds the Feedback that acts on bounces and complaints, and
// returns the web side's webhook settings.
func (a *App) wireFeedback(d Deps) web.FeedbackConfig {
	cfg := a.Config
	listID := cfg.ListID
	if listID == "" { // a Config not made by config.Load
		listID = compose.DefaultListID(cfg.SiteTitle, cfg.Mail.From)
	}
	a.Composer.Deliverability = compose.Deliverability{
		ListID: listID, ReplyTo: cfg.ReplyTo, ReturnPath: cfg.ReturnPath,
		UnsubscribeMailto: cfg.ReturnPath != "" && cfg.BounceMailbox != nil,
		FeedbackDomain:    fromDomain(cfg.Mail.From),
	}
	a.Feedback = &service.Feedback{Store: a.Store, Signer: a.Links.Signer, ReturnPath: cfg.ReturnPath, Clock: a.Clock, Log: a.Log}
	a.mailboxEvery = d.MailboxEvery
	sns := d.SNS
	if sns == nil {
		sns = &webhook.SNS{Topics: cfg.SESTopics, Now: a.Clock.Now}
	}
	return web.FeedbackConfig{Feedback: a.Feedback, MailgunKey: cfg.MailgunWebhookKey, SendGridKey: cfg.SendGridWebhookKey, SNS: sns}
}

// readBounces reads BOUNCE_MAILBOX every minute (Deps.MailboxEvery in
// tests) until ctx ends: each message goes through Feedback.HandleMail and
// is removed once handled; one whose handling failed (Redis down) stays
// for the next read.
func (a *App) readBounces(ctx context.Context) {
	every := a.mailboxEvery
	if every <= 0 || every > time.Minute {
		every = time.Minute
	}
	r := mailbox.New(*a.Config.BounceMailbox, a.Log)
	a.Log.Info("reading the bounce mailbox", "mailbox", *a.Config.BounceMailbox, "every", every)
	_ = r.Run(ctx, every, a.Feedback.HandleMail) // returns ctx's error when it ends
}
