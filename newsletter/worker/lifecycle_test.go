package worker_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter/worker"
)

const day = 24 * time.Hour

func fourSteps() map[string]string {
	return map[string]string{
		"01-welcome.md": step("Step 1", "0s"),
		"02-second.md":  step("Step 2", "1d"),
		"03-third.md":   step("Step 3", "1d"),
		"04-fourth.md":  step("Step 4", "1d"),
	}
}

// TestUnsubscribeMidSequence: a reader who leaves through the one-click
// List-Unsubscribe link after step 2 gets nothing more and has no queued
// drip job; one who leaves while a step is already due (not yet sent) does
// not get it; a reader who stays gets every step.
func TestUnsubscribeMidSequence(t *testing.T) {
	set := writeSet(t, t.TempDir(), map[string]map[string]string{"four": fourSteps()})
	a := apptest.Start(t, apptest.Options{NoWorker: true, Sequences: set})
	log := newLog(a)
	leaver := signup(t, a, "leaver@example.org", "four", "")
	late := signup(t, a, "late@example.org", "four", "")
	stayer := signup(t, a, "stayer@example.org", "four", "")
	log.drain(t)
	for _, id := range []string{leaver, late, stayer} {
		confirm(t, a, id)
	}
	log.drain(t)
	log.runUntil(t, a.Fake.Now().Add(day), time.Hour)
	if got := subjects(log.to("leaver@example.org")); len(got) != 3 || got[2] != "Step 2" {
		t.Fatalf("before leaving: %q", got)
	}

	// One-click unsubscribe, as a mail client does it (RFC 8058).
	msgs := a.SMTP.To("leaver@example.org")
	lu := msgs[len(msgs)-1].Header().Get("List-Unsubscribe")
	link := strings.TrimSuffix(strings.TrimPrefix(lu, "<"), ">")
	if !strings.HasPrefix(link, a.URL+"/unsubscribe/") {
		t.Fatalf("List-Unsubscribe = %q", lu)
	}
	res, err := a.Client.Post(link, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("one-click unsubscribe: status %d", res.StatusCode)
	}
	if sub := a.Subscriber(t, "leaver@example.org"); sub.Status != "unsubscribed" || sub.Step != 2 {
		t.Errorf("after unsubscribing: status %s, step %d", sub.Status, sub.Step)
	}
	if due, ok := queued(t, a, dripJob(leaver)); ok {
		t.Errorf("drip job still queued at %v after unsubscribing", due)
	}

	// Step 3 falls due; the second reader leaves before the worker gets to it.
	a.Fake.Advance(day)
	if err := a.Service.Unsubscribe(context.Background(), late); err != nil {
		t.Fatal(err)
	}
	log.drain(t)
	log.runUntil(t, a.Fake.Now().Add(3*7*day), time.Hour)

	if got := subjects(log.to("leaver@example.org")); len(got) != 3 {
		t.Errorf("leaver got %q, want nothing after Step 2", got)
	}
	if got := subjects(log.to("late@example.org")); len(got) != 3 {
		t.Errorf("late leaver got %q, want nothing after Step 2", got)
	}
	if got := subjects(log.to("stayer@example.org")); strings.Join(got, "|") != confirmSubject+"|Step 1|Step 2|Step 3|Step 4" {
		t.Errorf("stayer got %q", got)
	}
	for _, id := range []string{leaver, late} {
		if _, ok := queued(t, a, dripJob(id)); ok {
			t.Errorf("a drip job came back for %s", id)
		}
	}
	if subs := adminSubscribers(t, a, "unsubscribed"); len(subs) != 2 || subs["leaver@example.org"].Step != 2 {
		t.Errorf("admin API unsubscribed = %+v", subs)
	}
}

