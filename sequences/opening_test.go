package sequences

import (
	"math/rand"
	"testing"
	"time"
	_ "time/tzdata" // the tests must not depend on the host's zoneinfo
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

func TestNextOpening(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	ny := mustZone(t, "America/New_York")
	morning := &Window{Start: 8 * time.Hour, End: 11 * time.Hour}
	weekdays, _ := ParseDays("mon-fri")
	sundays, _ := ParseDays("sun")
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	cases := []struct {
		name string
		t    time.Time
		loc  *time.Location
		win  *Window
		days Weekdays
		want time.Time
	}{
		{"no window, no days: now", time.Date(2026, 3, 10, 3, 0, 0, 0, berlin), berlin, nil, 0,
			time.Date(2026, 3, 10, 3, 0, 0, 0, berlin)},
		{"inside the window: now", time.Date(2026, 3, 10, 9, 15, 0, 0, berlin), berlin, morning, 0,
			time.Date(2026, 3, 10, 9, 15, 0, 0, berlin)},
		{"at the start: now", time.Date(2026, 3, 10, 8, 0, 0, 0, berlin), berlin, morning, 0,
			time.Date(2026, 3, 10, 8, 0, 0, 0, berlin)},
		{"before the window: same day", time.Date(2026, 3, 10, 6, 59, 0, 0, berlin), berlin, morning, 0,
			time.Date(2026, 3, 10, 8, 0, 0, 0, berlin)},
		{"at the end: next day", time.Date(2026, 3, 10, 11, 0, 0, 0, berlin), berlin, morning, 0,
			time.Date(2026, 3, 11, 8, 0, 0, 0, berlin)},
		{"read in loc, not t's zone", utc(2026, 3, 10, 7, 30), berlin, morning, 0, utc(2026, 3, 10, 7, 30)}, // 08:30 CET
		{"nil loc uses t's zone", time.Date(2026, 3, 10, 12, 0, 0, 0, ny), nil, morning, 0,
			time.Date(2026, 3, 11, 8, 0, 0, 0, ny)},
		// Daylight saving: the window stays at 08:00 local, so the UTC instant moves by an hour.
		{"Berlin spring forward", time.Date(2026, 3, 28, 12, 0, 0, 0, berlin), berlin, morning, 0, utc(2026, 3, 29, 6, 0)},
		{"Berlin fall back", time.Date(2026, 10, 24, 12, 0, 0, 0, berlin), berlin, morning, 0, utc(2026, 10, 25, 7, 0)},
		{"New York spring forward", time.Date(2026, 3, 7, 12, 0, 0, 0, ny), ny, morning, 0, utc(2026, 3, 8, 12, 0)},
		{"New York fall back", time.Date(2026, 10, 31, 12, 0, 0, 0, ny), ny, morning, 0, utc(2026, 11, 1, 13, 0)},
		{"New York fall back, inside after the change", utc(2026, 11, 1, 13, 30), ny, morning, 0, utc(2026, 11, 1, 13, 30)},
		// Days.
		{"friday after the window: monday", time.Date(2026, 3, 13, 12, 0, 0, 0, berlin), berlin, morning, weekdays,
			time.Date(2026, 3, 16, 8, 0, 0, 0, berlin)},
		{"saturday inside the hours: monday", time.Date(2026, 3, 14, 9, 0, 0, 0, berlin), berlin, morning, weekdays,
			time.Date(2026, 3, 16, 8, 0, 0, 0, berlin)},
		{"days only, saturday: monday midnight", time.Date(2026, 3, 14, 15, 0, 0, 0, berlin), berlin, nil, weekdays,
			time.Date(2026, 3, 16, 0, 0, 0, 0, berlin)},
		{"days only, tuesday: now", time.Date(2026, 3, 10, 23, 59, 0, 0, berlin), berlin, nil, weekdays,
			time.Date(2026, 3, 10, 23, 59, 0, 0, berlin)},
		{"sunday after the window: a week later", time.Date(2026, 3, 15, 12, 0, 0, 0, berlin), berlin, morning, sundays,
			time.Date(2026, 3, 22, 8, 0, 0, 0, berlin)},
		{"sunday window across spring forward", time.Date(2026, 3, 22, 12, 0, 0, 0, berlin), berlin, morning, sundays,
			utc(2026, 3, 29, 6, 0)},
		{"bits outside the week mean every day", time.Date(2026, 3, 10, 12, 0, 0, 0, berlin), berlin, morning, 1 << 7,
			time.Date(2026, 3, 11, 8, 0, 0, 0, berlin)},
		// Windows hit by the gap itself (New York jumps from 02:00 EST to 03:00 EDT on 2026-03-08).
		{"window swallowed by the gap: next day", time.Date(2026, 3, 7, 12, 0, 0, 0, ny), ny,
			&Window{Start: 2 * time.Hour, End: 3 * time.Hour}, 0, time.Date(2026, 3, 9, 2, 0, 0, 0, ny)},
		{"start in the gap: opens when the gap ends", time.Date(2026, 3, 7, 12, 0, 0, 0, ny), ny,
			&Window{Start: 2*time.Hour + 30*time.Minute, End: 4 * time.Hour}, 0, utc(2026, 3, 8, 7, 0)},
	}
	for _, tc := range cases {
		st := &Step{Window: tc.win, Days: tc.days}
		got := st.NextOpening(tc.t, tc.loc)
		if !got.Equal(tc.want) {
			t.Errorf("%s: NextOpening(%v) = %v, want %v", tc.name, tc.t, got, tc.want.In(tc.want.Location()))
		}
	}
}

// TestNextOpeningBruteForce compares NextOpening with a minute-by-minute
// search around the daylight-saving changes of several zones.
func TestNextOpeningBruteForce(t *testing.T) {
	zones := []string{"Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe",
		"Asia/Kolkata", "America/Santiago", "UTC"}
	windows := []*Window{nil, {8 * time.Hour, 11 * time.Hour}, {9*time.Hour + 30*time.Minute, 17 * time.Hour},
		{0, 24 * time.Hour}, {23 * time.Hour, 24 * time.Hour}}
	weekdays, _ := ParseDays("mon-fri")
	sundays, _ := ParseDays("sun")
	rng := rand.New(rand.NewSource(1))
	samples := 6
	if testing.Short() {
		samples = 2
	}
	for _, zone := range zones {
		loc := mustZone(t, zone)
		// Starting points near each change of offset in 2026, plus random ones.
		var starts []time.Time
		for at := time.Date(2026, 1, 1, 0, 0, 0, 0, loc); at.Year() == 2026; {
			_, end := at.ZoneBounds()
			if end.IsZero() || end.Year() != 2026 {
				break
			}
			starts = append(starts, end.Add(-36*time.Hour), end.Add(-90*time.Minute), end.Add(-time.Minute))
			at = end
		}
		for len(starts) < 6+samples {
			starts = append(starts, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(rng.Int63n(int64(365*Day)))))
		}
		for _, win := range windows {
			for _, days := range []Weekdays{0, weekdays, sundays} {
				for _, start := range starts {
					checkOpening(t, start.Add(time.Duration(rng.Intn(60))*time.Second), loc, win, days)
				}
			}
		}
	}
}

