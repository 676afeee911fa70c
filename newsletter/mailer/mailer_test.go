package mailer_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/emersion/go-smtp"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/mailer"
)

const (
	testFrom  = "Satina <letters@example.org>"
	unsubURL  = "<http://localhost:8080/unsubscribe/v1.eyJzdWIiOiJyZWFkZXJAZXhhbXBsZS5jb20iLCJraW5kIjoidW5zdWIifQ.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU>"
	unsubPost = "List-Unsubscribe=One-Click"
)

func testMessage(to string) *newsletter.Message {
	return &newsletter.Message{
		To:      to,
		ToName:  "Zoë \"Zo\" Müller",
		Subject: "Grüße — your guide is here",
		Text:    "Dear Zoë,\n\nhere is your guide: http://localhost:8080/d/abc\n\nUnsubscribe: http://localhost:8080/unsubscribe/x\n",
		HTML:    "<p>Dear Zoë,</p>\n<p><a href=\"http://localhost:8080/d/abc\">Your guide</a> = ready</p>\n",
		Headers: map[string]string{
			"List-Unsubscribe":      unsubURL,
			"List-Unsubscribe-Post": unsubPost,
		},
	}
}

func newTransport(t *testing.T, cfg mailer.Config) newsletter.Transport {
	t.Helper()
	if cfg.From == "" {
		cfg.From = testFrom
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 5 * time.Second
	}
	tr, err := mailer.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return tr
}

func newSender(t *testing.T, cfg mailer.Config) newsletter.Sender {
	t.Helper()
	s := newTransport(t, cfg).NewSender()
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func send(t *testing.T, s newsletter.Sender, m *newsletter.Message) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.Send(ctx, m); err != nil {
		t.Fatalf("Send to %s: %v", m.To, err)
	}
}

func sendErr(s newsletter.Sender, m *newsletter.Message) error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return s.Send(ctx, m)
}

// checkMessage parses raw mail and checks everything a subscriber's mail
// must carry.
func checkMessage(t *testing.T, data []byte, m *newsletter.Message) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, data)
	}
	h := msg.Header
	raw := headerBlock(data)

	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Address != "letters@example.org" || from[0].Name != "Satina" {
		t.Errorf("From = %q (%v)", h.Get("From"), err)
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Address != m.To || to[0].Name != m.ToName {
		t.Errorf("To = %q → %v (%v), want %q <%s>", h.Get("To"), to, err, m.ToName, m.To)
	}
	if !strings.Contains(h.Get("Subject"), "=?UTF-8?") {
		t.Errorf("Subject not RFC 2047 encoded: %q", h.Get("Subject"))
	}
	subj, err := new(mime.WordDecoder).DecodeHeader(h.Get("Subject"))
	if err != nil || subj != m.Subject {
		t.Errorf("Subject = %q (%v), want %q", subj, err, m.Subject)
	}
	if d, err := h.Date(); err != nil || time.Since(d) > time.Minute || time.Since(d) < -time.Minute {
		t.Errorf("Date = %q (%v)", h.Get("Date"), err)
	}
	if !regexp.MustCompile(`^<[0-9a-f]{32}@example\.org>$`).MatchString(h.Get("Message-ID")) {
		t.Errorf("Message-ID = %q, want <hex@example.org>", h.Get("Message-ID"))
	}
	if h.Get("MIME-Version") != "1.0" {
		t.Errorf("MIME-Version = %q", h.Get("MIME-Version"))
	}
	// Byte-exact, on one line.
	for name, value := range m.Headers {
		line := "\r\n" + name + ": " + value + "\r\n"
		if !strings.Contains("\r\n"+raw, line) {
			t.Errorf("header line %q not found in\n%s", line, raw)
		}
		if got := h[name]; len(got) != 1 || got[0] != value {
			t.Errorf("%s = %q, want %q", name, got, value)
		}
	}
	for _, name := range []string{"User-Agent", "X-Mailer"} {
		if v := h.Get(name); v != "" {
			t.Errorf("unexpected %s: %q", name, v)
		}
	}
	if strings.Contains(strings.ToLower(raw), "go-mail") {
		t.Errorf("headers name the library:\n%s", raw)
	}

	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v)", h.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	wantParts := []struct{ typ, body string }{{"text/plain", m.Text}, {"text/html", m.HTML}}
	for i, want := range wantParts {
		p, err := mr.NextRawPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		ct, cparams, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		if ct != want.typ || !strings.EqualFold(cparams["charset"], "utf-8") {
			t.Errorf("part %d Content-Type = %q, want %s; charset=UTF-8", i, p.Header.Get("Content-Type"), want.typ)
		}
		// Quoted-printable on the wire; 8bit in the dev outbox, where a
		// text editor should show links whole.
		var r io.Reader = quotedprintable.NewReader(p)
		switch cte := p.Header.Get("Content-Transfer-Encoding"); cte {
		case "quoted-printable":
		case "8bit":
			r = p
		default:
			t.Errorf("part %d Content-Transfer-Encoding = %q", i, cte)
		}
		body, err := io.ReadAll(r)
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		if got := strings.ReplaceAll(string(body), "\r\n", "\n"); got != want.body {
			t.Errorf("part %d body = %q, want %q", i, got, want.body)
		}
	}
	if _, err := mr.NextRawPart(); err != io.EOF {
		t.Errorf("more than two parts: %v", err)
	}
}

func TestSendOverSMTP(t *testing.T) {
	srv := newTestServer(t)
	s := newSender(t, mailer.Config{URL: srv.url("", "?tls=none")})
	m := testMessage("reader@example.com")
	send(t, s, m)

	got := srv.messages()
	if len(got) != 1 {
		t.Fatalf("server got %d messages", len(got))
	}
	if got[0].From != "letters@example.org" || len(got[0].To) != 1 || got[0].To[0] != "reader@example.com" {
		t.Errorf("envelope = %q → %q", got[0].From, got[0].To)
	}
	checkMessage(t, got[0].Data, m)
}

