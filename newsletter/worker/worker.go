// Package worker runs the queue: it claims due jobs from the store, checks
// each subscriber again right before sending, sends through a mail
// transport and records the outcome.
//
// Delivery is at-least-once from the queue (a claimed job comes back when
// its lease runs out) and at-most-once from the ledger (a mail whose key is
// recorded is never sent again). Between the SMTP server's acceptance and
// the ledger write lies the one window where a killed process can cause a
// duplicate: it holds only the messages in flight.
package worker

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/metrics"
	"github.com/satina/newsletter/sequences"
)

// Store is what the worker needs of the store.
type Store interface {
	newsletter.Queue
	Subscriber(ctx context.Context, id string) (*newsletter.Subscriber, error)
	// LetterRecipient reads, in one round trip, the letter's status, the
	// subscriber (nil when gone) and whether key is in its ledger.
	LetterRecipient(ctx context.Context, letterID, id, key string) (newsletter.LetterStatus, *newsletter.Subscriber, bool, error)
	// ClaimSends is Claim that also reads, in the same round trip, what
	// each letter send it takes must see (as LetterRecipient): recipients[i]
	// belongs to jobs[i], nil for other jobs (see batch.go).
	ClaimSends(ctx context.Context, now time.Time, lease time.Duration, n int) ([]newsletter.Job, []*newsletter.Recipient, error)
	// SettleSent records many letter sends the SMTP server accepted, as
	// Record does one.
	SettleSent(ctx context.Context, outs []newsletter.Outcome) error
	SetStatus(ctx context.Context, id string, status newsletter.Status, at time.Time) error
	Letter(ctx context.Context, id string) (*newsletter.Letter, error)
	// FanOutLetter starts a due letter (ErrHeld past the grace) and
	// queues one send per recipient, returning how many.
	FanOutLetter(ctx context.Context, id string, now time.Time, grace time.Duration) (*newsletter.Letter, int, error)
	Enrolled(ctx context.Context, sequence string) ([]string, error)
	SequenceVersion(ctx context.Context, sequence string) (string, error)
	SetSequenceVersion(ctx context.Context, sequence, hash string) error
	Replan(ctx context.Context, j newsletter.Job, due, now time.Time, lease time.Duration) (bool, error)
	newsletter.LetterHolds
	Gate
	Watermarks
	// ParkStep puts a drip job due now aside when its sequence is paused
	// (reporting whether it did); resuming the sequence brings it back.
	ParkStep(ctx context.Context, sequence string, j newsletter.Job, due time.Time) (bool, error)
	// CountStepSent counts a step whose mail (key) is in the ledger, for
	// the stats.
	CountStepSent(ctx context.Context, subscriber, key, sequence, step string, since time.Time) error
}

// Limiter paces sending across every worker process; nil sends unpaced.
type Limiter interface {
	Wait(ctx context.Context) error
}

// Worker sends queued mail.
type Worker struct {
	Store     Store
	Transport newsletter.Transport
	Composer  *compose.Composer
	Sequences *sequences.Set
	DefaultTZ *time.Location
	Clock     newsletter.Clock
	Log       *slog.Logger
	Metrics   *metrics.Metrics
	Limiter   Limiter
	// Transactional is the transport of the confirmation mail
	// (SMTP_URL_TRANSACTIONAL: a provider's transactional stream, apart
	// from the broadcast one of steps and letters); nil: Transport.
	Transactional newsletter.Transport

	Concurrency int           // sending goroutines, each with its own connection; default 4
	Poll        time.Duration // how often to look for due work; default 250ms
	Lease       time.Duration // how long a claimed job stays hidden without a heartbeat; default DefaultLease
	MaxAttempts int           // temporary failures before giving up; default 57 (about two days)
	// LateLetterGrace is LATE_LETTER_GRACE: a letter that cannot start, or
	// go on, within it of its time is held (see letters.go); default
	// newsletter.DefaultLateLetterGrace.
	LateLetterGrace time.Duration
	SlowDelay       time.Duration // pause before each send while a 4xx slows sending down; default 1s
	// MessageIDDomain is the right part of each mail's Message-ID, the
	// domain of MAIL_FROM; default "newsletter.invalid".
	MessageIDDomain string

	wakeOnce sync.Once
	wake     chan struct{}
	letters  letterCache
	gate     gateView
	leases   leases
	// prefetched and settler batch the letter sends (batch.go).
	prefetched prefetched
	settler    settler
}

func (w *Worker) init() {
	w.wakeOnce.Do(func() {
		w.wake = make(chan struct{}, 1)
		if w.Concurrency <= 0 {
			w.Concurrency = 4
		}
		if w.Poll <= 0 {
			w.Poll = 250 * time.Millisecond
		}
		if w.Lease <= 0 {
			w.Lease = DefaultLease
		}
		if w.MaxAttempts <= 0 {
			w.MaxAttempts = DefaultMaxAttempts
		}
		if w.LateLetterGrace <= 0 {
			w.LateLetterGrace = newsletter.DefaultLateLetterGrace
		}
		if w.SlowDelay <= 0 {
			w.SlowDelay = time.Second
		}
		if w.Log == nil {
			w.Log = slog.Default()
		}
		if w.Metrics == nil {
			w.Metrics = metrics.New(nil)
		}
	})
}

