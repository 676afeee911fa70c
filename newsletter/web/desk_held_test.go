package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter"
)

// TestAdminDeskHeldLetters: the desk shows a held letter with what
// happened in plain words and two buttons, Send it now and Cancel it,
// which work (with the CSRF token like every desk form).
func TestAdminDeskHeldLetters(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	ctx := context.Background()
	importCSV(t, a, "email,name,status\na@example.org,Ann,confirmed\nb@example.org,Bo,confirmed\nc@example.org,Cy,confirmed\n")
	a.Drain(t)
	start := a.Fake.Now() // 09:00 UTC
	stalls, err := a.Service.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "On stalling", Markdown: "Hello.", SendAt: start})
	if err != nil {
		t.Fatal(err)
	}
	patience, err := a.Service.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "On patience", Markdown: "Hello.", SendAt: start.Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	// c is deferred (4xx): "On stalling" reaches two of three and waits.
	a.SMTP.Reject("c@example.org", 451)
	a.Drain(t)
	a.Drain(t)
	a.SMTP.ClearRejects()
	// The worker is down until 11:01; the watchdog looks first.
	a.Fake.Set(start.Add(2*time.Hour + time.Minute))
	if held, err := a.Worker.CheckLetters(ctx); err != nil || len(held) != 2 {
		t.Fatalf("watchdog held %v (%v), want both letters", held, err)
	}
	a.Drain(t)
	if got := subjectsTo(a, "c@example.org", "On stalling"); got != 0 {
		t.Fatalf("c got the held letter %d times", got)
	}

	d := signIn(t, a)
	late := "This letter was due at 10:00 but the service could not start it within an hour (it was down, or sending was paused). Nothing went out. Send it now, or cancel it."
	stalled := "This letter was due at 09:00 and began going out, but then the service could not go on with it for an hour (it was down, or sending was paused). 2 of 3 went out. Send the rest now, or cancel it."
	for _, page := range []string{d.get("/admin", http.StatusOK), d.get("/admin/compose", http.StatusOK)} {
		mustHave(t, page, late, stalled, `<span class="badge held">held</span>`,
			`id="held-`+patience+`"`, `name="letter" value="`+patience+`"`, `name="action" value="release"`,
			`aria-describedby="held-`+patience+`">Send it now<span class="sr">: On patience</span>`,
			`action="/admin/letters/`+stalls+`/cancel"`, `Cancel it<span class="sr">: On stalling</span>`)
	}
	page := d.get("/admin", http.StatusOK)
	mustHave(t, page, "Waiting for you")
	// Each form carries the page's CSRF token; the buttons below post it.
	csrf := find(t, `name="csrf" value="([^"]+)"><input type="hidden" name="letter" value="`+patience+`"`, page)
	cancelCSRF := find(t, `action="/admin/letters/`+stalls+`/cancel" class="danger-zone"><input type="hidden" name="csrf" value="([^"]+)"`, page)

	// Without the CSRF token, nothing happens.
	res := must(a.Client.PostForm(a.URL+"/admin/compose", url.Values{"action": {"release"}, "letter": {patience}}))
	status(t, res, http.StatusForbidden)
	if l, _ := a.Store.Letter(ctx, patience); l.Status != newsletter.LetterHeld {
		t.Fatalf("a POST without CSRF changed the letter to %s", l.Status)
	}

	// Send it now: it goes out to all three, once.
	_, res = d.post("/admin/compose", url.Values{"csrf": {csrf}, "action": {"release"}, "letter": {patience}}, http.StatusSeeOther)
	if loc := res.Header.Get("Location"); loc != "/admin?done=sending" {
		t.Errorf("release → %q", loc)
	}
	a.Drain(t)
	a.Drain(t)
	for _, e := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		if n := subjectsTo(a, e, "On patience"); n != 1 {
			t.Errorf("%s got the released letter %d times", e, n)
		}
	}
	page, _ = d.post("/admin/compose", url.Values{"csrf": {csrf}, "action": {"release"}, "letter": {patience}}, http.StatusConflict)
	mustHave(t, page, "no longer held")

	// Cancel it: the parked send is dropped, and nothing more goes out.
	d.post("/admin/letters/"+stalls+"/cancel", url.Values{"csrf": {cancelCSRF}}, http.StatusSeeOther)
	if l, _ := a.Store.Letter(ctx, stalls); l.Status != newsletter.LetterCancelled {
		t.Errorf("after cancel: %s", l.Status)
	}
	a.Fake.Advance(3 * time.Hour)
	a.Drain(t)
	if n := subjectsTo(a, "c@example.org", "On stalling"); n != 0 {
		t.Errorf("c got the cancelled letter %d times", n)
	}
	page = d.get("/admin", http.StatusOK)
	if strings.Contains(page, "Waiting for you") {
		t.Error("the overview still shows held letters")
	}
}

// subjectsTo counts the mails to addr with subject.
func subjectsTo(a *apptest.App, addr, subject string) int {
	n := 0
	for _, m := range a.SMTP.To(addr) {
		if m.Subject() == subject {
			n++
		}
	}
	return n
}
