package webhook

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sendgridSigner is a P-256 key pair like the one SendGrid signs with.
type sendgridSigner struct {
	key    *ecdsa.PrivateKey
	public string // base64 DER, as SendGrid shows it
}

func newSendGridSigner(t testing.TB) sendgridSigner {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return sendgridSigner{key: key, public: base64.StdEncoding.EncodeToString(der)}
}

// sign returns the signature and timestamp headers for body at ts.
func (s sendgridSigner) sign(t testing.TB, body []byte, ts time.Time) (sig, stamp string) {
	t.Helper()
	stamp = strconv.FormatInt(ts.Unix(), 10)
	sum := sha256.Sum256(append([]byte(stamp), body...))
	der, err := ecdsa.SignASN1(rand.Reader, s.key, sum[:])
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der), stamp
}

// SendGrid's own published test vectors (its SDKs test against them).
func TestSendGridKnownAnswers(t *testing.T) {
	const key1 = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEDr2LjtURuePQzplybdC+u4CwrqDqBaWjcMMsTbhdbcwHBcepxo7yAQGhHPTnlvFYPAZFceEu/1FwCM/QmGUhA=="
	const sig1 = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH2j/0="
	payload1 := []byte(`{"category":"example_payload","event":"test_event","message_id":"message_id"}`)
	if err := verifySendGrid(payload1, sig1, "1588788367", key1, time.Unix(1588788367, 0)); err != nil {
		t.Errorf("vector 1: %v", err)
	}
	const badSig = "MEUCIQCtIHJeH93Y+qpYeWrySphQgpNGNr/U+UyUlBkU6n7RAwIgJTz2C+8a8xonZGi6BpSzoQsbVRamr2nlxFDWYNH3j/0="
	if err := verifySendGrid(payload1, badSig, "1588788367", key1, time.Unix(1588788367, 0)); !errors.Is(err, ErrSignature) {
		t.Errorf("vector 1 with a changed signature: got %v", err)
	}

	const key2 = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g=="
	const sig2 = "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM="
	payload2 := []byte(`[{"email":"hello@world.com","event":"dropped","reason":"Bounced Address",` +
		`"sg_event_id":"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA",` +
		`"sg_message_id":"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0",` +
		`"smtp-id":"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>","timestamp":1600112492}]` + "\r\n")
	e := one(t)(SendGrid(payload2, sig2, "1600112502", key2, time.Unix(1600112502, 0)))
	if e.Kind != Bounce || e.Email != "hello@world.com" || !e.At.Equal(time.Unix(1600112492, 0)) {
		t.Errorf("vector 2: got %+v", e)
	}
}

func TestSendGridRecordedShapes(t *testing.T) {
	s := newSendGridSigner(t)
	body := readTestdata(t, "sendgrid_events.json")
	sig, ts := s.sign(t, body, testNow)
	events, err := SendGrid(body, sig, ts, s.public, testNow)
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind   Kind
		email  string
		reason string
	}{
		{Ignore, "reader.one@example.org", "sendgrid processed"},
		{Ignore, "reader.one@example.org", "sendgrid deferred (attempt 5), retrying: 400 try again later"},
		{Ignore, "reader.one@example.org", "sendgrid delivered"},
		{Bounce, "reader.two@example.org", "550 5.1.1 The email account"},
		{SoftBounce, "reader.three@example.org", "unable to get mx info"},
		{Ignore, "reader.four@example.org", "sendgrid block (Reputation): 550 5.7.1"},
		{Bounce, "reader.five@example.org", "sendgrid: address on the bounce list"},
		{Unsubscribe, "reader.six@example.org", "sendgrid: address on an unsubscribe list"},
		{Ignore, "reader.seven@example.org", "sendgrid dropped the mail: Invalid SMTPAPI header"},
		{Complaint, "reader.eight@example.org", "spam complaint"},
		{Unsubscribe, "reader.nine@example.org", "unsubscribed through sendgrid"},
		{Unsubscribe, "reader.ten@example.org", "unsubscribed through sendgrid"},
		{Ignore, "reader.one@example.org", "sendgrid open"},
	}
	if len(events) != len(want) {
		t.Fatalf("got %d events, want %d: %+v", len(events), len(want), events)
	}
	for i, w := range want {
		e := events[i]
		if e.Kind != w.kind || e.Email != w.email || !strings.HasPrefix(e.Reason, w.reason) || e.Provider != "sendgrid" {
			t.Errorf("#%d: got %+v, want %s %s %q…", i, e, w.kind, w.email, w.reason)
		}
		if !e.At.Equal(time.Unix(1772729900+int64(i), 0)) {
			t.Errorf("#%d: at %s", i, e.At)
		}
	}
	if events[3].MessageID != "14c5d75ce93.dfd.64b469.filter0001.16648.5515E0B88.000000000000000000001" {
		t.Errorf("message id = %q", events[3].MessageID)
	}
}

