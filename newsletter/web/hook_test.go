package web_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/newsletter"
)

// The providers' bounce and complaint webhooks through the HTTP listener,
// with the payloads recorded in newsletter/webhook/testdata, signed here
// as each provider signs them.

// hookPayload reads a recorded payload.
func hookPayload(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "webhook", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// withField sets one top-level field of a JSON object.
func withField(t *testing.T, body []byte, field string, v any) []byte {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	m[field] = v
	out, _ := json.Marshal(m)
	return out
}

// hook posts a webhook body with extra headers and returns the status.
func hook(t *testing.T, a *apptest.App, path string, body []byte, headers map[string]string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("POST", a.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	res := must(a.Client.Do(req))
	defer res.Body.Close()
	var b bytes.Buffer
	_, _ = b.ReadFrom(res.Body)
	return res.StatusCode, b.String()
}

// wantStatus checks a subscriber's status and that its reason starts
// with reason.
func wantStatus(t *testing.T, a *apptest.App, email string, st newsletter.Status, reason string) {
	t.Helper()
	sub := a.Subscriber(t, email)
	if sub.Status != st || !strings.HasPrefix(sub.LeftReason(), reason) {
		t.Errorf("%s: %s (%q), want %s (%q…)", email, sub.Status, sub.LeftReason(), st, reason)
	}
}

// suppressions reads GET /admin/api/suppressions as address -> reason.
func suppressions(t *testing.T, a *apptest.App) map[string]string {
	t.Helper()
	out := decode[struct {
		Suppressions []struct{ Email, Reason, At string } `json:"suppressions"`
	}](t, status(t, api(t, a, "GET", "/admin/api/suppressions", "", ""), http.StatusOK))
	m := map[string]string{}
	for _, s := range out.Suppressions {
		if _, err := time.Parse(time.RFC3339, s.At); err != nil {
			t.Errorf("suppression of %s at %q: %v", s.Email, s.At, err)
		}
		m[s.Email] = s.Reason
	}
	return m
}

func TestPostmarkWebhookRecords(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	for _, e := range []string{"reader.one@example.org", "reader.two@example.org", "reader.three@example.org", "reader.four@example.org"} {
		confirmed(t, a, e)
	}
	basic := map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("postmark:hook-secret"))}
	wrong := map[string]string{"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("postmark:guess"))}

	if code, _ := hook(t, a, "/webhooks/postmark", hookPayload(t, "postmark_hard_bounce.json"), wrong); code != http.StatusUnauthorized {
		t.Fatalf("a wrong password: %d, want 401", code)
	}
	wantStatus(t, a, "reader.one@example.org", newsletter.StatusConfirmed, "")
	for _, f := range []string{"postmark_hard_bounce.json", "postmark_spam_complaint.json", "postmark_subscription_change.json", "postmark_delivery.json"} {
		if code, body := hook(t, a, "/webhooks/postmark", hookPayload(t, f), basic); code != http.StatusOK {
			t.Fatalf("%s: %d %s", f, code, body)
		}
	}
	wantStatus(t, a, "reader.one@example.org", newsletter.StatusBounced, "bounce: smtp;550 5.1.1 The email account")
	wantStatus(t, a, "reader.three@example.org", newsletter.StatusComplained, "complaint")
	wantStatus(t, a, "reader.four@example.org", newsletter.StatusUnsubscribed, "unsubscribed")

	// A soft bounce counts once per mail; the third mail's bounces it.
	soft := hookPayload(t, "postmark_soft_bounce.json")
	for i, id := range []string{"m-1", "m-1", "m-2"} {
		if code, _ := hook(t, a, "/webhooks/postmark", withField(t, soft, "MessageID", id), basic); code != http.StatusOK {
			t.Fatalf("soft bounce %d: %d", i, code)
		}
	}
	wantStatus(t, a, "reader.two@example.org", newsletter.StatusConfirmed, "")
	a.Fake.Advance(14 * 24 * time.Hour)
	if code, _ := hook(t, a, "/webhooks/postmark", withField(t, soft, "MessageID", "m-3"), basic); code != http.StatusOK {
		t.Fatal(code)
	}
	wantStatus(t, a, "reader.two@example.org", newsletter.StatusBounced, "bounce: ")

	if code, _ := hook(t, a, "/webhooks/postmark", []byte(`{"RecordType":"Bounce"`), basic); code != http.StatusBadRequest {
		t.Errorf("broken JSON: %d, want 400", code)
	}
	got := suppressions(t, a)
	if len(got) != 3 || !strings.HasPrefix(got["reader.one@example.org"], "bounce: ") || got["reader.three@example.org"] != "complaint" ||
		!strings.HasPrefix(got["reader.two@example.org"], "bounce: ") {
		t.Errorf("suppressions = %v", got)
	}
}

// mailgunSign re-signs a recorded Mailgun body with key at now.
func mailgunSign(t *testing.T, body []byte, key string, now time.Time) []byte {
	t.Helper()
	ts, token := strconv.FormatInt(now.Unix(), 10), "tok-"+strconv.FormatInt(now.UnixNano(), 36)
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(ts + token))
	return withField(t, body, "signature", map[string]string{"timestamp": ts, "token": token, "signature": hex.EncodeToString(mac.Sum(nil))})
}

