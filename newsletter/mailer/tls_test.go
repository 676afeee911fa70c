package mailer_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/mailer"
)

func TestAuth(t *testing.T) {
	srv := newTestServer(t, withAuth("satina", "p@ss:w/rd"))

	s := newSender(t, mailer.Config{URL: srv.url("satina:p%40ss%3Aw%2Frd", "?tls=none")})
	send(t, s, testMessage("reader@example.com"))
	send(t, s, testMessage("reader@example.com"))
	got := srv.messages()
	if len(got) != 2 || got[0].User != "satina" || got[1].User != "satina" {
		t.Fatalf("messages = %+v, want 2 sent as satina", got)
	}
	if n := srv.connections(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}

	// tls=none allows PLAIN without TLS (to any host).
	send(t, newSender(t, mailer.Config{URL: srv.url("satina:p%40ss%3Aw%2Frd", "?tls=none")}), testMessage("reader@example.com"))

	for _, url := range []string{srv.url("satina:wrong", "?tls=none"), srv.url("", "?tls=none")} {
		err := sendErr(newSender(t, mailer.Config{URL: url}), testMessage("reader@example.com"))
		if err == nil || errors.Is(err, newsletter.ErrRejected) {
			t.Errorf("%s: err = %v, want a temporary error", url, err)
		}
	}
	if n := len(srv.messages()); n != 3 {
		t.Errorf("server got %d messages, want 3", n)
	}
}

func TestStartTLS(t *testing.T) {
	srv := newTestServer(t, withStartTLS(), withAuth("u", "p"))
	for _, suffix := range []string{"", "?tls=required"} {
		s := newSender(t, mailer.Config{URL: srv.url("u:p", suffix), InsecureSkipVerify: true})
		send(t, s, testMessage("reader@example.com"))
	}
	for i, r := range srv.messages() {
		if !r.TLS || r.User != "u" {
			t.Errorf("message %d: TLS=%v user=%q, want STARTTLS and AUTH", i, r.TLS, r.User)
		}
	}
	// An untrusted certificate is a (temporary) error, not a plaintext fallback.
	err := sendErr(newSender(t, mailer.Config{URL: srv.url("u:p", "")}), testMessage("reader@example.com"))
	if err == nil || errors.Is(err, newsletter.ErrRejected) {
		t.Errorf("untrusted certificate: err = %v, want a temporary error", err)
	}
	// tls=none never upgrades.
	send(t, newSender(t, mailer.Config{URL: srv.url("u:p", "?tls=none")}), testMessage("reader@example.com"))
	if got := srv.messages(); len(got) != 3 || got[2].TLS {
		t.Errorf("tls=none: %d messages, last over TLS: %v", len(got), len(got) == 3 && got[2].TLS)
	}
}

func TestStartTLSRequiredButNotOffered(t *testing.T) {
	srv := newTestServer(t)
	err := sendErr(newSender(t, mailer.Config{URL: srv.url("", "?tls=required")}), testMessage("reader@example.com"))
	if err == nil || errors.Is(err, newsletter.ErrRejected) {
		t.Errorf("err = %v, want a temporary error", err)
	}
	if n := len(srv.messages()); n != 0 {
		t.Errorf("server got %d messages in plaintext", n)
	}
}

