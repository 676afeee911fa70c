package web_test

import (
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/newsletter"
)

// The author's own fields of a letter (the preview line, the archive
// choice), drafts on the desk, and AUTHOR_TZ, through the listener, the
// real Redis and the real SMTP server.

// mailWithSubject is the one mail to addr with subject.
func mailWithSubject(t *testing.T, a *apptest.App, addr, subject string) smtptest.Message {
	t.Helper()
	var found []smtptest.Message
	for _, m := range a.SMTP.To(addr) {
		if m.Subject() == subject {
			found = append(found, m)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d mails %q to %s, want 1", len(found), subject, addr)
	}
	return found[0]
}

// postLetter creates a letter through the API and returns its id.
func postLetter(t *testing.T, a *apptest.App, body string) string {
	t.Helper()
	return decode[map[string]string](t, status(t, api(t, a, "POST", "/admin/api/letters", "application/json", body), http.StatusCreated))["id"]
}

// TestArchiveFalseKeepsTheLetterOffTheSite: a letter with archive false
// goes to every reader, but is not on /letters or the feed, its page is
// not found (as for no letter at all), and its mail has no link to it. A
// listed letter sent at the same time is on all three.
func TestArchiveFalseKeepsTheLetterOffTheSite(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	importCSV(t, a, "email,name,status\nreader@example.org,Rae Reader,confirmed\n")
	now := a.Fake.Now().Format(time.RFC3339)
	listed := postLetter(t, a, `{"subject":"For everyone","markdown":"Hello.","send_at":"`+now+`"}`)
	private := postLetter(t, a, `{"subject":"Between us","markdown":"Hello, quietly.","send_at":"`+now+`","archive":false}`)
	for range 3 {
		a.Drain(t)
	}
	text, html, _ := parts(t, mailWithSubject(t, a, "reader@example.org", "Between us"))
	if strings.Contains(html, "/letters/"+private) || strings.Contains(text, "Read on the web") {
		t.Errorf("the unlisted letter's mail links to its page")
	}
	text, _, _ = parts(t, mailWithSubject(t, a, "reader@example.org", "For everyone"))
	if !strings.Contains(text, "Read on the web: "+a.URL+"/letters/"+listed) {
		t.Errorf("the listed letter's mail lacks its web link:\n%s", text)
	}
	for _, path := range []string{"/letters", "/letters/feed.xml"} {
		page := status(t, must(a.Client.Get(a.URL+path)), http.StatusOK)
		if !strings.Contains(page, "For everyone") || strings.Contains(page, "Between us") || strings.Contains(page, private) {
			t.Errorf("%s: want the listed letter only:\n%s", path, page)
		}
	}
	status(t, must(a.Client.Get(a.URL+"/letters/"+listed)), http.StatusOK)
	gone := status(t, must(a.Client.Get(a.URL+"/letters/"+private)), http.StatusNotFound)
	if none := status(t, must(a.Client.Get(a.URL+"/letters/0123456789abcdef")), http.StatusNotFound); gone != none {
		t.Errorf("an unlisted letter's page differs from no letter's")
	}
	l := decode[map[string]any](t, status(t, api(t, a, "GET", "/admin/api/letters/"+private, "", ""), http.StatusOK))
	if l["archive"] != false || l["status"] != "sent" || l["recipients"] != 1.0 {
		t.Errorf("the unlisted letter in the API: %v", l)
	}
}

// TestPreheaderInTheMail: a letter's preheader is the mail's preview
// text, in the HTML only; a letter without one has no hidden preview text
// at all: no preheader element, no zero-width padding, no hidden styles.
func TestPreheaderInTheMail(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	importCSV(t, a, "email,name,status\nreader@example.org,Rae Reader,confirmed\n")
	now := a.Fake.Now().Format(time.RFC3339)
	postLetter(t, a, `{"subject":"With a line","markdown":"The body begins here.","preheader":"Five minutes & a cup of tea","send_at":"`+now+`"}`)
	postLetter(t, a, `{"subject":"Without one","markdown":"The body begins here.","send_at":"`+now+`"}`)
	for range 3 {
		a.Drain(t)
	}
	text, html, _ := parts(t, mailWithSubject(t, a, "reader@example.org", "With a line"))
	if strings.Count(html, `class="preheader"`) != 1 || !strings.Contains(html, `mso-hide:all">Five minutes &amp; a cup of tea</div>`) {
		t.Errorf("the preview line is not the letter's preheader:\n%s", html)
	}
	if strings.Contains(text, "Five minutes") {
		t.Errorf("the preview line is in the text part")
	}
	_, html, _ = parts(t, mailWithSubject(t, a, "reader@example.org", "Without one"))
	for _, hidden := range []string{`class="preheader"`, "display:none", "mso-hide", "&zwnj;", "&#847;", "\u200c", "\u034f", "\u200b", "opacity:0"} {
		if strings.Contains(html, hidden) {
			t.Errorf("no preheader set, yet the HTML holds %q", hidden)
		}
	}
	if p := decode[map[string]string](t, status(t, api(t, a, "POST", "/admin/api/letters/preview", "application/json",
		`{"subject":"s","markdown":"m","preheader":"Seen in the inbox"}`), http.StatusOK)); !strings.Contains(p["html"], `mso-hide:all">Seen in the inbox</div>`) {
		t.Errorf("the preview lacks the preview line")
	}
	if b := status(t, api(t, a, "POST", "/admin/api/letters", "application/json",
		`{"subject":"s","markdown":"m","preheader":"Hi {{ .FirstName }}"}`), http.StatusUnprocessableEntity); !strings.Contains(b, `"preheader"`) {
		t.Errorf("a templated preheader: %s", b)
	}
}

// TestDeskTimesInAuthorTZ: with AUTHOR_TZ=Europe/Berlin the schedule
// form reads 09:00 as Berlin time (08:00Z in winter), whatever zone an
// old cookie names, and the desk shows it so; the API's times stay UTC.
// Before the fan-out, the letter's recipients are the readers confirmed
// now.
func TestDeskTimesInAuthorTZ(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	a := apptest.Start(t, apptest.Options{NoWorker: true, Configure: func(c *config.Config) { c.AuthorTZ = berlin }})
	importCSV(t, a, "email,name,status\nann@example.org,Ann,confirmed\nbo@example.org,Bo,confirmed\ncy@example.org,Cy,pending\n")
	d := signIn(t, a)
	base, _ := url.Parse(a.URL + "/admin")
	a.Client.Jar.(*cookiejar.Jar).SetCookies(base, []*http.Cookie{{Name: "nl_tz", Value: "America/New_York", Path: "/admin"}})
	mustHave(t, d.get("/admin/compose", http.StatusOK), "Your time, Europe/Berlin.")
	form := url.Values{"subject": {"In the morning"}, "markdown": {"Good morning."}, "send_at": {"2026-03-05T09:00"},
		"archive": {"yes"}, "action": {"schedule"}, "confirmed": {"yes"}}
	_, res := d.post("/admin/compose", form, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); !strings.HasPrefix(loc, "/admin/letters/") {
		t.Errorf("schedule → %q", loc)
	}
	ls, err := a.Store.ListLetters(t.Context(), newsletter.LetterScheduled, 0)
	if err != nil || len(ls) != 1 {
		t.Fatalf("scheduled: %v %v", ls, err)
	}
	if want := time.Date(2026, 3, 5, 8, 0, 0, 0, time.UTC); !ls[0].SendAt.Equal(want) {
		t.Errorf("send_at %v, want 09:00 in Berlin, %v", ls[0].SendAt, want)
	}
	mustHave(t, d.get("/admin", http.StatusOK), "Goes out 5 March 2026, 09:00 CET", "Days in Europe/Berlin")
	mustHave(t, d.get("/admin/compose?id="+ls[0].ID, http.StatusOK), `value="2026-03-05T09:00"`)
	l := decode[map[string]any](t, status(t, api(t, a, "GET", "/admin/api/letters/"+ls[0].ID, "", ""), http.StatusOK))
	if l["send_at"] != "2026-03-05T08:00:00Z" || l["recipients"] != 2.0 {
		t.Errorf("API: send_at %v (want UTC), recipients %v (want the 2 confirmed)", l["send_at"], l["recipients"])
	}
}

// TestDeskDrafts: "Save as draft" keeps the letter (never sent) and opens
// it again to write on; the Write page lists the drafts; a draft saved
// again stays one, is scheduled from its form, or is deleted. The preview
// shows the mail to the sample reader and to one who left no name.
func TestDeskDrafts(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	d := signIn(t, a)
	mustHave(t, d.get("/admin/compose", http.StatusOK), `name="action" value="draft"`, `id="archive" name="archive" value="yes" checked`, `name="preheader"`)

	form := url.Values{"subject": {"Half a thought"}, "markdown": {"Dear {{ or .FirstName \"friend\" }},\n\nmore soon."},
		"preheader": {"Not finished"}, "action": {"preview"}}
	page, _ := d.post("/admin/compose", form, http.StatusOK)
	mustHave(t, page, "Dear Ada,", `id="preview-nameless"`, "Dear friend,")

	form.Set("action", "draft") // archive left unticked: kept off the site
	_, res := d.post("/admin/compose", form, http.StatusSeeOther)
	loc := res.Header.Get("Location")
	id := strings.TrimPrefix(loc, "/admin/compose?done=draft&id=")
	if id == loc || id == "" {
		t.Fatalf("save as draft → %q", loc)
	}
	l, err := a.Store.Letter(t.Context(), id)
	if err != nil || l.Status != newsletter.LetterDrafted || !l.Unlisted || l.Preheader != "Not finished" {
		t.Fatalf("stored draft %+v %v", l, err)
	}
	page = d.get(loc, http.StatusOK)
	mustHave(t, page, "The draft is saved.", "Edit the draft", `name="draft" value="yes"`, `name="preheader" value="Not finished"`,
		`id="drafts"`, `href="/admin/compose?id=`+id+`">Half a thought</a>`, "Not scheduled; last saved 2 March 2026, 09:00 UTC")
	if strings.Contains(page, `id="archive" name="archive" value="yes" checked`) {
		t.Errorf("the draft's archive choice was not kept")
	}

	// Saved again; then scheduled from its form.
	form.Set("id", id)
	form.Set("draft", "yes")
	form.Set("subject", "A whole thought")
	d.post("/admin/compose", form, http.StatusSeeOther)
	if l, _ := a.Store.Letter(t.Context(), id); l.Subject != "A whole thought" || l.Status != newsletter.LetterDrafted {
		t.Errorf("saved again: %+v", l)
	}
	form.Set("action", "schedule")
	form.Set("send_at", "2026-03-04T10:00")
	form.Set("confirmed", "yes")
	_, res = d.post("/admin/compose", form, http.StatusSeeOther)
	if got := res.Header.Get("Location"); got != "/admin/letters/"+id+"?done=scheduled" {
		t.Errorf("schedule the draft → %q", got)
	}
	if l, _ := a.Store.Letter(t.Context(), id); l.Status != newsletter.LetterScheduled || !l.SendAt.Equal(time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("scheduled draft %+v", l)
	}
	if strings.Contains(d.get("/admin/compose", http.StatusOK), `id="drafts"`) {
		t.Errorf("the scheduled letter is still among the drafts")
	}

	// Another draft, deleted.
	form = url.Values{"subject": {"Never mind"}, "markdown": {"x"}, "action": {"draft"}}
	_, res = d.post("/admin/compose", form, http.StatusSeeOther)
	other := strings.TrimPrefix(res.Header.Get("Location"), "/admin/compose?done=draft&id=")
	_, res = d.post("/admin/letters/"+other+"/cancel", url.Values{}, http.StatusSeeOther)
	if got := res.Header.Get("Location"); got != "/admin/compose?done=draft-deleted" {
		t.Errorf("delete → %q", got)
	}
	if _, err := a.Store.Letter(t.Context(), other); err == nil {
		t.Errorf("the deleted draft is still there")
	}
	mustHave(t, d.get("/admin/compose?done=draft-deleted", http.StatusOK), "The draft is deleted.")
}
