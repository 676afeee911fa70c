package webhook

import (
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatalf("read testdata: %v", err)
	}
	return b
}

// one returns a check that a call gave no error and exactly one event,
// and returns that event: one(t)(Postmark(body)).
func one(t *testing.T) func([]Event, error) Event {
	return func(events []Event, err error) Event {
		t.Helper()
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		if len(events) != 1 {
			t.Fatalf("got %d events, want 1: %+v", len(events), events)
		}
		return events[0]
	}
}

func TestPostmarkRecordedShapes(t *testing.T) {
	tests := []struct {
		file       string
		kind       Kind
		email      string
		reasonPart string
		at         time.Time
	}{
		{"postmark_hard_bounce.json", Bounce, "reader.one@example.org", "550 5.1.1 The email account", time.Date(2026, 3, 5, 16, 33, 54, 907025900, time.UTC)},
		{"postmark_soft_bounce.json", SoftBounce, "reader.two@example.org", "452 4.2.2", time.Date(2026, 3, 5, 17, 1, 2, 123456700, time.UTC)},
		{"postmark_spam_complaint.json", Complaint, "reader.three@example.org", "spam complaint", time.Date(2026, 3, 6, 9, 0, 0, 0, time.UTC)},
		{"postmark_subscription_change.json", Unsubscribe, "reader.four@example.org", "ManualSuppression (by Recipient)", time.Date(2026, 3, 7, 10, 53, 34, 416071000, time.UTC)},
		{"postmark_delivery.json", Ignore, "reader.five@example.org", "Delivery", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			e := one(t)(Postmark(readTestdata(t, tt.file)))
			if e.Kind != tt.kind || e.Email != tt.email || !e.At.Equal(tt.at) || e.Provider != "postmark" {
				t.Errorf("got %+v, want kind %s, email %s, at %s", e, tt.kind, tt.email, tt.at)
			}
			if !strings.Contains(e.Reason, tt.reasonPart) {
				t.Errorf("reason %q lacks %q", e.Reason, tt.reasonPart)
			}
			if len(e.Reason) > maxReason+len("…") {
				t.Errorf("reason is %d bytes long", len(e.Reason))
			}
		})
	}
}

func TestPostmarkBounceTypes(t *testing.T) {
	tests := []struct {
		typ      string
		inactive bool
		want     Kind
	}{
		{"HardBounce", false, Bounce},
		{"BadEmailAddress", false, Bounce},
		{"ManuallyDeactivated", true, Bounce},
		{"Transient", false, SoftBounce},
		{"DnsError", false, SoftBounce},
		{"SpamNotification", false, SoftBounce},
		{"SpamNotification", true, Bounce}, // Postmark deactivated it: nothing reaches it now
		{"Unsubscribe", false, Unsubscribe},
		{"SpamComplaint", true, Complaint},
		{"AutoResponder", false, Ignore},
		{"Blocked", false, Ignore},     // the ISP blocked us, not the reader's fault
		{"DMARCPolicy", false, Ignore}, // our DNS, not the reader's fault
		{"Blocked", true, Bounce},
	}
	for _, tt := range tests {
		body := `{"RecordType":"Bounce","Type":"` + tt.typ + `","Email":"r@example.org","Details":"d","Inactive":` + map[bool]string{true: "true", false: "false"}[tt.inactive] + `}`
		e := one(t)(Postmark([]byte(body)))
		if e.Kind != tt.want {
			t.Errorf("Type %s inactive %v: got %s, want %s", tt.typ, tt.inactive, e.Kind, tt.want)
		}
	}
}

func TestPostmarkSubscriptionChange(t *testing.T) {
	tests := []struct {
		suppress bool
		reason   string
		want     Kind
	}{
		{true, "ManualSuppression", Unsubscribe},
		{true, "HardBounce", Bounce},
		{true, "SpamComplaint", Complaint},
		{true, "SomethingNew", Unsubscribe},
		{false, "HardBounce", Ignore}, // reactivation never resubscribes anyone
	}
	for _, tt := range tests {
		body := `{"RecordType":"SubscriptionChange","Recipient":"r@example.org","SuppressSending":` +
			map[bool]string{true: "true", false: "false"}[tt.suppress] + `,"SuppressionReason":"` + tt.reason + `"}`
		e := one(t)(Postmark([]byte(body)))
		if e.Kind != tt.want || e.Email != "r@example.org" {
			t.Errorf("suppress %v reason %s: got %+v, want %s", tt.suppress, tt.reason, e, tt.want)
		}
	}
}

func TestPostmarkMalformed(t *testing.T) {
	for _, body := range []string{``, `not json`, `[]`, `{}`, `{"RecordType":5}`} {
		_, err := Postmark([]byte(body))
		if !errors.Is(err, ErrMalformed) || Status(err) != 400 {
			t.Errorf("%q: got %v, want ErrMalformed", body, err)
		}
	}
}

func TestPostmarkBounceWithoutAddressIsIgnored(t *testing.T) {
	e := one(t)(Postmark([]byte(`{"RecordType":"Bounce","Type":"HardBounce","Email":"  "}`)))
	if e.Kind != Ignore || !strings.Contains(e.Reason, "no recipient") {
		t.Errorf("got %+v, want an ignored event naming the missing address", e)
	}
}

func TestCheckBasic(t *testing.T) {
	basic := func(s string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		header, secret string
		want           bool
	}{
		{basic("postmark:s3cret"), "s3cret", true},
		{basic(":s3cret"), "s3cret", true},
		{"basic " + base64.StdEncoding.EncodeToString([]byte("u:s3cret")), "s3cret", true},
		{basic("u:pass:with:colons"), "pass:with:colons", true},
		{basic("u:s3cret"), "other", false},
		{basic("u:s3cre"), "s3cret", false},
		{basic("u:"), "", false}, // an unset secret lets nobody in
		{basic("s3cret"), "s3cret", false},
		{"Bearer s3cret", "s3cret", false},
		{"Basic !!!", "s3cret", false},
		{"", "s3cret", false},
	}
	for _, tt := range tests {
		if got := CheckBasic(tt.header, tt.secret); got != tt.want {
			t.Errorf("CheckBasic(%q, %q) = %v, want %v", tt.header, tt.secret, got, tt.want)
		}
	}
}
