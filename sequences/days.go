package sequences

import (
	"fmt"
	"strings"
	"time"
)

// Weekdays is a set of days of the week: bit 1<<time.Weekday for each day
// in it. The zero value means every day.
type Weekdays uint8

// allDays holds all seven days.
const allDays Weekdays = 1<<7 - 1

// dayNames maps the accepted spellings to weekdays.
var dayNames = map[string]time.Weekday{
	"sun": time.Sunday, "sunday": time.Sunday,
	"mon": time.Monday, "monday": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday,
	"fri": time.Friday, "friday": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday,
}

const daysHelp = "use mon, tue, wed, thu, fri, sat, sun, ranges like mon-fri, weekdays or weekends"

// ParseDays parses a set of days from its parts: each part is a day ("mon",
// "Monday"), a range ("mon-fri", "fri-mon" wraps around), "weekdays",
// "weekends", or "every day"/"daily"/"any". Parts may also be separated by
// commas within one string ("mon,wed,fri"). No parts at all means every day.
func ParseDays(parts ...string) (Weekdays, error) {
	var set Weekdays
	for _, part := range parts {
		for _, item := range strings.Split(part, ",") {
			d, err := parseDayItem(strings.ToLower(strings.TrimSpace(item)))
			if err != nil {
				return 0, err
			}
			if d == 0 {
				return 0, nil // "every day" wins over everything
			}
			set |= d
		}
	}
	if set == allDays {
		return 0, nil
	}
	return set, nil
}

// parseDayItem parses one day, range or name of a group of days; 0 means
// every day.
func parseDayItem(s string) (Weekdays, error) {
	switch s {
	case "", "every day", "everyday", "daily", "any", "all":
		return 0, nil
	case "weekdays":
		return dayRange(time.Monday, time.Friday), nil
	case "weekends", "weekend":
		return 1<<time.Saturday | 1<<time.Sunday, nil
	}
	from, to, isRange := strings.Cut(s, "-")
	a, ok := dayNames[strings.TrimSpace(from)]
	if !ok {
		return 0, fmt.Errorf("invalid day %q (%s)", strings.TrimSpace(from), daysHelp)
	}
	if !isRange {
		return 1 << a, nil
	}
	b, ok := dayNames[strings.TrimSpace(to)]
	if !ok {
		return 0, fmt.Errorf("invalid day %q (%s)", strings.TrimSpace(to), daysHelp)
	}
	return dayRange(a, b), nil
}

// dayRange is every day from a to b inclusive, wrapping past Saturday.
func dayRange(a, b time.Weekday) Weekdays {
	var set Weekdays
	for d := a; ; d = (d + 1) % 7 {
		set |= 1 << d
		if d == b {
			return set
		}
	}
}

// Has reports whether d is in the set; every day is in the zero set.
func (w Weekdays) Has(d time.Weekday) bool {
	if w&allDays == 0 {
		return true
	}
	return w&(1<<d) != 0
}

// String lists the days, e.g. "mon,wed,fri", or "every day".
func (w Weekdays) String() string {
	if w&allDays == 0 || w&allDays == allDays {
		return "every day"
	}
	var names []string
	for _, d := range []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday, time.Sunday} {
		if w.Has(d) {
			names = append(names, strings.ToLower(d.String()[:3]))
		}
	}
	return strings.Join(names, ",")
}
