package mailbox

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// message makes a small mail whose body names it.
func message(name string) string {
	return "From: MAILER-DAEMON@example.com\r\nTo: bounces+t-" + name + "@example.org\r\n" +
		"Subject: failure notice\r\nMessage-ID: <" + name + "@example.com>\r\n\r\nbody " + name + "\r\n"
}

// login opens a client of its own on the test server, for putting mail in
// and looking at what is left; it is not the code under test.
func login(t *testing.T, cfg Config) *imapclient.Client {
	t.Helper()
	var c *imapclient.Client
	var err error
	opts := &imapclient.Options{TLSConfig: cfg.TLS}
	switch cfg.Security {
	case ImplicitTLS:
		c, err = imapclient.DialTLS(cfg.Addr, opts)
	case StartTLS:
		c, err = imapclient.DialStartTLS(cfg.Addr, opts)
	default:
		c, err = imapclient.DialInsecure(cfg.Addr, nil)
	}
	if err != nil {
		t.Fatalf("test client: dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(cfg.Username, cfg.Password).Wait(); err != nil {
		t.Fatalf("test client: login: %v", err)
	}
	return c
}

// deliver creates the folder if needed and appends the messages to it.
func deliver(t *testing.T, cfg Config, flags []imap.Flag, msgs ...string) {
	t.Helper()
	c := login(t, cfg)
	if cfg.Folder != "INBOX" {
		_ = c.Create(cfg.Folder, nil).Wait() // exists already: fine
	}
	for _, m := range msgs {
		cmd := c.Append(cfg.Folder, int64(len(m)), &imap.AppendOptions{Flags: flags})
		if _, err := io.WriteString(cmd, m); err != nil {
			t.Fatal(err)
		}
		if err := cmd.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := cmd.Wait(); err != nil {
			t.Fatalf("append: %v", err)
		}
	}
}

// remaining returns the messages still in the folder, \Deleted or not.
func remaining(t *testing.T, cfg Config) []string {
	t.Helper()
	c := login(t, cfg)
	mbox, err := c.Select(cfg.Folder, nil).Wait()
	if err != nil {
		t.Fatalf("select: %v", err)
	}
	if mbox.NumMessages == 0 {
		return nil
	}
	var all imap.SeqSet
	all.AddRange(1, mbox.NumMessages)
	msgs, err := c.Fetch(all, &imap.FetchOptions{
		BodySection: []*imap.FetchItemBodySection{{Peek: true}},
	}).Collect()
	if err != nil {
		t.Fatalf("fetch: %v", err)
	}
	var out []string
	for _, m := range msgs {
		for _, b := range m.BodySection {
			out = append(out, string(b.Bytes))
		}
	}
	return out
}

// recorder is a Handler that remembers what it got and refuses messages
// whose text contains one of fail.
type recorder struct {
	mu   sync.Mutex
	got  []string
	fail []string
}

func (r *recorder) handle(_ context.Context, raw []byte) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.got = append(r.got, string(raw))
	for _, f := range r.fail {
		if strings.Contains(string(raw), f) {
			return fmt.Errorf("store down for %s", f)
		}
	}
	return nil
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.got)
}

