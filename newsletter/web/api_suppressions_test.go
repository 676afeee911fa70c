package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/newsletter"
)

// TestSuppressionsByHand: POST /admin/api/suppressions puts addresses on
// the list; a subscriber among them gets no more mail, and an address
// nobody had gets the usual 202 at signup and no mail at all.
func TestSuppressionsByHand(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	confirmed(t, a, "known@example.org")
	before := len(a.SMTP.To("known@example.org"))

	if got := suppressions(t, a); len(got) != 0 {
		t.Fatalf("a new list holds %v", got)
	}
	body := `{"suppressions":[{"email":"Known@Example.org","reason":"asked by phone not to be written to"},
		{"email":"stranger@example.org"},{"email":"angry@example.org","reason":"complaint by letter","at":"2026-01-05T10:00:00Z"}]}`
	res := status(t, api(t, a, "POST", "/admin/api/suppressions", "application/json", body), http.StatusOK)
	if !strings.Contains(res, `"reason":"suppressed by hand"`) || !strings.Contains(res, `"email":"known@example.org"`) {
		t.Errorf("POST answered %s", res)
	}
	got := suppressions(t, a)
	want := map[string]string{"known@example.org": "asked by phone not to be written to", "stranger@example.org": "suppressed by hand",
		"angry@example.org": "complaint by letter"}
	if len(got) != len(want) {
		t.Fatalf("suppressions = %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	wantStatus(t, a, "known@example.org", newsletter.StatusBounced, "asked by phone")

	// Signups of suppressed addresses: the same 202, and no mail, ever.
	for _, e := range []string{"stranger@example.org", "angry@example.org", "known@example.org"} {
		status(t, postJSON(t, a, "/subscribe", map[string]any{"email": e, "consent": true}), http.StatusAccepted)
	}
	a.Fake.Advance(8 * 24 * time.Hour)
	a.Drain(t)
	for _, e := range []string{"stranger@example.org", "angry@example.org"} {
		if n := len(a.SMTP.To(e)); n != 0 {
			t.Errorf("%s got %d mails", e, n)
		}
	}
	if n := len(a.SMTP.To("known@example.org")); n != before {
		t.Errorf("the suppressed subscriber got %d more mails", n-before)
	}
	wantStatus(t, a, "angry@example.org", newsletter.StatusComplained, "complaint by letter")
	wantStatus(t, a, "stranger@example.org", newsletter.StatusBounced, "suppressed by hand")
	listed := status(t, api(t, a, "GET", "/admin/api/subscribers?status=complained", "", ""), http.StatusOK)
	if !strings.Contains(listed, "angry@example.org") || strings.Contains(listed, "stranger@example.org") {
		t.Errorf("?status=complained lists %s", listed)
	}

	for name, bad := range map[string]string{
		"no entries":      `{"suppressions":[]}`,
		"not an address":  `{"suppressions":[{"email":"nobody"}]}`,
		"a bad time":      `{"suppressions":[{"email":"x@example.org","at":"yesterday"}]}`,
		"a long reason":   `{"suppressions":[{"email":"x@example.org","reason":"` + strings.Repeat("a", 301) + `"}]}`,
		"the wrong shape": `{"suppressions":{"email":"x@example.org"}}`,
	} {
		if res := api(t, a, "POST", "/admin/api/suppressions", "application/json", bad); res.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", name, res.StatusCode)
		}
	}
	if got := suppressions(t, a); got["x@example.org"] != "" || len(got) != 3 {
		t.Errorf("a refused POST changed the list: %v", got)
	}
	if res := api(t, a, "POST", "/admin/api/suppressions", "text/plain", "x@example.org"); res.StatusCode != http.StatusUnsupportedMediaType {
		t.Errorf("text/plain: %d, want 415", res.StatusCode)
	}

	// A mistaken entry comes off; that address's next signup is mailed.
	status(t, api(t, a, "DELETE", "/admin/api/suppressions/Stranger@example.org", "", ""), http.StatusOK)
	status(t, api(t, a, "DELETE", "/admin/api/suppressions/stranger@example.org", "", ""), http.StatusNotFound)
	if got := suppressions(t, a); len(got) != 2 || got["stranger@example.org"] != "" {
		t.Errorf("after DELETE: %v", got)
	}
	if err := a.Service.Erase(t.Context(), a.Subscriber(t, "stranger@example.org").ID); err != nil {
		t.Fatal(err)
	}
	status(t, postJSON(t, a, "/subscribe", map[string]any{"email": "stranger@example.org", "consent": true}), http.StatusAccepted)
	a.Drain(t)
	if n := len(a.SMTP.To("stranger@example.org")); n != 1 {
		t.Errorf("after the entry came off, a signup got %d mails, want the confirmation", n)
	}
}

// TestRejectedAddressInTheAdminAPI: a 5xx reply to RCPT TO bounces the
// subscriber with the server's reply as the reason, shown in the admin
// API, and nothing more goes to the address.
func TestRejectedAddressInTheAdminAPI(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	a.SMTP.RejectRcpt("gone@example.org", smtptest.Reply{Code: 550, Text: "5.1.1 The email account that you tried to reach does not exist."})
	status(t, postJSON(t, a, "/subscribe", map[string]any{"email": "gone@example.org", "consent": true}), http.StatusAccepted)
	a.Drain(t)
	wantStatus(t, a, "gone@example.org", newsletter.StatusBounced, "bounce: 550 5.1.1 The email account that you tried to reach does not exist.")
	got := suppressions(t, a)
	if got["gone@example.org"] != "bounce: 550 5.1.1 The email account that you tried to reach does not exist." {
		t.Errorf("suppressions = %v", got)
	}
	listed := status(t, api(t, a, "GET", "/admin/api/subscribers?status=bounced", "", ""), http.StatusOK)
	if !strings.Contains(listed, `"gone@example.org"`) {
		t.Errorf("?status=bounced lists %s", listed)
	}
	type record struct {
		Email, Status, Reason string
		Sends                 []struct{ Kind, Subject, SentAt string } `json:"sends"`
	}
	gone := decode[record](t, status(t, api(t, a, "GET", "/admin/api/subscribers/Gone@example.org", "", ""), http.StatusOK))
	if gone.Status != "bounced" || gone.Reason != "bounce: 550 5.1.1 The email account that you tried to reach does not exist." || len(gone.Sends) != 0 {
		t.Errorf("the bounced record: %+v", gone)
	}
	// A subscriber who gets mail has sends and no reason; one who left by
	// the link, the reason "unsubscribed".
	stay := confirmed(t, a, "stay@example.org")
	rec := decode[record](t, status(t, api(t, a, "GET", "/admin/api/subscribers/stay@example.org", "", ""), http.StatusOK))
	if rec.Status != "confirmed" || rec.Reason != "" || len(rec.Sends) != 2 || rec.Sends[0].Kind != "confirm" || rec.Sends[1].Kind != "step" {
		t.Errorf("the confirmed record: %+v", rec)
	}
	if err := a.Service.Unsubscribe(t.Context(), stay.ID); err != nil {
		t.Fatal(err)
	}
	if got := decode[record](t, status(t, api(t, a, "GET", "/admin/api/subscribers/stay@example.org", "", ""), http.StatusOK)); got.Reason != "unsubscribed" {
		t.Errorf("after unsubscribing: %+v", got)
	}
	status(t, api(t, a, "GET", "/admin/api/subscribers/nobody@example.org", "", ""), http.StatusNotFound)
}
