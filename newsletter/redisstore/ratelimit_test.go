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

// Two limiters on one Redis (two processes) share one pace: 40 waits at
// 50/s from eight goroutines take at least 39 intervals of 20ms.
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
	if took := time.Since(start); took < 39*20*time.Millisecond-20*time.Millisecond {
		t.Errorf("40 messages at 50/s took %v, want about %v", took, 39*20*time.Millisecond)
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
