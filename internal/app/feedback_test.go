package app_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/app"
	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/internal/imaptest"
	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/mailbox"
)

// The bounce mailbox end to end: the service sends through a real SMTP
// server (internal/smtptest) from its VERP address, what comes back is put
// in a real Dovecot folder (internal/imaptest), and the worker's process
// reads it, changes the subscriber and removes the message.

const bounceFolder = "Bounces"

// startWithMailbox runs the whole service with RETURN_PATH, REPLY_TO and
// BOUNCE_MAILBOX on imap, read every 100 ms.
func startWithMailbox(t *testing.T, imap *imaptest.Server) *apptest.App {
	t.Helper()
	imap.Deliver(t, bounceFolder) // the folder exists, empty
	return apptest.Start(t, apptest.Options{
		Configure: func(c *config.Config) {
			c.ReturnPath, c.ReplyTo = "bounces@example.org", `"Satina" <satina@example.org>`
			mb, err := mailbox.ParseURL(imap.URL(bounceFolder))
			if err != nil {
				t.Fatal(err)
			}
			c.BounceMailbox = &mb
		},
		Wire: func(d *app.Deps) { d.MailboxEvery = 100 * time.Millisecond },
	})
}

// waitFor polls cond for up to ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
	}
}

// subscribed signs email up and confirms it; the confirmation and the
// guide (the sequence's first step) have gone out when it returns.
func subscribed(t *testing.T, a *apptest.App, email string) *newsletter.Subscriber {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"email": email, "consent": true})
	res, err := a.Client.Post(a.URL+"/subscribe", "application/json", bytes.NewReader(b))
	if err != nil || res.StatusCode != http.StatusAccepted {
		t.Fatalf("signup of %s: %v %v", email, res, err)
	}
	res.Body.Close()
	waitFor(t, "the confirmation to "+email, func() bool { return len(a.SMTP.To(email)) == 1 })
	if _, _, err := a.Service.Confirm(t.Context(), a.Subscriber(t, email).ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the guide to "+email, func() bool { return len(a.SMTP.To(email)) == 2 })
	return a.Subscriber(t, email)
}

// adminGet fetches an admin API path.
func adminGet(t *testing.T, a *apptest.App, path string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", a.URL+path, nil)
	req.Header.Set("Authorization", "Bearer admin-secret-for-the-tests")
	res, err := a.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return string(b)
}

var (
	bounceTag = regexp.MustCompile(`^bounces\+(b[a-z0-9]+)@example\.org$`)
	unsubTo   = regexp.MustCompile(`<mailto:(bounces\+u[a-z0-9]+@example\.org)>`)
)

// envelopeTag is the tag of the VERP envelope sender a mail went out from.
func envelopeTag(t *testing.T, m smtptest.Message) string {
	t.Helper()
	got := bounceTag.FindStringSubmatch(m.From)
	if got == nil {
		t.Fatalf("MAIL FROM %q is not bounces+<tag>@example.org", m.From)
	}
	return got[1]
}

