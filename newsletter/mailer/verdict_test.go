package mailer_test

// What Send returns for each kind of refusal, against the recording SMTP
// server of internal/smtptest over TCP.

import (
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/mailer"
)

// verdictOf names which of the three newsletter errors err is, or
// "temporary" for none of them.
func verdictOf(err error) string {
	var got []string
	for name, s := range map[string]error{"rejected": newsletter.ErrRejected, "blocked": newsletter.ErrBlocked, "deferred": newsletter.ErrDeferred} {
		if errors.Is(err, s) {
			got = append(got, name)
		}
	}
	switch len(got) {
	case 0:
		return "temporary"
	case 1:
		return got[0]
	}
	return strings.Join(got, "+") // never right
}

// wantRefusal checks err's verdict, that its text carries the server's
// reply, and that neither holds the recipient's whole address.
func wantRefusal(t *testing.T, err error, verdict, reply, to string) {
	t.Helper()
	if err == nil {
		t.Fatalf("send to %s succeeded, want %s", to, verdict)
	}
	if got := verdictOf(err); got != verdict {
		t.Errorf("send to %s: %s (%v), want %s", to, got, err, verdict)
	}
	if reply != "" {
		if got := mailer.Reason(err); got != reply {
			t.Errorf("Reason = %q, want %q", got, reply)
		}
		if !strings.HasSuffix(err.Error(), ": "+reply) {
			t.Errorf("err = %q, does not end in the reply", err)
		}
	}
	if strings.Contains(strings.ToLower(err.Error()), strings.ToLower(to)) {
		t.Errorf("err = %q holds the whole address", err)
	}
}

func smtptestSender(t *testing.T, srv *smtptest.Server) newsletter.Sender {
	return newSender(t, mailer.Config{URL: srv.URL()})
}

// A provider that blocks the sender refuses every recipient at RCPT TO
// with 5.7.1: nobody may be bounced for it.
func TestProviderWideBlockBouncesNobody(t *testing.T) {
	srv := smtptest.Start(t)
	srv.RejectEveryRcpt(smtptest.Reply{Code: 550, Text: "5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.1"})
	s := smtptestSender(t, srv)
	for _, to := range []string{"ada@example.org", "bo@example.net", "cy@example.com", "policy@example.org"} {
		err := sendErr(s, testMessage(to))
		wantRefusal(t, err, "blocked", "550 5.7.1 Service unavailable, Client host [192.0.2.1] blocked using Spamhaus. To request removal from this list see https://www.spamhaus.org/query/ip/192.0.2.1", to)
		if !strings.HasPrefix(err.Error(), "mailer: send to ") || !strings.Contains(err.Error(), "sender or message refused at RCPT TO: 550 5.7.1") {
			t.Errorf("err = %q", err)
		}
	}
	// Gmail's multi-line form of the same.
	srv.RejectEveryRcpt(smtptest.Reply{Code: 550, Text: "5.7.1 [192.0.2.1      12] Our system has detected that this message is\n5.7.1 likely unsolicited mail. To reduce the amount of spam sent to Gmail,\n5.7.1 this message has been blocked. - gsmtp"})
	wantRefusal(t, sendErr(s, testMessage("dee@gmail.example")), "blocked",
		"550 5.7.1 [192.0.2.1 12] Our system has detected that this message is likely unsolicited mail. To reduce the amount of spam sent to Gmail, this message has been blocked. - gsmtp", "dee@gmail.example")
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("server took %d messages", n)
	}
	// The block lifted, the same Sender sends.
	srv.ClearRejects()
	send(t, s, testMessage("ada@example.org"))
}

func TestBadAddressBounces(t *testing.T) {
	srv := smtptest.Start(t)
	srv.RejectRcpt("gone@example.org", smtptest.Reply{Code: 550, Text: "5.1.1 The email account that you tried to reach does not exist. Please try\n5.1.1 double-checking the recipient's email address for typos. - gsmtp"})
	srv.RejectRcpt("typo@example.org", smtptest.Reply{Code: 550, Text: "5.1.1 <typo@example.org>: Recipient address rejected: User unknown in virtual mailbox table"})
	srv.RejectRcpt("bare@example.org", smtptest.Reply{Code: 550, Text: "Requested action not taken: mailbox unavailable"})
	s := smtptestSender(t, srv)

	wantRefusal(t, sendErr(s, testMessage("gone@example.org")), "rejected",
		"550 5.1.1 The email account that you tried to reach does not exist. Please try double-checking the recipient's email address for typos. - gsmtp", "gone@example.org")
	err := sendErr(s, testMessage("typo@example.org"))
	wantRefusal(t, err, "rejected", "550 5.1.1 <t***@example.org>: Recipient address rejected: User unknown in virtual mailbox table", "typo@example.org")
	if want := "mailer: send to t***@example.org: address rejected at RCPT TO: 550 5.1.1 <t***@example.org>: Recipient address rejected: User unknown in virtual mailbox table"; err.Error() != want {
		t.Errorf("err = %q\nwant  %q", err, want)
	}
	wantRefusal(t, sendErr(s, testMessage("bare@example.org")), "rejected", "550 Requested action not taken: mailbox unavailable", "bare@example.org")
	// The connection survives a refused recipient.
	send(t, s, testMessage("reader@example.org"))
	if got := srv.Messages(); len(got) != 1 || got[0].To != "reader@example.org" {
		t.Errorf("messages = %+v", got)
	}
}

