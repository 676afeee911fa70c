package worker

import (
	"context"
	"sync"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// DefaultLease is how long a claimed job stays hidden from other workers
// without a heartbeat: a killed worker's jobs go out again within it (and
// a poll), while a living worker moves the lease on every Lease/3.
const DefaultLease = 15 * time.Second

// leases are the jobs a worker holds: claimed and not yet settled, with
// the end of each one's lease.
type leases struct {
	mu   sync.Mutex
	held map[string]heldJob
}

type heldJob struct {
	job newsletter.Job
	end time.Time
}

// leaseEnd is the lease end Claim gives at now, to the millisecond the
// store keeps.
func leaseEnd(now time.Time, lease time.Duration) time.Time {
	return time.UnixMilli(now.Add(lease).UnixMilli())
}

func (l *leases) add(jobs []newsletter.Job, end time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held == nil {
		l.held = map[string]heldJob{}
	}
	for _, j := range jobs {
		l.held[j.ID()] = heldJob{job: j, end: end}
	}
}

func (l *leases) done(j newsletter.Job) {
	l.mu.Lock()
	delete(l.held, j.ID())
	l.mu.Unlock()
}

// heartbeat moves the lease of every held job on, every Lease/3, until
// ctx ends. A job whose lease could not be moved (settled meanwhile, or
// its lease ran out and another worker took it) is left to whoever has it.
func (w *Worker) heartbeat(ctx context.Context) {
	t := time.NewTicker(w.Lease / 3)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		w.leases.mu.Lock()
		jobs := make([]newsletter.Job, 0, len(w.leases.held))
		ends := make([]time.Time, 0, len(w.leases.held))
		for _, h := range w.leases.held {
			jobs, ends = append(jobs, h.job), append(ends, h.end)
		}
		w.leases.mu.Unlock()
		if len(jobs) == 0 {
			continue
		}
		until := leaseEnd(w.Clock.Now(), w.Lease)
		moved, err := w.Store.Extend(ctx, jobs, ends, until)
		if err != nil {
			w.Log.Warn("could not extend the leases of held jobs; they may be taken by another worker", "jobs", len(jobs), "err", err)
			continue
		}
		w.leases.mu.Lock()
		for i, j := range jobs {
			if h, ok := w.leases.held[j.ID()]; ok && moved[i] && h.end.Equal(ends[i]) {
				h.end = until
				w.leases.held[j.ID()] = h
			}
		}
		w.leases.mu.Unlock()
	}
}
