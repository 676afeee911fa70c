package worker_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter/service"
)

// TestChangedWaitReplans changes a step's wait from the desk while a
// reader's job for it is already planned: within a few seconds (the
// follower's tick, in real time) the job moves to the new time, and the
// new subject goes out then.
func TestChangedWaitReplans(t *testing.T) {
	day := 24 * time.Hour
	set := writeSet(t, t.TempDir(), map[string]map[string]string{"tips": {
		"01-welcome.md": step("Tips 1", "0s"),
		"02-second.md":  step("Tips 2", "1w"),
	}})
	a := apptest.Start(t, apptest.Options{NoWorker: true, Sequences: set})
	// What a worker process does at start: note the sequences as planned.
	if err := a.Worker.Reconcile(context.Background()); err != nil {
		t.Fatal(err)
	}
	start := a.Fake.Now()
	log := newLog(a)
	ada := signup(t, a, "ada@example.org", "tips", "UTC")
	log.drain(t)
	confirm(t, a, ada)
	if got := subjects(log.drain(t)); len(got) != 1 || got[0] != "Tips 1" {
		t.Fatalf("after confirming: %v", got)
	}
	if due, ok := queued(t, a, dripJob(ada)); !ok || !due.Equal(start.Add(7*day)) {
		t.Fatalf("step 2 planned for %v (%v), want a week on", due, ok)
	}

	if code, body := a.Admin(t, "PUT", "/admin/api/sequences/tips/steps/02-second.md",
		`{"subject":"Tips 2, sooner","markdown":"Sooner, {{ .FirstName }}.","after":"1d"}`); code != http.StatusOK {
		t.Fatalf("PUT: %d %s", code, body)
	}

	waitDue(t, a, ada, start.Add(day), 4*service.FollowEvery)
	a.Fake.Set(start.Add(day))
	if got := subjects(log.drain(t)); len(got) != 1 || got[0] != "Tips 2, sooner" {
		t.Errorf("a day on: %v, want the changed step", got)
	}
}

// waitDue waits, in real time, until the drip job of subscriber id is
// due at want.
func waitDue(t *testing.T, a *apptest.App, id string, want time.Time, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		due, _ := queued(t, a, dripJob(id))
		if due.Equal(want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the next step is planned for %v, want %v", due, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
