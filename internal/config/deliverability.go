package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/bounce"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/mailbox"
)

// Deliverability is how mail presents itself to receiving servers and
// what comes back from them: REPLY_TO, RETURN_PATH, LIST_ID,
// BOUNCE_MAILBOX and the providers' webhook keys.
type Deliverability struct {
	// ReplyTo is the Reply-To field's value; empty: none.
	ReplyTo string
	// ReturnPath is RETURN_PATH, a bare address; empty: no VERP.
	ReturnPath string
	// ListID is the List-Id field's value: LIST_ID, or the default made
	// from SITE_TITLE and MAIL_FROM.
	ListID string
	// BounceMailbox is BOUNCE_MAILBOX; nil: not read.
	BounceMailbox *mailbox.Config
	// MailgunWebhookKey and SendGridWebhookKey check those providers'
	// webhooks; empty: the webhook is off.
	MailgunWebhookKey, SendGridWebhookKey string
	// SESTopics are the SNS topic ARNs whose messages /webhooks/ses
	// believes; empty: any topic's.
	SESTopics []string
}

// loadDeliverability reads the Deliverability variables into c, after
// SITE_TITLE and MAIL_FROM.
func (c *Config) loadDeliverability() error {
	d := &c.Deliverability
	var err error
	if raw := Env("REPLY_TO"); raw != "" {
		if d.ReplyTo, err = compose.ReplyTo(raw); err != nil {
			return fmt.Errorf("REPLY_TO: %w", err)
		}
	}
	if raw := Env("RETURN_PATH"); raw != "" {
		if _, perr := bounce.NewParser(raw); perr != nil || newsletter.CheckEmail(strings.ToLower(raw)) != nil {
			return errors.New("RETURN_PATH: want a plain address on your domain, such as bounces@example.org")
		}
		if strings.Contains(raw[:strings.LastIndexByte(raw, '@')], "+") {
			return errors.New("RETURN_PATH: the address must have no +; the service adds +<tag> itself")
		}
		d.ReturnPath = raw
	}
	d.ListID = compose.DefaultListID(c.SiteTitle, c.Mail.From)
	if raw := Env("LIST_ID"); raw != "" {
		if d.ListID, err = compose.ListID(raw); err != nil {
			return fmt.Errorf("LIST_ID: %w", err)
		}
	}
	if raw := Env("BOUNCE_MAILBOX"); raw != "" {
		mb, err := mailbox.ParseURL(raw)
		if err != nil {
			return fmt.Errorf("BOUNCE_MAILBOX: %w", err)
		}
		if d.ReturnPath == "" {
			return errors.New("BOUNCE_MAILBOX needs RETURN_PATH: the mailbox is read for mail to RETURN_PATH's tagged addresses")
		}
		d.BounceMailbox = &mb
	}
	d.MailgunWebhookKey, d.SendGridWebhookKey = Env("MAILGUN_WEBHOOK_KEY"), Env("SENDGRID_WEBHOOK_KEY")
	for _, arn := range strings.Split(Env("SES_TOPIC_ARNS"), ",") {
		if arn = strings.TrimSpace(arn); arn == "" {
			continue
		}
		if parts := strings.Split(arn, ":"); len(parts) != 6 || parts[0] != "arn" || parts[2] != "sns" || parts[5] == "" {
			return fmt.Errorf("SES_TOPIC_ARNS: %q is not an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:ses-bounces", arn)
		}
		d.SESTopics = append(d.SESTopics, arn)
	}
	return nil
}
