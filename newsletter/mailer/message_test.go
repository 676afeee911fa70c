package mailer_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"mime"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/mailer"
)

func TestOutbox(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "deep", "outbox")
	s := newSender(t, mailer.Config{OutboxDir: dir})
	m := testMessage("reader@example.com")
	send(t, s, m)
	send(t, s, testMessage("other@example.com"))

	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 2 {
		t.Fatalf("outbox holds %d files, want 2", len(entries))
	}
	name := regexp.MustCompile(`^\d{8}T\d{6}\.\d{9}Z-[0-9a-f]{12}\.eml$`)
	for _, e := range entries {
		if !name.MatchString(e.Name()) {
			t.Errorf("file name %q", e.Name())
		}
	}
	data, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := m
	if msg.Header.Get("To") != "" && strings.Contains(msg.Header.Get("To"), "other@") {
		want = testMessage("other@example.com")
	}
	checkMessage(t, data, want)
}

func TestHeaderInjection(t *testing.T) {
	srv := newTestServer(t)
	senders := map[string]newsletter.Sender{
		"smtp":   newSender(t, mailer.Config{URL: srv.url("", "?tls=none")}),
		"outbox": newSender(t, mailer.Config{OutboxDir: t.TempDir()}),
	}
	bad := map[string]func(m *newsletter.Message){
		"CRLF in subject":      func(m *newsletter.Message) { m.Subject = "Hi\r\nBcc: victim@example.com" },
		"LF in subject":        func(m *newsletter.Message) { m.Subject = "Hi\nBcc: victim@example.com" },
		"CR in subject":        func(m *newsletter.Message) { m.Subject = "Hi\rthere" },
		"CRLF in header value": func(m *newsletter.Message) { m.Headers["List-Unsubscribe"] = "<http://x>\r\nBcc: victim@example.com" },
		"LF in header value":   func(m *newsletter.Message) { m.Headers["X-Campaign"] = "a\nb" },
		"CRLF in to name":      func(m *newsletter.Message) { m.ToName = "Eve\r\nBcc: victim@example.com" },
		"CRLF in to":           func(m *newsletter.Message) { m.To = "reader@example.com\r\nBcc: victim@example.com" },
		"colon in header name": func(m *newsletter.Message) { m.Headers["X-A: b\r\nBcc"] = "c" },
		"space in header name": func(m *newsletter.Message) { m.Headers["X A"] = "c" },
		"reserved header":      func(m *newsletter.Message) { m.Headers["bcc"] = "victim@example.com" },
		"bad recipient":        func(m *newsletter.Message) { m.To = "not an address" },
	}
	for kind, s := range senders {
		for what, spoil := range bad {
			m := testMessage("reader@example.com")
			spoil(m)
			err := sendErr(s, m)
			if !errors.Is(err, mailer.ErrInvalidMessage) || errors.Is(err, newsletter.ErrRejected) {
				t.Errorf("%s, %s: err = %v, want ErrInvalidMessage", kind, what, err)
			}
		}
	}
	if n := len(srv.messages()); n != 0 {
		t.Errorf("server got %d messages", n)
	}
	// The SMTP sender is still usable.
	send(t, senders["smtp"], testMessage("reader@example.com"))
}

func TestNonASCIIHeaderIsEncoded(t *testing.T) {
	dir := t.TempDir()
	s := newSender(t, mailer.Config{OutboxDir: dir})
	m := testMessage("reader@example.com")
	m.Headers["X-Campaign"] = "Frühling"
	send(t, s, m)
	entries, _ := os.ReadDir(dir)
	data, _ := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	raw := msg.Header.Get("X-Campaign")
	dec, err := new(mime.WordDecoder).DecodeHeader(raw)
	if raw == "Frühling" || err != nil || dec != "Frühling" {
		t.Errorf("X-Campaign = %q → %q (%v)", raw, dec, err)
	}
}