func TestImplicitTLS(t *testing.T) {
	srv := newTestServer(t, withImplicitTLS(), withAuth("u", "p"))
	s := newSender(t, mailer.Config{URL: srv.url("u:p", ""), InsecureSkipVerify: true})
	send(t, s, testMessage("reader@example.com"))
	send(t, s, testMessage("reader@example.com"))
	got := srv.messages()
	if len(got) != 2 || !got[0].TLS || got[0].User != "u" {
		t.Fatalf("messages = %d, want 2 over TLS with AUTH", len(got))
	}
	if n := srv.connections(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
	checkMessage(t, got[0].Data, testMessage("reader@example.com"))
}

func TestParseURL(t *testing.T) {
	good := []struct {
		raw  string
		want mailer.SMTPSettings
	}{
		{"smtp://mail.example.org", mailer.SMTPSettings{Host: "mail.example.org", Port: 587, Security: mailer.StartTLSRequired}},
		{"smtp://user:pass@mail.example.org:2525", mailer.SMTPSettings{Host: "mail.example.org", Port: 2525, Username: "user", Password: "pass"}},
		{"smtps://mail.example.org", mailer.SMTPSettings{Host: "mail.example.org", Port: 465, Security: mailer.ImplicitTLS}},
		{"SMTPS://u@mail.example.org:4650/", mailer.SMTPSettings{Host: "mail.example.org", Port: 4650, Username: "u", Security: mailer.ImplicitTLS}},
		{"smtp://relay:25?tls=none", mailer.SMTPSettings{Host: "relay", Port: 25, Security: mailer.NoTLS}},
		{"smtp://relay?tls=required", mailer.SMTPSettings{Host: "relay", Port: 587, Security: mailer.StartTLSRequired}},
		{"smtp://u%40x.org:p%40%3A%2F%23@[::1]:1025", mailer.SMTPSettings{Host: "::1", Port: 1025, Username: "u@x.org", Password: "p@:/#"}},
		{"  smtp://127.0.0.1:1025  ", mailer.SMTPSettings{Host: "127.0.0.1", Port: 1025}},
	}
	for _, tc := range good {
		got, err := mailer.ParseURL(tc.raw)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", tc.raw, err)
			continue
		}
		if *got != tc.want {
			t.Errorf("ParseURL(%q) = %+v, want %+v", tc.raw, *got, tc.want)
		}
	}

	bad := []string{
		"",
		"mail.example.org:587",
		"http://mail.example.org",
		"smtp://",
		"smtp://:587",
		"smtp://user:pass@",
		"smtp://mail.example.org:0",
		"smtp://mail.example.org:70000",
		"smtp://mail.example.org:abc",
		"smtp://mail.example.org:",
		"smtp://mail.example.org/path",
		"smtp://mail.example.org?tls=maybe",
		"smtp://mail.example.org?tls=opportunistic",
		"smtp://mail.example.org?tls=none&tls=required",
		"smtp://mail.example.org?timeout=5s",
		"smtps://mail.example.org?tls=none",
		"smtp://:secret@mail.example.org",
		"smtp://user:se#cret@mail.example.org",
		"smtp:mail.example.org",
	}
	for _, raw := range bad {
		got, err := mailer.ParseURL(raw)
		if err == nil {
			t.Errorf("ParseURL(%q) = %+v, want an error", raw, got)
			continue
		}
		if !strings.HasPrefix(err.Error(), "SMTP_URL: ") {
			t.Errorf("ParseURL(%q) error %q does not name SMTP_URL", raw, err)
		}
		if strings.Contains(err.Error(), "secret") || strings.Contains(err.Error(), "cret") {
			t.Errorf("ParseURL(%q) error leaks the password: %q", raw, err)
		}
	}

	s, _ := mailer.ParseURL("smtp://user:secret@mail.example.org?tls=none")
	if str := s.String(); strings.Contains(str, "secret") || !strings.Contains(str, "mail.example.org:587") {
		t.Errorf("String() = %q", str)
	}
}

func TestNewValidates(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a key"), 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		cfg  mailer.Config
		want string
	}{
		{mailer.Config{URL: "smtp://"}, "SMTP_URL"},
		{mailer.Config{URL: "ftp://x"}, "SMTP_URL"},
		{mailer.Config{From: "not an address"}, "MAIL_FROM"},
		{mailer.Config{From: "Satina <letters@example.org>\r\nBcc: x@y"}, "MAIL_FROM"},
		{mailer.Config{DKIMSelector: "s1"}, "DKIM"},
		{mailer.Config{DKIMKeyFile: garbage}, "DKIM"},
		{mailer.Config{DKIMSelector: "s1", DKIMKeyFile: filepath.Join(dir, "missing.pem")}, "DKIM_KEY_FILE"},
		{mailer.Config{DKIMSelector: "s1", DKIMKeyFile: garbage}, "DKIM_KEY_FILE"},
		{mailer.Config{DKIMSelector: "bad selector", DKIMKeyFile: garbage}, "DKIM_SELECTOR"},
	}
	for _, tc := range cases {
		tc.cfg.OutboxDir = filepath.Join(dir, "outbox")
		_, err := mailer.New(tc.cfg)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%+v) = %v, want an error naming %s", tc.cfg, err, tc.want)
		}
	}
	// Defaults: the outbox and the default sender.
	if _, err := mailer.New(mailer.Config{OutboxDir: filepath.Join(dir, "outbox")}); err != nil {
		t.Errorf("New with defaults: %v", err)
	}
}
