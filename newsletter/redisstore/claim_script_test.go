package redisstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/satina/newsletter/newsletter"
)

func TestClaimScript(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	lease := 2 * time.Minute
	early, now, later := drip("early"), drip("now"), drip("later")
	for j, due := range map[newsletter.Job]time.Time{early: t0.Add(-time.Minute), now: t0, later: t0.Add(time.Minute)} {
		if err := f.s.Schedule(ctx, j, due); err != nil {
			t.Fatal(err)
		}
	}
	claim := func(at time.Time, n int) []string {
		t.Helper()
		jobs, err := f.s.Claim(ctx, at, lease, n)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, j := range jobs {
			out = append(out, j.ID())
			if !j.Due.Equal(at) {
				t.Errorf("claimed job %s has Due %v, want the claim time %v", j.ID(), j.Due, at)
			}
		}
		return out
	}

	if got := claim(t0, 10); strings.Join(got, ",") != "drip:early,drip:now" {
		t.Fatalf("claim at t0 = %v, want the two due jobs, oldest first", got)
	}
	// Claimed jobs are hidden until the lease ends: their score moved there.
	q := f.queue(t)
	if !q["drip:early"].Equal(t0.Add(lease)) || !q["drip:now"].Equal(t0.Add(lease)) {
		t.Errorf("claimed jobs not moved to the lease end: %v", q)
	}
	if total, due, err := f.s.Depth(ctx, t0); err != nil || total != 3 || due != 0 {
		t.Errorf("Depth after claim = %d, %d, %v; want 3 queued, 0 due", total, due, err)
	}
	if got := claim(t0, 10); len(got) != 0 {
		t.Errorf("second claim at t0 took %v", got)
	}
	if got := claim(t0.Add(time.Minute), 10); strings.Join(got, ",") != "drip:later" {
		t.Errorf("claim at t0+1m = %v, want only drip:later", got)
	}
	if got := claim(t0.Add(lease-time.Millisecond), 10); len(got) != 0 {
		t.Errorf("claim just before the lease ends took %v", got)
	}
	// The lease ran out (the worker died): the jobs come back.
	if got := claim(t0.Add(lease), 10); strings.Join(got, ",") != "drip:early,drip:now" {
		t.Errorf("claim at lease end = %v, want the two jobs back", got)
	}

	// Attempts counted by Retry are reported by the next claim.
	if err := f.s.Retry(ctx, early, t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Retry(ctx, early, t0.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	jobs, err := f.s.Claim(ctx, t0.Add(4*time.Minute), lease, 10)
	if err != nil {
		t.Fatal(err)
	}
	attempts := map[string]int{}
	for _, j := range jobs {
		attempts[j.ID()] = j.Attempts
	}
	// drip:now and drip:later are back too: their leases (from t0+2m and
	// t0+1m) ran out.
	if attempts["drip:early"] != 2 || attempts["drip:later"] != 0 || attempts["drip:now"] != 0 || len(jobs) != 3 {
		t.Errorf("claim after two retries = %v, want drip:early with 2 attempts, the others with 0", attempts)
	}
}

func TestClaimScriptLimitAndForeignIDs(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for i := range 5 {
		if err := f.s.Schedule(ctx, drip(fmt.Sprint("s", i)), t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	at := t0.Add(time.Hour)
	var sizes []int
	for {
		jobs, err := f.s.Claim(ctx, at, time.Minute, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) == 0 {
			break
		}
		sizes = append(sizes, len(jobs))
	}
	if fmt.Sprint(sizes) != "[2 2 1]" {
		t.Errorf("claims of at most 2 took %v, want [2 2 1]", sizes)
	}

	// A member that is no job of ours is removed, not returned forever.
	f.rdb.ZAdd(ctx, f.key("queue"), redis.Z{Score: float64(t0.UnixMilli()), Member: "bogus"})
	jobs, err := f.s.Claim(ctx, at, time.Minute, 10)
	if err != nil || len(jobs) != 0 {
		t.Fatalf("claim with a foreign member = %v, %v", jobs, err)
	}
	if _, ok := f.queue(t)["bogus"]; ok {
		t.Errorf("foreign queue member was kept")
	}
}

func TestClaimScriptNeverHandsOutAJobTwice(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const jobs, claimers = 300, 12
	for i := range jobs {
		if err := f.s.Schedule(ctx, drip(fmt.Sprint("s", i)), t0); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range claimers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := f.s.Claim(ctx, t0, time.Hour, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, j := range got {
					seen[j.ID()]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != jobs {
		t.Errorf("%d distinct jobs claimed, want %d", len(seen), jobs)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("job %s claimed %d times", id, n)
		}
	}
}

func TestReplanScript(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	lease := 2 * time.Minute
	nextWeek := now.Add(7 * 24 * time.Hour)
	cases := []struct {
		name      string
		current   time.Time // zero: no job queued
		wantMoved bool
	}{
		{"absent: a finished subscriber gets an appended step", time.Time{}, true},
		{"due and unclaimed", now.Add(-time.Minute), true},
		{"inside a lease: a worker may be sending it", now.Add(lease / 2), false},
		{"at the very end of a lease", now.Add(lease), false},
		{"further out than a lease", now.Add(3 * 24 * time.Hour), true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := drip(fmt.Sprintf("replan%d", i))
			if !c.current.IsZero() {
				if err := f.s.Schedule(ctx, j, c.current); err != nil {
					t.Fatal(err)
				}
			}
			moved, err := f.s.Replan(ctx, j, nextWeek, now, lease)
			if err != nil {
				t.Fatal(err)
			}
			if moved != c.wantMoved {
				t.Fatalf("moved = %v, want %v", moved, c.wantMoved)
			}
			want := nextWeek
			if !c.wantMoved {
				want = c.current
			}
			if got := f.queue(t)[j.ID()]; !got.Equal(want) {
				t.Fatalf("job due %v, want %v", got, want)
			}
		})
	}
}

// TestUrgentLaneFirst: a confirmation is claimed before letter sends that
// were due earlier, and a retried confirmation keeps its place in the
// urgent lane.
func TestUrgentLaneFirst(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		j := newsletter.Job{Kind: newsletter.JobLetterSend, Letter: "l1", Subscriber: fmt.Sprint("s", i)}
		if err := f.s.Schedule(ctx, j, t0.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	confirm := newsletter.Job{Kind: newsletter.JobConfirm, Subscriber: "reader"}
	if err := f.s.Schedule(ctx, confirm, t0); err != nil {
		t.Fatal(err)
	}
	jobs, err := f.s.Claim(ctx, t0, time.Minute, 2)
	if err != nil || len(jobs) != 2 || jobs[0].ID() != confirm.ID() || jobs[1].Kind != newsletter.JobLetterSend {
		t.Fatalf("Claim(2) = %v, %v; want the confirmation first, then one letter send", jobs, err)
	}
	if err := f.s.Retry(ctx, jobs[0], t0.Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if due, ok := f.urgent(t)[confirm.ID()]; !ok || !due.Equal(t0.Add(5*time.Second)) {
		t.Errorf("retried confirmation: urgent lane has %v %v, want it at +5s", due, ok)
	}
	jobs, err = f.s.Claim(ctx, t0.Add(5*time.Second), time.Minute, 1)
	if err != nil || len(jobs) != 1 || jobs[0].ID() != confirm.ID() {
		t.Errorf("after its retry, Claim(1) = %v, %v; want the confirmation again before the letter sends", jobs, err)
	}
}