func writePEM(t *testing.T, typ string, der []byte) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(f, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestDKIM(t *testing.T) {
	edPub, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	edDER, err := x509.MarshalPKCS8PrivateKey(edKey)
	if err != nil {
		t.Fatal(err)
	}
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsaPubDER, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	rsaPKCS8, err := x509.MarshalPKCS8PrivateKey(rsaKey)
	if err != nil {
		t.Fatal(err)
	}

	keys := []struct {
		name, keyFile, txt string
	}{
		{"ed25519 PKCS#8", writePEM(t, "PRIVATE KEY", edDER),
			"v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(edPub)},
		{"rsa PKCS#1", writePEM(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsaKey)),
			"v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(rsaPubDER)},
		{"rsa PKCS#8", writePEM(t, "PRIVATE KEY", rsaPKCS8),
			"v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(rsaPubDER)},
	}
	for _, k := range keys {
		t.Run(k.name, func(t *testing.T) {
			lookup := func(domain string) ([]string, error) {
				if domain != "sel1._domainkey.example.org" {
					t.Errorf("lookup of %q", domain)
					return nil, errors.New("no such record")
				}
				return []string{k.txt}, nil
			}
			verify := func(data []byte) []*dkim.Verification {
				t.Helper()
				vs, err := dkim.VerifyWithOptions(bytes.NewReader(data), &dkim.VerifyOptions{LookupTXT: lookup})
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if len(vs) != 1 {
					t.Fatalf("%d signatures, want 1", len(vs))
				}
				return vs
			}

			srv := newTestServer(t)
			cfg := mailer.Config{URL: srv.url("", "?tls=none"), DKIMSelector: "sel1", DKIMKeyFile: k.keyFile}
			s := newSender(t, cfg)
			m := testMessage("reader@example.com")
			send(t, s, m)
			confirm := testMessage("reader@example.com") // no List-Unsubscribe
			confirm.Headers = nil
			send(t, s, confirm)
			got := srv.messages()
			if len(got) != 2 {
				t.Fatalf("server got %d messages", len(got))
			}
			for i, r := range got {
				v := verify(r.Data)[0]
				if v.Err != nil {
					t.Fatalf("message %d: signature invalid: %v\n%s", i, v.Err, r.Data)
				}
				if v.Domain != "example.org" {
					t.Errorf("d= %q", v.Domain)
				}
				signed := map[string]bool{}
				for _, h := range v.HeaderKeys {
					signed[strings.ToLower(h)] = true
				}
				for _, h := range []string{"from", "to", "subject", "date", "message-id", "list-unsubscribe", "list-unsubscribe-post", "mime-version", "content-type"} {
					if !signed[h] {
						t.Errorf("h= %v does not cover %s", v.HeaderKeys, h)
					}
				}
			}
			checkMessage(t, got[0].Data, m)

			// Tampering breaks it: the unsubscribe link, or the body.
			for _, swap := range [][2]string{
				{"/unsubscribe/v1.", "/unsubscribe/v2."},
				{"Your guide", "Our guide"},
			} {
				bad := bytes.Replace(got[0].Data, []byte(swap[0]), []byte(swap[1]), 1)
				if bytes.Equal(bad, got[0].Data) {
					t.Fatalf("%q not in message", swap[0])
				}
				if v := verify(bad)[0]; v.Err == nil {
					t.Errorf("signature still valid after replacing %q", swap[0])
				}
			}
			// Adding a List-Unsubscribe to the mail that had none breaks it too.
			added := append([]byte("List-Unsubscribe: <http://evil.example/>\r\n"), got[1].Data...)
			if v := verify(added)[0]; v.Err == nil {
				t.Error("signature still valid after adding List-Unsubscribe")
			}

			// The outbox signs too.
			dir := t.TempDir()
			cfg.URL, cfg.OutboxDir = "", dir
			send(t, newSender(t, cfg), testMessage("reader@example.com"))
			entries, _ := os.ReadDir(dir)
			data, _ := os.ReadFile(filepath.Join(dir, entries[0].Name()))
			if v := verify(data)[0]; v.Err != nil {
				t.Errorf("outbox: signature invalid: %v", v.Err)
			}
		})
	}
}
