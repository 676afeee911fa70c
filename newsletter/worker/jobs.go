package worker

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"time"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/drip"
)

// confirm sends the double opt-in mail to a subscriber still pending.
func (w *Worker) confirm(ctx context.Context, sender newsletter.Sender, j newsletter.Job) error {
	sub, err := w.loadSubscriber(ctx, j)
	if err != nil {
		return err
	}
	if sub == nil || sub.Status != newsletter.StatusPending {
		return w.drop(ctx, j, "not_pending")
	}
	key := newsletter.ConfirmLedgerKey(sub.ConfirmMailAt)
	msg, err := w.Composer.Confirm(sub)
	if err != nil {
		return w.giveUp(ctx, j, err)
	}
	return w.deliver(ctx, sender, j, key, msg, newsletter.Outcome{Job: j})
}

// drip sends the subscriber's next step when it is due, and moves the job
// to the step after it.
func (w *Worker) drip(ctx context.Context, sender newsletter.Sender, j newsletter.Job) error {
	sub, err := w.loadSubscriber(ctx, j)
	if err != nil {
		return err
	}
	if sub == nil || sub.Status != newsletter.StatusConfirmed {
		return w.drop(ctx, j, "not_confirmed")
	}
	step, due, ok := drip.Next(w.Sequences, sub, w.DefaultTZ)
	if !ok {
		return w.drop(ctx, j, "sequence_done")
	}
	now := w.Clock.Now()
	if due.After(now) {
		// The sequence changed, or the window is closed: wait.
		return w.Store.Schedule(ctx, j, due)
	}
	// Late (retries while the SMTP server was down, a lease that ran out, a
	// backlog): the window still holds, so a step that missed it waits for
	// the next opening instead of going out at any hour.
	if open := step.NextOpening(now, sub.Location(w.DefaultTZ)); open.After(now) {
		return w.Store.Schedule(ctx, j, open)
	}
	// A paused sequence (redisstore.Store.ParkStep): the due step waits
	// out of the queue, and goes out once when the author resumes; the
	// step after it is then timed from that send.
	if parked, err := w.Store.ParkStep(ctx, sub.Sequence, j, due); err != nil || parked {
		return err
	}
	key := newsletter.StepLedgerKey(sub.Sequence, step.Name, sub.Enrolment)
	msg, err := w.Composer.Step(sub, step)
	if err != nil {
		return w.giveUp(ctx, j, err)
	}
	after := *sub
	after.LastStep, after.LastSentAt = step.Name, now
	out := newsletter.Outcome{Job: j, Step: step.Name}
	if _, next, ok := drip.Next(w.Sequences, &after, w.DefaultTZ); ok {
		out.NextDue = next
	}
	if err := w.deliver(ctx, sender, j, key, msg, out); err != nil {
		return err
	}
	// The stats count the step when this attempt's send is in the ledger.
	if err := w.Store.CountStepSent(ctx, j.Subscriber, key, sub.Sequence, step.Name, now); err != nil {
		w.Log.Warn("could not count a step sent for the stats", "sequence", sub.Sequence, "step", step.Name, "err", err)
	}
	return nil
}

// deliver sends msg unless key is already in the ledger, then records out.
// A permanent rejection marks the subscriber bounced; a temporary failure
// puts the job back with backoff.
func (w *Worker) deliver(ctx context.Context, sender newsletter.Sender, j newsletter.Job, key string, msg *newsletter.Message, out newsletter.Outcome) error {
	done, err := w.Store.Recorded(ctx, j.Subscriber, key)
	if err != nil {
		return err
	}
	if done {
		return w.settleRecorded(ctx, out)
	}
	return w.send(ctx, sender, j, key, msg, out)
}

// settleRecorded settles a job whose mail is already in the ledger: it
// was sent before a crash that came after the ledger write.
func (w *Worker) settleRecorded(ctx context.Context, out newsletter.Outcome) error {
	out.Send, out.LedgerKey, out.Counter = nil, "", ""
	return w.Store.Record(ctx, out)
}

