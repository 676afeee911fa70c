package sequences

import (
	"strings"
	"testing"
	"time"
)

func TestParseDuration(t *testing.T) {
	good := []struct {
		in   string
		want time.Duration
	}{
		{"0s", 0},
		{"0", 0},
		{"90m", 90 * time.Minute},
		{"2h45m", 2*time.Hour + 45*time.Minute},
		{"500ms", 500 * time.Millisecond},
		{"3d", 72 * time.Hour},
		{"1w", 168 * time.Hour},
		{"1w2d", 9 * 24 * time.Hour},
		{"2d1w", 9 * 24 * time.Hour},
		{"1w2d12h30m", (7+2)*24*time.Hour + 12*time.Hour + 30*time.Minute},
		{"1.5d", 36 * time.Hour},
		{".5h", 30 * time.Minute},
		{"10us", 10 * time.Microsecond},
		{"10µs", 10 * time.Microsecond},
	}
	for _, tc := range good {
		got, err := ParseDuration(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseDuration(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
	bad := []struct {
		in, want string
	}{
		{"", `invalid duration "": empty`},
		{"-1d", `invalid duration "-1d": negative durations are not allowed`},
		{"-0s", "negative"},
		{"1x", `invalid duration "1x": unknown unit "x"`},
		{"1y2d", `unknown unit "y"`},
		{"5", `invalid duration "5": missing unit after 5`},
		{"d", `expected a number at "d"`},
		{"1.2.3d", "expected a number"},
		{"1w-2d", `expected a number at "-2d"`},
		{" 1d", "expected a number"},
		{"99999999999999w", "too long"},
		{"15250w15250w", "too long"},
	}
	for _, tc := range bad {
		got, err := ParseDuration(tc.in)
		if err == nil {
			t.Errorf("ParseDuration(%q) = %v, want an error", tc.in, got)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseDuration(%q) error %q, want it to contain %q", tc.in, err, tc.want)
		}
	}
}
