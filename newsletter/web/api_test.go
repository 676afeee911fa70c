package web_test

import (
	"encoding/csv"
	"encoding/json"
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
	req.Header.Set("Authorization", "Bearer admin-secret-for-the-tests")
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
		http.StatusUnprocessableEntity); !strings.Contains(b, `"markdown"`) || !strings.Contains(b, "There is a mistake on line 1: there is no {{ .Nope }}") {
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
	res := must(a.Client.PostForm(a.URL+"/admin/login", url.Values{"token": {"admin-secret-for-the-tests"}, "csrf": {csrf}}))
	status(t, res, http.StatusSeeOther)
	// Signed in, the desk's forms carry the session's own CSRF token.
	page = status(t, must(a.Client.Get(a.URL+"/admin")), http.StatusOK)
	return &desk{t: t, a: a, csrf: find(t, `name="csrf" value="([0-9a-f]+)"`, page)}
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
