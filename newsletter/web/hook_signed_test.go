package web_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/app"
	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/webhook"
)

func TestSendGridWebhook(t *testing.T) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	a := apptest.Start(t, apptest.Options{NoWorker: true, Configure: func(c *config.Config) {
		c.SendGridWebhookKey = base64.StdEncoding.EncodeToString(der)
	}})
	emails := []string{"reader.one@example.org", "reader.two@example.org", "reader.three@example.org", "reader.eight@example.org", "reader.nine@example.org"}
	for _, e := range emails {
		confirmed(t, a, e)
	}
	body := hookPayload(t, "sendgrid_events.json")
	sign := func(body []byte, at time.Time) map[string]string {
		ts := strconv.FormatInt(at.Unix(), 10)
		sum := sha256.Sum256(append([]byte(ts), body...))
		sig, err := ecdsa.SignASN1(rand.Reader, key, sum[:])
		if err != nil {
			t.Fatal(err)
		}
		return map[string]string{webhook.SendGridSignatureHeader: base64.StdEncoding.EncodeToString(sig), webhook.SendGridTimestampHeader: ts}
	}
	now := a.Fake.Now()
	tampered := strings.Replace(string(body), "reader.two@", "reader.one@", 1)
	if code, _ := hook(t, a, "/webhooks/sendgrid", []byte(tampered), sign(body, now)); code != http.StatusUnauthorized {
		t.Fatalf("a changed body: %d, want 401", code)
	}
	if code, _ := hook(t, a, "/webhooks/sendgrid", body, nil); code != http.StatusUnauthorized {
		t.Fatalf("no signature: %d, want 401", code)
	}
	code, res := hook(t, a, "/webhooks/sendgrid", body, sign(body, now))
	if code != http.StatusOK || !strings.Contains(res, `"processed":`) {
		t.Fatalf("signed events: %d %s", code, res)
	}
	wantStatus(t, a, "reader.one@example.org", newsletter.StatusConfirmed, "") // processed, deferred, delivered, open
	wantStatus(t, a, "reader.two@example.org", newsletter.StatusBounced, "bounce: 550 5.1.1")
	wantStatus(t, a, "reader.three@example.org", newsletter.StatusConfirmed, "") // one soft bounce counts
	wantStatus(t, a, "reader.eight@example.org", newsletter.StatusComplained, "complaint")
	wantStatus(t, a, "reader.nine@example.org", newsletter.StatusUnsubscribed, "unsubscribed")
}

// snsSigner stands in for Amazon: a key and a certificate, served to the
// service by its SNS Fetch, and the SubscribeURLs it was sent to.
type snsSigner struct {
	key     *rsa.PrivateKey
	certPEM []byte
	mu      sync.Mutex
	visited []string
}

