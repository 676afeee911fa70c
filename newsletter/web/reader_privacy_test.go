package web_test

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
)

// confirmed signs up email and confirms it, returning the subscriber.
func confirmed(t *testing.T, a *apptest.App, email string) *newsletter.Subscriber {
	t.Helper()
	status(t, postJSON(t, a, "/subscribe", map[string]any{"email": email, "name": "Pat Private", "consent": true}), http.StatusAccepted)
	a.Drain(t) // the confirmation mail
	a.Fake.Advance(time.Minute)
	sub := a.Subscriber(t, email)
	if _, _, err := a.Service.Confirm(t.Context(), sub.ID); err != nil {
		t.Fatal(err)
	}
	a.Drain(t)
	return a.Subscriber(t, email)
}

// keysMentioning returns the keys under the app's prefix whose name or
// value mentions needle.
func keysMentioning(t *testing.T, a *apptest.App, needle string) []string {
	t.Helper()
	ctx := t.Context()
	var found []string
	iter := a.Redis.Scan(ctx, 0, a.Prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		if strings.Contains(k, needle) {
			found = append(found, k)
			continue
		}
		dump, err := a.Redis.Dump(ctx, k).Result()
		if err == nil && strings.Contains(dump, needle) {
			found = append(found, k)
		}
	}
	return found
}

func TestExportAndErase(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	sub := confirmed(t, a, "pat@example.org")
	other := confirmed(t, a, "other@example.org")
	me := a.Links.Me(sub.ID)

	page := status(t, must(a.Client.Get(me)), http.StatusOK)
	for _, want := range []string{"pat@example.org", "Pat Private", newsletter.ConsentText[:40], "Subscribed"} {
		if !strings.Contains(page, want) {
			t.Errorf("/me page lacks %q", want)
		}
	}
	res := must(a.Client.Get(me + "/export"))
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("export Content-Type = %q", ct)
	}
	var ex struct {
		Email   string `json:"email"`
		Status  string `json:"status"`
		Consent struct {
			Text    string    `json:"text"`
			GivenAt time.Time `json:"given_at"`
		} `json:"consent"`
		Sends []struct {
			Kind, Subject string
			SentAt        time.Time `json:"sent_at"`
		} `json:"sends"`
	}
	if err := json.Unmarshal([]byte(status(t, res, http.StatusOK)), &ex); err != nil {
		t.Fatal(err)
	}
	if ex.Email != "pat@example.org" || ex.Status != "confirmed" || ex.Consent.Text != newsletter.ConsentText || ex.Consent.GivenAt.IsZero() {
		t.Fatalf("export = %+v", ex)
	}
	if len(ex.Sends) != 2 || ex.Sends[0].Kind != "confirm" || ex.Sends[1].Kind != "step" || ex.Sends[1].SentAt.IsZero() {
		t.Fatalf("export sends = %+v, want the confirmation and the guide", ex.Sends)
	}

	status(t, must(a.Client.Post(me+"/erase", "application/x-www-form-urlencoded", nil)), http.StatusOK)
	if keys := keysMentioning(t, a, sub.ID); len(keys) > 0 {
		t.Fatalf("keys still naming the erased subscriber: %v", keys)
	}
	if keys := keysMentioning(t, a, "pat@example.org"); len(keys) > 0 {
		t.Fatalf("keys still holding the erased address: %v", keys)
	}
	if keys := keysMentioning(t, a, other.ID); len(keys) == 0 {
		t.Fatalf("erase took another subscriber with it")
	}
	status(t, must(a.Client.Get(me)), http.StatusNotFound)
	status(t, must(a.Client.Get(me+"/export")), http.StatusNotFound)
	// No admin listing shows it; nothing more is sent; a new signup starts afresh.
	req, _ := http.NewRequest("GET", a.URL+"/admin/api/subscribers", nil)
	req.Header.Set("Authorization", "Bearer admin-secret-for-the-tests")
	if list := status(t, must(a.Client.Do(req)), http.StatusOK); strings.Contains(list, "pat@example.org") {
		t.Fatalf("erased address in the admin listing")
	}
	before := len(a.SMTP.To("pat@example.org"))
	a.Fake.Advance(30 * 24 * time.Hour)
	a.Drain(t)
	if got := len(a.SMTP.To("pat@example.org")); got != before {
		t.Fatalf("%d mail(s) to the erased address", got-before)
	}
	status(t, postJSON(t, a, "/subscribe", map[string]any{"email": "pat@example.org", "consent": true}), http.StatusAccepted)
	again := a.Subscriber(t, "pat@example.org")
	if again.ID == sub.ID || again.Status != newsletter.StatusPending || again.Name != "" {
		t.Fatalf("new signup after erase = %+v", again)
	}
}

