package sequences

import "time"

// wholeDay is the window of a step that has days but no time window.
var wholeDay = Window{Start: 0, End: 24 * time.Hour}

// NextOpening returns the earliest time at or after t that lies inside the
// step's Window on one of its Days, both read on the wall clock of loc (the
// subscriber's time zone; nil means t's own location). It returns t itself
// when the step has neither a window nor days, or when t is already inside.
//
// The search works on local calendar dates, never by adding 24 hours, so a
// window stays at the same local time across a daylight-saving change. An
// instant is inside when the clock reads inside the window at that instant:
// a window edge that falls into a daylight-saving gap moves to the end of the
// gap, a window swallowed whole by the gap does not open that day, and a
// window in the hour that is repeated when the clock goes back opens in both
// passes of that hour, first in the earlier one. The search looks at most 15
// days ahead and always returns.
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
	// Two weeks: an allowed weekday whose window a daylight-saving gap
	// swallows has its next turn a week later.
	for i := 0; i <= 15; i++ {
		// Noon exists on every day in every zone; midnight does not.
		if !days.Has(time.Date(y, m, d+i, 12, 0, 0, 0, loc).Weekday()) {
			continue
		}
		// The window's edges as clock readings, written as UTC times.
		from := time.Date(y, m, d+i, 0, 0, 0, 0, time.UTC).Add(win.Start)
		to := from.Add(win.End - win.Start)
		// Walk the zone periods (stretches of one UTC offset) around the
		// day in order. In each, the clock reads inside the window from
		// from-offset to to-offset, cut to the period: a daylight-saving
		// change in the window leaves two pieces, one or none of it.
		for z := from.Add(-Day).In(loc); z.Before(to.Add(Day)); {
			zoneStart, zoneEnd := z.ZoneBounds()
			_, offset := z.Zone()
			start := from.Add(-time.Duration(offset) * time.Second)
			end := to.Add(-time.Duration(offset) * time.Second)
			if start.Before(zoneStart) {
				start = zoneStart
			}
			if !zoneEnd.IsZero() && zoneEnd.Before(end) {
				end = zoneEnd
			}
			if start.Before(end) && t.Before(end) {
				if t.Before(start) {
					return start.In(loc)
				}
				return t
			}
			if zoneEnd.IsZero() {
				break
			}
			z = zoneEnd.In(loc)
		}
	}
	return t // unreachable: within two weeks an allowed day has its window
}
