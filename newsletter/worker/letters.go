package worker

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// fanOut turns a letter that is due into one queued send per recipient,
// unless the late-letter guard holds it: then the letter waits for the
// author, and no recipient is taken. The store pages through the
// recipients: the worker never holds the whole list.
func (w *Worker) fanOut(ctx context.Context, j newsletter.Job) error {
	l, n, err := w.Store.FanOutLetter(ctx, j.Letter, w.Clock.Now(), w.LateLetterGrace)
	if errors.Is(err, newsletter.ErrHeld) {
		w.Log.Warn("letter held: it could not start within LATE_LETTER_GRACE of its time; it waits for the author",
			"letter", j.Letter, "grace", w.LateLetterGrace)
		return w.drop(ctx, j, "letter_held")
	}
	if errors.Is(err, newsletter.ErrNotFound) || errors.Is(err, newsletter.ErrConflict) {
		return w.drop(ctx, j, "letter_not_scheduled")
	}
	if err != nil {
		return err
	}
	w.Log.Info("letter fanned out", "letter", l.ID, "recipients", n)
	return nil
}

// letterSend sends one letter to one subscriber still confirmed.
func (w *Worker) letterSend(ctx context.Context, sender newsletter.Sender, j newsletter.Job) error {
	w.settler.enter()
	defer w.settler.leave()
	l, err := w.letter(ctx, j.Letter)
	if errors.Is(err, newsletter.ErrNotFound) {
		return w.drop(ctx, j, "letter_gone")
	}
	if err != nil {
		return err
	}
	key := newsletter.LetterLedgerKey(l.ID)
	// The letter's status (l is a cached copy of its content), the
	// subscriber and the ledger, as the claim read them (batch.go) or in
	// one round trip: a letter goes to many, and each round trip costs the
	// worker about as much CPU as composing the mail.
	status, sub, done, err := w.recipient(ctx, j, key)
	if err != nil {
		return err
	}
	if status == newsletter.LetterCancelled {
		return w.drop(ctx, j, "letter_cancelled")
	}
	if status == newsletter.LetterHeld {
		return w.park(ctx, j)
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

// The late-letter guard: a letter that could not start, or go on, within
// LATE_LETTER_GRACE of its time is held for the author instead of sent
// late. The fan-out holds a letter that comes to it too late (atomically,
// taking no recipients); WatchLetters holds a letter whose time passed
// while nothing could start it (sending paused, the worker down) and one
// that stalled while sending; a send of a held letter is parked. The
// author releases the letter (service.ReleaseLetter) or cancels it.
//
// A letter held back by the author's own pause is held too: once the
// grace has passed it asks her whether it should still go out.

// LetterWatchEvery is how often WatchLetters looks for late and stalled
// letters.
const LetterWatchEvery = 30 * time.Second

// park puts a send of a held letter aside until the author releases or
// cancels the letter; one released meanwhile is due again at once.
func (w *Worker) park(ctx context.Context, j newsletter.Job) error {
	if _, err := w.Store.ParkLetterSend(ctx, j, w.Clock.Now()); err != nil {
		return fmt.Errorf("park a send of held letter %s: %w", j.Letter, err)
	}
	return nil
}

// CheckLetters holds, as of the worker's clock, every scheduled letter
// more than the grace past its time and every sending letter with sends
// left that made no progress for the grace. It returns the ids it held.
func (w *Worker) CheckLetters(ctx context.Context) ([]string, error) {
	w.init()
	grace := w.LateLetterGrace
	ids, err := w.Store.HoldLateLetters(ctx, w.Clock.Now(), grace)
	for _, id := range ids {
		w.Log.Warn("letter held: it could not start or go on within LATE_LETTER_GRACE; it waits for the author",
			"letter", id, "grace", grace)
	}
	if err != nil {
		return ids, fmt.Errorf("check late letters: %w", err)
	}
	return ids, nil
}

// WatchLetters runs CheckLetters at once and then every LetterWatchEvery
// until ctx ends. Every worker process may run it: a letter is held once.
func (w *Worker) WatchLetters(ctx context.Context) {
	w.init()
	for {
		if _, err := w.CheckLetters(ctx); err != nil && ctx.Err() == nil {
			w.Log.Warn("looking for late letters failed; will try again", "err", err, "in", LetterWatchEvery)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(LetterWatchEvery):
		}
	}
}
