package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/drip"
	"github.com/satina/newsletter/sequences"
)

// Reconcile brings the schedule in line with sequences edited since the
// last start: for each sequence whose content changed, every confirmed
// subscriber in it gets its next step due again by the current files. An
// appended step so reaches those who had finished, a removed one is
// skipped, and a changed `after` applies to steps not yet sent.
//
// A sequence's new fingerprint is recorded only after every one of its
// subscribers was re-planned: after a failure part way, the next
// Reconcile plans them all again (moving a job twice to the same time is
// harmless), so an edit is never forgotten.
func (w *Worker) Reconcile(ctx context.Context) error {
	w.init()
	for _, id := range w.Sequences.IDs() {
		seq, _ := w.Sequences.Get(id)
		now := fingerprint(seq)
		old, err := w.Store.SequenceVersion(ctx, id)
		if err != nil {
			return fmt.Errorf("reconcile %s: %w", id, err)
		}
		if old == now {
			continue
		}
		if old != "" {
			n, err := w.reschedule(ctx, id)
			if err != nil {
				return fmt.Errorf("reconcile %s: %w", id, err)
			}
			w.Log.Info("sequence changed; schedule updated", "sequence", id, "subscribers", n)
		}
		if err := w.Store.SetSequenceVersion(ctx, id, now); err != nil {
			return fmt.Errorf("reconcile %s: %w", id, err)
		}
	}
	return nil
}

func (w *Worker) reschedule(ctx context.Context, sequence string) (int, error) {
	ids, err := w.Store.Enrolled(ctx, sequence)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, id := range ids {
		sub, err := w.Store.Subscriber(ctx, id)
		if errors.Is(err, newsletter.ErrNotFound) {
			continue // erased meanwhile: nothing to plan
		}
		if err != nil {
			return n, err
		}
		if _, due, ok := drip.Next(w.Sequences, sub, w.DefaultTZ); ok {
			moved, err := w.Store.Replan(ctx, newsletter.Job{Kind: newsletter.JobDrip, Subscriber: id}, due, w.Clock.Now(), w.Lease)
			if err != nil {
				return n, err
			}
			if moved {
				n++
			}
		}
	}
	return n, nil
}

// fingerprint hashes what decides a sequence's schedule: step names and
// their timing.
func fingerprint(seq *sequences.Sequence) string {
	h := sha256.New()
	for _, st := range seq.Steps {
		var window sequences.Window
		if st.Window != nil {
			window = *st.Window
		}
		fmt.Fprintf(h, "%s|%d|%v|%v\n", st.Name, st.After, window, st.Days)
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
