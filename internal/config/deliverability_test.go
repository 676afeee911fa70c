package config

import (
	"strings"
	"testing"
)

func TestDeliverabilityVariables(t *testing.T) {
	t.Setenv("MAIL_FROM", "Satina <letters@example.org>")
	t.Setenv("SITE_TITLE", "Dear Fellow Humans")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if c.ListID != `"Dear Fellow Humans" <letters.example.org>` || c.ReplyTo != "" || c.ReturnPath != "" || c.BounceMailbox != nil {
		t.Errorf("defaults: %+v", c.Deliverability)
	}

	t.Setenv("REPLY_TO", "Satina <satina@example.org>")
	t.Setenv("RETURN_PATH", "bounces@example.org")
	t.Setenv("LIST_ID", "letters.example.org")
	t.Setenv("BOUNCE_MAILBOX", "imaps://bounces%40example.org:s3cret@imap.example.org/Bounces")
	t.Setenv("MAILGUN_WEBHOOK_KEY", "mg-key")
	t.Setenv("SENDGRID_WEBHOOK_KEY", "sg-key")
	t.Setenv("SES_TOPIC_ARNS", "arn:aws:sns:eu-west-1:123456789012:bounces, arn:aws:sns:us-east-1:123456789012:complaints")
	if c, err = Load(); err != nil {
		t.Fatal(err)
	}
	d := c.Deliverability
	if d.ReplyTo != `"Satina" <satina@example.org>` || d.ReturnPath != "bounces@example.org" || d.ListID != "<letters.example.org>" ||
		d.BounceMailbox == nil || d.BounceMailbox.Folder != "Bounces" || d.BounceMailbox.Password != "s3cret" ||
		d.MailgunWebhookKey != "mg-key" || d.SendGridWebhookKey != "sg-key" || len(d.SESTopics) != 2 {
		t.Errorf("set: %+v", d)
	}

	for name, bad := range map[string]string{
		"REPLY_TO":       "not an address",
		"RETURN_PATH":    "bounces+x@example.org",
		"LIST_ID":        "no dot",
		"BOUNCE_MAILBOX": "pop3://u:secret-password@host/",
		"SES_TOPIC_ARNS": "arn:aws:sqs:eu-west-1:1:q",
	} {
		t.Run(name, func(t *testing.T) {
			t.Setenv(name, bad)
			_, err := Load()
			if err == nil || !strings.HasPrefix(err.Error(), name) || strings.Contains(err.Error(), "secret-password") {
				t.Errorf("%s=%q: %v", name, bad, err)
			}
		})
	}
	t.Setenv("RETURN_PATH", "")
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "BOUNCE_MAILBOX needs RETURN_PATH") {
		t.Errorf("BOUNCE_MAILBOX without RETURN_PATH: %v", err)
	}
}