func TestPollRemovesOnlyHandledMessages(t *testing.T) {
	d := startDovecot(t, false)
	cfg := d.config(NoTLS, "Bounces")
	a, b, c := message("aaa"), message("bbb"), message("ccc")
	deliver(t, cfg, nil, a, b, c)

	var logs bytes.Buffer
	rd := New(cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	rec := &recorder{fail: []string{"body bbb"}}
	n, err := rd.Poll(context.Background(), rec.handle)
	if err != nil {
		t.Fatalf("Poll: %v\n%s", err, d.log())
	}
	if n != 2 {
		t.Errorf("Poll handled %d, want 2", n)
	}
	if got := strings.Join(rec.got, "|"); got != a+"|"+b+"|"+c {
		t.Errorf("handler got %q, want the three messages byte for byte in order", rec.got)
	}
	if left := remaining(t, cfg); len(left) != 1 || left[0] != b {
		t.Fatalf("left in the folder: %q, want only the refused one", left)
	}
	if !strings.Contains(logs.String(), "kept for the next poll") || !strings.Contains(logs.String(), "b***@example.org") {
		t.Errorf("log does not say which message was kept, or not with the masked mailbox:\n%s", logs.String())
	}
	if strings.Contains(logs.String(), testPassword) || strings.Contains(logs.String(), testUser) {
		t.Errorf("log shows the password or the whole user name:\n%s", logs.String())
	}

	// The store is back: the kept message is handled, and only it.
	rec2 := &recorder{}
	n, err = rd.Poll(context.Background(), rec2.handle)
	if err != nil || n != 1 || len(rec2.got) != 1 || rec2.got[0] != b {
		t.Fatalf("second Poll = %d, %v, handler got %q; want 1, nil, the kept message", n, err, rec2.got)
	}
	if left := remaining(t, cfg); len(left) != 0 {
		t.Fatalf("folder not empty after the second poll: %q", left)
	}
	// An empty folder is no error.
	if n, err := rd.Poll(context.Background(), rec2.handle); n != 0 || err != nil {
		t.Fatalf("Poll of an empty folder = %d, %v", n, err)
	}
}

func TestPollAfterCancelExpungesNextTime(t *testing.T) {
	d := startDovecot(t, false)
	cfg := d.config(NoTLS, "INBOX")
	deliver(t, cfg, nil, message("one"), message("two"))
	// A message some earlier poll marked \Deleted but did not expunge.
	deliver(t, cfg, []imap.Flag{imap.FlagDeleted}, message("old"))

	rd := New(cfg, slog.New(slog.DiscardHandler))
	ctx, cancel := context.WithCancel(context.Background())
	rec := &recorder{}
	n, err := rd.Poll(ctx, func(ctx context.Context, raw []byte) error {
		cancel() // shutting down while the first message is handled
		return rec.handle(ctx, raw)
	})
	if !errors.Is(err, context.Canceled) || n != 1 || rec.count() != 1 {
		t.Fatalf("Poll = %d, %v after %d messages; want 1, context.Canceled, 1", n, err, rec.count())
	}
	if left := remaining(t, cfg); len(left) != 3 {
		t.Fatalf("left %d messages %q, want all 3 (the handled one only marked \\Deleted)", len(left), left)
	}
	rec2 := &recorder{}
	n, err = rd.Poll(context.Background(), rec2.handle)
	if err != nil || n != 1 || len(rec2.got) != 1 || !strings.Contains(rec2.got[0], "body two") {
		t.Fatalf("next Poll = %d, %v, got %q; want only message two", n, err, rec2.got)
	}
	if left := remaining(t, cfg); len(left) != 0 {
		t.Fatalf("left after the next poll: %q; the \\Deleted ones should be expunged", left)
	}
}

func TestPollCutsLargeMessages(t *testing.T) {
	d := startDovecot(t, false)
	cfg := d.config(NoTLS, "INBOX")
	big := message("big") + strings.Repeat("x", 5000) + "\r\n"
	deliver(t, cfg, nil, big)
	rd := New(cfg, slog.New(slog.DiscardHandler))
	rd.MaxBytes = 1000
	rec := &recorder{}
	if n, err := rd.Poll(context.Background(), rec.handle); err != nil || n != 1 {
		t.Fatalf("Poll = %d, %v", n, err)
	}
	if len(rec.got) != 1 || rec.got[0] != big[:1000] {
		t.Fatalf("handler got %d bytes, want the first 1000", len(rec.got[0]))
	}
}

func TestPollMaxPerPoll(t *testing.T) {
	d := startDovecot(t, false)
	cfg := d.config(NoTLS, "INBOX")
	deliver(t, cfg, nil, message("m1"), message("m2"), message("m3"))
	rd := New(cfg, slog.New(slog.DiscardHandler))
	rd.MaxPerPoll = 2
	rec := &recorder{}
	if n, err := rd.Poll(context.Background(), rec.handle); err != nil || n != 2 {
		t.Fatalf("Poll = %d, %v; want 2", n, err)
	}
	if n, err := rd.Poll(context.Background(), rec.handle); err != nil || n != 1 {
		t.Fatalf("second Poll = %d, %v; want 1", n, err)
	}
}

func TestPollErrors(t *testing.T) {
	d := startDovecot(t, false)
	rec := &recorder{}

	missing := d.config(NoTLS, "No/Such/Folder")
	if _, err := New(missing, nil).Poll(context.Background(), rec.handle); err == nil || !strings.Contains(err.Error(), "select") {
		t.Errorf("Poll of a missing folder: %v, want a select error", err)
	}
	if _, err := New(d.config(NoTLS, "INBOX"), nil).Poll(context.Background(), nil); !errors.Is(err, ErrNoHandler) {
		t.Errorf("Poll without a handler: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := New(d.config(NoTLS, "INBOX"), nil).Poll(ctx, rec.handle); !errors.Is(err, context.Canceled) {
		t.Errorf("Poll with a cancelled context: %v", err)
	}
	closed := d.config(NoTLS, "INBOX")
	closed.Addr = freeAddr(t)
	if _, err := New(closed, nil).Poll(context.Background(), rec.handle); err == nil || !strings.Contains(err.Error(), "connect") {
		t.Errorf("Poll of a port nobody listens on: %v", err)
	}

	// Last: after a failed login Dovecot slows down the next ones.
	bad := d.config(NoTLS, "INBOX")
	bad.Password = "wrong-" + testPassword
	_, err := New(bad, slog.New(slog.DiscardHandler)).Poll(context.Background(), rec.handle)
	if err == nil {
		t.Fatal("Poll with a wrong password succeeded")
	}
	if strings.Contains(err.Error(), testPassword) || strings.Contains(err.Error(), testUser) || !strings.Contains(err.Error(), "b***@example.org") {
		t.Errorf("login error %q shows the password or the whole user name, or not the masked one", err)
	}
	if rec.count() != 0 {
		t.Errorf("handler called %d times", rec.count())
	}
}

func TestPollOverTLS(t *testing.T) {
	d := startDovecot(t, true)
	for _, sec := range []Security{ImplicitTLS, StartTLS} {
		t.Run(sec.String(), func(t *testing.T) {
			cfg := d.config(sec, "Bounces-"+sec.String())
			deliver(t, cfg, nil, message("tls1"), message("tls2"))
			rec := &recorder{}
			n, err := New(cfg, nil).Poll(context.Background(), rec.handle)
			if err != nil || n != 2 {
				t.Fatalf("Poll = %d, %v\n%s", n, err, d.log())
			}
			if left := remaining(t, cfg); len(left) != 0 {
				t.Errorf("left: %q", left)
			}

			// Without the test's CA the certificate is refused.
			untrusted := cfg
			untrusted.TLS = nil
			_, err = New(untrusted, nil).Poll(context.Background(), rec.handle)
			if err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("Poll trusting only the system roots: %v, want a certificate error", err)
			}
			// The wrong host name is refused too.
			wrongName := cfg
			wrongName.TLS = &tls.Config{RootCAs: d.roots, ServerName: "imap.example.org"}
			if _, err := New(wrongName, nil).Poll(context.Background(), rec.handle); err == nil {
				t.Error("Poll accepted a certificate for another name")
			}
		})
	}
}

func TestRunPollsUntilCancelled(t *testing.T) {
	d := startDovecot(t, false)
	cfg := d.config(NoTLS, "INBOX")
	rd := New(cfg, slog.New(slog.DiscardHandler))
	ticks := make(chan time.Time)
	var asked []time.Duration
	var mu sync.Mutex
	rd.After = func(every time.Duration) <-chan time.Time {
		mu.Lock()
		asked = append(asked, every)
		mu.Unlock()
		return ticks
	}
	rec := &recorder{}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- rd.Run(ctx, 5*time.Minute, rec.handle) }()

	deliver(t, cfg, nil, message("r1"))
	for i := 0; i < 3 && rec.count() == 0; i++ {
		ticks <- time.Now() // the next poll
	}
	waitFor(t, func() bool { return rec.count() == 1 })
	deliver(t, cfg, nil, message("r2"))
	ticks <- time.Now()
	waitFor(t, func() bool { return rec.count() == 2 })
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Run returned %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after cancel")
	}
	mu.Lock()
	defer mu.Unlock()
	for _, every := range asked {
		if every != time.Minute {
			t.Errorf("Run waited %v between polls; 5m must become a minute", every)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatal("timed out")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
