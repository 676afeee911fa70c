package web_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/mail"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/smtptest"
)

// parts returns the text and HTML parts of a multipart/alternative mail.
func parts(t *testing.T, m smtptest.Message) (text, html string, h mail.Header) {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		t.Fatalf("parse mail: %v", err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, want multipart/alternative", msg.Header.Get("Content-Type"))
	}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(p)
		switch {
		case strings.HasPrefix(p.Header.Get("Content-Type"), "text/plain"):
			text = string(b)
		case strings.HasPrefix(p.Header.Get("Content-Type"), "text/html"):
			html = string(b)
		}
	}
	if text == "" || html == "" {
		t.Fatalf("mail lacks a text or an HTML part")
	}
	return text, html, msg.Header
}

func find(t *testing.T, pattern, s string) string {
	t.Helper()
	m := regexp.MustCompile(pattern).FindStringSubmatch(s)
	if m == nil {
		t.Fatalf("no match for %s in:\n%s", pattern, s)
	}
	return m[len(m)-1]
}

func postJSON(t *testing.T, a *apptest.App, path string, body any) *http.Response {
	t.Helper()
	b, _ := json.Marshal(body)
	res, err := a.Client.Post(a.URL+path, "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func status(t *testing.T, res *http.Response, want int) string {
	t.Helper()
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != want {
		t.Fatalf("%s %s: status %d, want %d; body: %.300s", res.Request.Method, res.Request.URL.Path, res.StatusCode, want, b)
	}
	return string(b)
}

// TestSignupToGuideToUnsubscribe walks the whole reader's path through a
// real HTTP listener, real Redis and a real SMTP server.
func TestSignupToGuideToUnsubscribe(t *testing.T) {
	a := apptest.Start(t, apptest.Options{RealClock: true})
	start := time.Now()
	res := postJSON(t, a, "/subscribe", map[string]any{"email": "Reader@Example.org", "name": "Robin Reader", "consent": true, "tz": "Europe/Berlin"})
	if body := status(t, res, http.StatusAccepted); !strings.Contains(body, `"status":"pending"`) {
		t.Fatalf("body = %s", body)
	}
	msgs := a.SMTP.Wait(t, 1, 2*time.Second)
	t.Logf("signup to confirmation mail accepted: %v", time.Since(start))
	confirmMail := msgs[0]
	if confirmMail.To != "reader@example.org" {
		t.Fatalf("confirmation went to %q", confirmMail.To)
	}
	text, _, h := parts(t, confirmMail)
	if h.Get("List-Unsubscribe") != "" {
		t.Errorf("confirmation mail to an unconfirmed address carries List-Unsubscribe")
	}
	confirmURL := find(t, `(`+regexp.QuoteMeta(a.URL)+`/confirm/[A-Za-z0-9_.-]+)`, strings.ReplaceAll(text, "=\r\n", ""))

	// The GET shows a button and confirms nothing (mail scanners open links).
	status(t, must(a.Client.Get(confirmURL)), http.StatusOK)
	if sub := a.Subscriber(t, "reader@example.org"); sub.Status != "pending" {
		t.Fatalf("GET confirmed the subscriber: status %s", sub.Status)
	}
	if len(a.SMTP.Messages()) != 1 {
		t.Fatalf("mail sent before confirmation")
	}
	// The POST confirms; a second POST is harmless.
	page := status(t, must(a.Client.Post(confirmURL, "application/x-www-form-urlencoded", nil)), http.StatusOK)
	status(t, must(a.Client.Post(confirmURL, "application/x-www-form-urlencoded", nil)), http.StatusOK)
	download := find(t, `href="(/download/[^"]+|`+regexp.QuoteMeta(a.URL)+`/download/[^"]+)"`, page)

	msgs = a.SMTP.Wait(t, 2, 2*time.Second)
	guide := msgs[1]
	text, html, h := parts(t, guide)
	if got := guide.Subject(); !strings.Contains(strings.ToLower(got), "guide") {
		t.Errorf("guide subject = %q", got)
	}
	lu := h.Get("List-Unsubscribe")
	unsubURL := find(t, `^<(`+regexp.QuoteMeta(a.URL)+`/unsubscribe/[A-Za-z0-9_.-]+)>$`, lu)
	if got := h.Get("List-Unsubscribe-Post"); got != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post = %q", got)
	}
	if id := h.Get("Message-Id"); !strings.HasSuffix(id, "@example.org>") {
		t.Errorf("Message-ID %q is not on the sender's domain", id)
	}
	if h.Get("User-Agent") != "" || h.Get("X-Mailer") != "" {
		t.Errorf("mail names its library: %q %q", h.Get("User-Agent"), h.Get("X-Mailer"))
	}
	flat := strings.ReplaceAll(text, "=\r\n", "")
	for _, want := range []string{"Dear Fellow Humans", "1 Test Street, Testville", a.URL + "/me/", unsubURL} {
		if !strings.Contains(flat, want) {
			t.Errorf("guide text part lacks %q", want)
		}
	}
	if !strings.Contains(strings.ReplaceAll(html, "=\r\n", ""), "1 Test Street, Testville") {
		t.Errorf("guide HTML part lacks the postal address")
	}
	if strings.Contains(html, "<img") {
		t.Errorf("guide HTML carries an image (tracking pixel?)")
	}
	mailDownload := find(t, `(`+regexp.QuoteMeta(a.URL)+`/download/[A-Za-z0-9_.-]+)`, flat)

	// The guide behind its signed link, from the page and from the mail.
	for _, link := range []string{download, mailDownload} {
		if strings.HasPrefix(link, "/") {
			link = a.URL + link
		}
		body := status(t, must(a.Client.Get(link)), http.StatusOK)
		if !strings.Contains(body, "<h1") {
			t.Errorf("guide page has no heading")
		}
	}
	status(t, must(a.Client.Get(a.URL+"/download/not-a-token")), http.StatusNotFound)

	sub := a.Subscriber(t, "reader@example.org")
	if sub.Status != "confirmed" || sub.Step != 1 || sub.TZ != "Europe/Berlin" {
		t.Fatalf("after the guide: status %s step %d tz %q", sub.Status, sub.Step, sub.TZ)
	}

	// One-click unsubscribe (RFC 8058), then nothing more.
	res = must(a.Client.Post(unsubURL, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click")))
	status(t, res, http.StatusOK)
	if sub := a.Subscriber(t, "reader@example.org"); sub.Status != "unsubscribed" {
		t.Fatalf("status after unsubscribe: %s", sub.Status)
	}
	total, _, err := a.Store.Depth(t.Context(), time.Now().Add(365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if total != 0 {
		t.Errorf("%d job(s) still queued after unsubscribe", total)
	}
	// Signing up again while unsubscribed within 10 minutes sends nothing new.
	status(t, postJSON(t, a, "/subscribe", map[string]any{"email": "reader@example.org", "consent": "yes"}), http.StatusAccepted)
	time.Sleep(300 * time.Millisecond)
	if n := len(a.SMTP.Messages()); n != 2 {
		t.Fatalf("%d mails after unsubscribe, want 2", n)
	}
}

// TestRepeatedSignup: a pending address gets the confirmation again at
// most once per 10 minutes; a confirmed one gets nothing and the same 202.
func TestRepeatedSignup(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	for i := 0; i < 3; i++ {
		status(t, postJSON(t, a, "/subscribe", map[string]any{"email": "twice@example.org", "consent": true}), http.StatusAccepted)
	}
	a.Drain(t)
	if n := len(a.SMTP.To("twice@example.org")); n != 1 {
		t.Fatalf("%d confirmation mails, want 1", n)
	}
	a.Fake.Advance(11 * time.Minute)
	status(t, postJSON(t, a, "/subscribe", map[string]any{"email": "twice@example.org", "consent": true}), http.StatusAccepted)
	a.Drain(t)
	if n := len(a.SMTP.To("twice@example.org")); n != 2 {
		t.Fatalf("%d confirmation mails after 11 minutes, want 2", n)
	}
	sub := a.Subscriber(t, "twice@example.org")
	if _, _, err := a.Service.Confirm(t.Context(), sub.ID); err != nil {
		t.Fatal(err)
	}
	a.Drain(t)
	before := len(a.SMTP.Messages())
	a.Fake.Advance(11 * time.Minute)
	status(t, postJSON(t, a, "/subscribe", map[string]any{"email": "twice@example.org", "consent": true}), http.StatusAccepted)
	a.Drain(t)
	if got := len(a.SMTP.Messages()); got != before {
		t.Fatalf("a confirmed address that signed up again got %d more mail(s)", got-before)
	}
}

// TestFormSignup: a plain form POST redirects to /thanks, and the form
// comes back with messages and 422 when it is wrong.
func TestFormSignup(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	form := url.Values{"email": {"form@example.org"}, "name": {"Fran"}, "consent": {"on"}, "tz": {"America/New_York"}}
	res := must(a.Client.PostForm(a.URL+"/subscribe", form))
	status(t, res, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/thanks" {
		t.Fatalf("Location = %q", loc)
	}
	status(t, must(a.Client.Get(a.URL+"/thanks")), http.StatusOK)
	bad := must(a.Client.PostForm(a.URL+"/subscribe", url.Values{"email": {"nope"}, "name": {"Kept Name"}}))
	body := status(t, bad, http.StatusUnprocessableEntity)
	for _, want := range []string{"look like an email address", "Please tick the box", `value="Kept Name"`} {
		if !strings.Contains(body, want) {
			t.Errorf("form page lacks %q", want)
		}
	}
	// The honeypot: answered as success, nothing stored.
	res = must(a.Client.PostForm(a.URL+"/subscribe", url.Values{"email": {"bot@example.org"}, "consent": {"on"}, "website": {"http://spam"}}))
	status(t, res, http.StatusSeeOther)
	if _, err := a.Store.SubscriberByEmail(t.Context(), "bot@example.org"); err == nil {
		t.Fatalf("honeypot signup was stored")
	}
}

func must(res *http.Response, err error) *http.Response {
	if err != nil {
		panic(err)
	}
	return res
}
