package sequences

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Window is a daily time-of-day range in which a step may be sent, read in
// the subscriber's time zone. Start is inclusive, End exclusive; both are
// measured from local midnight on the wall clock, and End > Start (a window
// cannot run past midnight; "24:00" is allowed as an end).
type Window struct {
	Start, End time.Duration
}

// ParseWindow parses "HH:MM-HH:MM", e.g. "08:00-11:00".
func ParseWindow(s string) (Window, error) {
	from, to, ok := strings.Cut(strings.TrimSpace(s), "-")
	if !ok {
		return Window{}, fmt.Errorf("invalid window %q: want \"HH:MM-HH:MM\", e.g. \"08:00-11:00\"", s)
	}
	start, err := parseClock(strings.TrimSpace(from), false)
	if err != nil {
		return Window{}, fmt.Errorf("invalid window %q: start: %w", s, err)
	}
	end, err := parseClock(strings.TrimSpace(to), true)
	if err != nil {
		return Window{}, fmt.Errorf("invalid window %q: end: %w", s, err)
	}
	if end <= start {
		return Window{}, fmt.Errorf("invalid window %q: the end must be after the start (windows cannot cross midnight)", s)
	}
	return Window{Start: start, End: end}, nil
}

// parseClock parses "HH:MM" (or "H:MM"); "24:00" only when allowMidnight.
func parseClock(s string, allowMidnight bool) (time.Duration, error) {
	hh, mm, ok := strings.Cut(s, ":")
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	if !ok || err1 != nil || err2 != nil || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 {
		return 0, fmt.Errorf("%q is not a time like 08:00", s)
	}
	if h == 24 && m == 0 && allowMidnight {
		return 24 * time.Hour, nil
	}
	if h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, fmt.Errorf("%q is not a time of day (00:00 to 23:59)", s)
	}
	return time.Duration(h)*time.Hour + time.Duration(m)*time.Minute, nil
}

// String formats the window as "HH:MM-HH:MM".
func (w Window) String() string {
	return clock(w.Start) + "-" + clock(w.End)
}

// clock formats a duration since midnight as "HH:MM".
func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d/time.Hour), int(d%time.Hour/time.Minute))
}
