package redisstore

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// MailLimiter paces sending to a number of messages per second shared by
// every worker process on the same Redis (MAIL_RATE), for a mail provider's
// limit. It implements worker.Limiter.
//
// The pace is a token bucket in Redis (GCRA, kept as the time of the next
// token by the script rate.lua, which reads the Redis server's clock, so
// workers on machines whose clocks disagree still share one schedule). One
// script call reserves a batch of tokens, up to the burst, and answers how
// long to wait before spending them; the process waits exactly that long
// and hands the tokens to its sending goroutines. Every call is a grant, so
// Redis sees about rate/batch calls per second in all, whatever the number
// of processes, and no token is lost to a polling gap: the shared rate is
// met exactly while there is mail to send. A token nobody took is not
// saved up beyond one burst (Burst: a tenth of a second of the rate, at
// least 1), so any one-second window holds at most rate + 2·burst
// messages. Its key is under the service's prefix, so a Redis user limited
// by ACL to the prefix suffices.
//
// Within one process only one goroutine asks Redis at a time; the others
// queue behind it and take the tokens it brings. It asks for as many as
// the process is likely to spend: the goroutines waiting, or more while
// every batch is spent (doubling up to the burst), fewer once tokens went
// unspent (halving), so a process that sends now and then does not take
// tokens the others could use.
type MailLimiter struct {
	rdb      redis.UniversalClient
	key      string
	interval time.Duration // between two tokens
	rate     float64
	burst    int
	clock    newsletter.Clock // nil: the Redis server's clock

	turn    chan struct{} // a lock that Wait can give up on: the one asking Redis
	waiting atomic.Int64  // goroutines inside Wait

	mu      sync.Mutex
	tokens  int       // granted and not spent
	expires time.Time // when unspent tokens lapse
	ask     int       // tokens the next reservation asks for, at least
	lapsed  bool      // tokens lapsed unspent since the last reservation
}

// tokenLife is how long tokens a process was granted and did not spend
// stay good (a waiter gave up): long enough for a goroutine to come back,
// short enough that they do not pile up into a burst.
const tokenLife = time.Second

// NewMailLimiter returns a limiter of perSecond messages per second (more
// than 0; fractions such as 0.5 mean one message every two seconds) for
// the service whose keys start with prefix. The state is the key
// "<prefix>rate:mail", which expires a moment after the last reservation.
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
	burst := int(math.Round(perSecond / 10))
	burst = min(max(burst, 1), 1000)
	return &MailLimiter{rdb: rdb, key: prefix + "rate:mail", interval: interval, rate: perSecond, burst: burst,
		turn: make(chan struct{}, 1)}, nil
}

// UseClock makes the bucket run on c's time instead of the Redis server's
// (TIME). For tests, which move the clock by hand; every limiter on one key
// must use the same clock.
func (m *MailLimiter) UseClock(c newsletter.Clock) { m.clock = c }

// Limit describes the limit, for logs.
func (m *MailLimiter) Limit() string {
	return strconv.FormatFloat(m.rate, 'g', -1, 64) + " per second across all workers, in batches of up to " +
		strconv.Itoa(m.burst)
}

// Burst is the most tokens one reservation hands out, and the most that
// may be spent at once after an idle spell.
func (m *MailLimiter) Burst() int { return m.burst }

// Reserve takes the next n tokens of the shared bucket (n is held to 1 ..
// Burst) and returns how many it took and how long the caller must wait
// before spending them. It never polls: the tokens are the caller's, at
// the time the script names. Wait is built on it.
func (m *MailLimiter) Reserve(ctx context.Context, n int) (int, time.Duration, error) {
	n = min(max(n, 1), m.burst)
	now := ""
	if m.clock != nil {
		now = strconv.FormatInt(m.clock.Now().UnixMicro(), 10)
	}
	res, err := scriptRate.Run(ctx, m.rdb, []string{m.key}, m.interval.Microseconds(), n, m.burst, now).Int64Slice()
	if err != nil {
		return 0, 0, wrap("mail rate limit", err)
	}
	if len(res) != 2 || res[0] < 1 {
		return 0, 0, fmt.Errorf("mail rate limit: the script answered %v", res)
	}
	return int(res[0]), time.Duration(res[1]) * time.Microsecond, nil
}

// Wait blocks until one more message may go out, or ctx ends. An error from
// Redis is returned: the caller sends nothing and tries again later.
func (m *MailLimiter) Wait(ctx context.Context) error {
	m.waiting.Add(1)
	defer m.waiting.Add(-1)
	if m.take() {
		return nil
	}
	select {
	case m.turn <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-m.turn }()
	if m.take() { // brought by the goroutine before us
		return nil
	}
	n, wait, err := m.Reserve(ctx, m.nextAsk())
	if err != nil {
		return err
	}
	if wait > 0 {
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return ctx.Err() // the reserved tokens lapse
		}
	}
	m.mu.Lock()
	m.tokens, m.expires = n-1, time.Now().Add(tokenLife)
	m.mu.Unlock()
	return nil
}

// nextAsk is how many tokens to reserve: the last ask doubled when its
// batch was all spent, halved when tokens lapsed, never fewer than the
// goroutines waiting.
func (m *MailLimiter) nextAsk() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch {
	case m.lapsed || m.tokens > 0:
		m.ask = max(m.ask/2, 1)
	default:
		m.ask = min(max(m.ask*2, 1), m.burst)
	}
	m.lapsed, m.tokens = false, 0
	return max(m.ask, min(int(m.waiting.Load()), m.burst))
}

// take spends one token this process holds, if it has one still good.
func (m *MailLimiter) take() bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.tokens == 0 {
		return false
	}
	if time.Now().Before(m.expires) {
		m.tokens--
		return true
	}
	m.tokens, m.lapsed = 0, true
	return false
}
