package sequences

import (
	"strings"
	"testing"
	"time"
)

func TestParseWindow(t *testing.T) {
	good := []struct {
		in          string
		start, end  time.Duration
		wantPrinted string
	}{
		{"08:00-11:00", 8 * time.Hour, 11 * time.Hour, "08:00-11:00"},
		{"8:30-9:05", 8*time.Hour + 30*time.Minute, 9*time.Hour + 5*time.Minute, "08:30-09:05"},
		{" 08:00 - 11:30 ", 8 * time.Hour, 11*time.Hour + 30*time.Minute, "08:00-11:30"},
		{"00:00-24:00", 0, 24 * time.Hour, "00:00-24:00"},
		{"23:00-23:59", 23 * time.Hour, 23*time.Hour + 59*time.Minute, "23:00-23:59"},
	}
	for _, tc := range good {
		w, err := ParseWindow(tc.in)
		if err != nil || w.Start != tc.start || w.End != tc.end {
			t.Errorf("ParseWindow(%q) = %+v, %v; want %v-%v", tc.in, w, err, tc.start, tc.end)
			continue
		}
		if w.String() != tc.wantPrinted {
			t.Errorf("ParseWindow(%q).String() = %q, want %q", tc.in, w.String(), tc.wantPrinted)
		}
	}
	bad := []struct {
		in, want string
	}{
		{"11:00-08:00", "the end must be after the start"},
		{"08:00-08:00", "the end must be after the start"},
		{"22:00-02:00", "cannot cross midnight"},
		{"8-11", `start: "8" is not a time like 08:00`},
		{"08:00", `want "HH:MM-HH:MM"`},
		{"", `want "HH:MM-HH:MM"`},
		{"25:00-26:00", `start: "25:00" is not a time of day`},
		{"08:60-09:00", `"08:60" is not a time of day`},
		{"08:00-24:01", `end: "24:01" is not a time of day`},
		{"24:00-24:00", `start: "24:00" is not a time of day`},
		{"08:00-11:0", `end: "11:0" is not a time like 08:00`},
		{"aa:bb-11:00", "not a time like"},
	}
	for _, tc := range bad {
		w, err := ParseWindow(tc.in)
		if err == nil {
			t.Errorf("ParseWindow(%q) = %v, want an error", tc.in, w)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "invalid window") {
			t.Errorf("ParseWindow(%q) error %q, want it to contain %q", tc.in, err, tc.want)
		}
	}
}
