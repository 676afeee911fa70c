package sequences

import "time"

// wholeDay is the window of a step that has days but no time window.
var wholeDay = Window{Start: 0, End: 24 * time.Hour}

// NextOpening returns the earliest time at or after t that lies inside the
// step's Window on one of its Days, both read on the wall clock of loc (the
// subscriber's time zone; nil means t's own location). It returns t itself
// when the step has neither a window nor days, or when t is already inside.
//
// The search works on local calendar dates with time.Date, never by adding
// 24 hours, so a window stays at the same local time across a daylight-saving
// change. A window edge that falls into a daylight-saving gap moves to the
// first instant after the gap, so a window swallowed whole by the gap does
// not open that day. The search looks at most 8 days ahead and always
// returns.
func (st *Step) NextOpening(t time.Time, loc *time.Location) time.Time {
	return nextOpening(t, loc, st.Window, st.Days)
}

func nextOpening(t time.Time, loc *time.Location, win *Window, days Weekdays) time.Time {
	if win == nil && days&allDays == 0 {
		return t
	}
	if win == nil {
		win = &wholeDay
	}
	if loc == nil {
		loc = t.Location()
	}
	local := t.In(loc)
	since := time.Duration(local.Hour())*time.Hour + time.Duration(local.Minute())*time.Minute +
		time.Duration(local.Second())*time.Second + time.Duration(local.Nanosecond())
	if days.Has(local.Weekday()) && since >= win.Start && since < win.End {
		return t
	}
	y, m, d := local.Date()
	for i := 0; i <= 8; i++ {
		// Noon exists on every day in every zone; midnight does not.
		if !days.Has(time.Date(y, m, d+i, 12, 0, 0, 0, loc).Weekday()) {
			continue
		}
		start := atClock(y, m, d+i, win.Start, loc)
		end := atClock(y, m, d+i, win.End, loc)
		if !start.Before(end) {
			continue // a daylight-saving gap swallowed the window today
		}
		if t.Before(start) {
			return start
		}
		if t.Before(end) {
			return t
		}
	}
	return t // unreachable: some day within a week is in any set of days
}

// atClock is the first instant at which the wall clock in loc shows since
// (from midnight, at most 24h) on the given date. A wall time skipped by a
// daylight-saving jump becomes the instant of the jump.
func atClock(y int, m time.Month, d int, since time.Duration, loc *time.Location) time.Time {
	if since >= 24*time.Hour {
		return atClock(y, m, d+1, 0, loc)
	}
	h := int(since / time.Hour)
	mins := int(since % time.Hour / time.Minute)
	t := time.Date(y, m, d, h, mins, 0, 0, loc)
	if t.Hour() != h || t.Minute() != mins {
		// time.Date moved a nonexistent wall time back by the size of the
		// gap; the clock next shows a later time when the gap ends.
		if _, gapEnd := t.ZoneBounds(); !gapEnd.IsZero() {
			return gapEnd
		}
	}
	return t
}
