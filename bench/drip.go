package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sort"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// benchDrip: enrolments with their next step due over the coming week,
// written through the store (the layout the service writes), in a Redis
// database of their own. At each size, one scheduler tick (Claim as the
// worker calls it: up to 2×SEND_CONCURRENCY jobs) is timed with nothing due
// and with a few due, next to a PING round trip in the same moment; and
// Redis memory per subscriber is read from INFO memory.
func benchDrip(e *env) error {
	ctx := context.Background()
	rdb := redisClient(e.opt.redis, e.opt.dripDB, 64)
	atCleanup(func() { rdb.Close() })
	// A short prefix, as in production ("nl:"): the subscriber keys carry it.
	prefix := "nl" + testkit.RandomHex(2) + ":"
	atCleanup(func() {
		t := time.Now()
		n := deletePrefix(rdb, prefix)
		logf("deleted %d drip keys in %v", n, time.Since(t).Round(time.Millisecond))
	})
	st := redisstore.New(rdb, prefix)
	now := time.Now()
	week := 7 * 24 * time.Hour
	mem0 := usedMemory(rdb)
	var ids []string
	var ticks0, pings0 []time.Duration // nothing due, smallest size
	batch := e.opt.sendConc * 2
	for _, size := range e.opt.dripSizes {
		if size <= len(ids) {
			continue
		}
		t := time.Now()
		more, err := loadSubscribers(ctx, st, subLoad{Tag: "drip", From: len(ids), To: size, Sequence: "guide",
			At: func(i int) time.Time { return now.Add(-time.Duration(rand.Int64N(int64(week)))) },
			FirstDue: func(i int) time.Time {
				return now.Add(time.Hour + time.Duration(rand.Int64N(int64(week-time.Hour))))
			}})
		if err != nil {
			return err
		}
		ids = append(ids, more...)
		logf("enrolled %d (total %d) in %v", len(more), len(ids), time.Since(t).Round(time.Millisecond))
		mem := usedMemory(rdb) - mem0

		// Interleaved, so that they share the machine's moods: a PING (the
		// reference: one round trip), a tick with nothing due, and a tick
		// with 5 due (5 random enrolments' jobs moved to now just before).
		idle := make([]time.Duration, 0, e.opt.claimIters)
		ping := make([]time.Duration, 0, e.opt.claimIters)
		few := make([]time.Duration, 0, e.opt.claimIters)
		for i := 0; i < e.opt.claimIters; i++ {
			t := time.Now()
			if err := rdb.Ping(ctx).Err(); err != nil {
				return err
			}
			ping = append(ping, time.Since(t))
			t = time.Now()
			jobs, err := st.Claim(ctx, time.Now(), 2*time.Minute, batch)
			if err != nil {
				return err
			}
			idle = append(idle, time.Since(t))
			if len(jobs) > 0 {
				return fmt.Errorf("claimed %d jobs with nothing due", len(jobs))
			}
			zs := make([]redis.Z, 5)
			for k := range zs {
				zs[k] = redis.Z{Score: float64(time.Now().Add(-time.Second).UnixMilli()),
					Member: newsletter.Job{Kind: newsletter.JobDrip, Subscriber: ids[rand.IntN(len(ids))]}.ID()}
			}
			if err := rdb.ZAddXX(ctx, prefix+"queue", zs...).Err(); err != nil {
				return err
			}
			t = time.Now()
			jobs, err = st.Claim(ctx, time.Now(), 2*time.Minute, batch)
			if err != nil {
				return err
			}
			few = append(few, time.Since(t))
			if len(jobs) == 0 {
				return fmt.Errorf("claimed nothing with 5 due")
			}
		}
		sortD(idle, ping, few)
		if ticks0 == nil {
			ticks0, pings0 = idle, ping
		}
		qlen := rdb.ZCard(ctx, prefix+"queue").Val()
		logf("size %d (queue %d): tick idle p50 %s p99 %s | few due p50 %s p99 %s | PING p50 %s | memory %.0f B/subscriber",
			size, qlen, us(quantile(idle, 0.5)), us(quantile(idle, 0.99)), us(quantile(few, 0.5)), us(quantile(few, 0.99)),
			us(quantile(ping, 0.5)), float64(mem)/float64(len(ids)))
		e.rep.add(row{"drip", fmt.Sprintf("tick, nothing due, %s enrolled (p50)", count(size)), us(quantile(idle, 0.5)), us(quantile(ping, 0.5)) + " PING",
			fmt.Sprintf("%.2f×", float64(quantile(idle, 0.5))/float64(quantile(ping, 0.5))), "flat in N", ""})
		e.rep.add(row{"drip", fmt.Sprintf("tick, 5 due, %s enrolled (p50)", count(size)), us(quantile(few, 0.5)), us(quantile(ping, 0.5)) + " PING",
			fmt.Sprintf("%.2f×", float64(quantile(few, 0.5))/float64(quantile(ping, 0.5))), "flat in N", ""})
		if size == e.opt.dripSizes[len(e.opt.dripSizes)-1] {
			// Growth of the tick in units of the PING measured alongside,
			// which takes the machine's drift out.
			rel := func(t, p []time.Duration) float64 { return float64(quantile(t, 0.5)) / float64(quantile(p, 0.5)) }
			growth := rel(idle, ping) / rel(ticks0, pings0)
			e.rep.add(row{"drip", fmt.Sprintf("tick growth %s → %s enrolled (in PINGs)", count(e.opt.dripSizes[0]), count(size)),
				fmt.Sprintf("%.2f×", growth), fmt.Sprintf("raw %.2f×, PING %.2f×", float64(quantile(idle, 0.5))/float64(quantile(ticks0, 0.5)),
					float64(quantile(ping, 0.5))/float64(quantile(pings0, 0.5))), "", "≈ 1× (≤ 1.5×)", verdict(growth <= 1.5)})
			per := float64(mem) / float64(len(ids))
			e.rep.add(row{"drip", fmt.Sprintf("Redis memory per subscriber, %s enrolled", count(size)),
				fmt.Sprintf("%.0f B", per), "", "", "≤ 400 B", verdict(per <= 400)})
			breakdown(ctx, e, rdb, prefix, ids)
		}
	}
	return nil
}