// checkOpening asserts that NextOpening(t) is inside the opening, at most
// 8 days ahead, and that no whole minute between t and it is inside.
func checkOpening(t *testing.T, at time.Time, loc *time.Location, win *Window, days Weekdays) {
	t.Helper()
	inside := func(x time.Time) bool {
		if win == nil && days == 0 {
			return true
		}
		w := wholeDay
		if win != nil {
			w = *win
		}
		l := x.In(loc)
		since := time.Duration(l.Hour())*time.Hour + time.Duration(l.Minute())*time.Minute + time.Duration(l.Second())*time.Second
		return days.Has(l.Weekday()) && since >= w.Start && since < w.End
	}
	got := nextOpening(at, loc, win, days)
	switch {
	case got.Before(at) || got.Sub(at) > 8*Day:
		t.Fatalf("%s %v %v: NextOpening(%v) = %v, out of range", loc, win, days, at.In(loc), got.In(loc))
	case !inside(got):
		t.Fatalf("%s %v %v: NextOpening(%v) = %v, not inside", loc, win, days, at.In(loc), got.In(loc))
	case got.After(at) && inside(at):
		t.Fatalf("%s %v %v: NextOpening(%v) = %v, but t is inside", loc, win, days, at.In(loc), got.In(loc))
	}
	for m := at.Truncate(time.Minute).Add(time.Minute); m.Before(got); m = m.Add(time.Minute) {
		if inside(m) {
			t.Fatalf("%s %v %v: NextOpening(%v) = %v, but %v is earlier and inside", loc, win, days, at.In(loc), got.In(loc), m.In(loc))
		}
	}
}
