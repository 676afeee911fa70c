package worker

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// Letter sends in batches. A letter goes to many, and Redis's work per
// mail sets how many mails one Redis can carry: the worker claims jobs
// many at a time with what each letter send must read
// (Store.ClaimSends), and writes the ledger entries of the mails the SMTP
// server accepted many at a time (Store.SettleSent).
//
// The batching keeps every promise of sending. A sending goroutine waits
// for its mail's ledger entry before it takes its next job, as with one
// write per mail: a kill between the SMTP server's acceptance and the
// ledger write still repeats at most one mail per sending goroutine
// (SEND_CONCURRENCY per worker). The accepted mails of the goroutines are
// written together: a batch goes to Redis as soon as every goroutine busy
// with a letter send has a mail waiting, or settleWindow after its first
// mail, whichever comes first. The letter's status and the subscriber read
// at the claim are used only while younger than recipientFresh; an older
// claim reads them again right before the send.

// claimPerSender is how many jobs a claim takes per sending goroutine.
const claimPerSender = 8

// settleWindow is the longest an accepted mail waits for others to join
// its ledger write.
const settleWindow = 2 * time.Millisecond

// settleMax is the most mails one ledger write takes.
const settleMax = 64

// recipientFresh is how long what a claim read for a letter send stands
// in for reading it again before the send.
const recipientFresh = 250 * time.Millisecond

// claimSize is how many jobs Run claims at a time.
func (w *Worker) claimSize() int { return w.Concurrency * claimPerSender }

// prefetched holds what the claims read for the letter sends the worker
// holds, by job id, until each send takes it.
type prefetched struct {
	mu sync.Mutex
	m  map[string]prefetch
}

type prefetch struct {
	r  *newsletter.Recipient
	at time.Time // wall clock of the claim
}

// claim claims up to n jobs due at now, keeping what the claim read for
// each letter send.
func (w *Worker) claim(ctx context.Context, now time.Time, n int) ([]newsletter.Job, error) {
	jobs, recips, err := w.Store.ClaimSends(ctx, now, w.Lease, n)
	at := time.Now()
	p := &w.prefetched
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, f := range p.m { // those never taken (handed back, dropped)
		if at.Sub(f.at) > recipientFresh {
			delete(p.m, id)
		}
	}
	for i, j := range jobs {
		if i < len(recips) && recips[i] != nil {
			if p.m == nil {
				p.m = map[string]prefetch{}
			}
			p.m[j.ID()] = prefetch{r: recips[i], at: at}
		}
	}
	return jobs, err
}

// recipient is what letter send j must see before its mail goes out: what
// its claim read while fresh, else read now.
func (w *Worker) recipient(ctx context.Context, j newsletter.Job, key string) (newsletter.LetterStatus, *newsletter.Subscriber, bool, error) {
	p := &w.prefetched
	p.mu.Lock()
	f, ok := p.m[j.ID()]
	delete(p.m, j.ID())
	p.mu.Unlock()
	if ok && time.Since(f.at) <= recipientFresh {
		return f.r.Letter, f.r.Subscriber, f.r.Recorded, nil
	}
	return w.Store.LetterRecipient(ctx, j.Letter, j.Subscriber, key)
}

// settler gathers the accepted letter sends of the sending goroutines into
// batches. The first goroutine to wait leads: it waits for the others (up
// to settleWindow), writes the batch and hands the lead to the oldest mail
// that came meanwhile.
type settler struct {
	mu      sync.Mutex
	pending []*settleReq
	leading bool
	kick    chan struct{} // wakes the leader: a mail came, a goroutine left
	busy    atomic.Int32  // goroutines in a letter send
	once    sync.Once
}

type settleReq struct {
	out  newsletter.Outcome
	done chan error
	lead chan struct{}
}

func (s *settler) init() { s.once.Do(func() { s.kick = make(chan struct{}, 1) }) }

func (s *settler) poke() {
	select {
	case s.kick <- struct{}{}:
	default:
	}
}

// enter and leave count the goroutines in a letter send.
func (s *settler) enter() { s.init(); s.busy.Add(1) }
func (s *settler) leave() { s.busy.Add(-1); s.poke() }

// settleSent writes the ledger entry of an accepted letter send with the
// others' of the moment, and returns when it is written (or failed).
func (w *Worker) settleSent(ctx context.Context, out newsletter.Outcome) error {
	s := &w.settler
	s.init()
	me := &settleReq{out: out, done: make(chan error, 1), lead: make(chan struct{}, 1)}
	s.mu.Lock()
	s.pending = append(s.pending, me)
	lead := !s.leading
	s.leading = true
	s.mu.Unlock()
	if !lead {
		s.poke()
		select {
		case err := <-me.done:
			return err
		case <-me.lead:
		}
	}
	return w.leadSettle(ctx, me)
}

// leadSettle writes the batch that begins with me (the oldest waiting).
func (w *Worker) leadSettle(ctx context.Context, me *settleReq) error {
	s := &w.settler
	timer := time.NewTimer(settleWindow)
	defer timer.Stop()
	for waiting := true; waiting; {
		s.mu.Lock()
		n := len(s.pending)
		s.mu.Unlock()
		if n >= settleMax || n >= int(s.busy.Load()) {
			break
		}
		select {
		case <-s.kick:
		case <-timer.C:
			waiting = false
		}
	}
	s.mu.Lock()
	batch := make([]*settleReq, min(len(s.pending), settleMax))
	copy(batch, s.pending)
	s.pending = append(s.pending[:0], s.pending[len(batch):]...)
	s.mu.Unlock()

	outs := make([]newsletter.Outcome, len(batch))
	for i, r := range batch {
		outs[i] = r.out
	}
	err := w.writeSettle(ctx, outs)
	for _, r := range batch {
		if r != me {
			r.done <- err
		}
	}
	s.mu.Lock()
	if len(s.pending) > 0 {
		s.pending[0].lead <- struct{}{}
	} else {
		s.leading = false
	}
	s.mu.Unlock()
	return err
}

// writeSettle writes a batch. When the store cannot be reached (Redis
// restarting) it keeps trying for up to a lease, as recordSent does: the
// mails are out, and only their ledger entries stand between them and a
// second copy.
func (w *Worker) writeSettle(ctx context.Context, outs []newsletter.Outcome) error {
	err := w.Store.SettleSent(ctx, outs)
	deadline := time.Now().Add(w.Lease)
	for wait := 100 * time.Millisecond; errors.Is(err, newsletter.ErrUnavailable) && time.Now().Add(wait).Before(deadline); wait = min(2*wait, 2*time.Second) {
		w.Log.Warn("could not record sent mails; retrying", "mails", len(outs), "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		err = w.Store.SettleSent(ctx, outs)
	}
	return err
}
