package web_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
)

// The admin API beyond the contract and the author's desk at /admin,
// through a real listener, real Redis and a real SMTP server.

// api sends an admin API request with the bearer token.
func api(t *testing.T, a *apptest.App, method, path, contentType, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer admin-secret")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	return must(a.Client.Do(req))
}

func decode[T any](t *testing.T, body string) T {
	t.Helper()
	var v T
	if err := json.Unmarshal([]byte(body), &v); err != nil {
		t.Fatalf("decode %.200s: %v", body, err)
	}
	return v
}

func importCSV(t *testing.T, a *apptest.App, body string) service.ImportResult {
	t.Helper()
	return decode[service.ImportResult](t, status(t, api(t, a, "POST", "/admin/api/subscribers", "text/csv", body), http.StatusOK))
}

func TestAdminAPILetterPreviewAndTest(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	body := `{"subject":"On slow mornings","markdown":"Dear {{ .FirstName }},\n\nTake your time with **coffee**."}`
	p := decode[map[string]string](t, status(t, api(t, a, "POST", "/admin/api/letters/preview", "application/json", body), http.StatusOK))
	for _, part := range []string{"html", "text"} {
		for _, want := range []string{"On slow mornings", "Dear Ada,", "1 Test Street, Testville", a.URL + "/unsubscribe/", a.URL + "/me/"} {
			if part == "text" && want == "On slow mornings" {
				continue // the subject is the mail's, not the text part's
			}
			if !strings.Contains(p[part], want) {
				t.Errorf("preview %s lacks %q", part, want)
			}
		}
	}
	if !strings.Contains(p["html"], "<strong") || p["subject"] != "On slow mornings" {
		t.Errorf("preview: subject %q, html %.300s", p["subject"], p["html"])
	}

	// Bad input: 422 naming the field; no bearer: 401; not JSON: 415.
	status(t, api(t, a, "POST", "/admin/api/letters/preview", "application/json", `{"subject":"","markdown":"x"}`), http.StatusUnprocessableEntity)
	if b := status(t, api(t, a, "POST", "/admin/api/letters/preview", "application/json", `{"subject":"s","markdown":"{{ .Nope }}"}`),
		http.StatusUnprocessableEntity); !strings.Contains(b, `"markdown"`) {
		t.Errorf("unknown variable: %s", b)
	}
	status(t, must(a.Client.Post(a.URL+"/admin/api/letters/preview", "application/json", strings.NewReader(body))), http.StatusUnauthorized)
	status(t, api(t, a, "POST", "/admin/api/letters/preview", "text/plain", body), http.StatusUnsupportedMediaType)

	// A test mail reaches the SMTP server at once, as the exact mail.
	test := `{"subject":"On slow mornings","markdown":"Take your time.","to":"Satina@Example.org"}`
	r := decode[map[string]any](t, status(t, api(t, a, "POST", "/admin/api/letters/test", "application/json", test), http.StatusOK))
	if r["sent"] != true || r["to"] != "satina@example.org" {
		t.Errorf("test answer %v", r)
	}
	msgs := a.SMTP.Wait(t, 1, 2*time.Second)
	if msgs[0].To != "satina@example.org" || msgs[0].Subject() != "On slow mornings" {
		t.Fatalf("test mail to %q subject %q", msgs[0].To, msgs[0].Subject())
	}
	text, html, h := parts(t, msgs[0])
	if h.Get("List-Unsubscribe") == "" || !strings.Contains(strings.ReplaceAll(text, "=\r\n", ""), "1 Test Street") ||
		!strings.Contains(strings.ReplaceAll(html, "=\r\n", ""), "Take your time.") {
		t.Errorf("test mail is not the letter as subscribers get it")
	}
	status(t, api(t, a, "POST", "/admin/api/letters/test", "application/json", `{"subject":"s","markdown":"m","to":"nope"}`), http.StatusUnprocessableEntity)
	if n := len(a.SMTP.Messages()); n != 1 {
		t.Errorf("%d mails, want the one test", n)
	}
	// A refused address is a 422 on "to".
	a.SMTP.Reject("refused@example.org", 550)
	if b := status(t, api(t, a, "POST", "/admin/api/letters/test", "application/json", `{"subject":"s","markdown":"m","to":"refused@example.org"}`),
		http.StatusUnprocessableEntity); !strings.Contains(b, `"to"`) {
		t.Errorf("refused: %s", b)
	}
}