func newSNSSigner(t *testing.T, now time.Time) *snsSigner {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sns.amazonaws.com"},
		NotBefore: now.Add(-24 * time.Hour), NotAfter: now.Add(365 * 24 * time.Hour), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &snsSigner{key: key, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// sign signs an SNS envelope (SignatureVersion 2) as AWS documents it.
func (s *snsSigner) sign(t *testing.T, env map[string]string) []byte {
	t.Helper()
	names := []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	if env["Type"] == "Notification" {
		names = []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	}
	var text strings.Builder
	for _, n := range names {
		if v, ok := env[n]; ok {
			text.WriteString(n + "\n" + v + "\n")
		}
	}
	env["SignatureVersion"] = "2"
	sum := sha256.Sum256([]byte(text.String()))
	sig, err := rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	env["Signature"] = base64.StdEncoding.EncodeToString(sig)
	b, _ := json.Marshal(env)
	return b
}

// RoundTrip answers the service's visit of a SubscribeURL as SNS does.
func (s *snsSigner) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	s.visited = append(s.visited, r.URL.String())
	s.mu.Unlock()
	return &http.Response{StatusCode: http.StatusOK, Status: "200 OK", Body: io.NopCloser(strings.NewReader("<ConfirmSubscriptionResponse/>")),
		Header: http.Header{}, Request: r}, nil
}

func TestSESWebhook(t *testing.T) {
	const topic = "arn:aws:sns:us-east-1:123456789012:ses-feedback"
	var amazon *snsSigner
	a := apptest.Start(t, apptest.Options{NoWorker: true, Configure: func(c *config.Config) { c.SESTopics = []string{topic} },
		Wire: func(d *app.Deps) {
			amazon = newSNSSigner(t, d.Clock.Now())
			d.SNS = &webhook.SNS{Topics: []string{topic}, Now: d.Clock.Now, Client: &http.Client{Transport: amazon},
				Fetch: func(context.Context, string) ([]byte, error) { return amazon.certPEM, nil }}
		}})
	for _, e := range []string{"reader.one@example.org", "reader.two@example.org", "reader.three@example.org", "reader.four@example.org"} {
		confirmed(t, a, e)
	}
	envelope := func(file, ses string) map[string]string {
		var env map[string]string
		if err := json.Unmarshal(hookPayload(t, file), &env); err != nil {
			t.Fatal(err)
		}
		if ses != "" {
			env["Message"] = string(hookPayload(t, ses))
		}
		env["Timestamp"] = a.Fake.Now().Add(-time.Minute).UTC().Format("2006-01-02T15:04:05.000Z")
		return env
	}
	// The subscription is confirmed by visiting its SubscribeURL.
	if code, body := hook(t, a, "/webhooks/ses", amazon.sign(t, envelope("sns_subscription_confirmation.json", "")), nil); code != http.StatusOK {
		t.Fatalf("subscription confirmation: %d %s", code, body)
	}
	if len(amazon.visited) != 1 || !strings.Contains(amazon.visited[0], "Action=ConfirmSubscription") {
		t.Errorf("SubscribeURL visits: %v", amazon.visited)
	}
	for _, f := range []string{"ses_bounce_permanent.json", "ses_bounce_transient.json", "ses_complaint.json", "ses_delivery.json"} {
		if code, body := hook(t, a, "/webhooks/ses", amazon.sign(t, envelope("sns_notification.json", f)), nil); code != http.StatusOK {
			t.Fatalf("%s: %d %s", f, code, body)
		}
	}
	wantStatus(t, a, "reader.one@example.org", newsletter.StatusBounced, "bounce: ")
	wantStatus(t, a, "reader.two@example.org", newsletter.StatusBounced, "bounce: ")
	wantStatus(t, a, "reader.three@example.org", newsletter.StatusConfirmed, "")
	wantStatus(t, a, "reader.four@example.org", newsletter.StatusComplained, "complaint")

	// Another topic, a changed message, a stranger's signature: 401.
	other := envelope("sns_notification.json", "ses_complaint.json")
	other["TopicArn"] = "arn:aws:sns:us-east-1:999999999999:not-ours"
	changed := envelope("sns_notification.json", "ses_complaint.json")
	signed := amazon.sign(t, changed)
	var m map[string]string
	_ = json.Unmarshal(signed, &m)
	m["Message"] = strings.Replace(m["Message"], "reader.four@", "reader.three@", 1)
	tampered, _ := json.Marshal(m)
	stranger := newSNSSigner(t, a.Fake.Now())
	for name, body := range map[string][]byte{
		"another topic":       amazon.sign(t, other),
		"a changed message":   tampered,
		"a stranger's key":    stranger.sign(t, envelope("sns_notification.json", "ses_complaint.json")),
		"an unsigned message": hookPayload(t, "sns_notification.json"),
	} {
		if code, _ := hook(t, a, "/webhooks/ses", body, nil); code != http.StatusUnauthorized {
			t.Errorf("%s: %d, want 401", name, code)
		}
	}
	wantStatus(t, a, "reader.three@example.org", newsletter.StatusConfirmed, "")
}
