package web_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/newsletter"
)

func TestAdminDeskSignIn(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	// Not signed in: /admin is the sign-in page; other pages lead there.
	page := status(t, must(a.Client.Get(a.URL+"/admin")), http.StatusOK)
	mustHave(t, page, `name="token"`, `action="/admin/login"`)
	for _, p := range []string{"/admin/compose", "/admin/subscribers", "/admin/sequences", "/admin/subscribers/export.csv"} {
		res := must(a.Client.Get(a.URL + p))
		status(t, res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/admin" {
			t.Errorf("GET %s → %q", p, loc)
		}
	}
	csrf := find(t, `name="csrf" value="([0-9a-f]+)"`, page)
	// A POST with the CSRF token but no session: the sign-in page, 401.
	res := must(a.Client.PostForm(a.URL+"/admin/compose", url.Values{"csrf": {csrf}, "subject": {"s"}, "markdown": {"m"}, "action": {"schedule"}}))
	mustHave(t, status(t, res, http.StatusUnauthorized), `name="token"`)
	status(t, must(a.Client.PostForm(a.URL+"/admin/login", url.Values{"token": {"wrong"}, "csrf": {csrf}})), http.StatusUnauthorized)

	d := signIn(t, a)
	mustHave(t, d.get("/admin", http.StatusOK), "Your desk", "Sign-ups in the last 14 days", `action="/admin/logout"`)
	// Every desk form refuses a POST without the CSRF token, or with another.
	for _, p := range []string{"/admin/compose", "/admin/letters/x/cancel", "/admin/subscribers/import",
		"/admin/subscribers/status", "/admin/subscribers/erase", "/admin/logout"} {
		for _, token := range []string{"", strings.Repeat("a", 32)} {
			res := must(a.Client.PostForm(a.URL+p, url.Values{"csrf": {token}, "email": {"x@example.org"}, "confirm": {"yes"}}))
			status(t, res, http.StatusForbidden)
		}
	}
	// Signing out ends the session.
	d.post("/admin/logout", url.Values{}, http.StatusSeeOther)
	mustHave(t, d.get("/admin", http.StatusOK), `name="token"`)
	status(t, must(a.Client.Get(a.URL+"/admin/compose")), http.StatusSeeOther)
}