// crlf writes a message with CRLF line ends, as IMAP keeps it.
func crlf(s string) []byte {
	return []byte(strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\n", "\r\n"))
}

// dsn is a delivery status notification (RFC 3464) for the mail whose
// envelope tag is tag, as Postfix writes one.
func dsn(tag, rcpt, action, status, diagnostic string) []byte {
	to := "bounces+" + tag + "@example.org"
	return crlf(fmt.Sprintf(`Return-Path: <>
Delivered-To: %[1]s
From: MAILER-DAEMON@mx.example.net (Mail Delivery System)
To: %[1]s
Subject: Undelivered Mail Returned to Sender
Auto-Submitted: auto-replied
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="dsn-boundary"
Message-Id: <%[6]d.dsn@mx.example.net>

--dsn-boundary
Content-Type: text/plain; charset=utf-8

This is the mail system at host mx.example.net.

--dsn-boundary
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.net

Final-Recipient: rfc822; %[2]s
Original-Recipient: rfc822;%[2]s
Action: %[3]s
Status: %[4]s
Diagnostic-Code: smtp; %[5]s

--dsn-boundary
Content-Type: text/rfc822-headers

Return-Path: <%[1]s>
To: %[2]s
Subject: Your preparation and integration guide

--dsn-boundary--
`, to, rcpt, action, status, diagnostic, time.Now().UnixNano()))
}

// arf is an abuse report (RFC 5965) about the mail m, attached whole.
func arf(t *testing.T, m smtptest.Message) []byte {
	head := crlf(fmt.Sprintf(`From: Feedback Loop <fbl@isp.example.net>
To: fbl@example.org
Subject: Abuse report
MIME-Version: 1.0
Content-Type: multipart/report; report-type=feedback-report; boundary="arf-boundary"

--arf-boundary
Content-Type: text/plain

This is an abuse report for a message received from 198.51.100.7.

--arf-boundary
Content-Type: message/feedback-report

Feedback-Type: abuse
User-Agent: ExampleFBL/1.0
Version: 1
Original-Mail-From: <%s>
Original-Rcpt-To: %s

--arf-boundary
Content-Type: message/rfc822

`, m.From, m.To))
	return append(append(head, m.Data...), crlf("\n--arf-boundary--\n")...)
}

func TestBounceMailbox(t *testing.T) {
	imap := imaptest.Start(t, false)
	a := startWithMailbox(t, imap)
	subscribed(t, a, "hard@example.org")
	subscribed(t, a, "spam@example.org")
	subscribed(t, a, "leave@example.org")
	keep := subscribed(t, a, "keep@example.org")

	// The guide to hard@ as it went out: VERP envelope, list headers.
	guide := a.SMTP.To("hard@example.org")[1]
	tag := envelopeTag(t, guide)
	h := guide.Header()
	if h.Get("List-Id") != `"Dear Fellow Humans" <letters.example.org>` || h.Get("Reply-To") != `"Satina" <satina@example.org>` ||
		h.Get("Feedback-ID") != "step:newsletter:example.org" {
		t.Errorf("headers: List-Id %q, Reply-To %q, Feedback-ID %q", h.Get("List-Id"), h.Get("Reply-To"), h.Get("Feedback-ID"))
	}
	if lu := h.Get("List-Unsubscribe"); !strings.HasPrefix(lu, "<"+a.URL+"/unsubscribe/") || !unsubTo.MatchString(lu) ||
		h.Get("List-Unsubscribe-Post") != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe %q", lu)
	}

	// A bounce with a forged tag changes nothing and is removed.
	forged := tag[:len(tag)-1] + map[bool]string{true: "a", false: "b"}[tag[len(tag)-1] != 'a']
	imap.Deliver(t, bounceFolder, dsn(forged, "keep@example.org", "failed", "5.1.1", "550 5.1.1 User unknown"))
	waitFor(t, "the forged bounce to be removed", func() bool { return len(imap.Messages(t, bounceFolder)) == 0 })
	if s := a.Subscriber(t, "keep@example.org"); s.Status != newsletter.StatusConfirmed {
		t.Fatalf("a forged bounce made keep@ %s", s.Status)
	}

	// A permanent failure of the address: bounced, with the server's reply.
	imap.Deliver(t, bounceFolder, dsn(tag, "hard@example.org", "failed", "5.1.1",
		"550 5.1.1 <hard@example.org>: Recipient address rejected: User unknown in virtual mailbox table"))
	waitFor(t, "hard@ to bounce", func() bool { return a.Subscriber(t, "hard@example.org").Status == newsletter.StatusBounced })
	waitFor(t, "the bounce to be removed", func() bool { return len(imap.Messages(t, bounceFolder)) == 0 })
	reason := a.Subscriber(t, "hard@example.org").LeftReason()
	if !strings.HasPrefix(reason, "bounce: 550 5.1.1") || !strings.Contains(reason, "User unknown") || strings.Contains(reason, "hard@example.org") {
		t.Errorf("reason %q: want the server's reply, the address masked", reason)
	}
	if list := adminGet(t, a, "/admin/api/suppressions"); !strings.Contains(list, `"email":"hard@example.org"`) || !strings.Contains(list, "bounce: 550 5.1.1") {
		t.Errorf("suppressions: %s", list)
	}
	if list := adminGet(t, a, "/admin/api/subscribers?status=bounced"); !strings.Contains(list, "hard@example.org") {
		t.Errorf("bounced subscribers: %s", list)
	}
	if rec := adminGet(t, a, "/admin/api/subscribers/hard@example.org"); !strings.Contains(rec, `"reason":"bounce: 550 5.1.1`) {
		t.Errorf("the record: %s", rec)
	}

	// An abuse report about the guide to spam@: complained.
	imap.Deliver(t, bounceFolder, arf(t, a.SMTP.To("spam@example.org")[1]))
	waitFor(t, "spam@ to be complained", func() bool { return a.Subscriber(t, "spam@example.org").Status == newsletter.StatusComplained })

	// Mail to the List-Unsubscribe mailto of leave@'s guide: unsubscribed.
	mailto := unsubTo.FindStringSubmatch(a.SMTP.To("leave@example.org")[1].Header().Get("List-Unsubscribe"))[1]
	imap.Deliver(t, bounceFolder, crlf(fmt.Sprintf(`Return-Path: <leave@example.org>
Delivered-To: %[1]s
From: Leave <leave@example.org>
To: %[1]s
Subject: unsubscribe
Message-ID: <unsub.1@example.org>
Content-Type: text/plain; charset=utf-8

Please take me off the list.
`, mailto)))
	waitFor(t, "leave@ to be unsubscribed", func() bool { return a.Subscriber(t, "leave@example.org").Status == newsletter.StatusUnsubscribed })
	waitFor(t, "the folder to empty", func() bool { return len(imap.Messages(t, bounceFolder)) == 0 })
	if list := adminGet(t, a, "/admin/api/subscribers?status=complained"); !strings.Contains(list, "spam@example.org") {
		t.Errorf("complained subscribers: %s", list)
	}

	// Nothing more goes to any of them; keep@ gets the next step.
	before := map[string]int{}
	for _, e := range []string{"hard@example.org", "spam@example.org", "leave@example.org"} {
		before[e] = len(a.SMTP.To(e))
	}
	a.Fake.Advance(7 * 24 * time.Hour)
	waitFor(t, "keep@'s next step", func() bool { return len(a.SMTP.To(keep.Email)) == 3 })
	time.Sleep(200 * time.Millisecond)
	for e, n := range before {
		if got := len(a.SMTP.To(e)); got != n {
			t.Errorf("%s got %d more mails after leaving", e, got-n)
		}
	}
}

