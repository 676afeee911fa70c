package worker_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
)

// TestPauseSequence pauses one sequence through the admin API: its step
// that comes due does not go out while paused (another sequence's does),
// nor after two more steps' worth of waiting; on resume it goes out once,
// not a burst of the steps missed, and the step after it keeps its day of
// spacing from that send.
func TestPauseSequence(t *testing.T) {
	day := 24 * time.Hour
	set := writeSet(t, t.TempDir(), map[string]map[string]string{
		"tips": {
			"01-welcome.md": step("Tips 1", "0s"),
			"02-second.md":  step("Tips 2", "1d"),
			"03-third.md":   step("Tips 3", "1d"),
		},
		"other": {
			"01-hello.md": step("Other 1", "0s"),
			"02-next.md":  step("Other 2", "1d"),
		},
	})
	a := apptest.Start(t, apptest.Options{NoWorker: true, Sequences: set})
	start := a.Fake.Now()
	log := newLog(a)
	ada := signup(t, a, "ada@example.org", "tips", "UTC")
	bo := signup(t, a, "bo@example.org", "other", "UTC")
	log.drain(t) // the confirmation mails
	confirm(t, a, ada)
	confirm(t, a, bo)
	if got := subjects(log.drain(t)); len(got) != 2 {
		t.Fatalf("after confirming: %v, want the two first steps", got)
	}

	var state struct {
		ID, State, Since string
		Waiting          int
	}
	if code := admin(t, a, "POST", "/admin/api/sequences/tips/pause", &state); code != http.StatusOK || state.State != "paused" || state.ID != "tips" {
		t.Fatalf("pause: %d %+v", code, state)
	}
	if code := admin(t, a, "POST", "/admin/api/sequences/nope/pause", nil); code != http.StatusNotFound {
		t.Errorf("pausing an unknown sequence: %d, want 404", code)
	}
	if code := admin(t, a, "POST", "/admin/api/sequences/nope/resume", nil); code != http.StatusNotFound {
		t.Errorf("resuming an unknown sequence: %d, want 404", code)
	}

	// A day later both second steps are due; only the running sequence's
	// goes out.
	a.Fake.Set(start.Add(day + time.Hour))
	if got := subjects(log.drain(t)); len(got) != 1 || got[0] != "Other 2" {
		t.Fatalf("while tips is paused: %v, want only Other 2", got)
	}
	if _, ok := queued(t, a, dripJob(ada)); ok {
		t.Error("the paused step is still in the queue, claimed again at every poll")
	}
	if code := admin(t, a, "POST", "/admin/api/sequences/tips/pause", &state); code != http.StatusOK || state.Waiting != 1 {
		t.Errorf("a second pause: %d %+v, want still paused with one reader waiting", code, state)
	}
	// Two more days: steps 2 and 3 would both be due by now.
	log.runUntil(t, start.Add(3*day+time.Hour), time.Hour)
	if got := log.to("ada@example.org"); len(got) != 2 {
		t.Fatalf("ada got %v while paused", subjects(got))
	}

	resumedAt := a.Fake.Now()
	if code := admin(t, a, "POST", "/admin/api/sequences/tips/resume", &state); code != http.StatusOK || state.State != "running" {
		t.Fatalf("resume: %d %+v", code, state)
	}
	if got := subjects(log.drain(t)); len(got) != 1 || got[0] != "Tips 2" {
		t.Fatalf("on resume: %v, want Tips 2 once (no burst)", got)
	}
	if due, ok := queued(t, a, dripJob(ada)); !ok || !due.Equal(resumedAt.Add(day)) {
		t.Errorf("Tips 3 is due %v (queued %v), want a day after the resumed send, %v", due, ok, resumedAt.Add(day))
	}
	log.runUntil(t, resumedAt.Add(day-time.Minute), 10*time.Minute)
	if got := log.to("ada@example.org"); len(got) != 3 {
		t.Fatalf("before the day was up ada had %v", subjects(got))
	}
	log.runUntil(t, resumedAt.Add(day), time.Minute)
	got := log.to("ada@example.org")
	if len(got) != 4 || got[3].Subject != "Tips 3" || !got[3].At.Equal(resumedAt.Add(day)) {
		t.Fatalf("ada got %v; want Tips 3 exactly a day after the resume", got)
	}
	if code := admin(t, a, "POST", "/admin/api/sequences/tips/resume", &state); code != http.StatusOK || state.State != "running" {
		t.Errorf("resuming a running sequence: %d %+v", code, state)
	}
}
