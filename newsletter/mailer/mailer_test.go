package mailer_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
	"testing"
	"time"

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