func TestBounceMailboxSoftBounces(t *testing.T) {
	imap := imaptest.Start(t, false)
	a := startWithMailbox(t, imap)
	soft := subscribed(t, a, "soft@example.org")
	delay := func(m smtptest.Message) []byte {
		return dsn(envelopeTag(t, m), soft.Email, "delayed", "4.2.2", "452 4.2.2 Mailbox full")
	}
	// The confirmation and the guide: two temporary failures, reported
	// three times (one twice), count two.
	mails := a.SMTP.To(soft.Email)
	imap.Deliver(t, bounceFolder, delay(mails[0]), delay(mails[1]), delay(mails[1]))
	waitFor(t, "the delays to be read", func() bool { return len(imap.Messages(t, bounceFolder)) == 0 })
	if s := a.Subscriber(t, soft.Email); s.Status != newsletter.StatusConfirmed {
		t.Fatalf("after two temporary failures: %s", s.Status)
	}
	// A week later, the next step fails too: three in 15 days bounce it.
	a.Fake.Advance(7 * 24 * time.Hour)
	waitFor(t, "the next step", func() bool { return len(a.SMTP.To(soft.Email)) == 3 })
	imap.Deliver(t, bounceFolder, delay(a.SMTP.To(soft.Email)[2]))
	waitFor(t, "soft@ to bounce", func() bool { return a.Subscriber(t, soft.Email).Status == newsletter.StatusBounced })
	if r := a.Subscriber(t, soft.Email).LeftReason(); r != "bounce: 452 4.2.2 Mailbox full" {
		t.Errorf("reason %q", r)
	}
}
