package redisstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// Three limiters on one key (three processes), driven by one clock moved
// by hand, share MAIL_RATE=150: over ten seconds of that clock they are
// granted 150 tokens a second within 10 %, every second of it, each gets
// its share (by the tokens it asks at a time), and they ask Redis once per batch (no polling: a limiter
// that asks is told when its tokens are due, and asks again only then).
func TestMailLimitersShareTheRateOverAClock(t *testing.T) {
	const rate, seconds = 150, 10
	rdb, prefix := testkit.Redis(t)
	ctx := context.Background()
	start := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	clock := testkit.NewClock(start)
	type process struct {
		lim     *redisstore.MailLimiter
		want    int           // tokens asked per call: its waiting goroutines
		next    time.Duration // when it asks next, from start
		granted int
		calls   int
	}
	var ps []*process
	for i, want := range []int{4, 16, 1} {
		lim, err := redisstore.NewMailLimiter(rdb, prefix, rate)
		if err != nil {
			t.Fatal(err)
		}
		lim.UseClock(clock)
		ps = append(ps, &process{lim: lim, want: want, next: time.Duration(i) * time.Millisecond})
	}
	perSecond := make([]int, seconds)
	for {
		// The process whose turn comes first asks, at its time; it
		// spends its tokens when they are due, then asks again.
		p := ps[0]
		for _, q := range ps[1:] {
			if q.next < p.next {
				p = q
			}
		}
		if p.next >= seconds*time.Second {
			break
		}
		clock.Set(start.Add(p.next))
		n, wait, err := p.lim.Reserve(ctx, p.want)
		if err != nil {
			t.Fatal(err)
		}
		if n < 1 || n > p.lim.Burst() || wait < 0 {
			t.Fatalf("Reserve(%d) = %d tokens after %v; burst %d", p.want, n, wait, p.lim.Burst())
		}
		p.calls++
		p.next += wait
		if s := int(p.next / time.Second); s < seconds {
			perSecond[s] += n
			p.granted += n
		}
	}
	total, calls, asked := 0, 0, 0
	for _, p := range ps {
		total += p.granted
		calls += p.calls
		asked += min(p.want, p.lim.Burst())
	}
	// Each is served in turn, by the size of its batch: a process with
	// more goroutines waiting gets more, none is starved.
	for _, p := range ps {
		if share := total * min(p.want, p.lim.Burst()) / asked; p.granted < share*8/10 {
			t.Errorf("a limiter asking %d at a time was granted %d of %d tokens, want about %d", p.want, p.granted, total, share)
		}
	}
	if lo, hi := rate*seconds*9/10, rate*seconds*11/10; total < lo || total > hi {
		t.Errorf("%d tokens in %d s at %d/s, want %d..%d", total, seconds, rate, lo, hi)
	}
	for s, n := range perSecond {
		if n < rate*9/10 || n > rate*11/10 {
			t.Errorf("second %d: %d tokens, want %d ± 10%%", s, n, rate)
		}
	}
	// A whole batch per call: every call is a grant.
	for _, p := range ps {
		if most := p.granted/min(p.want, p.lim.Burst()) + 2; p.calls > most {
			t.Errorf("a limiter asking %d at a time called %d times for %d tokens, want at most %d", p.want, p.calls, p.granted, most)
		}
	}
	t.Logf("%d tokens in %d s (%v per second) in %d calls; burst %d; per limiter %d/%d/%d",
		total, seconds, perSecond, calls, ps[0].lim.Burst(), ps[0].granted, ps[1].granted, ps[2].granted)
}

// Two limiters on one Redis (two processes) share one pace with real
// time: 40 waits at 50/s from eight goroutines take at least the time of
// 40 tokens less one burst.
func TestMailLimiterSharesOnePace(t *testing.T) {
	rdb, prefix := testkit.Redis(t)
	a, err := redisstore.NewMailLimiter(rdb, prefix, 50)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := redisstore.NewMailLimiter(rdb, prefix, 50)
	start := time.Now()
	var wg sync.WaitGroup
	for g := range 8 {
		lim := a
		if g%2 == 1 {
			lim = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 5 {
				if err := lim.Wait(context.Background()); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	least := time.Duration(40-a.Burst()) * 20 * time.Millisecond
	if took := time.Since(start); took < least-20*time.Millisecond {
		t.Errorf("40 messages at 50/s took %v, want at least %v", took, least)
	}
	t.Logf("limit %s; 40 waits took %v", a.Limit(), time.Since(start))
}

func TestMailLimiterStopsWithTheContext(t *testing.T) {
	rdb, prefix := testkit.Redis(t)
	lim, err := redisstore.NewMailLimiter(rdb, prefix, 0.5) // one every two seconds
	if err != nil {
		t.Fatal(err)
	}
	if err := lim.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	if err := lim.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want the context's deadline", err)
	}
	if took := time.Since(start); took > time.Second {
		t.Errorf("Wait returned %v after its context ended", took)
	}
	for _, bad := range []float64{0, -1} {
		if _, err := redisstore.NewMailLimiter(rdb, prefix, bad); err == nil {
			t.Errorf("rate %v accepted", bad)
		}
	}
}
