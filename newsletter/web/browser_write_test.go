package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/newsletter"
)

// TestBrowserWrite drives the writing and sending of a letter in a real
// headless Chromium, against the whole service with the worker running
// on a test clock (so that "in a minute" takes no minute; TestBrowserStop
// stops a letter that is sending):
//
//   - write a letter, the reader's name put in by its button; the desk
//     saves it as a draft while she types (desk.js);
//   - sign out and in again: the draft is there, word for word;
//   - schedule it for three minutes from now: the confirmation shows the
//     exact number of readers; confirmed, it has Undo, which takes it
//     back to a draft, and nothing is sent when its time comes;
//   - signed out while writing a new letter: the browser keeps the text
//     and offers it back once she has signed in again.
//
// With SCREENSHOT_DIR set, it saves laptop-sized screenshots of the
// overview, the editor and the send confirmation there (the README's).
func TestBrowserWrite(t *testing.T) {
	exe := chromium(t)
	began := time.Now()
	a := apptest.Start(t, apptest.Options{})
	importCSV(t, a, "email,name,status\nann@example.org,Ann,confirmed\nbo@example.org,,confirmed\ncy@example.org,Cy Young,confirmed\n")
	ctx := browser(t, exe)
	shots := os.Getenv("SCREENSHOT_DIR")
	shot := func(name string, height int64) {
		if shots == "" {
			return
		}
		run(t, ctx, "screen for "+name, chromedp.EmulateViewport(1280, height))
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`window.scrollTo(0, 0), true`)); err != nil {
			t.Fatal(err)
		}
		defer run(t, ctx, "laptop screen", chromedp.EmulateViewport(1280, 900))
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, name+".png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	signInTo := func() {
		run(t, ctx, "sign in",
			chromedp.Navigate(a.URL+"/admin"),
			chromedp.WaitVisible(chromedp.ID("token")),
			chromedp.SendKeys(chromedp.ID("token"), "admin-secret-for-the-tests"),
			chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button`)),
			chromedp.WaitVisible(chromedp.CSS("nav.desk")),
		)
	}
	signInTo()

	// Write; the name goes in by its button; the draft saves itself.
	const subject = "Roses in December"
	const body = "Dear {{ or .FirstName \"friend\" }},\n\nThe roses are out.\nWarmly,\nSatina"
	run(t, ctx, "write",
		chromedp.Navigate(a.URL+"/admin/compose"),
		chromedp.WaitVisible(chromedp.ID("insert-name")),
		chromedp.SendKeys(chromedp.ID("subject"), subject),
		chromedp.SendKeys(chromedp.ID("markdown"), "Dear "),
		chromedp.Click(chromedp.ID("insert-name")),
		chromedp.SendKeys(chromedp.ID("markdown"), ",\n\nThe roses are out.\nWarmly,\nSatina"),
	)
	waitFor(t, ctx, "#autosave-status", "Saved as a draft at 09:00")
	drafts, err := a.Store.ListLetters(t.Context(), newsletter.LetterDrafted, 0)
	if err != nil || len(drafts) != 1 || drafts[0].Subject != subject || drafts[0].Markdown != body {
		t.Fatalf("the autosaved draft: %+v %v", drafts, err)
	}
	id := drafts[0].ID

	// The preview, with and without a name, line breaks kept.
	run(t, ctx, "preview",
		chromedp.Click(chromedp.CSS(`button[value="preview"]`)),
		chromedp.WaitVisible(chromedp.CSS("iframe.mail")),
	)
	if got := previewText(t, ctx); !strings.Contains(got, "Dear Ada,") || !strings.Contains(got, "Warmly,\nSatina") {
		t.Errorf("the preview: %q", got)
	}
	run(t, ctx, "the preview without a name", chromedp.Click(chromedp.CSS("#preview-nameless summary")))
	shot("desk-editor", 1500)

	// Sign out and in again: the draft is there, word for word.
	run(t, ctx, "sign out",
		chromedp.Click(chromedp.CSS(`nav.desk form[action="/admin/logout"] button`)),
		chromedp.WaitVisible(chromedp.ID("token")),
	)
	signInTo()
	shot("desk-overview", 1100)
	run(t, ctx, "open the draft",
		chromedp.Navigate(a.URL+"/admin/compose"),
		chromedp.Click(chromedp.CSS(`#drafts a[href="/admin/compose?id=`+id+`"]`)),
		chromedp.WaitReady(chromedp.CSS(`input[name="id"][value="`+id+`"]`)),
	)
	if v := value(t, ctx, "#markdown"); v != body {
		t.Fatalf("after signing in again the letter reads %q", v)
	}

	// Schedule it three minutes ahead: the count is confirmed first.
	at := a.Clock.Now().Add(3 * time.Minute)
	run(t, ctx, "schedule",
		chromedp.SetValue(chromedp.ID("send_at"), at.Format("2006-01-02T15:04")),
		chromedp.Click(chromedp.CSS(`button[value="schedule"]`)),
		chromedp.WaitVisible(chromedp.ID("confirm-send")),
	)
	if got := text(t, ctx, "#confirm-count"); got != "It goes to 3 readers on Monday 2 March 2026 at 09:03 UTC." {
		t.Errorf("the confirmation says %q", got)
	}
	if l, _ := a.Store.Letter(t.Context(), id); l.Status != newsletter.LetterDrafted {
		t.Fatalf("before confirming, the letter is %s", l.Status)
	}
	shot("desk-confirm", 560)
	run(t, ctx, "confirm", chromedp.Click(chromedp.ID("confirm-send")), chromedp.WaitVisible(chromedp.ID("undo")))
	if l, _ := a.Store.Letter(t.Context(), id); l.Status != newsletter.LetterScheduled || !l.SendAt.Equal(at.Truncate(time.Minute)) {
		t.Fatalf("confirmed: %+v", l)
	}
	run(t, ctx, "undo", chromedp.Click(chromedp.ID("undo")), chromedp.WaitVisible(chromedp.ID("markdown")))
	if got := text(t, ctx, ".notice"); !strings.HasPrefix(got, "Undone: the letter will not go out") {
		t.Errorf("after Undo: %q", got)
	}
	if v := value(t, ctx, "#markdown"); v != body {
		t.Errorf("after Undo the draft reads %q", v)
	}
	a.Fake.Advance(10 * time.Minute)
	time.Sleep(300 * time.Millisecond) // the worker polls every 20 ms
	if l, _ := a.Store.Letter(t.Context(), id); l.Status != newsletter.LetterCancelled || len(a.SMTP.Messages()) != 0 {
		t.Fatalf("after Undo and its time: %s, %d mails", l.Status, len(a.SMTP.Messages()))
	}

	// Signed out (in another tab) while writing a new letter: the desk
	// says so, and the browser keeps the text until she is back.
	run(t, ctx, "a new letter", chromedp.Navigate(a.URL+"/admin/compose"), chromedp.WaitVisible(chromedp.ID("subject")))
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`fetch("/admin/logout", {method: "POST", redirect: "manual",
		body: new URLSearchParams({csrf: document.querySelector("input[name=csrf]").value})}).then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, "write, signed out",
		chromedp.SendKeys(chromedp.ID("subject"), "Kept"),
		chromedp.SendKeys(chromedp.ID("markdown"), "Not lost.\nReally."),
	)
	waitFor(t, ctx, "#autosave-status", "You were signed out. Your text is kept in this browser: sign in again")
	signInTo()
	run(t, ctx, "back to Write",
		chromedp.Navigate(a.URL+"/admin/compose"),
		chromedp.WaitVisible(chromedp.ID("autosave-use")),
		chromedp.Click(chromedp.ID("autosave-use")),
	)
	if v := value(t, ctx, "#markdown"); v != "Not lost.\nReally." || value(t, ctx, "#subject") != "Kept" {
		t.Errorf("the kept text came back as %q", v)
	}
	waitFor(t, ctx, "#autosave-status", "Saved as a draft")
	t.Logf("browser write test: %v", time.Since(began).Round(time.Millisecond))
}

// TestBrowserStop: a letter sent now while the mail server answers 4xx
// (so that sending slows down) is stopped from its page, whose counts
// follow the sending; nothing more of it goes out. Another letter's page
// follows it live until it is sent.
func TestBrowserStop(t *testing.T) {
	exe := chromium(t)
	began := time.Now()
	a := apptest.Start(t, apptest.Options{})
	importCSV(t, a, "email,name,status\nann@example.org,Ann,confirmed\nbo@example.org,,confirmed\ncy@example.org,Cy Young,confirmed\n")
	ctx := browser(t, exe)
	run(t, ctx, "sign in",
		chromedp.Navigate(a.URL+"/admin"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), "admin-secret-for-the-tests"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS("nav.desk")),
	)
	a.SMTP.RejectEveryRcpt(smtptest.Reply{Code: 451, Text: "4.7.1 Try again later"})
	stopped := sendFromDesk(t, ctx, a, "Right away")
	run(t, ctx, "the sending letter",
		chromedp.Reload(),
		chromedp.WaitVisible(chromedp.ID("stop")),
	)
	waitFor(t, ctx, "#progress", "0 sent, 3 to go (of 3).")
	run(t, ctx, "stop", chromedp.Click(chromedp.ID("stop")), chromedp.WaitVisible(chromedp.CSS(".notice")))
	if got := text(t, ctx, "#letter-status"); !strings.EqualFold(got, "cancelled") {
		t.Errorf("after Stop the page says %q", got)
	}

	// Another, followed live: the page moves on by itself once it is sent.
	followed := sendFromDesk(t, ctx, a, "Followed")
	run(t, ctx, "the sending letter", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("progress")))
	a.SMTP.ClearRejects()
	// Past the slow-down (a minute) and the retry (seconds), but less
	// than a claim's lease (two minutes): a jump past the lease would
	// look like a dead worker, whose claimed send another one takes.
	a.Fake.Advance(90 * time.Second)
	waitFor(t, ctx, "#letter-status", "sent")
	if got := text(t, ctx, "#count-sent"); got != "3" {
		t.Errorf("the followed letter's page shows %s sent", got)
	}
	time.Sleep(300 * time.Millisecond)
	if l, _ := a.Store.Letter(t.Context(), stopped); l.Status != newsletter.LetterCancelled || l.Sent != 0 {
		t.Errorf("the stopped letter: %s, %d sent", l.Status, l.Sent)
	}
	if l, _ := a.Store.Letter(t.Context(), followed); l.Sent != 3 {
		t.Errorf("the followed letter: %d sent", l.Sent)
	}
	if msgs := a.SMTP.Messages(); len(msgs) != 3 {
		for _, m := range msgs {
			t.Logf("mail to %s: %s", m.To, m.Subject())
		}
		t.Errorf("%d mails in all, want the followed letter's 3", len(msgs))
	}
	t.Logf("browser stop test: %v", time.Since(began).Round(time.Millisecond))
}

// sendFromDesk writes a short letter, presses Send now and confirms; the
// test clock then moves past its minute. It returns the letter's id once
// the worker is sending it.
func sendFromDesk(t *testing.T, ctx context.Context, a *apptest.App, subject string) string {
	t.Helper()
	run(t, ctx, "send now",
		chromedp.Navigate(a.URL+"/admin/compose"),
		chromedp.WaitVisible(chromedp.ID("subject")),
		chromedp.SetValue(chromedp.ID("subject"), subject),
		chromedp.SetValue(chromedp.ID("markdown"), "Hello."),
		chromedp.Click(chromedp.CSS(`button[value="send"]`)),
		chromedp.WaitVisible(chromedp.ID("confirm-send")),
		chromedp.Click(chromedp.ID("confirm-send")),
		chromedp.WaitVisible(chromedp.ID("undo")),
	)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	id := strings.TrimSuffix(loc[strings.LastIndex(loc, "/")+1:], "?done=scheduled")
	a.Fake.Advance(time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for {
		l, err := a.Store.Letter(t.Context(), id)
		if err != nil {
			t.Fatalf("letter %s: %v", id, err)
		}
		if l.Status == newsletter.LetterSending && l.Recipients == 3 {
			return id
		}
		if time.Now().After(deadline) {
			t.Fatalf("the letter did not start sending: %+v", l)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitFor waits until the text of css holds want.
func waitFor(t *testing.T, ctx context.Context, css, want string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(`+"`"+css+"`"+`)||{}).innerText||""`))
		// Badges are upper case on the screen: compare as letters.
		if err == nil && strings.Contains(strings.ToLower(got), strings.ToLower(want)) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s reads %q, want %q (%v)", css, got, want, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
