package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
)

// benchFanOut: time from a letter's send_at until every recipient of it is
// queued, with `newsletter worker` running, against the same Redis work
// (read the recipients, ZADD NX one send each) done directly.
func benchFanOut(e *env) error {
	ctx := context.Background()
	n := e.opt.fanoutN
	rdb, prefix, st, _, err := e.audience(ctx, "fanout", "fan", n, 40)
	if err != nil {
		return err
	}

	// Reference first (the worker is not running yet): the Redis floor of a fan-out.
	t0 := time.Now()
	ids, err := rdb.ZRangeArgs(ctx, redis.ZRangeArgs{Key: prefix + "status:confirmed", ByScore: true, Start: "-inf", Stop: strconv.FormatInt(time.Now().UnixMilli(), 10)}).Result()
	if err != nil {
		return err
	}
	for s := 0; s < len(ids); s += 1000 {
		zs := make([]redis.Z, 0, 1000)
		score := float64(time.Now().UnixMilli())
		for _, id := range ids[s:min(s+1000, len(ids))] {
			zs = append(zs, redis.Z{Score: score, Member: "lsend:ref:" + id})
		}
		if err := rdb.ZAddNX(ctx, prefix+"refqueue", zs...).Err(); err != nil {
			return err
		}
	}
	ref := time.Since(t0)
	rdb.Unlink(ctx, prefix+"refqueue")
	if len(ids) != n {
		return fmt.Errorf("%d confirmed subscribers, want %d", len(ids), n)
	}

	worker, _, err := e.startOurs("worker", prefix, map[string]string{"SMTP_URL": e.sink.URL()})
	if err != nil {
		return err
	}
	defer worker.stop(25 * time.Second)
	sendAt := time.Now().Add(time.Second).Truncate(time.Millisecond)
	id, err := st.CreateLetter(ctx, &newsletter.Letter{Subject: "Fan-out", Markdown: testkit.SampleLetter, SendAt: sendAt, CreatedAt: time.Now()})
	if err != nil {
		return err
	}
	deadline := sendAt.Add(2 * time.Minute)
	var queued time.Time
	for {
		rc, err := rdb.HGet(ctx, prefix+"letter:"+id, "rc").Int()
		if err != nil {
			return err
		}
		if rc >= 0 {
			queued = time.Now()
			if rc != n {
				return fmt.Errorf("letter fanned out to %d, want %d", rc, n)
			}
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not fanned out 2 minutes after send_at; log %s", worker.log)
		}
		time.Sleep(2 * time.Millisecond)
	}
	d := queued.Sub(sendAt)
	logf("fan-out of %d: %v after send_at (reference %v)", n, d.Round(time.Millisecond), ref.Round(time.Millisecond))
	e.rep.add(row{"fan-out", fmt.Sprintf("send_at → %d recipients queued", n), ms(d), ms(ref),
		fmt.Sprintf("%.2f×", float64(d)/float64(ref)), "≤ 5 s", verdict(d <= 5*time.Second)})
	return nil
}
