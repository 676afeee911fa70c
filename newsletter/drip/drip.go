package drip

import (
	"time"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/sequences"
)

// Next says which step of its sequence a confirmed subscriber gets
// next and when: the step's `after` counted from the last step sent (or
// from confirmation), moved to the next opening of its send window in the
// subscriber's time zone. An `after` of whole days is counted on the
// subscriber's calendar (see afterFrom). ok is false when the sequence is
// unknown or finished.
func Next(set *sequences.Set, sub *newsletter.Subscriber, fallback *time.Location) (step *sequences.Step, due time.Time, ok bool) {
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
	loc := sub.Location(fallback)
	return step, step.NextOpening(afterFrom(step, from, loc), loc), true
}

// afterFrom is when the step's `after` has passed since from. A whole
// number of days ("7d", "1w") ends at the same wall-clock time in loc that
// many calendar days later, so a daylight-saving change does not move a
// 09:00 mail to 08:00 or 10:00; any other wait is an exact duration.
func afterFrom(step *sequences.Step, from time.Time, loc *time.Location) time.Time {
	days, ok := step.AfterDays()
	if !ok {
		return from.Add(step.After)
	}
	if loc == nil {
		loc = from.Location()
	}
	local := from.In(loc)
	y, m, d := local.Date()
	h, mi, s := local.Clock()
	return wallClock(y, m, d+days, h, mi, s, local.Nanosecond(), loc)
}

// wallClock is time.Date made definite where time.Date leaves the choice
// open: a wall time that a fall-back repeats is its first occurrence, and
// one that a spring-forward gap skips is read with the offset from before
// the gap, landing as far past the gap as it was into it (02:30 in a
// 02:00-03:00 gap becomes 03:30).
func wallClock(y int, m time.Month, d, h, mi, s, ns int, loc *time.Location) time.Time {
	t := time.Date(y, m, d, h, mi, s, ns, loc)
	start, end := t.ZoneBounds()
	if start.IsZero() && end.IsZero() {
		return t // no daylight saving in this zone
	}
	// The other offset in play is that of the period across the nearest
	// transition; a repeated or skipped wall time lies within hours of it.
	near := end
	if end.IsZero() || !start.IsZero() && t.Sub(start) < end.Sub(t) {
		near = start.Add(-time.Nanosecond)
	}
	_, off1 := t.Zone()
	_, off2 := near.Zone()
	// Read the wall time with the larger offset (the earlier instant); it
	// is right when that instant's own offset is the one used.
	wall := time.Date(y, m, d, h, mi, s, ns, time.UTC)
	first := wall.Add(-time.Duration(max(off1, off2)) * time.Second).In(loc)
	if _, off := first.Zone(); off == max(off1, off2) {
		return first
	}
	return wall.Add(-time.Duration(min(off1, off2)) * time.Second).In(loc)
}
