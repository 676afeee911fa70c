package sequences

import (
	"testing"
	"time"
)

// TestNextOpeningDST checks windows whose edges fall into the hour that a
// daylight-saving change skips or repeats, with exact instants in UTC.
// Europe/Berlin skips 02:00-03:00 on 2026-03-29 and repeats it on
// 2026-10-25 (both at 01:00 UTC); America/New_York skips 02:00-03:00 on
// 2026-03-08 (07:00 UTC) and repeats 01:00-02:00 on 2026-11-01 (06:00 UTC).
func TestNextOpeningDST(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	ny := mustZone(t, "America/New_York")
	win := func(from, to string) *Window {
		w, err := ParseWindow(from + "-" + to)
		if err != nil {
			t.Fatal(err)
		}
		return &w
	}
	utc := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, time.UTC) }
	cases := []struct {
		name string
		loc  *time.Location
		win  *Window
		t    time.Time
		want time.Time
	}{
		// Europe/Berlin, spring forward.
		{"Berlin control: a normal day", berlin, win("02:30", "04:00"), utc(3, 22, 0, 0), utc(3, 22, 1, 30)},
		{"Berlin start in the gap: opens when the gap ends", berlin, win("02:30", "04:00"), utc(3, 29, 0, 0), utc(3, 29, 1, 0)},
		{"Berlin start in the gap: inside after the gap", berlin, win("02:30", "04:00"), utc(3, 29, 1, 30), utc(3, 29, 1, 30)},
		{"Berlin start in the gap: after the window", berlin, win("02:30", "04:00"), utc(3, 29, 2, 0), utc(3, 30, 0, 30)},
		{"Berlin end in the gap: before the window", berlin, win("01:00", "02:30"), utc(3, 28, 23, 30), utc(3, 29, 0, 0)},
		{"Berlin end in the gap: inside before the gap", berlin, win("01:00", "02:30"), utc(3, 29, 0, 59), utc(3, 29, 0, 59)},
		{"Berlin end in the gap: closed at the gap", berlin, win("01:00", "02:30"), utc(3, 29, 1, 0), utc(3, 29, 23, 0)},
		{"Berlin window swallowed by the gap", berlin, win("02:15", "02:45"), utc(3, 29, 0, 0), utc(3, 30, 0, 15)},
		// Europe/Berlin, fall back: 02:00-03:00 CEST, then 02:00-03:00 CET.
		{"Berlin fall-back control: a normal day", berlin, win("02:30", "04:00"), utc(10, 17, 23, 0), utc(10, 18, 0, 30)},
		{"Berlin start repeated: the first 02:30", berlin, win("02:30", "04:00"), utc(10, 24, 23, 0), utc(10, 25, 0, 30)},
		{"Berlin start repeated: inside the first pass", berlin, win("02:30", "04:00"), utc(10, 25, 0, 45), utc(10, 25, 0, 45)},
		{"Berlin start repeated: 02:10 the second time, the second 02:30", berlin, win("02:30", "04:00"), utc(10, 25, 1, 10), utc(10, 25, 1, 30)},
		{"Berlin end repeated: after the first 02:30, the second 02:00", berlin, win("01:00", "02:30"), utc(10, 25, 0, 40), utc(10, 25, 1, 0)},
		{"Berlin end repeated: after the second 02:30, next day", berlin, win("01:00", "02:30"), utc(10, 25, 1, 30), utc(10, 26, 0, 0)},
		{"Berlin window inside the repeated hour: the second pass", berlin, win("02:10", "02:20"), utc(10, 25, 0, 25), utc(10, 25, 1, 10)},
		// America/New_York, spring forward.
		{"New York control: a normal day", ny, win("02:30", "04:00"), utc(3, 1, 6, 0), utc(3, 1, 7, 30)},
		{"New York start in the gap: opens when the gap ends", ny, win("02:30", "04:00"), utc(3, 8, 6, 0), utc(3, 8, 7, 0)},
		{"New York end in the gap: before the window", ny, win("01:00", "02:30"), utc(3, 8, 5, 30), utc(3, 8, 6, 0)},
		{"New York end in the gap: closed at the gap", ny, win("01:00", "02:30"), utc(3, 8, 7, 0), utc(3, 9, 5, 0)},
		// America/New_York, fall back: 01:00-02:00 EDT, then 01:00-02:00 EST.
		{"New York fall-back control: a normal day", ny, win("01:30", "03:00"), utc(10, 25, 4, 0), utc(10, 25, 5, 30)},
		{"New York start repeated: the first 01:30", ny, win("01:30", "03:00"), utc(11, 1, 4, 0), utc(11, 1, 5, 30)},
		{"New York start repeated: 01:10 the second time, the second 01:30", ny, win("01:30", "03:00"), utc(11, 1, 6, 10), utc(11, 1, 6, 30)},
		{"New York end repeated: after the first 01:30, the second 01:00", ny, win("00:30", "01:30"), utc(11, 1, 5, 45), utc(11, 1, 6, 0)},
		{"New York end repeated: after the second 01:30, next day", ny, win("00:30", "01:30"), utc(11, 1, 6, 30), utc(11, 2, 5, 30)},
	}
	for _, tc := range cases {
		st := &Step{Window: tc.win}
		if got := st.NextOpening(tc.t, tc.loc); !got.Equal(tc.want) {
			t.Errorf("%s: window %v, NextOpening(%v) = %v, want %v", tc.name, tc.win, tc.t.In(tc.loc), got.In(tc.loc), tc.want.In(tc.loc))
		}
	}
}

