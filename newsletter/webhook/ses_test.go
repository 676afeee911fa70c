package webhook

import (
	"strings"
	"testing"
	"time"
)

func TestSESRecordedShapes(t *testing.T) {
	events := sesEvents(string(readTestdata(t, "ses_bounce_permanent.json")))
	if len(events) != 2 {
		t.Fatalf("got %+v, want two bounced recipients", events)
	}
	first, second := events[0], events[1]
	at := time.Date(2026, 3, 5, 16, 50, 11, 0, time.UTC)
	if first.Kind != Bounce || first.Email != "reader.one@example.org" || !first.At.Equal(at) ||
		first.MessageID != "0100017f2f2b1a2b-3c4d5e6f-7a8b-9c0d-1e2f-3a4b5c6d7e8f-000000" {
		t.Errorf("first = %+v", first)
	}
	// The diagnostic becomes the reason, with the address in it masked.
	if first.Reason != "smtp; 550 5.1.1 <r***@example.org>... User unknown" {
		t.Errorf("first reason = %q", first.Reason)
	}
	if second.Kind != Bounce || second.Email != "reader.two@example.org" {
		t.Errorf("second (display-name form) = %+v", second)
	}

	e := sesEvents(string(readTestdata(t, "ses_bounce_transient.json")))[0]
	if e.Kind != SoftBounce || e.Reason != "smtp; 452 4.2.2 Mailbox full" {
		t.Errorf("transient = %+v", e)
	}
	e = sesEvents(string(readTestdata(t, "ses_complaint.json")))[0]
	if e.Kind != Complaint || e.Email != "reader.four@example.org" || e.Reason != "complaint: abuse" {
		t.Errorf("complaint = %+v", e)
	}
	e = sesEvents(string(readTestdata(t, "ses_event_bounce.json")))[0]
	if e.Kind != Bounce || !strings.Contains(e.Reason, "suppression list") {
		t.Errorf("event-publishing bounce = %+v", e)
	}
	e = sesEvents(string(readTestdata(t, "ses_delivery.json")))[0]
	if e.Kind != Ignore || e.Reason != "ses Delivery" {
		t.Errorf("delivery = %+v", e)
	}
}

func TestSESBounceAndComplaintVariants(t *testing.T) {
	bounce := func(typ, sub string) string {
		return `{"notificationType":"Bounce","bounce":{"bounceType":"` + typ + `","bounceSubType":"` + sub +
			`","bouncedRecipients":[{"emailAddress":"r@example.org"}]},"mail":{"messageId":"m"}}`
	}
	tests := []struct {
		name, message string
		want          Kind
	}{
		{"undetermined", bounce("Undetermined", "Undetermined"), SoftBounce},
		{"suppressed", bounce("Permanent", "Suppressed"), Bounce},
		{"content rejected", bounce("Transient", "ContentRejected"), Ignore},
		{"too large", bounce("Transient", "MessageTooLarge"), Ignore},
		{"no recipients", `{"notificationType":"Bounce","bounce":{"bounceType":"Permanent"}}`, Ignore},
		{"bounce without bounce object", `{"notificationType":"Bounce"}`, Ignore},
		{"not spam", `{"notificationType":"Complaint","complaint":{"complaintFeedbackType":"not-spam","complainedRecipients":[{"emailAddress":"r@example.org"}]}}`, Ignore},
		{"complaint without type", `{"eventType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"r@example.org"}]}}`, Complaint},
		{"delivery delay", `{"eventType":"DeliveryDelay","deliveryDelay":{}}`, Ignore},
		{"test message", `{"notificationType":"AmazonSnsSubscriptionSucceeded","message":"You have successfully subscribed"}`, Ignore},
		{"array", `[1,2]`, Ignore},
	}
	for _, tt := range tests {
		events := sesEvents(tt.message)
		if len(events) != 1 || events[0].Kind != tt.want {
			t.Errorf("%s: got %+v, want one %s", tt.name, events, tt.want)
		}
	}
}
