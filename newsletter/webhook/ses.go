package webhook

import (
	"encoding/json"
	"strings"
	"time"
)

// sesNotification is an Amazon SES notification
// (https://docs.aws.amazon.com/ses/latest/dg/notification-contents.html)
// or, from a configuration set's event destination, an SES event, which
// has eventType where the notification has notificationType.
type sesNotification struct {
	NotificationType string `json:"notificationType"`
	EventType        string `json:"eventType"`
	Mail             struct {
		MessageID string `json:"messageId"`
	} `json:"mail"`
	Bounce *struct {
		BounceType        string `json:"bounceType"`    // Permanent, Transient, Undetermined
		BounceSubType     string `json:"bounceSubType"` // General, NoEmail, MailboxFull, ...
		Timestamp         string `json:"timestamp"`
		BouncedRecipients []struct {
			EmailAddress   string `json:"emailAddress"`
			Status         string `json:"status"`
			DiagnosticCode string `json:"diagnosticCode"`
		} `json:"bouncedRecipients"`
	} `json:"bounce"`
	Complaint *struct {
		ComplaintFeedbackType string `json:"complaintFeedbackType"`
		ComplaintSubType      string `json:"complaintSubType"`
		Timestamp             string `json:"timestamp"`
		ComplainedRecipients  []struct {
			EmailAddress string `json:"emailAddress"`
		} `json:"complainedRecipients"`
	} `json:"complaint"`
}

// sesMessageFault lists the transient bounce subtypes that are about our
// message rather than the address: they are ignored, not counted.
var sesMessageFault = map[string]bool{
	"MessageTooLarge": true, "ContentRejected": true, "AttachmentRejected": true,
}

// sesEvents reads the Message of an SNS notification. A Permanent bounce
// is a Bounce for each bounced recipient; a Transient or Undetermined one
// a SoftBounce (unless SES blames the message's size or content); a
// complaint a Complaint for each complained recipient, except a "not-spam"
// report. Deliveries, sends, opens, delays, SES's test message and text
// that is not an SES notification at all are ignored: the message is
// authentic, so SNS must not send it again.
func sesEvents(message string) []Event {
	var n sesNotification
	if err := json.Unmarshal([]byte(message), &n); err != nil {
		return []Event{event("ses", Ignore, "", "sns notification is not an SES notification", time.Time{}, "")}
	}
	typ := firstOf(n.NotificationType, n.EventType)
	msgID := n.Mail.MessageID
	switch {
	case typ == "Bounce" && n.Bounce != nil:
		b := n.Bounce
		kind := SoftBounce
		switch {
		case b.BounceType == "Permanent":
			kind = Bounce
		case sesMessageFault[b.BounceSubType]:
			kind = Ignore
		}
		at := parseTime(b.Timestamp)
		var out []Event
		for _, r := range b.BouncedRecipients {
			reason := firstOf(r.DiagnosticCode, strings.TrimSpace(r.Status+" "+b.BounceType+" "+b.BounceSubType))
			if kind == Ignore {
				reason = "ses " + b.BounceSubType + ": " + reason
			}
			out = append(out, event("ses", kind, r.EmailAddress, reason, at, msgID))
		}
		if len(out) == 0 {
			out = append(out, event("ses", Ignore, "", "ses bounce without recipients", at, msgID))
		}
		return out
	case typ == "Complaint" && n.Complaint != nil:
		c := n.Complaint
		kind := Complaint
		if strings.EqualFold(c.ComplaintFeedbackType, "not-spam") {
			kind = Ignore
		}
		reason := "complaint: " + firstOf(c.ComplaintFeedbackType, c.ComplaintSubType, "spam report")
		at := parseTime(c.Timestamp)
		var out []Event
		for _, r := range c.ComplainedRecipients {
			out = append(out, event("ses", kind, r.EmailAddress, reason, at, msgID))
		}
		if len(out) == 0 {
			out = append(out, event("ses", Ignore, "", "ses complaint without recipients", at, msgID))
		}
		return out
	default:
		return []Event{event("ses", Ignore, "", "ses "+firstOf(typ, "message without a type"), time.Time{}, msgID)}
	}
}
