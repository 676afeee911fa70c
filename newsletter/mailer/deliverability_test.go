package mailer_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"net/mail"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"

	"github.com/satina/newsletter/newsletter/mailer"
)

// TestDeliverabilityHeadersSignedAndVERP: List-Id, Reply-To and
// Feedback-ID reach the server as given and under the DKIM signature (a
// Reply-To or List-Id added on the way breaks it), and the VERP envelope
// sender is the MAIL FROM on the wire.
func TestDeliverabilityHeadersSignedAndVERP(t *testing.T) {
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	txt := "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(pub)
	verify := func(data []byte) *dkim.Verification {
		t.Helper()
		vs, err := dkim.VerifyWithOptions(bytes.NewReader(data), &dkim.VerifyOptions{
			LookupTXT: func(string) ([]string, error) { return []string{txt}, nil }})
		if err != nil || len(vs) != 1 {
			t.Fatalf("verify: %v, %d signatures", err, len(vs))
		}
		return vs[0]
	}
	srv := newTestServer(t)
	s := newSender(t, mailer.Config{URL: srv.url("", "?tls=none"), DKIMSelector: "sel1", DKIMKeyFile: writePEM(t, "PRIVATE KEY", der)})
	m := testMessage("reader@example.com")
	m.EnvelopeFrom = "bounces+b0a1b2c3d4e5f6789abcdqwertyuiopasdfghj@example.org"
	m.Headers["List-Id"] = `"Dear Fellow Humans" <letters.example.org>`
	m.Headers["Reply-To"] = `"Satina" <satina@example.org>`
	m.Headers["Feedback-ID"] = "letter:newsletter:example.org"
	send(t, s, m)
	got := srv.messages()
	if len(got) != 1 {
		t.Fatalf("server got %d messages", len(got))
	}
	if got[0].From != m.EnvelopeFrom {
		t.Errorf("MAIL FROM %q, want the VERP address %q", got[0].From, m.EnvelopeFrom)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"List-Id", "Reply-To", "Feedback-ID"} {
		if msg.Header.Get(h) != m.Headers[h] {
			t.Errorf("%s: %q, want %q", h, msg.Header.Get(h), m.Headers[h])
		}
	}
	v := verify(got[0].Data)
	if v.Err != nil {
		t.Fatalf("signature invalid: %v", v.Err)
	}
	signed := strings.ToLower(strings.Join(v.HeaderKeys, ":"))
	for _, h := range []string{"list-id", "reply-to", "feedback-id"} {
		if !strings.Contains(":"+signed+":", ":"+h+":") {
			t.Errorf("h= %v does not cover %s", v.HeaderKeys, h)
		}
	}
	for _, added := range []string{"Reply-To: <evil@example.net>\r\n", "List-Id: <other.example.net>\r\n"} {
		if v := verify(append([]byte(added), got[0].Data...)); v.Err == nil {
			t.Errorf("signature still valid after adding %q", strings.TrimSpace(added))
		}
	}
}