func TestAdminAPISubscribers(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	res := importCSV(t, a, "email,name,status,sequence\n"+
		"ann@example.org,Ann Archer,confirmed,guide\n"+
		"bob@example.org,Bob Baker,pending,\n"+
		"cy@example.org,\"Cy, the Third\",confirmed,\n"+
		"dee@elsewhere.net,Dee Annand,confirmed,guide\n"+
		"bad-address,X,confirmed,\n")
	if res.Imported != 4 || len(res.Errors) != 1 || res.Errors[0].Row != 6 {
		t.Fatalf("import: %+v", res)
	}
	type list struct {
		Subscribers []struct{ Email, Name, Status, Sequence string }
		Total       int
	}
	emails := func(l list) string {
		var out []string
		for _, s := range l.Subscribers {
			out = append(out, s.Email)
		}
		sort.Strings(out)
		return strings.Join(out, " ")
	}
	get := func(query string) list {
		return decode[list](t, status(t, api(t, a, "GET", "/admin/api/subscribers?"+query, "", ""), http.StatusOK))
	}

	// Search on address and name, any case; with status; paging.
	if l := get("q=ANN"); emails(l) != "ann@example.org dee@elsewhere.net" || l.Total != 2 {
		t.Errorf("q=ANN: %s (total %d)", emails(l), l.Total)
	}
	if l := get("q=elsewhere"); emails(l) != "dee@elsewhere.net" {
		t.Errorf("q=elsewhere: %s", emails(l))
	}
	if l := get("q=example&status=pending"); emails(l) != "bob@example.org" {
		t.Errorf("q=example&status=pending: %s", emails(l))
	}
	p1, p2 := get("limit=3"), get("limit=3&offset=3")
	if p1.Total != 4 || len(p1.Subscribers) != 3 || len(p2.Subscribers) != 1 || emails(p1)+" "+emails(p2) == "" {
		t.Errorf("paging: %d+%d of %d", len(p1.Subscribers), len(p2.Subscribers), p1.Total)
	}
	if l := get("q=example&limit=1&offset=1"); l.Total != 3 || len(l.Subscribers) != 1 {
		t.Errorf("search paging: %d of %d", len(l.Subscribers), l.Total)
	}

	// Export → import into a fresh service keeps every row.
	resp := api(t, a, "GET", "/admin/api/subscribers/export", "", "")
	export := status(t, resp, http.StatusOK)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("export Content-Type %q", ct)
	}
	recs, err := csv.NewReader(strings.NewReader(export)).ReadAll()
	if err != nil || len(recs) != 5 || strings.Join(recs[0], ",") != "email,name,status,sequence,step,created_at" {
		t.Fatalf("export (%v):\n%s", err, export)
	}
	b := apptest.Start(t, apptest.Options{NoWorker: true})
	if res := importCSV(t, b, export); res.Imported != 4 || len(res.Errors) != 0 {
		t.Fatalf("re-import: %+v", res)
	}
	rows := func(app *apptest.App) string {
		l := decode[list](t, status(t, api(t, app, "GET", "/admin/api/subscribers", "", ""), http.StatusOK))
		var out []string
		for _, s := range l.Subscribers {
			out = append(out, strings.Join([]string{s.Email, s.Name, s.Status, s.Sequence}, "|"))
		}
		sort.Strings(out)
		return strings.Join(out, "\n")
	}
	if x, y := rows(a), rows(b); x != y {
		t.Errorf("round trip changed the rows:\n%s\nvs\n%s", x, y)
	}
	if got := status(t, api(t, a, "GET", "/admin/api/subscribers/export?q=elsewhere", "", ""), http.StatusOK); strings.Count(got, "\n") != 2 {
		t.Errorf("filtered export:\n%s", got)
	}

	// Status changes.
	patch := func(email, body string, want int) string {
		return status(t, api(t, a, "PATCH", "/admin/api/subscribers/"+url.PathEscape(email), "application/json", body), want)
	}
	if got := patch("bob@example.org", `{"status":"confirmed"}`, http.StatusOK); !strings.Contains(got, `"status":"confirmed"`) {
		t.Errorf("pending → confirmed: %s", got)
	}
	patch("ann@example.org", `{"status":"unsubscribed"}`, http.StatusOK)
	if s := a.Subscriber(t, "ann@example.org"); s.Status != newsletter.StatusUnsubscribed {
		t.Errorf("ann is %s", s.Status)
	}
	patch("ann@example.org", `{"status":"confirmed"}`, http.StatusUnprocessableEntity) // only she can come back
	patch("cy@example.org", `{"status":"bounced"}`, http.StatusOK)
	patch("cy@example.org", `{"status":"confirmed"}`, http.StatusOK) // a bounce fixed by hand
	patch("cy@example.org", `{"status":"pending"}`, http.StatusUnprocessableEntity)
	patch("cy@example.org", `{"status":"gone"}`, http.StatusUnprocessableEntity)
	patch("nobody@example.org", `{"status":"bounced"}`, http.StatusNotFound)

	// Erase removes the address from every listing; a second erase is 404.
	status(t, api(t, a, "DELETE", "/admin/api/subscribers/dee%40elsewhere.net", "", ""), http.StatusOK)
	if l := get(""); strings.Contains(emails(l), "dee@") || l.Total != 3 {
		t.Errorf("after erase: %s (total %d)", emails(l), l.Total)
	}
	if _, err := a.Store.SubscriberByEmail(t.Context(), "dee@elsewhere.net"); err == nil {
		t.Errorf("erased subscriber still stored")
	}
	status(t, api(t, a, "DELETE", "/admin/api/subscribers/dee@elsewhere.net", "", ""), http.StatusNotFound)
}

