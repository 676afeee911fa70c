package worker

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// fanOut turns a letter that is due into one queued send per recipient.
func (w *Worker) fanOut(ctx context.Context, j newsletter.Job) error {
	l, ids, err := w.Store.StartFanOut(ctx, j.Letter)
	if errors.Is(err, newsletter.ErrNotFound) || errors.Is(err, newsletter.ErrConflict) {
		return w.drop(ctx, j, "letter_not_scheduled")
	}
	if err != nil {
		return err
	}
	if err := w.Store.FinishFanOut(ctx, l.ID, ids, w.Clock.Now()); err != nil {
		return err
	}
	w.Log.Info("letter fanned out", "letter", l.ID, "recipients", len(ids))
	return nil
}

// letterSend sends one letter to one subscriber still confirmed.
func (w *Worker) letterSend(ctx context.Context, sender newsletter.Sender, j newsletter.Job) error {
	l, err := w.letter(ctx, j.Letter)
	if errors.Is(err, newsletter.ErrNotFound) {
		return w.drop(ctx, j, "letter_gone")
	}
	if err != nil {
		return err
	}
	key := newsletter.LetterLedgerKey(l.ID)
	// The letter's status (l is a cached copy of its content), the
	// subscriber and the ledger in one round trip: a letter goes to many,
	// and each round trip costs the worker about as much CPU as composing
	// the mail.
	status, sub, done, err := w.Store.LetterRecipient(ctx, l.ID, j.Subscriber, key)
	if err != nil {
		return err
	}
	if status == newsletter.LetterCancelled {
		return w.drop(ctx, j, "letter_cancelled")
	}
	if sub == nil || sub.Status != newsletter.StatusConfirmed {
		w.Metrics.Dropped.WithLabelValues(string(j.Kind), "left").Inc()
		return w.Store.Record(ctx, newsletter.Outcome{Job: j, Counter: "skipped"})
	}
	out := newsletter.Outcome{Job: j, Counter: "sent"}
	if done {
		return w.settleRecorded(ctx, out)
	}
	msg, err := w.Composer.Letter(sub, l)
	if err != nil {
		return w.giveUp(ctx, j, err)
	}
	return w.send(ctx, sender, j, key, msg, out)
}

// letterTTL is how long a worker reuses a letter it loaded for its sends.
// A letter's subject and body cannot change once it is sending; only its
// status can (a cancel), and letterSend reads the status afresh for every
// send (Store.LetterRecipient), so a cancel stops the sends at once. The
// copy saves one read of the whole letter per recipient.
const letterTTL = 2 * time.Second

// letterCache holds the letters a worker is sending. Its zero value is ready.
type letterCache struct {
	mu      sync.Mutex
	letters map[string]cachedLetter
}

type cachedLetter struct {
	l  *newsletter.Letter
	at time.Time
}

// letter loads the letter id for a send, from the cache when fresh.
func (w *Worker) letter(ctx context.Context, id string) (*newsletter.Letter, error) {
	c := &w.letters
	c.mu.Lock()
	e, ok := c.letters[id]
	c.mu.Unlock()
	if ok && time.Since(e.at) < letterTTL {
		return e.l, nil
	}
	l, err := w.Store.Letter(ctx, id)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.letters == nil || len(c.letters) >= 16 {
		c.letters = map[string]cachedLetter{}
	}
	c.letters[id] = cachedLetter{l: l, at: time.Now()}
	c.mu.Unlock()
	return l, nil
}
