package redisstore

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/redis/go-redis/v9"
)

// MailLimiter paces sending to a number of messages per second shared by
// every worker process on the same Redis (MAIL_RATE), for a mail provider's
// limit. It implements worker.Limiter.
//
// The pacing is github.com/go-redis/redis_rate: GCRA (a leaky bucket kept
// as one "theoretical arrival time" per key, moved by a Lua script that
// reads the Redis server's clock, so workers on machines whose clocks
// disagree still share one schedule). The burst is 1: messages are spaced
// evenly, 1/rate apart, and any one-second window holds at most rate+1 of
// them. A slot nobody takes is not saved up for later.
//
// Within one process only one goroutine asks Redis at a time; the others
// queue behind it, so Redis sees about one request per process per message
// rather than one per sending goroutine.
type MailLimiter struct {
	limiter *redis_rate.Limiter
	key     string
	limit   redis_rate.Limit
	turn    chan struct{} // a lock that Wait can give up on
}

// NewMailLimiter returns a limiter of perSecond messages per second (more
// than 0; fractions such as 0.5 mean one message every two seconds) for
// the service whose keys start with prefix. redis_rate keeps its state in
// the key "rate:<prefix>mail", which expires a moment after the last send.
func NewMailLimiter(rdb redis.UniversalClient, prefix string, perSecond float64) (*MailLimiter, error) {
	if !(perSecond > 0) || math.IsInf(perSecond, 0) {
		return nil, fmt.Errorf("mail rate %v is not a number above 0", perSecond)
	}
	if prefix == "" {
		prefix = "nl:"
	}
	limit := redis_rate.Limit{Rate: 1, Period: time.Duration(float64(time.Second) / perSecond), Burst: 1}
	if perSecond == math.Trunc(perSecond) && perSecond <= math.MaxInt32 {
		limit = redis_rate.Limit{Rate: int(perSecond), Period: time.Second, Burst: 1}
	}
	if limit.Period <= 0 {
		return nil, fmt.Errorf("mail rate %v is too high", perSecond)
	}
	return &MailLimiter{limiter: redis_rate.NewLimiter(rdb), key: prefix + "mail", limit: limit,
		turn: make(chan struct{}, 1)}, nil
}

// Limit describes the limit, for logs.
func (m *MailLimiter) Limit() string { return m.limit.String() + " across all workers" }

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
		res, err := m.limiter.Allow(ctx, m.key, m.limit)
		if err != nil {
			return wrap("mail rate limit", err)
		}
		if res.Allowed > 0 {
			return nil
		}
		wait := res.RetryAfter
		if wait <= 0 {
			wait = time.Millisecond
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