// TestNextOpeningDSTBruteForce compares NextOpening with a minute-by-minute
// search for windows with an edge in or near the hour that a change skips
// or repeats, from starting points every 10 minutes (40 with -short) around each change
// (Lord Howe moves by 30 minutes, Havana at midnight).
func TestNextOpeningDSTBruteForce(t *testing.T) {
	zones := []string{"Europe/Berlin", "America/New_York", "Australia/Lord_Howe", "America/Havana"}
	var windows []*Window
	for _, s := range []string{"02:30-04:00", "01:00-02:30", "02:10-02:20", "00:30-01:30", "01:30-03:00",
		"01:45-02:15", "02:00-03:00", "23:30-24:00", "00:00-00:30", "22:00-24:00"} {
		w, err := ParseWindow(s)
		if err != nil {
			t.Fatal(err)
		}
		windows = append(windows, &w)
	}
	step := 10 * time.Minute
	if testing.Short() {
		step = 40 * time.Minute
	}
	sundays, _ := ParseDays("sun")
	saturdays, _ := ParseDays("sat")
	for _, zone := range zones {
		loc := mustZone(t, zone)
		for at := time.Date(2026, 1, 1, 0, 0, 0, 0, loc); ; {
			_, end := at.ZoneBounds()
			if end.IsZero() || end.Year() != 2026 {
				break
			}
			for _, win := range windows {
				for _, days := range []Weekdays{0, sundays, saturdays} {
					for s := end.Add(-6 * time.Hour); s.Before(end.Add(6 * time.Hour)); s = s.Add(step) {
						checkOpening(t, s, loc, win, days)
					}
				}
			}
			at = end
		}
	}
}

// A window that the spring-forward gap swallows on the only weekday it
// opens waits a week more, rather than letting the mail go at once
// (the search used to stop after eight days).
func TestNextOpeningGapOnTheOnlyDay(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	w, err := ParseWindow("02:00-03:00")
	if err != nil {
		t.Fatal(err)
	}
	sundays, _ := ParseDays("sun")
	st := &Step{Window: &w, Days: sundays}
	from := time.Date(2026, 3, 27, 13, 0, 0, 0, time.UTC) // Friday; Sunday 29th has no 02:00-03:00
	want := time.Date(2026, 4, 5, 2, 0, 0, 0, berlin)
	if got := st.NextOpening(from, berlin); !got.Equal(want) {
		t.Errorf("NextOpening(%v) = %v, want %v", from.In(berlin), got.In(berlin), want)
	}
}