// Wake tells a running worker that work may be due now.
func (w *Worker) Wake() {
	w.init()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run claims and sends due work until ctx is cancelled, then stops
// claiming, lets the sends in flight finish and returns. Jobs claimed but
// not started come back to the queue when their lease runs out.
func (w *Worker) Run(ctx context.Context) error {
	w.init()
	// Up to Concurrency jobs wait in the channel, so that the next claim
	// runs while every goroutine still has work: no sender waits for a
	// claim's round trip.
	jobs := make(chan newsletter.Job, w.Concurrency)
	var wg sync.WaitGroup
	for i := 0; i < w.Concurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			senders := &senders{w: w}
			defer senders.close()
			for j := range jobs {
				if ctx.Err() != nil {
					// Shutting down: a job not started goes back.
					w.handBack([]newsletter.Job{j})
					continue
				}
				// Finish a started job even while shutting down.
				w.process(context.WithoutCancel(ctx), senders, j)
				w.leases.done(j)
			}
		}()
	}
	// The heartbeat outlives ctx until the sends in flight are done.
	beatCtx, stopBeat := context.WithCancel(context.WithoutCancel(ctx))
	go w.heartbeat(beatCtx)
	defer func() { close(jobs); wg.Wait(); stopBeat() }()

	backoff := w.Poll
	for {
		now := w.Clock.Now()
		claimed, err := w.claim(ctx, now, w.claimSize())
		w.leases.add(claimed, leaseEnd(now, w.Lease))
		if err != nil && ctx.Err() == nil {
			w.Log.Warn("claim failed; retrying", "err", err, "in", backoff)
			backoff = min(backoff*2, 10*time.Second)
		} else {
			backoff = w.Poll
		}
		for i, j := range claimed {
			select {
			case jobs <- j:
			case <-ctx.Done():
				w.handBack(claimed[i:])
				return nil
			}
		}
		if len(claimed) == w.claimSize() {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return nil
		case <-w.wake:
		case <-time.After(backoff):
		}
	}
}

// handBack returns claimed jobs that were never started to the queue at
// once, so that a restart need not wait for their lease.
func (w *Worker) handBack(jobs []newsletter.Job) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, j := range jobs {
		w.leases.done(j)
		if err := w.Store.Schedule(ctx, j, w.Clock.Now()); err != nil {
			w.Log.Warn("hand back failed; the lease will return it", "job", j.ID(), "err", err)
		}
	}
}

// Drain processes every job due now, one at a time, with one sender of
// each transport, and returns how many it processed. Tests drive the
// queue with it under a fake clock; the CLI uses it for one-shot runs.
func (w *Worker) Drain(ctx context.Context) (int, error) {
	w.init()
	senders := &senders{w: w}
	defer senders.close()
	n := 0
	for {
		claimed, err := w.claim(ctx, w.Clock.Now(), 100)
		if err != nil {
			return n, err
		}
		if len(claimed) == 0 {
			return n, nil
		}
		for _, j := range claimed {
			w.process(ctx, senders, j)
			n++
		}
	}
}

// process runs one claimed job; every outcome is written to the store. A
// store failure leaves the job leased, and it comes back later. A mail
// goes out on the sender of its kind (senders.forKind).
func (w *Worker) process(ctx context.Context, senders *senders, j newsletter.Job) {
	var err error
	switch j.Kind {
	case newsletter.JobConfirm:
		err = w.confirm(ctx, senders.forKind(j.Kind), j)
	case newsletter.JobDrip:
		err = w.drip(ctx, senders.forKind(j.Kind), j)
	case newsletter.JobLetter:
		err = w.fanOut(ctx, j)
	case newsletter.JobLetterSend:
		err = w.letterSend(ctx, senders.forKind(j.Kind), j)
	default:
		err = w.Store.Drop(ctx, j)
	}
	if err != nil {
		w.Log.Warn("job failed; it will come back", "job", j.ID(), "err", err)
	}
}

// drop removes a job whose subscriber or letter no longer wants it.
func (w *Worker) drop(ctx context.Context, j newsletter.Job, reason string) error {
	w.Metrics.Dropped.WithLabelValues(string(j.Kind), reason).Inc()
	return w.Store.Drop(ctx, j)
}

// loadSubscriber returns the subscriber of j, or nil when it is gone.
func (w *Worker) loadSubscriber(ctx context.Context, j newsletter.Job) (*newsletter.Subscriber, error) {
	sub, err := w.Store.Subscriber(ctx, j.Subscriber)
	if errors.Is(err, newsletter.ErrNotFound) {
		return nil, nil
	}
	return sub, err
}
