package redisstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// statsLetterSent records letter as sent to subscriber id at at, as the
// worker's record would.
func (f *fixture) statsLetterSent(t *testing.T, letter, id string, at time.Time) {
	t.Helper()
	err := f.s.Record(context.Background(), newsletter.Outcome{
		Job:       newsletter.Job{Kind: newsletter.JobLetterSend, Letter: letter, Subscriber: id},
		LedgerKey: newsletter.LetterLedgerKey(letter),
		Send:      &newsletter.Send{Kind: "letter", Subject: "A letter", SentAt: at},
		Counter:   "sent",
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCountersAndTally(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	day := 24 * time.Hour
	a, b, c := f.confirmed(t, "a@example.org"), f.confirmed(t, "b@example.org"), f.confirmed(t, "c@example.org")
	f.create(t, pending("d@example.org", t0), time.Time{})

	// Step 1 goes to all three; the stats count it once per send.
	for _, id := range []string{a, b, c} {
		if err := f.s.Record(ctx, stepOutcome(id, "01-a.md", t0, t0.Add(7*day))); err != nil {
			t.Fatal(err)
		}
		key := newsletter.StepLedgerKey("seq", "01-a.md", 1)
		if err := f.s.CountStepSent(ctx, id, key, "seq", "01-a.md", t0); err != nil {
			t.Fatal(err)
		}
		// A send recorded before this attempt began is not this attempt's.
		if err := f.s.CountStepSent(ctx, id, key, "seq", "01-a.md", t0.Add(time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.s.CountStepSent(ctx, a, "step:seq/09-none.md@1", "seq", "09-none.md", t0); err != nil {
		t.Fatal(err)
	}
	// A letter that went out eight days before, and one that went out the
	// day before, both to a.
	f.rdb.ZAdd(ctx, f.key("letters"), redisZ(t0.Add(-8*day), "old"), redisZ(t0.Add(2*day), "new"), redisZ(t0.Add(9*day), "later"))
	f.rdb.HSet(ctx, f.key("letter", "old"), "st", "sent")
	f.rdb.HSet(ctx, f.key("letter", "new"), "st", "sent")
	f.rdb.HSet(ctx, f.key("letter", "later"), "st", "scheduled")
	f.statsLetterSent(t, "old", a, t0.Add(-8*day))
	f.statsLetterSent(t, "new", a, t0.Add(2*day))
	f.statsLetterSent(t, "new", b, t0.Add(2*day))
	for range 2 {
		if err := f.s.CountDownload(ctx); err != nil {
			t.Fatal(err)
		}
	}

	// a leaves three days after step 1; b ten days after it (too late to
	// count for step 1, but within a week of the new letter).
	if err := f.s.SetStatus(ctx, a, newsletter.StatusUnsubscribed, t0.Add(3*day)); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetStatus(ctx, b, newsletter.StatusUnsubscribed, t0.Add(8*day)); err != nil {
		t.Fatal(err)
	}
	// Not yet: the tally goes only up to its time.
	if n, err := f.s.TallyUnsubscribes(ctx, t0.Add(2*day), 100); err != nil || n != 0 {
		t.Fatalf("tally before anyone left = %d, %v", n, err)
	}
	if n, err := f.s.TallyUnsubscribes(ctx, t0.Add(20*day), 100); err != nil || n != 2 {
		t.Fatalf("tally = %d, %v; want 2", n, err)
	}
	if n, err := f.s.TallyUnsubscribes(ctx, t0.Add(20*day), 100); err != nil || n != 0 {
		t.Fatalf("a second tally took %d again (%v)", n, err)
	}

	got, err := f.s.Counters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.Signups != 4 || got.Downloads != 2 {
		t.Errorf("signups %d downloads %d; want 4 and 2", got.Signups, got.Downloads)
	}
	wantStatus := map[newsletter.Status]int{newsletter.StatusPending: 1, newsletter.StatusConfirmed: 1, newsletter.StatusUnsubscribed: 2}
	for _, st := range newsletter.Statuses {
		if got.Statuses[st] != wantStatus[st] {
			t.Errorf("status %s: %d, want %d", st, got.Statuses[st], wantStatus[st])
		}
	}
	if got.StepSent["seq/01-a.md"] != 3 || got.StepLeft["seq/01-a.md"] != 1 || len(got.StepSent) != 1 {
		t.Errorf("steps: sent %v left %v; want 3 sent and 1 left after seq/01-a.md", got.StepSent, got.StepLeft)
	}
	want := []newsletter.LetterCount{{ID: "old", Sent: 1, Left: 0}, {ID: "new", Sent: 2, Left: 2}}
	if fmt.Sprint(got.Letters) != fmt.Sprint(want) {
		t.Errorf("letters = %+v, want %+v (the scheduled one left out)", got.Letters, want)
	}
}

// TestTallyBatchesAndRaces tallies many unsubscribes sharing times in
// small batches from several goroutines at once: each counts once.
func TestTallyBatchesAndRaces(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const n = 40
	for i := range n {
		id := f.confirmed(t, fmt.Sprintf("r%d@example.org", i))
		if err := f.s.Record(ctx, stepOutcome(id, "01-a.md", t0, time.Time{})); err != nil {
			t.Fatal(err)
		}
		// Four readers leave at each time.
		if err := f.s.SetStatus(ctx, id, newsletter.StatusUnsubscribed, t0.Add(time.Duration(i/4)*time.Minute)); err != nil {
			t.Fatal(err)
		}
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	taken := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k, err := f.s.TallyUnsubscribes(ctx, t0.Add(time.Hour), 3)
				if err != nil {
					t.Error(err)
					return
				}
				if k == 0 {
					return
				}
				mu.Lock()
				taken += k
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if taken != n {
		t.Errorf("took %d unsubscribes, want each of %d once", taken, n)
	}
	got, err := f.s.Counters(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if got.StepLeft["seq/01-a.md"] != n {
		t.Errorf("left after step 1: %d, want %d", got.StepLeft["seq/01-a.md"], n)
	}
}
