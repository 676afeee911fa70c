package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/newsletter"
)

// sendNow sends a letter with the desk's Send now, confirmed, and returns
// its id.
func sendNow(t *testing.T, d *desk, subject string) string {
	t.Helper()
	page, _ := d.post("/admin/compose", url.Values{"subject": {subject}, "markdown": {roses}, "archive": {"yes"}, "action": {"send"}}, http.StatusOK)
	confirm := formOf(t, page, "/admin/compose")
	confirm.Set("action", "send") // the button she presses
	_, res := d.post("/admin/compose", confirm, http.StatusSeeOther)
	loc := res.Header.Get("Location")
	id := strings.TrimSuffix(strings.TrimPrefix(loc, "/admin/letters/"), "?done=scheduled")
	if id == loc {
		t.Fatalf("send now → %q", loc)
	}
	return id
}

// TestDeskUndo: Undo takes a letter due within five minutes back to a
// draft, and nothing of it is sent when its time comes; a letter that has
// gone out cannot be undone.
func TestDeskUndo(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	importCSV(t, a, "email,name,status\nann@example.org,Ann,confirmed\nbo@example.org,,confirmed\n")
	d := signIn(t, a)
	id := sendNow(t, d, "Taken back")
	_, res := d.post("/admin/letters/"+id+"/undo", url.Values{}, http.StatusSeeOther)
	loc := res.Header.Get("Location")
	draft := strings.TrimPrefix(loc, "/admin/compose?done=undone&id=")
	if draft == loc {
		t.Fatalf("undo → %q", loc)
	}
	mustHave(t, d.get(loc, http.StatusOK), "Undone: the letter will not go out, and nothing of it was sent.", "Edit the draft", "Warmly,\nSatina</textarea>")
	if l, _ := a.Store.Letter(t.Context(), draft); l == nil || l.Status != newsletter.LetterDrafted || l.Markdown != roses || l.Subject != "Taken back" {
		t.Fatalf("the draft: %+v", l)
	}
	a.Fake.Advance(10 * time.Minute)
	a.Drain(t)
	if n := len(a.SMTP.Messages()); n != 0 {
		t.Fatalf("%d mails went out after Undo", n)
	}
	if l, _ := a.Store.Letter(t.Context(), id); l.Status != newsletter.LetterCancelled {
		t.Errorf("the letter taken back is %s", l.Status)
	}
	// Sent: too late.
	id = sendNow(t, d, "Gone")
	a.Fake.Advance(2 * time.Minute)
	a.Drain(t)
	page, _ := d.post("/admin/letters/"+id+"/undo", url.Values{}, http.StatusConflict)
	mustHave(t, page, "It is too late to undo: the letter is sent.")
	// The sent letter opens read-only, with its counts.
	page = d.get("/admin/letters/"+id, http.StatusOK)
	mustHave(t, page, `<b id="count-sent">2</b>`, `<b id="count-failed">0</b>`, "readers it goes to", "Public: on your site's letters page and feed, where anyone can read it.",
		"Dear Ada,", "What you wrote (Markdown)")
	for _, no := range []string{`id="undo"`, `id="stop"`, "Edit the letter"} {
		if strings.Contains(page, no) {
			t.Errorf("a sent letter offers %s", no)
		}
	}
	if body := d.get("/admin/letters/"+id+"/progress", http.StatusOK); !strings.Contains(body, `"status":"sent","recipients":2,"sent":2,"failed":0,"skipped":0,"remaining":0`) {
		t.Errorf("progress %s", body)
	}
	d.get("/admin/letters/nope", http.StatusNotFound)
}

