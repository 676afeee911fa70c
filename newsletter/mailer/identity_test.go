package mailer_test

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/newsletter/mailer"
)

// The Message-ID and the envelope sender of a Message reach the wire: the
// same Message-ID on every attempt, the envelope sender as MAIL FROM and
// nowhere in the message.
func TestMessageIDAndEnvelopeFrom(t *testing.T) {
	srv := smtptest.Start(t)
	s := smtptestSender(t, srv)

	const id = "l7.0123456789abcdef.a1@letters.example.org"
	const verp = "bounces+reader=example.org@letters.example.org"
	m := testMessage("reader@example.org")
	m.ID, m.EnvelopeFrom = id, verp
	send(t, s, m)
	send(t, s, m) // a retry

	plain := testMessage("other@example.org")
	send(t, s, plain)

	got := srv.Messages()
	if len(got) != 3 {
		t.Fatalf("server took %d messages, want 3", len(got))
	}
	for i, r := range got[:2] {
		h := r.Header()
		if r.From != verp {
			t.Errorf("attempt %d: MAIL FROM = %q, want %q", i, r.From, verp)
		}
		if h.Get("Message-ID") != "<"+id+">" {
			t.Errorf("attempt %d: Message-ID = %q, want <%s>", i, h.Get("Message-ID"), id)
		}
		if from := h.Get("From"); !strings.Contains(from, "<letters@example.org>") {
			t.Errorf("attempt %d: From = %q", i, from)
		}
		if strings.Contains(string(r.Data), "bounces+") {
			t.Errorf("attempt %d: the envelope sender is in the message:\n%s", i, headerBlock(r.Data))
		}
	}
	if got[2].From != "letters@example.org" {
		t.Errorf("default MAIL FROM = %q, want letters@example.org", got[2].From)
	}
	if mid := got[2].Header().Get("Message-ID"); !regexp.MustCompile(`^<[0-9a-f]{32}@example\.org>$`).MatchString(mid) {
		t.Errorf("default Message-ID = %q", mid)
	}

	// A refusal that quotes the VERP address does not leak it: it encodes
	// the subscriber's address.
	srv.RejectRcpt("reader@example.org", smtptest.Reply{Code: 550, Text: "5.1.0 <" + verp + ">: Sender address rejected: User unknown"})
	err := sendErr(s, m)
	wantRefusal(t, err, "blocked", "550 5.1.0 <b***@letters.example.org>: Sender address rejected: User unknown", "reader@example.org")
	if strings.Contains(err.Error(), "reader=example.org") {
		t.Errorf("err = %q holds the VERP address", err)
	}
}

func TestBadIDOrEnvelopeFromIsInvalid(t *testing.T) {
	srv := smtptest.Start(t)
	s := smtptestSender(t, srv)
	ids := []string{
		"<x@example.org>", "x y@example.org", "no-at-sign", "a@b@example.org", "@example.org", "x@",
		"x@example.org\r\nBcc: victim@example.org", "x\"@example.org", strings.Repeat("a", 901) + "@example.org",
	}
	for _, id := range ids {
		m := testMessage("reader@example.org")
		m.ID = id
		if err := sendErr(s, m); !errors.Is(err, mailer.ErrInvalidMessage) {
			t.Errorf("ID %q: err = %v, want ErrInvalidMessage", id, err)
		}
	}
	froms := []string{
		"not an address", "Bounces <bounces@example.org>", "<bounces@example.org>",
		"bounces@example.org\r\nRCPT TO:<victim@example.org>", "bounces@example.org>",
	}
	for _, from := range froms {
		m := testMessage("reader@example.org")
		m.EnvelopeFrom = from
		if err := sendErr(s, m); !errors.Is(err, mailer.ErrInvalidMessage) {
			t.Errorf("EnvelopeFrom %q: err = %v, want ErrInvalidMessage", from, err)
		}
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server took %d messages", n)
	}
}

func TestOutboxKeepsTheMessageID(t *testing.T) {
	dir := t.TempDir()
	m := testMessage("reader@example.org")
	m.ID = "fixed.1@letters.example.org"
	send(t, newSender(t, mailer.Config{OutboxDir: dir}), m)
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != 1 {
		t.Fatalf("outbox: %v, %d files", err, len(entries))
	}
	data, err := os.ReadFile(filepath.Join(dir, entries[0].Name()))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(headerBlock(data), "\r\nMessage-ID: <fixed.1@letters.example.org>\r\n") {
		t.Errorf("Message-ID not kept:\n%s", headerBlock(data))
	}
}