func TestConnectionReuse(t *testing.T) {
	srv := newTestServer(t)
	s := newTransport(t, mailer.Config{URL: srv.url("", "?tls=none")}).NewSender()
	for i := 0; i < 3; i++ {
		send(t, s, testMessage("reader@example.com"))
	}
	if n := len(srv.messages()); n != 3 {
		t.Errorf("server got %d messages, want 3", n)
	}
	if n := srv.connections(); n != 1 {
		t.Errorf("%d connections for 3 messages, want 1", n)
	}
	ids := map[string]bool{}
	for _, r := range srv.messages() {
		msg, _ := mail.ReadMessage(bytes.NewReader(r.Data))
		ids[msg.Header.Get("Message-ID")] = true
	}
	if len(ids) != 3 {
		t.Errorf("Message-IDs not unique: %v", ids)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := sendErr(s, testMessage("reader@example.com")); err == nil {
		t.Error("Send after Close succeeded")
	}
}

func TestRejected550(t *testing.T) {
	srv := newTestServer(t)
	srv.reject("gone@example.com", 550, smtp.EnhancedCode{5, 1, 1}, "No such user")
	s := newSender(t, mailer.Config{URL: srv.url("", "?tls=none")})

	err := sendErr(s, testMessage("gone@example.com"))
	if !errors.Is(err, newsletter.ErrRejected) {
		t.Fatalf("550: err = %v, want ErrRejected", err)
	}
	send(t, s, testMessage("reader@example.com"))
	if n := len(srv.messages()); n != 1 {
		t.Errorf("server got %d messages, want 1", n)
	}
	if n := srv.connections(); n != 1 {
		t.Errorf("%d connections, want 1: a rejected recipient keeps the connection", n)
	}
}

func TestNotRejectedWhenServerRefusesUs(t *testing.T) {
	srv := newTestServer(t)
	srv.reject("reader@example.com", 554, smtp.EnhancedCode{5, 7, 1}, "<reader@example.com>: Relay access denied")
	srv.reject("other@example.com", 530, smtp.EnhancedCode{5, 7, 0}, "Authentication required")
	s := newSender(t, mailer.Config{URL: srv.url("", "?tls=none")})
	for _, to := range []string{"reader@example.com", "other@example.com"} {
		err := sendErr(s, testMessage(to))
		if err == nil || errors.Is(err, newsletter.ErrRejected) {
			t.Errorf("%s: err = %v, want a temporary error", to, err)
		}
	}
}

func TestTemporary450(t *testing.T) {
	srv := newTestServer(t)
	srv.reject("busy@example.com", 450, smtp.EnhancedCode{4, 2, 0}, "Mailbox busy, try later")
	s := newSender(t, mailer.Config{URL: srv.url("", "?tls=none")})

	err := sendErr(s, testMessage("busy@example.com"))
	if err == nil || errors.Is(err, newsletter.ErrRejected) {
		t.Fatalf("450: err = %v, want a temporary error", err)
	}
	srv.clearRejects()
	send(t, s, testMessage("busy@example.com"))
	send(t, s, testMessage("reader@example.com"))
	if n := len(srv.messages()); n != 2 {
		t.Errorf("server got %d messages, want 2", n)
	}
	if n := srv.connections(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}
}

func TestServerDownThenUp(t *testing.T) {
	srv := newTestServer(t)
	s := newSender(t, mailer.Config{URL: srv.url("", "?tls=none"), Timeout: 2 * time.Second})
	send(t, s, testMessage("reader@example.com"))

	srv.stop()
	for i := 0; i < 2; i++ {
		err := sendErr(s, testMessage("reader@example.com"))
		if err == nil || errors.Is(err, newsletter.ErrRejected) {
			t.Fatalf("server down, try %d: err = %v, want a temporary error", i, err)
		}
	}
	srv.start(srv.addr)
	send(t, s, testMessage("reader@example.com"))
	if n := len(srv.messages()); n != 2 {
		t.Errorf("server got %d messages, want 2", n)
	}
	if n := srv.connections(); n != 2 {
		t.Errorf("%d connections, want 2 (one before, one after the outage)", n)
	}
}

func TestIdleConnectionDroppedByServer(t *testing.T) {
	srv := newTestServer(t)
	s := newSender(t, mailer.Config{URL: srv.url("", "?tls=none")})
	send(t, s, testMessage("reader@example.com"))
	srv.dropConns()
	time.Sleep(50 * time.Millisecond)
	// Nothing was lost: the Sender notices at MAIL FROM and redials.
	send(t, s, testMessage("reader@example.com"))
	if n := len(srv.messages()); n != 2 {
		t.Errorf("server got %d messages, want 2", n)
	}
	if n := srv.connections(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}
}

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

func TestTimeoutAndCancel(t *testing.T) {
	addr := silentListener(t)

	s := newSender(t, mailer.Config{URL: "smtp://" + addr, Timeout: 300 * time.Millisecond})
	start := time.Now()
	err := sendErr(s, testMessage("reader@example.com"))
	if err == nil || errors.Is(err, newsletter.ErrRejected) {
		t.Errorf("silent server: err = %v, want a temporary error", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("timeout took %v", d)
	}

	s = newSender(t, mailer.Config{URL: "smtp://" + addr, Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start = time.Now()
	err = s.Send(ctx, testMessage("reader@example.com"))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("cancelled: err = %v, want DeadlineExceeded", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("cancel took %v", d)
	}
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
