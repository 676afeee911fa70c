package redisstore_test

// Benchmarks of the store against the real Redis (a prefix of their own,
// deleted afterwards). benchstat-friendly names:
//
//	go test -run '^$' -bench . -count 6 ./newsletter/redisstore/ | tee new.txt

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// BenchmarkClaim is one scheduler tick (Claim of up to 8 jobs, as a worker
// with SEND_CONCURRENCY=4 asks) with drip jobs queued over the coming
// week: with nothing due, and with 5 due. Its cost must not grow with the
// jobs that are not due.
func BenchmarkClaim(b *testing.B) {
	for _, queued := range []int{1_000, 10_000, 100_000} {
		for _, due := range []int{0, 5} {
			b.Run(fmt.Sprintf("queued=%d/due=%d", queued, due), func(b *testing.B) {
				rdb, prefix := testkit.Redis(b)
				s := redisstore.New(rdb, prefix)
				ctx := context.Background()
				queue := prefix + "queue"
				ids := make([]string, queued)
				now := time.Now()
				for start := 0; start < queued; start += 10_000 {
					zs := make([]redis.Z, 0, 10_000)
					for i := start; i < min(start+10_000, queued); i++ {
						ids[i] = newsletter.Job{Kind: newsletter.JobDrip, Subscriber: fmt.Sprintf("%016x", i)}.ID()
						due := now.Add(time.Hour + time.Duration(rand.Int64N(int64(7*24*time.Hour))))
						zs = append(zs, redis.Z{Score: float64(due.UnixMilli()), Member: ids[i]})
					}
					if err := rdb.ZAdd(ctx, queue, zs...).Err(); err != nil {
						b.Fatal(err)
					}
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					if due > 0 {
						b.StopTimer()
						zs := make([]redis.Z, due)
						for k := range zs {
							zs[k] = redis.Z{Score: float64(time.Now().Add(-time.Second).UnixMilli()), Member: ids[rand.IntN(queued)]}
						}
						if err := rdb.ZAddXX(ctx, queue, zs...).Err(); err != nil {
							b.Fatal(err)
						}
						b.StartTimer()
					}
					jobs, err := s.Claim(ctx, time.Now(), 2*time.Minute, 8)
					if err != nil {
						b.Fatal(err)
					}
					if (len(jobs) > 0) != (due > 0) {
						b.Fatalf("claimed %d jobs with %d due", len(jobs), due)
					}
				}
			})
		}
	}
}

// BenchmarkPing is the round trip every store call pays: the floor of
// BenchmarkClaim.
func BenchmarkPing(b *testing.B) {
	rdb, _ := testkit.Redis(b)
	ctx := context.Background()
	for b.Loop() {
		if err := rdb.Ping(ctx).Err(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateSubscriber is one new subscriber stored: one at a time
// (a signup), and in batches of 500 (an import). ns/op is per subscriber.
func BenchmarkCreateSubscriber(b *testing.B) {
	sub := func(i int, tag string) newsletter.NewSubscriber {
		at := time.Now()
		return newsletter.NewSubscriber{Email: fmt.Sprintf("reader%d@%s.example.org", i, tag), Name: "Anna", Sequence: "guide",
			Status: newsletter.StatusConfirmed, At: at,
			Consent: newsletter.Consent{Text: "Consent given before import", Version: "import", Source: "import", GivenAt: at}}
	}
	b.Run("one", func(b *testing.B) {
		rdb, prefix := testkit.Redis(b)
		s := redisstore.New(rdb, prefix)
		ctx := context.Background()
		for i := 0; b.Loop(); i++ {
			if _, _, err := s.CreateSubscriber(ctx, sub(i, "one"), time.Now()); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("batch=500", func(b *testing.B) {
		rdb, prefix := testkit.Redis(b)
		s := redisstore.New(rdb, prefix)
		ctx := context.Background()
		for i := 0; i < b.N; i += 500 {
			n := min(500, b.N-i)
			ns, dues := make([]newsletter.NewSubscriber, n), make([]time.Time, n)
			for k := range ns {
				ns[k], dues[k] = sub(i+k, "batch"), time.Now()
			}
			if _, _, err := s.CreateSubscribers(ctx, ns, dues); err != nil {
				b.Fatal(err)
			}
		}
	})
}
