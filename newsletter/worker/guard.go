package worker

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// Watermarks is what the data-loss guard needs of the store.
type Watermarks interface {
	Watermark(ctx context.Context) (epoch string, beat int64, err error)
	NewEpoch(ctx context.Context) (string, error)
}

// GuardEvery is how often a process checks that Redis still holds the
// data it saw: a loss is noticed within this long (and the contract's 30
// seconds), and a process's check costs one round trip.
const GuardEvery = 10 * time.Second

// Guard notices when Redis loses data while the service runs: emptied
// (its epoch is gone), replaced by other data (another epoch) or put back
// to an older copy (the beat counter is lower than one this process saw:
// a restored backup, a failover to a replica that lagged). Then it pauses
// sending with a reason that says what happened, so that nothing is sent
// twice from a ledger that forgot it was sent, until the author resumes.
//
// The guard sees only what happens while its process runs; the README's
// "When things go wrong" says how to restore a backup safely.
type Guard struct {
	Store interface {
		Watermarks
		PauseSending(ctx context.Context, st newsletter.Sending) (bool, error)
	}
	Clock newsletter.Clock
	// Paused, when set, is told of each pause the guard makes (a metric).
	Paused func()
	Log    logger

	mu    sync.Mutex // guards epoch and beat: Run and a caller may Check at once
	epoch string
	beat  int64
}

// logger is the part of slog.Logger the guard uses.
type logger interface {
	Info(msg string, args ...any)
	Error(msg string, args ...any)
}

// Check reads the watermark once: the first call learns it (giving a new
// Redis its epoch), later calls compare. It returns a non-nil error only
// when the store could not be read; a loss it found pauses sending.
func (g *Guard) Check(ctx context.Context) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	epoch, beat, err := g.Store.Watermark(ctx)
	if err != nil {
		return err
	}
	var lost string
	switch {
	case epoch == "" && g.epoch != "":
		lost = "Redis was emptied while the service ran (its data has no epoch any more)"
	case epoch != "" && g.epoch != "" && epoch != g.epoch:
		lost = "Redis now holds other data than before (its epoch changed from " + g.epoch + " to " + epoch + ")"
	case epoch != "" && epoch == g.epoch && beat <= g.beat:
		lost = fmt.Sprintf("Redis went back in time: it holds an older copy of the data (its counter fell from %d to %d), "+
			"as after restoring a backup or a failover to a replica that lagged", g.beat, beat)
	}
	if lost != "" {
		reason := lost + ". Mail recorded as sent since that copy may be missing from the ledger, so letters and steps are " +
			"paused to send nothing twice. Check the subscribers and letters in the desk, then resume."
		paused, err := g.Store.PauseSending(ctx, newsletter.Sending{Paused: true, Reason: reason, Since: g.Clock.Now(),
			By: newsletter.PausedByDataLoss})
		if err != nil {
			return err
		}
		if paused {
			g.Log.Error("sending paused: Redis lost data", "what", lost)
			if g.Paused != nil {
				g.Paused()
			}
		}
	}
	if epoch == "" {
		if epoch, err = g.Store.NewEpoch(ctx); err != nil {
			return err
		}
	}
	g.epoch, g.beat = epoch, beat
	return nil
}

// Run checks every GuardEvery until ctx ends.
func (g *Guard) Run(ctx context.Context) {
	t := time.NewTicker(GuardEvery)
	defer t.Stop()
	for {
		if err := g.Check(ctx); err != nil && ctx.Err() == nil {
			g.Log.Info("could not check Redis for lost data; will try again", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
