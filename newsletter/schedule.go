package newsletter

import (
	"time"

	"github.com/satina/newsletter/sequences"
)

// NextStep says which step of its sequence a confirmed subscriber gets
// next and when: the step's `after` counted from the last step sent (or
// from confirmation), moved to the next opening of its send window in the
// subscriber's time zone. ok is false when the sequence is unknown or
// finished.
func NextStep(set *sequences.Set, sub *Subscriber, fallback *time.Location) (step *sequences.Step, due time.Time, ok bool) {
	if sub.Sequence == "" {
		return nil, time.Time{}, false
	}
	seq, found := set.Get(sub.Sequence)
	if !found {
		return nil, time.Time{}, false
	}
	step, ok = seq.StepAfter(sub.LastStep)
	if !ok {
		return nil, time.Time{}, false
	}
	from := sub.LastSentAt
	if from.IsZero() {
		from = sub.Consent.ConfirmedAt
	}
	return step, step.NextOpening(from.Add(step.After), sub.Location(fallback)), true
}