func TestMailgunWebhook(t *testing.T) {
	const key = "mailgun-signing-key-for-the-tests"
	a := apptest.Start(t, apptest.Options{NoWorker: true, Configure: func(c *config.Config) { c.MailgunWebhookKey = key }})
	for _, e := range []string{"reader.one@example.org", "reader.two@example.org", "reader.four@example.org", "reader.five@example.org", "reader.six@example.org"} {
		confirmed(t, a, e)
	}
	now := a.Fake.Now()
	if code, _ := hook(t, a, "/webhooks/mailgun", mailgunSign(t, hookPayload(t, "mailgun_failed_permanent.json"), "other-key", now), nil); code != http.StatusUnauthorized {
		t.Fatalf("signed with another key: %d, want 401", code)
	}
	if code, _ := hook(t, a, "/webhooks/mailgun", mailgunSign(t, hookPayload(t, "mailgun_failed_permanent.json"), key, now.Add(-time.Hour)), nil); code != http.StatusUnauthorized {
		t.Fatalf("signed an hour ago: %d, want 401", code)
	}
	for _, f := range []string{"mailgun_failed_permanent.json", "mailgun_failed_temporary.json", "mailgun_complained.json", "mailgun_unsubscribed.json", "mailgun_delivered.json"} {
		if code, body := hook(t, a, "/webhooks/mailgun", mailgunSign(t, hookPayload(t, f), key, now), nil); code != http.StatusOK {
			t.Fatalf("%s: %d %s", f, code, body)
		}
	}
	wantStatus(t, a, "reader.one@example.org", newsletter.StatusBounced, "bounce: ")
	wantStatus(t, a, "reader.two@example.org", newsletter.StatusConfirmed, "") // Mailgun still retries
	wantStatus(t, a, "reader.four@example.org", newsletter.StatusComplained, "complaint")
	wantStatus(t, a, "reader.five@example.org", newsletter.StatusUnsubscribed, "unsubscribed")
	wantStatus(t, a, "reader.six@example.org", newsletter.StatusConfirmed, "")
	if code, _ := hook(t, a, "/webhooks/mailgun", []byte(`{"signature":`), nil); code != http.StatusBadRequest {
		t.Errorf("broken JSON: %d, want 400", code)
	}
}

func TestWebhooksOffWithoutTheirKeys(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	for _, path := range []string{"/webhooks/mailgun", "/webhooks/sendgrid"} {
		if code, _ := hook(t, a, path, []byte(`{}`), nil); code != http.StatusNotFound {
			t.Errorf("%s without its key: %d, want 404", path, code)
		}
	}
	// SES is on without SES_TOPIC_ARNS, and refuses what Amazon did not sign.
	if code, _ := hook(t, a, "/webhooks/ses", hookPayload(t, "sns_notification.json"), nil); code != http.StatusUnauthorized {
		t.Errorf("an unsigned SNS message: %d, want 401", code)
	}
}
