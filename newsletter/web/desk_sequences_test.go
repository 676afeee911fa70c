package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/newsletter/service"
)

// TestDeskSequenceControls drives a sequence from the desk through the
// listener: pause and resume, a step's preview for a given subscriber and
// without a name, a change refused with "line N: …", a change kept and
// marked, the export with it, back to the file, and a test to the author.
func TestDeskSequenceControls(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	importCSV(t, a, "email,name,status,sequence\nrae@example.org,Rae Reader,confirmed,guide\nnn@example.org,,confirmed,guide\n")
	d := signIn(t, a)
	step := "/admin/sequences/guide/steps/01-guide.md"

	// Pause and resume, with the CSRF token like every desk form.
	d.post("/admin/sequences/guide/pause", url.Values{"csrf": {strings.Repeat("0", 32)}}, http.StatusForbidden)
	d.post("/admin/sequences/guide/pause", url.Values{}, http.StatusSeeOther)
	page := d.get("/admin/sequences?done=seq-paused", http.StatusOK)
	mustHave(t, page, `<span class="badge paused">paused</span>`, "Resume this sequence", `action="/admin/sequences/guide/resume"`)
	if st, err := a.Service.SequenceState(context.Background(), "guide"); err != nil || !st.Paused {
		t.Fatalf("after Pause: %+v, %v", st, err)
	}
	d.post("/admin/sequences/guide/resume", url.Values{}, http.StatusSeeOther)
	if st, _ := a.Service.SequenceState(context.Background(), "guide"); st.Paused {
		t.Fatalf("still paused after Resume")
	}
	d.post("/admin/sequences/nope/pause", url.Values{}, http.StatusNotFound)

	// The preview for a subscriber greets them by name; without a name, not.
	page = d.get(step+"?for=rae@example.org", http.StatusOK)
	mustHave(t, page, "Rae, thank you for being here", "Rae Reader &lt;rae@example.org&gt;", `id="preview-nameless"`,
		"Thank you for being here", `value="rae@example.org"`)
	if strings.Contains(page, a.Links.Unsubscribe(a.Subscriber(t, "rae@example.org").ID)) {
		t.Errorf("a preview carries the subscriber's real unsubscribe link")
	}
	mustHave(t, d.get(step+"?for=nobody@example.org", http.StatusOK), "There is no subscriber with the address nobody@example.org")

	// A change that does not check: 422, the text kept, "line N: …".
	bad := url.Values{"action": {"save"}, "subject": {"Welcome, {{ .FirstName }}"}, "after": {"0s"},
		"markdown": {"Dear {{ or .FirstName \"friend\" }},\r\n\r\nHere it is: {{ .DownloadURL }\r\n"}}
	page, _ = d.post(step, bad, http.StatusUnprocessableEntity)
	mustHave(t, page, `id="markdown-error">line 3:`, "Here it is: {{ .DownloadURL }", "autofocus")
	bad.Set("after", "soon")
	bad.Set("markdown", "Hello.")
	page, _ = d.post(step, bad, http.StatusUnprocessableEntity)
	mustHave(t, page, `id="after-error"`)
	if _, changed := a.Service.Sequences.Override("guide", "01-guide.md"); changed {
		t.Fatalf("a refused change was kept")
	}

	// A change that checks is kept, marked and exported.
	good := url.Values{"action": {"save"}, "subject": {"Welcome, {{ or .FirstName \"friend\" }}"}, "after": {"0s"},
		"markdown": {"Dear {{ or .FirstName \"friend\" }},\r\n\r\nHere is [the guide]({{ .DownloadURL }}).\r\nWarmly,\r\nSatina\r\n"}}
	_, res := d.post(step, good, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != step+"?done=step-saved" {
		t.Errorf("after saving → %q", loc)
	}
	page = d.get(step+"?done=step-saved", http.StatusOK)
	mustHave(t, page, `id="changed-note"`, "Dear Ada,", "Welcome, Ada", "Dear friend,", "Back to the file")
	mustHave(t, d.get("/admin/sequences", http.StatusOK), `<span class="badge changed"`)
	files := untarGz(t, []byte(d.get("/admin/sequences/guide/export.tar.gz", http.StatusOK)))
	if f := files["guide/01-guide.md"]; !strings.Contains(f, "Here is [the guide]({{ .DownloadURL }}).\nWarmly,") || strings.Contains(f, "\r") {
		t.Errorf("the export's step: %q", f)
	}

	// A test goes to the author's own address (MAIL_FROM's here), as the
	// reader of the preview gets it.
	page, _ = d.post(step, url.Values{"action": {"test"}, "for": {"rae@example.org"}}, http.StatusOK)
	mustHave(t, page, "A test went to letters@example.org, addressed to Rae Reader")
	got := a.SMTP.Wait(t, 1, 2*time.Second)
	if got[0].Subject() != "Welcome, Rae" || !strings.Contains(got[0].To, "letters@example.org") {
		t.Errorf("test mail: subject %q to %q", got[0].Subject(), got[0].To)
	}

	// Back to the file.
	d.post(step, url.Values{"action": {"revert"}}, http.StatusSeeOther)
	if _, changed := a.Service.Sequences.Override("guide", "01-guide.md"); changed {
		t.Errorf("still changed after Back to the file")
	}
	d.post(step, url.Values{"action": {"nonsense"}}, http.StatusBadRequest)
	d.post("/admin/sequences/guide/steps/99.md", url.Values{"action": {"save"}}, http.StatusNotFound)
}

// TestDeskSubscriberHistory: a subscriber's page lists what they got and
// when, in AUTHOR_TZ, and leads to their next letter's preview.
func TestDeskSubscriberHistory(t *testing.T) {
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	a := apptest.Start(t, apptest.Options{NoWorker: true, Configure: func(c *config.Config) { c.AuthorTZ = tokyo }})
	importCSV(t, a, "email,name,status,sequence\nrae@example.org,Rae,confirmed,guide\n")
	a.Drain(t) // step 1 at 09:00 UTC, 18:00 in Tokyo
	d := signIn(t, a)
	mustHave(t, d.get("/admin/subscribers", http.StatusOK), `href="/admin/subscribers/rae@example.org"`)
	page := d.get("/admin/subscribers/rae@example.org", http.StatusOK)
	mustHave(t, page, "Sequence letter", "Your preparation and integration guide", "2 March 2026, 18:00 JST",
		"guide: 1 letter sent", `href="/admin/sequences/guide/steps/02-preparing.md?for=rae%40example.org"`)
	d.get("/admin/subscribers/nobody@example.org", http.StatusNotFound)
}

// TestStatsFunnel: the funnel counts signups, confirmations by the link,
// distinct guide readers, each step and who is still subscribed; a signup
// of an address already there is no new signup, a second download no new
// reader.
func TestStatsFunnel(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	for _, e := range []string{"ada@example.org", "bo@example.org", "cy@example.org", "ada@example.org"} {
		res := must(a.Client.PostForm(a.URL+"/subscribe", url.Values{"email": {e}, "consent": {"on"}}))
		status(t, res, http.StatusSeeOther)
	}
	a.Drain(t)
	for _, e := range []string{"ada@example.org", "bo@example.org"} {
		id := a.Subscriber(t, e).ID
		status(t, must(a.Client.Post(a.Links.Confirm(id), "application/x-www-form-urlencoded", nil)), http.StatusOK)
		status(t, must(a.Client.Post(a.Links.Confirm(id), "application/x-www-form-urlencoded", nil)), http.StatusOK) // idempotent
	}
	a.Drain(t)
	ada := a.Subscriber(t, "ada@example.org").ID
	for range 3 {
		status(t, must(a.Client.Get(a.Links.Download(ada))), http.StatusOK)
	}
	status(t, must(a.Client.Post(a.Links.Unsubscribe(a.Subscriber(t, "bo@example.org").ID), "application/x-www-form-urlencoded", nil)), http.StatusOK)
	a.Fake.Advance(service.StatsLag + time.Second)

	got := decode[service.Stats](t, status(t, api(t, a, "GET", "/admin/api/stats", "", ""), http.StatusOK))
	f := got.Funnel
	if f == nil || f.SignedUp != 3 || f.Confirmed != 2 || f.Downloaded != 1 || f.StillSubscribed != 1 || len(f.Steps) != 8 || f.Steps[0].Reached != 2 || f.Steps[1].Reached != 0 {
		t.Fatalf("funnel = %+v; want 3 signed up, 2 confirmed, 1 reader of the guide, 2 at step 1, 1 still subscribed", f)
	}
	if got.Downloads != 3 {
		t.Errorf("downloads = %d, want every one of 3", got.Downloads)
	}

	d := signIn(t, a)
	page := d.get("/admin", http.StatusOK)
	mustHave(t, page, `role="img"`, "<title id=\"chart-title\">Sign-ups per day", "<title>2 March 2026: 3</title>",
		`<th scope="row">2 March 2026</th><td>3</td>`, `id="funnel"`, `<th scope="row">Signed up</th><td>3</td>`,
		`<th scope="row">Confirmed their address</th><td>2</td>`, "67%", `<th scope="row">Downloaded the guide</th><td>1</td>`,
		`<th scope="row">Still subscribed</th><td>1</td>`, `id="left-after"`, "<td>2</td><td>1 (50%)</td>")
}