func TestAdminDeskCompose(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	a := apptest.Start(t, apptest.Options{NoWorker: true, Configure: func(c *config.Config) { c.AuthorTZ = berlin }})
	importCSV(t, a, "email,name,status\nreader@example.org,Rae Reader,confirmed\n")
	d := signIn(t, a)
	page := d.get("/admin/compose", http.StatusOK)
	mustHave(t, page, `name="subject"`, `name="markdown"`, `type="datetime-local"`, "Your time, Europe/Berlin.", `name="skip_in_sequence"`, `name="test_to"`)
	if h := must(a.Client.Get(a.URL + "/admin/compose")).Header.Get("Content-Security-Policy"); !strings.Contains(h, "default-src 'none'") || !strings.Contains(h, "script-src 'self';") || strings.Contains(h, "unsafe-inline") {
		t.Errorf("desk CSP %q", h)
	}

	form := url.Values{"subject": {"On rest & quiet"}, "markdown": {"Dear {{ .FirstName }},\n\nRest is *work* too."}, "archive": {"yes"}}
	// Preview: the exact mail in a sandboxed frame, the form kept.
	form.Set("action", "preview")
	page, _ = d.post("/admin/compose", form, http.StatusOK)
	mustHave(t, page, `<iframe class="mail"`, "sandbox", "srcdoc=", "On rest &amp; quiet", "Dear Ada,", "1 Test Street", "Rest is *work* too.</textarea>")
	// Errors come back with the form, 422.
	bad := url.Values{"subject": {""}, "markdown": {"{{ .Nope }}"}, "action": {"preview"}}
	page, _ = d.post("/admin/compose", bad, http.StatusUnprocessableEntity)
	mustHave(t, page, `id="subject-error"`, `id="markdown-error"`)
	// A test to one address.
	form.Set("action", "test")
	form.Set("test_to", "me@example.org")
	page, _ = d.post("/admin/compose", form, http.StatusOK)
	mustHave(t, page, "A test went to me@example.org")
	if m := a.SMTP.Wait(t, 1, 2*time.Second); m[0].To != "me@example.org" || m[0].Subject() != "On rest & quiet" {
		t.Errorf("test mail %q %q", m[0].To, m[0].Subject())
	}
	// Schedule for a time in Berlin; it shows as upcoming.
	form.Set("action", "schedule")
	form.Set("send_at", "2026-03-05T08:30")
	form.Set("confirmed", "yes") // the confirmation's button (desk_write_test.go)
	_, res := d.post("/admin/compose", form, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/admin/letters/") || !strings.HasSuffix(loc, "?done=scheduled") {
		t.Errorf("schedule → %q", loc)
	}
	ls, err := a.Store.ListLetters(t.Context(), newsletter.LetterScheduled, 0)
	if err != nil || len(ls) != 1 {
		t.Fatalf("scheduled letters: %v %v", ls, err)
	}
	if want := time.Date(2026, 3, 5, 7, 30, 0, 0, time.UTC); !ls[0].SendAt.Equal(want) {
		t.Errorf("send_at %v, want %v", ls[0].SendAt, want)
	}
	mustHave(t, d.get("/admin", http.StatusOK), "On rest &amp; quiet", "Goes out 5 March 2026, 08:30 CET")
	// Edit it, then cancel it.
	page = d.get("/admin/compose?id="+ls[0].ID, http.StatusOK)
	mustHave(t, page, `name="id" value="`+ls[0].ID+`"`, `value="2026-03-05T08:30"`, "Save changes")
	form.Set("id", ls[0].ID)
	form.Set("subject", "On rest")
	d.post("/admin/compose", form, http.StatusSeeOther)
	if l, _ := a.Store.Letter(t.Context(), ls[0].ID); l.Subject != "On rest" {
		t.Errorf("edit: subject %q", l.Subject)
	}
	d.post("/admin/letters/"+ls[0].ID+"/cancel", url.Values{}, http.StatusSeeOther)
	if l, _ := a.Store.Letter(t.Context(), ls[0].ID); l.Status != newsletter.LetterCancelled {
		t.Errorf("after cancel: %s", l.Status)
	}
	d.post("/admin/letters/"+ls[0].ID+"/cancel", url.Values{}, http.StatusConflict)
	// A time long gone is refused, and so is none: Schedule needs a time.
	form.Del("id")
	form.Set("send_at", "2020-01-01T08:00")
	page, _ = d.post("/admin/compose", form, http.StatusUnprocessableEntity)
	mustHave(t, page, `id="send_at-error"`)
	form.Set("send_at", "")
	page, _ = d.post("/admin/compose", form, http.StatusUnprocessableEntity)
	mustHave(t, page, `id="send_at-error"`, "or press Send now")
	// Send now (confirmed) goes out a minute later.
	form.Set("action", "send")
	_, res = d.post("/admin/compose", form, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/admin/letters/") {
		t.Errorf("send now → %q", loc)
	}
	a.Fake.Advance(time.Minute)
	a.Drain(t)
	a.Drain(t)
	if got := a.SMTP.To("reader@example.org"); len(got) != 1 || got[0].Subject() != "On rest" {
		t.Fatalf("reader got %d letters", len(got))
	}
	loc, _, _ := strings.Cut(res.Header.Get("Location"), "?")
	mustHave(t, d.get("/admin", http.StatusOK), "Sent 2 March 2026", "to 1 reader", `<a href="`+loc+`">On rest</a>`)
	mustHave(t, d.get("/admin/compose", http.StatusOK), `<a href="/admin/images">Images</a>`)
}

