package worker_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/newsletter/worker"
)

// flakyReplan is the real store whose Replan fails while fail is set, as
// when Redis hiccups part way through a re-plan.
type flakyReplan struct {
	*redisstore.Store
	fail bool
}

var errHiccup = errors.New("redis hiccup")

func (f *flakyReplan) Replan(ctx context.Context, j newsletter.Job, due, now time.Time, lease time.Duration) (bool, error) {
	if f.fail {
		return false, errHiccup
	}
	return f.Store.Replan(ctx, j, due, now, lease)
}

// TestReconcileRetriesAfterAFailure: when re-planning an edited sequence
// fails, Reconcile says so and records nothing, and the next Reconcile
// plans the appended step for the reader who had finished.
func TestReconcileRetriesAfterAFailure(t *testing.T) {
	dir := t.TempDir()
	set := writeSet(t, dir, map[string]map[string]string{"edit": {"01-welcome.md": step("Step 1", "0s")}})
	a := apptest.Start(t, apptest.Options{NoWorker: true, Sequences: set})
	ctx := context.Background()
	if err := a.Worker.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	log := newLog(a)
	id := signup(t, a, "reader@example.org", "edit", "")
	log.drain(t)
	confirm(t, a, id)
	log.drain(t)
	if _, ok := queued(t, a, dripJob(id)); ok {
		t.Fatalf("the reader finished the one-step sequence but has a drip job")
	}

	set2 := writeSet(t, t.TempDir(), map[string]map[string]string{"edit": {
		"01-welcome.md": step("Step 1", "0s"),
		"02-more.md":    step("Step 2", "1d"),
	}})
	store := &flakyReplan{Store: a.Store, fail: true}
	w := &worker.Worker{Store: store, Transport: a.Worker.Transport, Composer: a.Worker.Composer,
		Sequences: set2, DefaultTZ: time.UTC, Clock: a.Fake, Log: a.Worker.Log}
	if err := w.Reconcile(ctx); !errors.Is(err, errHiccup) {
		t.Fatalf("Reconcile with a failing store = %v, want the failure", err)
	}
	if _, ok := queued(t, a, dripJob(id)); ok {
		t.Fatalf("a failed re-plan queued the step")
	}
	store.fail = false
	if err := w.Reconcile(ctx); err != nil {
		t.Fatal(err)
	}
	if due, ok := queued(t, a, dripJob(id)); !ok || !due.Equal(a.Fake.Now().Add(24*time.Hour)) {
		t.Errorf("after the retried Reconcile the appended step is queued %v at %v, want at +1d", ok, due)
	}
}