// TestDeskUndoRacesTheWorker: Undo pressed as the letter comes due, with
// the worker running. Whatever wins, the page tells the truth: "undone"
// means no mail of it went out; "too late" means it was sending or sent.
func TestDeskUndoRacesTheWorker(t *testing.T) {
	a := apptest.Start(t, apptest.Options{})
	importCSV(t, a, "email,name,status\nann@example.org,Ann,confirmed\nbo@example.org,Bo,confirmed\ncy@example.org,Cy,confirmed\n")
	d := signIn(t, a)
	outcomes := map[string]int{}
	for i := range 12 {
		subject := fmt.Sprintf("Race %d", i)
		id := sendNow(t, d, subject)
		var wg sync.WaitGroup
		start := make(chan struct{})
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			if i%3 != 0 { // a third of the time, Undo starts first
				a.Fake.Advance(time.Minute)
			}
		}()
		form := url.Values{"csrf": {d.csrf}}
		close(start)
		if i%3 == 0 {
			time.Sleep(time.Duration(i) * time.Millisecond)
			a.Fake.Advance(time.Minute)
		}
		res := must(a.Client.PostForm(a.URL+"/admin/letters/"+id+"/undo", form))
		res.Body.Close()
		wg.Wait()
		outcome := "too late"
		if res.StatusCode == http.StatusSeeOther {
			outcome = strings.SplitN(strings.TrimPrefix(res.Header.Get("Location"), "/admin/compose?done="), "&", 2)[0]
		} else if res.StatusCode != http.StatusConflict {
			t.Fatalf("undo %d: status %d", i, res.StatusCode)
		}
		outcomes[outcome]++
		// Let the worker settle what it claimed.
		var l *newsletter.Letter
		deadline := time.Now().Add(5 * time.Second)
		for {
			l, _ = a.Store.Letter(t.Context(), id)
			if l.Status == newsletter.LetterCancelled || l.Status == newsletter.LetterSent {
				if l.Recipients < 0 || l.Sent+l.Failed+l.Skipped >= l.Recipients || l.Status == newsletter.LetterCancelled {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("letter %d never settled: %+v", i, l)
			}
			time.Sleep(20 * time.Millisecond)
		}
		time.Sleep(100 * time.Millisecond) // mails in flight reach the server
		got := 0
		for _, to := range []string{"ann@example.org", "bo@example.org", "cy@example.org"} {
			got += subjectsTo(a, to, subject)
		}
		switch outcome {
		case "undone":
			if got != 0 || l.Status != newsletter.LetterCancelled {
				t.Errorf("race %d: the desk said undone, but %d mails went out (letter %s)", i, got, l.Status)
			}
		case "undone-late":
			if l.Status != newsletter.LetterCancelled || got > 3 {
				t.Errorf("race %d: stopped late, %d mails, letter %s", i, got, l.Status)
			}
		default:
			if l.Status != newsletter.LetterSent && l.Status != newsletter.LetterSending {
				t.Errorf("race %d: too late, but the letter is %s", i, l.Status)
			}
		}
	}
	t.Logf("outcomes: %v", outcomes)
	if outcomes["undone"] == 0 {
		t.Errorf("Undo never won a race: %v", outcomes)
	}
}

// TestDeskStop: a letter sending slowly (the mail server answers 4xx, so
// sending slows down) is stopped from its page: nothing more goes out.
func TestDeskStop(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	importCSV(t, a, "email,name,status\nann@example.org,Ann,confirmed\nbo@example.org,Bo,confirmed\ncy@example.org,Cy,confirmed\n")
	a.SMTP.RejectEveryRcpt(smtptest.Reply{Code: 451, Text: "4.7.1 Try again later"})
	d := signIn(t, a)
	id := sendNow(t, d, "Stopped")
	a.Fake.Advance(time.Minute)
	a.Drain(t)
	l, _ := a.Store.Letter(t.Context(), id)
	if l.Status != newsletter.LetterSending || l.Recipients != 3 || l.Sent != 0 {
		t.Fatalf("before Stop: %+v", l)
	}
	page := d.get("/admin/letters/"+id, http.StatusOK)
	mustHave(t, page, `data-progress="/admin/letters/`+id+`/progress"`, "0 sent, 3 to go (of 3).", `id="stop"`)
	if body := d.get("/admin/letters/"+id+"/progress", http.StatusOK); !strings.Contains(body, `"status":"sending","recipients":3,"sent":0,"failed":0,"skipped":0,"remaining":3,"words":"0 sent, 3 to go (of 3)."`) {
		t.Errorf("progress %s", body)
	}
	_, res := d.post("/admin/letters/"+id+"/stop", url.Values{}, http.StatusSeeOther)
	mustHave(t, d.get(res.Header.Get("Location"), http.StatusOK), "Sending is stopped", `class="badge cancelled"`)
	a.SMTP.ClearRejects()
	a.Fake.Advance(time.Hour)
	a.Drain(t)
	if n := len(a.SMTP.Messages()); n != 0 {
		t.Errorf("%d mails went out after Stop", n)
	}
	d.post("/admin/letters/"+id+"/stop", url.Values{}, http.StatusConflict)
}
