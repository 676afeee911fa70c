package redisstore

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// MailLimiter paces sending to a number of messages per second shared by
// every worker process on the same Redis (MAIL_RATE), for a mail provider's
// limit. It implements worker.Limiter.
//
// The pacing is GCRA (a leaky bucket kept as one "theoretical arrival time",
// moved by the script rate.lua, which reads the Redis server's clock, so
// workers on machines whose clocks disagree still share one schedule). The
// burst is 1: messages are spaced evenly, 1/rate apart, and any one-second
// window holds at most rate+1 of them. A slot nobody takes is not saved up
// for later. Its key is under the service's prefix, so a Redis user limited
// by ACL to the prefix suffices.
//
// Within one process only one goroutine asks Redis at a time; the others
// queue behind it, so Redis sees about one request per process per message
// rather than one per sending goroutine.
type MailLimiter struct {
	rdb      redis.UniversalClient
	key      string
	interval time.Duration // between two messages
	rate     float64
	turn     chan struct{} // a lock that Wait can give up on
}

// NewMailLimiter returns a limiter of perSecond messages per second (more
// than 0; fractions such as 0.5 mean one message every two seconds) for
// the service whose keys start with prefix. The state is the key
// "<prefix>rate:mail", which expires a moment after the last send.
func NewMailLimiter(rdb redis.UniversalClient, prefix string, perSecond float64) (*MailLimiter, error) {
	if !(perSecond > 0) || math.IsInf(perSecond, 0) {
		return nil, fmt.Errorf("mail rate %v is not a number above 0", perSecond)
	}
	if prefix == "" {
		prefix = "nl:"
	}
	interval := time.Duration(float64(time.Second) / perSecond)
	if interval < time.Microsecond {
		return nil, fmt.Errorf("mail rate %v is too high", perSecond)
	}
	return &MailLimiter{rdb: rdb, key: prefix + "rate:mail", interval: interval, rate: perSecond,
		turn: make(chan struct{}, 1)}, nil
}

// Limit describes the limit, for logs.
func (m *MailLimiter) Limit() string {
	return strconv.FormatFloat(m.rate, 'g', -1, 64) + " per second across all workers"
}

// Wait blocks until one more message may go out, or ctx ends. An error from
// Redis is returned: the caller sends nothing and tries again later.
func (m *MailLimiter) Wait(ctx context.Context) error {
	select {
	case m.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-m.turn }()
	for {
		res, err := scriptRate.Run(ctx, m.rdb, []string{m.key}, m.interval.Microseconds()).Int64Slice()
		if err != nil {
			return wrap("mail rate limit", err)
		}
		if len(res) == 2 && res[0] == 1 {
			return nil
		}
		wait := time.Millisecond
		if len(res) == 2 && res[1] > 0 {
			wait = time.Duration(res[1]) * time.Microsecond
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		}
	}
}