func TestSendGridRefusesBadSignatures(t *testing.T) {
	s, stranger := newSendGridSigner(t), newSendGridSigner(t)
	body := readTestdata(t, "sendgrid_events.json")
	sig, ts := s.sign(t, body, testNow)
	tampered := []byte(strings.Replace(string(body), `"event":"spamreport"`, `"event":"delivered" `, 1))
	strangerSig, _ := stranger.sign(t, body, testNow)
	oldSig, oldTS := s.sign(t, body, testNow.Add(-MaxSkew-time.Second))
	pemKey := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: mustB64(t, stranger.public)}))
	tests := []struct {
		name         string
		body         []byte
		sig, ts, key string
		now          time.Time
	}{
		{"tampered body", tampered, sig, ts, s.public, testNow},
		{"signed by another key", body, strangerSig, ts, s.public, testNow},
		{"checked with another key", body, sig, ts, stranger.public, testNow},
		{"checked with another key in PEM", body, sig, ts, pemKey, testNow},
		{"stale timestamp", body, oldSig, oldTS, s.public, testNow},
		{"timestamp changed", body, sig, strconv.FormatInt(testNow.Unix()+1, 10), s.public, testNow},
		{"clock far ahead", body, sig, ts, s.public, testNow.Add(time.Hour)},
		{"no signature header", body, "", ts, s.public, testNow},
		{"no timestamp header", body, sig, "", s.public, testNow},
		{"signature not base64", body, "!!", ts, s.public, testNow},
		{"no key configured", body, sig, ts, "", testNow},
		{"key not base64", body, sig, ts, "not a key", testNow},
		{"key of another curve", body, sig, ts, p384Key(t), testNow},
	}
	for _, tt := range tests {
		events, err := SendGrid(tt.body, tt.sig, tt.ts, tt.key, tt.now)
		if !errors.Is(err, ErrSignature) || events != nil || Status(err) != 401 {
			t.Errorf("%s: got %v, %v, want ErrSignature", tt.name, events, err)
		}
	}
	// The same key in PEM form is accepted.
	pemOwn := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: mustB64(t, s.public)}))
	if _, err := SendGrid(body, sig, ts, pemOwn, testNow); err != nil {
		t.Errorf("PEM key: %v", err)
	}
}

func mustB64(t *testing.T, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func p384Key(t *testing.T) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(der)
}

func TestSendGridMalformedButSigned(t *testing.T) {
	s := newSendGridSigner(t)
	for _, body := range []string{`{"event":"bounce"}`, `not json`, `[1]`, `[{"event":5}]`} {
		sig, ts := s.sign(t, []byte(body), testNow)
		if _, err := SendGrid([]byte(body), sig, ts, s.public, testNow); !errors.Is(err, ErrMalformed) || Status(err) != 400 {
			t.Errorf("%q: got %v, want ErrMalformed", body, err)
		}
	}
	sig, ts := s.sign(t, []byte(`[]`), testNow)
	if events, err := SendGrid([]byte(`[]`), sig, ts, s.public, testNow); err != nil || len(events) != 0 {
		t.Errorf("empty batch: got %v, %v", events, err)
	}
}
