package worker

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// Gate is what the worker needs of the store to hold sending back: the
// author's pause, the breaker and the shared slow-down.
type Gate interface {
	SendingState(ctx context.Context) (newsletter.Sending, error)
	PauseSending(ctx context.Context, st newsletter.Sending) (bool, error)
	CountRefusal(ctx context.Context) (int64, error)
	SlowDown(ctx context.Context, until, now time.Time) error
	SlowUntil(ctx context.Context) (time.Time, error)
}

// gateTTL is how long a worker trusts the sending state it read: a pause
// reaches every worker within it (claim.lua also reads the state on every
// claim, so paused work is not even taken).
const gateTTL = time.Second

// slowFor is how long one 4xx reply slows every worker down.
const slowFor = time.Minute

// gateView is the worker's cached copy of the sending state.
type gateView struct {
	mu        sync.Mutex
	read      time.Time // wall clock of the last read; zero: read again
	paused    bool
	slowUntil time.Time
	ahead     bool // one goroutine is reading the state ahead of time
}

// held reports whether sending is paused, from a copy at most gateTTL
// old. A store that cannot be read holds nothing back here: its failure
// shows at the send's own writes.
//
// Once the copy is half its life old, the first goroutine to look reads
// the state again while the others go on with the copy (still younger than
// gateTTL): the sending goroutines do not all stop for the read once a
// second. Only a copy gateTTL old, or one forgotten, makes them wait.
func (w *Worker) held(ctx context.Context) (paused bool, slowUntil time.Time) {
	g := &w.gate
	g.mu.Lock()
	age := time.Since(g.read)
	if age < gateTTL && (age < gateTTL/2 || g.ahead) {
		defer g.mu.Unlock()
		return g.paused, g.slowUntil
	}
	if age < gateTTL { // read ahead, outside the lock
		g.ahead = true
		g.mu.Unlock()
		fresh, ok := w.readGate(ctx)
		g.mu.Lock()
		defer g.mu.Unlock()
		g.ahead = false
		if ok && fresh.read.After(g.read) && !g.read.IsZero() { // not forgotten meanwhile
			g.read, g.paused, g.slowUntil = fresh.read, fresh.paused, fresh.slowUntil
		}
		if ok {
			return fresh.paused, fresh.slowUntil
		}
		return g.paused, g.slowUntil
	}
	defer g.mu.Unlock()
	if fresh, ok := w.readGate(ctx); ok {
		g.read, g.paused, g.slowUntil = fresh.read, fresh.paused, fresh.slowUntil
	}
	return g.paused, g.slowUntil
}

// gateState is one reading of the sending state.
type gateState struct {
	read      time.Time
	paused    bool
	slowUntil time.Time
}

// readGate reads the sending state from the store; ok is false when it
// could not be read.
func (w *Worker) readGate(ctx context.Context) (gateState, bool) {
	st, err := w.Store.SendingState(ctx)
	if err != nil {
		return gateState{}, false
	}
	slow, err := w.Store.SlowUntil(ctx)
	if err != nil {
		return gateState{}, false
	}
	if st.Paused {
		w.Metrics.Paused.Set(1)
	} else {
		w.Metrics.Paused.Set(0)
	}
	return gateState{read: time.Now(), paused: st.Paused, slowUntil: slow}, true
}

// forget makes the next held read the store again.
func (w *Worker) forget() {
	w.gate.mu.Lock()
	w.gate.read = time.Time{}
	w.gate.mu.Unlock()
}

// pace waits before a letter or step goes out while a 4xx asked every
// worker to slow down: each sending goroutine sends at most one mail per
// SlowDelay then.
func (w *Worker) pace(ctx context.Context, slowUntil time.Time) error {
	if !w.Clock.Now().Before(slowUntil) {
		return nil
	}
	t := time.NewTimer(w.SlowDelay)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// refused counts a refusal of the sender or the message (ErrBlocked) and,
// at the BreakerLimit-th in a row across every worker, pauses sending
// with the server's reply as the reason. Nobody is bounced for it.
func (w *Worker) refused(ctx context.Context, cause error) {
	w.Metrics.Refusals.Inc()
	n, err := w.Store.CountRefusal(ctx)
	if err != nil || n < newsletter.BreakerLimit {
		return
	}
	reason := fmt.Sprintf("The mail server refused %d mails in a row because of the sender or the message, not the addresses: %s",
		n, replyText(cause))
	paused, err := w.Store.PauseSending(ctx, newsletter.Sending{Paused: true, Reason: reason, Since: w.Clock.Now(),
		By: newsletter.PausedByBreaker})
	if err == nil && paused {
		w.Metrics.Pauses.WithLabelValues(newsletter.PausedByBreaker).Inc()
		w.Log.Error("sending paused: the mail server refuses the sender or the message; nobody was bounced. "+
			"Check the provider, then resume in the desk or with POST /admin/api/sending/resume", "refusals", n, "reply", replyText(cause))
	}
	w.forget()
}

// deferred asks every worker to slow down after a 4xx reply.
func (w *Worker) deferred(ctx context.Context) {
	w.Metrics.Deferrals.Inc()
	now := w.Clock.Now()
	if err := w.Store.SlowDown(ctx, now.Add(slowFor), now); err == nil {
		w.forget()
	}
}

// replyText is the error's text, bounded: the server's reply as the
// mailer wrapped it (without the recipient's address).
func replyText(err error) string {
	s := err.Error()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