// send sends msg, whose key is not in the ledger, and records out.
func (w *Worker) send(ctx context.Context, sender newsletter.Sender, j newsletter.Job, key string, msg *newsletter.Message, out newsletter.Outcome) error {
	// Confirmations are few and promised within seconds: they do not wait
	// for a pause, a slow-down or a letter's pacing.
	if !j.Urgent() {
		paused, slowUntil := w.held(ctx)
		if paused {
			// Back in the queue, where claim.lua leaves it until the
			// author resumes.
			return w.Store.Schedule(ctx, j, w.Clock.Now())
		}
		if err := w.pace(ctx, slowUntil); err != nil {
			return err
		}
		if w.Limiter != nil {
			if err := w.Limiter.Wait(ctx); err != nil {
				return err
			}
		}
	}
	msg.ID = messageID(j, key) + "@" + w.idDomain()
	kind := kindOf(j)
	start := time.Now()
	err := sender.Send(ctx, msg)
	w.Metrics.SendSeconds.Observe(time.Since(start).Seconds())
	switch {
	case err == nil:
		out.LedgerKey = key
		out.Send = &newsletter.Send{Kind: kind, Subject: msg.Subject, SentAt: w.Clock.Now()}
		w.Metrics.Sent.WithLabelValues(kind).Inc()
		if j.Kind == newsletter.JobLetterSend {
			return w.settleSent(ctx, out) // with the others' of the moment (batch.go)
		}
		return w.recordSent(ctx, out)
	case errors.Is(err, newsletter.ErrRejected):
		w.Log.Warn("address rejected; marked bounced", "subscriber", j.Subscriber, "err", err)
		w.Metrics.Failed.WithLabelValues(kind, "rejected").Inc()
		if err := newsletter.MarkBounced(ctx, w.Store, j.Subscriber, newsletter.ReplyOf(err), w.Clock.Now()); err != nil {
			return err
		}
		return w.Store.Record(ctx, newsletter.Outcome{Job: j, Counter: failedCounter(j)})
	case errors.Is(err, newsletter.ErrUnsendable):
		return w.giveUp(ctx, j, err)
	case errors.Is(err, newsletter.ErrBlocked):
		w.refused(ctx, err)
		return w.retry(ctx, j, err)
	case errors.Is(err, newsletter.ErrDeferred):
		w.deferred(ctx)
		return w.retry(ctx, j, err)
	default:
		return w.retry(ctx, j, err)
	}
}

// DefaultMaxAttempts is how many times a mail is tried before it is given
// up: with the backoff of retry (5 s doubling to an hour), the last try
// comes about two days after the first.
const DefaultMaxAttempts = 57

// idDomain is the right part of the Message-IDs the worker makes.
func (w *Worker) idDomain() string {
	if w.MessageIDDomain == "" {
		return "newsletter.invalid"
	}
	return w.MessageIDDomain
}

// messageID is the Message-ID's left part of the mail key stands for: the
// same on every attempt, so that a retry after an unclear failure is
// recognisably the same message.
func messageID(j newsletter.Job, key string) string {
	h := sha256.Sum256([]byte(j.Subscriber + "\x00" + key))
	return hex.EncodeToString(h[:12])
}

// retry puts j back with exponential backoff (5s doubling to 1h), or
// gives up after MaxAttempts.
func (w *Worker) retry(ctx context.Context, j newsletter.Job, cause error) error {
	if j.Attempts+1 >= w.MaxAttempts {
		return w.giveUp(ctx, j, cause)
	}
	wait := 5 * time.Second << min(j.Attempts, 10)
	wait = min(wait, time.Hour)
	w.Log.Warn("send failed; will retry", "job", j.ID(), "attempt", j.Attempts+1, "in", wait, "err", cause)
	w.Metrics.Retried.WithLabelValues(kindOf(j)).Inc()
	return w.Store.Retry(ctx, j, w.Clock.Now().Add(wait))
}

// giveUp drops a job that cannot succeed and counts it as failed.
func (w *Worker) giveUp(ctx context.Context, j newsletter.Job, cause error) error {
	w.Log.Error("giving up on job", "job", j.ID(), "err", cause)
	w.Metrics.Failed.WithLabelValues(kindOf(j), "gave_up").Inc()
	return w.Store.Record(ctx, newsletter.Outcome{Job: j, Counter: failedCounter(j)})
}

func failedCounter(j newsletter.Job) string {
	if j.Kind == newsletter.JobLetterSend {
		return "failed"
	}
	return ""
}

// kindOf is the kind of mail a job sends, as recorded and exported.
func kindOf(j newsletter.Job) string {
	switch j.Kind {
	case newsletter.JobDrip:
		return "step"
	case newsletter.JobLetterSend:
		return "letter"
	default:
		return string(j.Kind)
	}
}