func TestPostmarkWebhook(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	hard := confirmed(t, a, "hard@example.org")
	spam := confirmed(t, a, "spam@example.org")
	soft := confirmed(t, a, "soft@example.org")
	send := func(secret, body string) int {
		req, _ := http.NewRequest("POST", a.URL+"/webhooks/postmark", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte("postmark:"+secret)))
		}
		res := must(a.Client.Do(req))
		res.Body.Close()
		return res.StatusCode
	}
	if code := send("forged", `{"RecordType":"Bounce","Type":"HardBounce","Email":"hard@example.org"}`); code != http.StatusUnauthorized {
		t.Fatalf("forged secret: %d", code)
	}
	if code := send("", `{"RecordType":"Bounce","Type":"HardBounce","Email":"hard@example.org"}`); code != http.StatusUnauthorized {
		t.Fatalf("no secret: %d", code)
	}
	if s := a.Subscriber(t, "hard@example.org").Status; s != newsletter.StatusConfirmed {
		t.Fatalf("a forged webhook changed the status to %s", s)
	}
	for _, c := range []struct {
		body string
		sub  *newsletter.Subscriber
		want newsletter.Status
	}{
		{`{"RecordType":"Bounce","Type":"HardBounce","Email":"HARD@example.org"}`, hard, newsletter.StatusBounced},
		{`{"RecordType":"SpamComplaint","Email":"spam@example.org"}`, spam, newsletter.StatusComplained},
		{`{"RecordType":"Bounce","Type":"SoftBounce","Email":"soft@example.org"}`, soft, newsletter.StatusConfirmed},
	} {
		if code := send("hook-secret", c.body); code != http.StatusOK {
			t.Fatalf("%s: %d", c.body, code)
		}
		if got := a.Subscriber(t, c.sub.Email).Status; got != c.want {
			t.Errorf("%s: status %s, want %s", c.body, got, c.want)
		}
	}
	if code := send("hook-secret", `{"RecordType":"Bounce"`); code != http.StatusBadRequest {
		t.Fatalf("broken JSON: %d", code)
	}
	// Nothing more goes to the suppressed addresses.
	a.Fake.Advance(8 * 24 * time.Hour)
	a.Drain(t)
	for _, addr := range []string{"hard@example.org", "spam@example.org"} {
		if n := len(a.SMTP.To(addr)); n != 2 {
			t.Errorf("%s got %d mails, want only the confirmation and the guide", addr, n)
		}
	}
	if n := len(a.SMTP.To("soft@example.org")); n != 3 {
		t.Errorf("soft-bounced address got no weekly tip (%d mails)", n)
	}
}

func TestRetentionPurge(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	status(t, postJSON(t, a, "/subscribe", map[string]any{"email": "old@example.org", "consent": true}), http.StatusAccepted)
	a.Fake.Advance(6 * 24 * time.Hour)
	status(t, postJSON(t, a, "/subscribe", map[string]any{"email": "young@example.org", "consent": true}), http.StatusAccepted)
	kept := confirmed(t, a, "kept@example.org")
	old := a.Subscriber(t, "old@example.org")

	a.Fake.Advance(1*24*time.Hour + time.Minute)
	n, err := service.PurgePending(t.Context(), a.Store, a.Fake.Now(), service.DefaultPendingRetention)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("purged %d, want 1", n)
	}
	if keys := keysMentioning(t, a, old.ID); len(keys) > 0 {
		t.Fatalf("purged signup left keys: %v", keys)
	}
	a.Subscriber(t, "young@example.org")
	if s := a.Subscriber(t, "kept@example.org"); s.ID != kept.ID {
		t.Fatalf("a confirmed subscriber was purged")
	}
}
