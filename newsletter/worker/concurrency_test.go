package worker_test

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter/metrics"
	"github.com/satina/newsletter/newsletter/worker"
)

// settle waits until the SMTP server has accepted want mails and the queue
// is quiet at the fake clock's time: nothing due and nothing claimed (a
// claimed job sits at claim time + lease). Only then may the clock move:
// moving it past a lease while a send is in flight would hand the job to
// the other worker, which is the crash case, not the one tested here.
func settle(t *testing.T, a *apptest.App, want int, lease time.Duration) {
	t.Helper()
	ctx := context.Background()
	deadline := time.Now().Add(30 * time.Second)
	for {
		now := a.Fake.Now()
		_, due, err := a.Store.Depth(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		var leased int64
		for _, lane := range []string{"queue", "urgent"} {
			n, err := a.Redis.ZCount(ctx, a.Prefix+lane, "("+strconv.FormatInt(now.UnixMilli(), 10),
				strconv.FormatInt(now.Add(lease).UnixMilli(), 10)).Result()
			if err != nil {
				t.Fatal(err)
			}
			leased += n
		}
		if n := len(a.SMTP.Messages()); n >= want && due == 0 && leased == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not settled: %d mails (want %d), %d due, %d claimed", len(a.SMTP.Messages()), want, due, leased)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestTwoWorkersSendEachMailOnce runs two workers at once (Run, four
// senders each) on the same store and SMTP server with a shared fake clock,
// through 200 subscribers' confirmations and three-step sequences: every
// mail goes out exactly once, and both workers take part.
func TestTwoWorkersSendEachMailOnce(t *testing.T) {
	set := writeSet(t, t.TempDir(), map[string]map[string]string{"pair": {
		"01-welcome.md": step("Step 1", "0s"),
		"02-second.md":  step("Step 2", "1d"),
		"03-third.md":   step("Step 3", "1d"),
	}})
	a := apptest.Start(t, apptest.Options{NoWorker: true, Sequences: set})
	const lease = 2 * time.Minute
	var regs []*metrics.Metrics
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	for range 2 {
		m := metrics.New(nil)
		w := &worker.Worker{Store: a.Store, Transport: a.Worker.Transport, Composer: a.Worker.Composer,
			Sequences: set, DefaultTZ: time.UTC, Clock: a.Fake, Metrics: m, Log: a.Worker.Log,
			Concurrency: 4, Poll: 5 * time.Millisecond, Lease: lease}
		regs = append(regs, m)
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.Run(ctx) }()
	}
	t.Cleanup(func() { cancel(); wg.Wait() })

	const n = 200
	ids := make([]string, n)
	for i := range n {
		ids[i] = signup(t, a, fmt.Sprintf("r%03d@example.org", i), "pair", "")
	}
	settle(t, a, n, lease)
	for _, id := range ids {
		confirm(t, a, id)
	}
	settle(t, a, 2*n, lease)
	a.Fake.Advance(24 * time.Hour)
	settle(t, a, 3*n, lease)
	a.Fake.Advance(24 * time.Hour)
	settle(t, a, 4*n, lease)
	a.Fake.Advance(7 * 24 * time.Hour)
	settle(t, a, 4*n, lease)

	count := map[string]int{}
	for _, m := range a.SMTP.Messages() {
		count[m.To+" | "+m.Subject()]++
	}
	dups := 0
	for k, c := range count {
		if c > 1 {
			dups += c - 1
			t.Errorf("%s: %d times", k, c)
		}
	}
	for i := range n {
		for _, s := range []string{confirmSubject, "Step 1", "Step 2", "Step 3"} {
			if count[fmt.Sprintf("r%03d@example.org | %s", i, s)] == 0 {
				t.Errorf("r%03d@example.org never got %q", i, s)
			}
		}
	}
	total := len(a.SMTP.Messages())
	var shares []float64
	for _, m := range regs {
		shares = append(shares, counter(t, m.Registry, "newsletter_mails_sent_total"))
	}
	t.Logf("%d mails to %d subscribers by two workers (%v each), %d duplicates", total, n, shares, dups)
	if total != 4*n {
		t.Errorf("%d mails accepted, want %d", total, 4*n)
	}
	for i, s := range shares {
		if s == 0 {
			t.Errorf("worker %d sent nothing: the test did not run two workers at once", i+1)
		}
	}
	if shares[0]+shares[1] != float64(4*n) {
		t.Errorf("workers counted %v sends, want %d in all", shares, 4*n)
	}
	for _, id := range ids {
		if sub, err := a.Store.Subscriber(ctx, id); err != nil || sub.Step != 3 {
			t.Fatalf("subscriber %s: %+v, %v; want step 3", id, sub, err)
		}
	}
}