func TestBlockedAtData(t *testing.T) {
	srv := smtptest.Start(t)
	srv.RejectData("policy@example.org", smtptest.Reply{Code: 554, Text: "5.7.9 Message not accepted for policy reasons.  See https://postmaster.yahooinc.com/error-codes"})
	srv.RejectData("nobody@yahoo.example", smtptest.Reply{Code: 554, Text: "delivery error: dd This user doesn't have a yahoo.com account (nobody@yahoo.example) [0] - mta1.mail.example"})
	srv.RejectData("unknown@example.org", smtptest.Reply{Code: 550, Text: "5.1.1 User unknown"})
	s := smtptestSender(t, srv)

	wantRefusal(t, sendErr(s, testMessage("policy@example.org")), "blocked", "554 5.7.9 Message not accepted for policy reasons. See https://postmaster.yahooinc.com/error-codes", "policy@example.org")
	wantRefusal(t, sendErr(s, testMessage("nobody@yahoo.example")), "blocked", "554 delivery error: dd This user doesn't have a yahoo.com account (n***@yahoo.example) [0] - mta1.mail.example", "nobody@yahoo.example")
	// An address rejection after the data is no address rejection.
	wantRefusal(t, sendErr(s, testMessage("unknown@example.org")), "blocked", "550 5.1.1 User unknown", "unknown@example.org")
	send(t, s, testMessage("reader@example.org"))
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("server took %d messages, want 1", n)
	}
}

func TestDeferred(t *testing.T) {
	srv := smtptest.Start(t)
	srv.RejectRcpt("grey@example.org", smtptest.Reply{Code: 451, Text: "4.7.1 <grey@example.org>: Recipient address rejected: Greylisted, try again later"})
	srv.RejectRcpt("closing@example.org", smtptest.Reply{Code: 421, Text: "4.7.0 Try again later, closing connection."})
	s := smtptestSender(t, srv)
	wantRefusal(t, sendErr(s, testMessage("grey@example.org")), "deferred", "451 4.7.1 <g***@example.org>: Recipient address rejected: Greylisted, try again later", "grey@example.org")
	wantRefusal(t, sendErr(s, testMessage("closing@example.org")), "deferred", "421 4.7.0 Try again later, closing connection.", "closing@example.org")

	// 421 at MAIL FROM: the Sender tries a fresh connection once, then
	// reports the deferral.
	srv.RejectMail(smtptest.Reply{Code: 421, Text: "4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1"})
	wantRefusal(t, sendErr(s, testMessage("reader@example.org")), "deferred", "421 4.7.0 [TSS04] Messages from 192.0.2.1 temporarily deferred due to unexpected volume or user complaints - 4.16.55.1", "reader@example.org")

	// Nothing is lost: once the server takes mail again, all of it goes.
	srv.ClearRejects()
	for _, to := range []string{"grey@example.org", "closing@example.org", "reader@example.org"} {
		send(t, s, testMessage(to))
	}
	if n := len(srv.Messages()); n != 3 {
		t.Errorf("server took %d messages, want 3", n)
	}
}

// No reply at all is temporary, never a verdict on anyone.
func TestNoServerIsTemporary(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	_ = ln.Close() // nothing listens there now: connection refused
	err = sendErr(newSender(t, mailer.Config{URL: "smtp://" + addr + "/?tls=none"}), testMessage("reader@example.org"))
	wantRefusal(t, err, "temporary", "", "reader@example.org")
	if !strings.Contains(err.Error(), "refused") || mailer.Reason(err) != "" {
		t.Errorf("err = %q, Reason = %q", err, mailer.Reason(err))
	}

	// A server that never answers: a timeout.
	err = sendErr(newSender(t, mailer.Config{URL: "smtp://" + silentListener(t) + "/?tls=none", Timeout: 300 * time.Millisecond}), testMessage("reader@example.org"))
	wantRefusal(t, err, "temporary", "", "reader@example.org")
}

func TestAuthFailureIsBlocked(t *testing.T) {
	srv := newTestServer(t, withAuth("satina", "right"))
	// 535 to AUTH; and go-smtp's 502 5.7.0 to MAIL FROM without AUTH.
	for user, reply := range map[string]string{"satina:wrong": "535 5.7.8 Authentication failed", "": "502 5.7.0 Please authenticate first"} {
		err := sendErr(newSender(t, mailer.Config{URL: srv.url(user, "?tls=none")}), testMessage("reader@example.org"))
		wantRefusal(t, err, "blocked", reply, "reader@example.org")
	}
}

func TestStartTLSIsRequired(t *testing.T) {
	tlsSrv := smtptest.Start(t, smtptest.WithStartTLS())
	send(t, newSender(t, mailer.Config{URL: tlsSrv.StartTLSURL(), InsecureSkipVerify: true}), testMessage("reader@example.org"))
	if got := tlsSrv.Messages(); len(got) != 1 || !got[0].TLS {
		t.Errorf("messages = %+v, want one over STARTTLS", got)
	}

	plain := smtptest.Start(t)
	for _, url := range []string{plain.StartTLSURL(), "smtp://" + plain.Addr + "/?tls=required"} {
		err := sendErr(newSender(t, mailer.Config{URL: url}), testMessage("reader@example.org"))
		wantRefusal(t, err, "blocked", "the SMTP server offers no STARTTLS; SMTP_URL needs ?tls=none to send in plaintext", "reader@example.org")
		if !errors.Is(err, mailer.ErrNoStartTLS) {
			t.Errorf("%s: err = %v, want ErrNoStartTLS", url, err)
		}
	}
	if n := len(plain.Messages()); n != 0 {
		t.Errorf("%d messages went out in plaintext", n)
	}
	send(t, newSender(t, mailer.Config{URL: plain.URL()}), testMessage("reader@example.org"))
}
