package sequences

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Day and Week are the two units ParseDuration adds to Go's.
const (
	Day  = 24 * time.Hour
	Week = 7 * Day
)

// unit is one duration unit.
type unit struct {
	name string
	d    time.Duration
}

// units are the duration units; "ms" comes before "m" so that it wins.
var units = []unit{
	{"ns", time.Nanosecond},
	{"us", time.Microsecond},
	{"µs", time.Microsecond}, // U+00B5 micro sign
	{"μs", time.Microsecond}, // U+03BC Greek mu
	{"ms", time.Millisecond},
	{"s", time.Second},
	{"m", time.Minute},
	{"h", time.Hour},
	{"d", Day},
	{"w", Week},
}

const unitHelp = "use s, m, h, d or w, e.g. 90m, 3d, 1w2d"

// ParseDuration parses a wait such as "0s", "90m", "3d", "1w" or "1w2d12h":
// Go's time.ParseDuration syntax plus "d" (24 hours) and "w" (7 days).
// Fractions are allowed ("1.5d"), as is a bare "0". Negative durations are
// an error: a step cannot be due before the previous one was sent.
func ParseDuration(s string) (time.Duration, error) {
	d, err := parseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("invalid duration %q: %w", s, err)
	}
	return d, nil
}

func parseDuration(s string) (time.Duration, error) {
	switch {
	case s == "":
		return 0, errors.New("empty (" + unitHelp + ")")
	case s == "0":
		return 0, nil
	case strings.HasPrefix(s, "-"):
		return 0, errors.New("negative durations are not allowed")
	}
	var total time.Duration
	rest := s
	for rest != "" {
		num, after := leadingNumber(rest)
		if num == "" {
			return 0, fmt.Errorf("expected a number at %q (%s)", rest, unitHelp)
		}
		unit, ok := matchUnit(after)
		if !ok {
			if after == "" {
				return 0, fmt.Errorf("missing unit after %s (%s)", num, unitHelp)
			}
			name := after
			if i := strings.IndexAny(after, ".0123456789"); i > 0 {
				name = after[:i]
			}
			return 0, fmt.Errorf("unknown unit %q (%s)", name, unitHelp)
		}
		part, err := scale(num, unit.d)
		if err != nil {
			return 0, err
		}
		if part > math.MaxInt64-total {
			return 0, errors.New("too long")
		}
		total += part
		rest = after[len(unit.name):]
	}
	return total, nil
}

// leadingNumber splits s into a leading decimal number ("12", "1.5", ".5")
// and the rest.
func leadingNumber(s string) (num, rest string) {
	i, digits := 0, 0
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		if s[i] != '.' {
			digits++
		}
		i++
	}
	if digits == 0 || strings.Count(s[:i], ".") > 1 {
		return "", s
	}
	return s[:i], s[i:]
}

// matchUnit finds the unit at the start of s.
func matchUnit(s string) (unit, bool) {
	for _, u := range units {
		if strings.HasPrefix(s, u.name) {
			return u, true
		}
	}
	return unit{}, false
}

// scale multiplies a decimal number by a unit, rounding to nanoseconds.
func scale(num string, unit time.Duration) (time.Duration, error) {
	whole, frac, _ := strings.Cut(num, ".")
	var w int64
	for _, c := range whole {
		if w > (math.MaxInt64-9)/10 {
			return 0, errors.New("too long")
		}
		w = w*10 + int64(c-'0')
	}
	if w > math.MaxInt64/int64(unit) {
		return 0, errors.New("too long")
	}
	d := time.Duration(w) * unit
	f, div := int64(0), 1.0
	for _, c := range frac {
		if div > 1e18 {
			break // beyond nanosecond precision
		}
		f = f*10 + int64(c-'0')
		div *= 10
	}
	d += time.Duration(float64(f) * (float64(unit) / div))
	if d < 0 {
		return 0, errors.New("too long")
	}
	return d, nil
}