func TestAdminDeskSubscribers(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	var rows strings.Builder
	rows.WriteString("email,name,status,sequence\n")
	for i := range 60 {
		rows.WriteString("p" + string(rune('a'+i/26)) + string(rune('a'+i%26)) + "@example.org,Person,confirmed,\n")
	}
	importCSV(t, a, rows.String())
	d := signIn(t, a)
	page := d.get("/admin/subscribers", http.StatusOK)
	mustHave(t, page, "Showing 1–50 of 60", `href="/admin/subscribers?offset=50"`, "Older →")
	mustHave(t, d.get("/admin/subscribers?offset=50", http.StatusOK), "Showing 51–60 of 60", "← Newer")
	mustHave(t, d.get("/admin/subscribers?q=pab", http.StatusOK), "Showing 1–1 of 1", "pab@example.org")

	// Import a file through the form.
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", d.csrf)
	fw, _ := mw.CreateFormFile("file", "list.csv")
	io.WriteString(fw, "email,name,status,sequence\nnew@example.org,Nia New,confirmed,guide\nbroken,,confirmed,\n")
	mw.Close()
	page = status(t, must(a.Client.Post(a.URL+"/admin/subscribers/import", mw.FormDataContentType(), &body)), http.StatusOK)
	mustHave(t, page, "Imported 1", "Row 3:")
	if s := a.Subscriber(t, "new@example.org"); s.Name != "Nia New" || s.Sequence != "guide" {
		t.Errorf("imported %+v", s)
	}
	// Export the search as CSV.
	res := must(a.Client.Get(a.URL + "/admin/subscribers/export.csv?q=nia"))
	csvBody := status(t, res, http.StatusOK)
	if !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") ||
		strings.Count(csvBody, "\n") != 2 || !strings.Contains(csvBody, "new@example.org,Nia New,confirmed,guide,0,") {
		t.Errorf("export: %q %q\n%s", res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"), csvBody)
	}
	// Status and erase (erase needs the box ticked).
	d.post("/admin/subscribers/status", url.Values{"email": {"new@example.org"}, "status": {"unsubscribed"}}, http.StatusSeeOther)
	if s := a.Subscriber(t, "new@example.org"); s.Status != newsletter.StatusUnsubscribed {
		t.Errorf("status %s", s.Status)
	}
	page, _ = d.post("/admin/subscribers/status", url.Values{"email": {"new@example.org"}, "status": {"confirmed"}}, http.StatusUnprocessableEntity)
	mustHave(t, page, "only they can come back")
	d.post("/admin/subscribers/erase", url.Values{"email": {"new@example.org"}}, http.StatusUnprocessableEntity)
	d.post("/admin/subscribers/erase", url.Values{"email": {"new@example.org"}, "confirm": {"yes"}}, http.StatusSeeOther)
	if _, err := a.Store.SubscriberByEmail(t.Context(), "new@example.org"); err == nil {
		t.Errorf("still stored after erase")
	}
	page, _ = d.post("/admin/subscribers/erase", url.Values{"email": {"new@example.org"}, "confirm": {"yes"}}, http.StatusNotFound)
	mustHave(t, page, `href="/admin"`)
}

func TestAdminDeskOverviewAndSequences(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	importCSV(t, a, "email,status,sequence\none@example.org,confirmed,guide\ntwo@example.org,pending,guide\n")
	a.Fake.Advance(3 * 24 * time.Hour)
	importCSV(t, a, "email,status,sequence\nthree@example.org,confirmed,guide\n")
	a.Drain(t)
	a.SMTP.Reject("gone@example.org", 550)
	importCSV(t, a, "email,status,sequence\ngone@example.org,confirmed,guide\n")
	a.Drain(t)
	d := signIn(t, a)
	page := d.get("/admin", http.StatusOK)
	mustHave(t, page, "<b>2</b><span>confirmed</span>", "<b>1</b><span>pending</span>", "<b>1</b><span>bounced</span>",
		"4 in these two weeks", `<title>5 March 2026: 2</title>`, `<title>2 March 2026: 2</title>`, "gone@example.org", "No letter is scheduled")

	page = d.get("/admin/sequences", http.StatusOK)
	mustHave(t, page, "Your preparation and integration guide", "As soon as they confirm",
		"1 week after the previous letter, between 08:00 and 11:00 in the reader&#39;s time zone",
		"Latest letter for 2 readers", `href="/admin/sequences/guide/steps/02-preparing.md"`)
	page = d.get("/admin/sequences/guide/steps/02-preparing.md", http.StatusOK)
	mustHave(t, page, "srcdoc=", "Integration tip #1", "1 Test Street")
	d.get("/admin/sequences/guide/steps/nope.md", http.StatusNotFound)
}

func TestAdminDeskSessionRenewal(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	d := signIn(t, a)
	signedIn := func() bool { return !strings.Contains(d.get("/admin", http.StatusOK), `name="token"`) }
	a.Fake.Advance(2 * time.Hour)
	res := must(a.Client.Get(a.URL + "/admin"))
	status(t, res, http.StatusOK)
	renewed := false
	for _, c := range res.Cookies() {
		renewed = renewed || c.Name == "nl_admin" && c.Value != "" && c.HttpOnly && c.SameSite == http.SameSiteStrictMode
	}
	if !renewed {
		t.Fatalf("a session in use is not renewed")
	}
	a.Fake.Advance(11 * time.Hour) // 13 hours after signing in: alive, thanks to the renewal
	if !signedIn() {
		t.Fatalf("signed out while working")
	}
	// Renewals stop a week after signing in.
	for i := 0; i < 20 && signedIn(); i++ {
		a.Fake.Advance(11 * time.Hour)
	}
	if signedIn() {
		t.Fatalf("a session outlives a week and a half")
	}
	if a.Fake.Now().Sub(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)) < 7*24*time.Hour {
		t.Errorf("signed out after %v, before a week", a.Fake.Now().Sub(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)))
	}
}