func TestAdminAPISequences(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	importCSV(t, a, "email,status,sequence\none@example.org,confirmed,guide\ntwo@example.org,confirmed,guide\nthree@example.org,pending,guide\n")
	a.Drain(t) // the first step goes out to the two confirmed
	type seqList struct {
		Sequences []struct {
			ID         string
			NotStarted int `json:"not_started"`
			Steps      []struct {
				Name, Subject, After, Window, Days, Preview string
				Subscribers                                 int
			}
		}
	}
	out := decode[seqList](t, status(t, api(t, a, "GET", "/admin/api/sequences", "", ""), http.StatusOK))
	if len(out.Sequences) != 1 || out.Sequences[0].ID != "guide" || len(out.Sequences[0].Steps) != 8 {
		t.Fatalf("sequences: %+v", out)
	}
	steps := out.Sequences[0].Steps
	if steps[0].Name != "01-guide.md" || steps[0].After != "0s" || steps[0].Subscribers != 2 || out.Sequences[0].NotStarted != 0 {
		t.Errorf("first step: %+v, not started %d", steps[0], out.Sequences[0].NotStarted)
	}
	if steps[1].After != "1w" || steps[1].Window != "08:00-11:00" || steps[1].Subscribers != 0 || steps[1].Subject == "" {
		t.Errorf("second step: %+v", steps[1])
	}
	p := decode[map[string]string](t, status(t, api(t, a, "GET", steps[1].Preview, "", ""), http.StatusOK))
	if !strings.Contains(p["subject"], "preparing") || !strings.Contains(p["html"], "Dear Fellow Humans") || !strings.Contains(p["text"], "1 Test Street") {
		t.Errorf("step preview: %.300v", p)
	}
	status(t, api(t, a, "GET", "/admin/api/sequences/guide/steps/99-nope.md/preview", "", ""), http.StatusNotFound)
	status(t, api(t, a, "GET", "/admin/api/sequences/nope/steps/01-guide.md/preview", "", ""), http.StatusNotFound)
}

// desk is a signed-in browser session on the desk.
type desk struct {
	t    *testing.T
	a    *apptest.App
	csrf string
}

func signIn(t *testing.T, a *apptest.App) *desk {
	t.Helper()
	page := status(t, must(a.Client.Get(a.URL+"/admin")), http.StatusOK)
	csrf := find(t, `name="csrf" value="([0-9a-f]+)"`, page)
	res := must(a.Client.PostForm(a.URL+"/admin/login", url.Values{"token": {"admin-secret"}, "csrf": {csrf}}))
	status(t, res, http.StatusSeeOther)
	return &desk{t: t, a: a, csrf: csrf}
}

func (d *desk) get(path string, want int) string {
	d.t.Helper()
	return status(d.t, must(d.a.Client.Get(d.a.URL+path)), want)
}

func (d *desk) post(path string, form url.Values, want int) (string, *http.Response) {
	d.t.Helper()
	if form.Get("csrf") == "" {
		form.Set("csrf", d.csrf)
	}
	res := must(d.a.Client.PostForm(d.a.URL+path, form))
	return status(d.t, res, want), res
}

func mustHave(t *testing.T, page string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(page, w) {
			t.Errorf("page lacks %q", w)
		}
	}
}

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
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	importCSV(t, a, "email,name,status\nreader@example.org,Rae Reader,confirmed\n")
	d := signIn(t, a)
	page := d.get("/admin/compose", http.StatusOK)
	mustHave(t, page, `name="subject"`, `name="markdown"`, `type="datetime-local"`, `name="tz"`, `name="skip_in_sequence"`, `name="test_to"`)
	if h := must(a.Client.Get(a.URL + "/admin/compose")).Header.Get("Content-Security-Policy"); !strings.Contains(h, "default-src 'none'") || strings.Contains(h, "script-src") {
		t.Errorf("desk CSP %q", h)
	}

	form := url.Values{"subject": {"On rest & quiet"}, "markdown": {"Dear {{ .FirstName }},\n\nRest is *work* too."}, "tz": {"Europe/Berlin"}}
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
	_, res := d.post("/admin/compose", form, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/admin/compose?done=scheduled" {
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
	// A time long gone is refused; an empty one sends now.
	form.Del("id")
	form.Set("send_at", "2020-01-01T08:00")
	page, _ = d.post("/admin/compose", form, http.StatusUnprocessableEntity)
	mustHave(t, page, `id="send_at-error"`)
	form.Set("send_at", "")
	_, res = d.post("/admin/compose", form, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/admin?done=sending" {
		t.Errorf("send now → %q", loc)
	}
	a.Drain(t)
	a.Drain(t)
	if got := a.SMTP.To("reader@example.org"); len(got) != 1 || got[0].Subject() != "On rest" {
		t.Fatalf("reader got %d letters", len(got))
	}
	mustHave(t, d.get("/admin?done=sending", http.StatusOK), "The letter is on its way", "Sent 2 March 2026", "to 1 reader")
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
		"4 in these two weeks", `title="5 March 2026: 2"`, `title="2 March 2026: 2"`, "gone@example.org", "No letter is scheduled")

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