// breakdown notes where a subscriber's bytes go, from MEMORY USAGE.
func breakdown(ctx context.Context, e *env, rdb *redis.Client, prefix string, ids []string) {
	n := float64(len(ids))
	var sub int64
	const samples = 200
	for i := 0; i < samples; i++ {
		sub += rdb.MemoryUsage(ctx, prefix+"sub:"+ids[rand.IntN(len(ids))]).Val()
	}
	parts := []string{fmt.Sprintf("sub:<id> hash %.0f B", float64(sub)/samples)}
	// The address index is 65,536 small hashes: their bytes over their
	// entries, from a sample of buckets.
	var bytes, entries int64
	for i := 0; i < samples; i++ {
		k := fmt.Sprintf("%semails:%04x", prefix, i*65536/samples) // bucket names: redisstore.EmailBucket
		bytes += rdb.MemoryUsage(ctx, k).Val()
		entries += rdb.HLen(ctx, k).Val()
	}
	if entries > 0 {
		parts = append(parts, fmt.Sprintf("emails:<b> buckets %.0f B", float64(bytes)/float64(entries)))
	}
	for _, k := range []string{"status:confirmed", "queue"} {
		b := rdb.MemoryUsage(ctx, prefix+k, 2000).Val()
		parts = append(parts, fmt.Sprintf("%s %.0f B", k, float64(b)/n))
	}
	s := "memory per subscriber by key (MEMORY USAGE, sampled): " + strings.Join(parts, ", ")
	logf("%s", s)
	e.rep.note(s)
}

func sortD(ds ...[]time.Duration) {
	for _, d := range ds {
		sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	}
}

func count(n int) string {
	switch {
	case n >= 1e6 && n%1e6 == 0:
		return fmt.Sprintf("%dM", n/1e6)
	case n >= 1e3 && n%1e3 == 0:
		return fmt.Sprintf("%dk", n/1e3)
	}
	return fmt.Sprint(n)
}