// TestSequenceEditedMidFlight edits a sequence while three readers are at
// different places in it: a step is appended (the reader who had finished
// gets it), a step is removed (the reader due for it gets the next one
// instead) and `after` changes (it applies to steps not yet sent, and a
// sent step is never sent again). The edit reaches them through a new
// worker's Reconcile, as at a restart.
func TestSequenceEditedMidFlight(t *testing.T) {
	dir := t.TempDir()
	set := writeSet(t, dir, map[string]map[string]string{"edit": fourSteps()})
	a := apptest.Start(t, apptest.Options{NoWorker: true, Sequences: set})
	ctx := context.Background()
	// The first start records the sequence's fingerprint.
	if err := a.Worker.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	start := a.Fake.Now()
	h := func(n int) time.Time { return start.Add(time.Duration(n) * time.Hour) }
	log := newLog(a)

	// A joins at 0h and finishes at 72h; B joins at 48h (step 2 at 72h,
	// step 3 due at 96h); C joins at 72h (step 2 due at 96h).
	aID := signup(t, a, "a@example.org", "edit", "")
	log.drain(t)
	confirm(t, a, aID)
	log.drain(t)
	log.runUntil(t, h(48), time.Hour)
	bID := signup(t, a, "b@example.org", "edit", "")
	log.drain(t)
	confirm(t, a, bID)
	log.drain(t)
	log.runUntil(t, h(72), time.Hour)
	cID := signup(t, a, "c@example.org", "edit", "")
	log.drain(t)
	confirm(t, a, cID)
	log.drain(t)
	if got := subjects(log.to("a@example.org")); len(got) != 5 {
		t.Fatalf("A before the edit: %q", got)
	}
	if _, ok := queued(t, a, dripJob(aID)); ok {
		t.Fatalf("A finished but has a drip job")
	}

	// The edit: 02's after 1d -> 3d, 03 removed, 05 appended after 12h.
	dir2 := t.TempDir()
	set2 := writeSet(t, dir2, map[string]map[string]string{"edit": {
		"01-welcome.md": step("Step 1", "0s"),
		"02-second.md":  step("Step 2", "3d"),
		"04-fourth.md":  step("Step 4", "1d"),
		"05-fifth.md":   step("Step 5", "12h"),
	}})
	w2 := &worker.Worker{Store: a.Store, Transport: a.Worker.Transport, Composer: a.Worker.Composer,
		Sequences: set2, DefaultTZ: time.UTC, Clock: a.Fake, Log: a.Worker.Log}
	if err := w2.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if due, ok := queued(t, a, dripJob(aID)); !ok || !due.Equal(h(84)) {
		t.Errorf("after Reconcile A's next step is due %v (queued %v), want %v", due, ok, h(84))
	}
	log.w = w2
	log.runUntil(t, h(14*24), time.Hour)

	want := map[string][]sent{
		"a@example.org": {{Subject: "Step 1", At: h(0)}, {Subject: "Step 2", At: h(24)}, {Subject: "Step 3", At: h(48)},
			{Subject: "Step 4", At: h(72)}, {Subject: "Step 5", At: h(84)}},
		"b@example.org": {{Subject: "Step 1", At: h(48)}, {Subject: "Step 2", At: h(72)}, {Subject: "Step 4", At: h(96)},
			{Subject: "Step 5", At: h(108)}},
		"c@example.org": {{Subject: "Step 1", At: h(72)}, {Subject: "Step 2", At: h(144)}, {Subject: "Step 4", At: h(168)},
			{Subject: "Step 5", At: h(180)}},
	}
	for email, steps := range want {
		got := log.to(email)
		if len(got) == 0 || got[0].Subject != confirmSubject {
			t.Errorf("%s: no confirmation first: %q", email, subjects(got))
			continue
		}
		got = got[1:]
		if len(got) != len(steps) {
			t.Errorf("%s got %q, want %d steps", email, subjects(got), len(steps))
			continue
		}
		for i, s := range steps {
			if got[i].Subject != s.Subject || !got[i].At.Equal(s.At) {
				t.Errorf("%s: mail %d is %q at +%v, want %q at +%v", email, i+1, got[i].Subject, got[i].At.Sub(start),
					s.Subject, s.At.Sub(start))
			}
		}
		if sub := a.Subscriber(t, email); sub.Step != len(steps) || sub.LastStep != "05-fifth.md" {
			t.Errorf("%s: step counter %d, last %q; want %d, 05-fifth.md", email, sub.Step, sub.LastStep, len(steps))
		}
	}

	// Reconciling again with nothing changed moves nobody.
	before := len(log.mails)
	if err := w2.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	log.runUntil(t, h(21*24), time.Hour)
	if len(log.mails) != before {
		t.Errorf("a second Reconcile sent %q", subjects(log.mails[before:]))
	}
}
