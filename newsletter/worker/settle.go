package worker

import (
	"context"
	"errors"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// recordSent writes the outcome of a mail the SMTP server has accepted.
// When the store cannot be reached (Redis restarting), it keeps trying for
// up to a lease: the mail is out, and only its ledger entry stands between
// it and a second copy once the job's lease runs out and the job is taken
// again. Writing late is safe: the ledger entry is set once, and a record
// that finds it already there counts nothing twice. A store away for
// longer leaves the job leased, and the ledger check decides when it comes
// back.
func (w *Worker) recordSent(ctx context.Context, out newsletter.Outcome) error {
	err := w.Store.Record(ctx, out)
	deadline := time.Now().Add(w.Lease)
	for wait := 100 * time.Millisecond; errors.Is(err, newsletter.ErrUnavailable) && time.Now().Add(wait).Before(deadline); wait = min(2*wait, 2*time.Second) {
		w.Log.Warn("could not record a sent mail; retrying", "job", out.Job.ID(), "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		err = w.Store.Record(ctx, out)
	}
	return err
}
