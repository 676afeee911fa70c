package drip

import (
	"testing"
	"testing/fstest"
	"time"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/sequences"
)

func mustZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Skipf("time zone %s not available: %v", name, err)
	}
	return loc
}

// dstSteps is one sequence per `after` under test; each has a first step
// (already sent) and the step under test.
func dstSteps(t *testing.T) *sequences.Set {
	t.Helper()
	step := func(front string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("---\nsubject: Hi\n" + front + "---\nHello\n")}
	}
	fsys := fstest.MapFS{}
	for id, front := range map[string]string{
		"d7":        "after: 7d\n",
		"w1":        "after: 1w\n",
		"h48":       "after: 48h\n",
		"h36":       "after: 36h\n",
		"d1half":    "after: 1.5d\n",
		"d7window":  "after: 7d\nwindow: \"10:00-12:00\"\n",
		"d7weekday": "after: 7d\nwindow: \"08:00-11:00\"\ndays: mon-fri\n",
	} {
		fsys[id+"/01-first.md"] = step("after: 0s\n")
		fsys[id+"/02-next.md"] = step(front)
	}
	fsys["first7d/01-first.md"] = step("after: 7d\n")
	set, err := sequences.Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// TestNextAcrossDST: a whole-day `after` keeps the local time of day
// across a daylight-saving change; an `after` in hours stays that many
// hours; a window still applies to the calendar-counted time.
func TestNextAcrossDST(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")    // CET→CEST 2026-03-29, CEST→CET 2026-10-25
	ny := mustZone(t, "America/New_York")     // EST→EDT 2026-03-08, EDT→EST 2026-11-01
	sydney := mustZone(t, "Australia/Sydney") // AEDT→AEST 2026-04-05, AEST→AEDT 2026-10-04
	utc := func(mo time.Month, d, h, mi int) time.Time { return time.Date(2026, mo, d, h, mi, 0, 0, time.UTC) }
	set := dstSteps(t)

	cases := []struct {
		name     string
		sequence string
		tz       string // the subscriber's zone; "" for the fallback (Berlin)
		sent     time.Time
		want     time.Time
	}{
		// 7 days = 7 calendar days at the same local time.
		{"Berlin 7d spring: 09:00 CET to 09:00 CEST", "d7", "Europe/Berlin",
			time.Date(2026, 3, 24, 9, 0, 0, 0, berlin), utc(3, 31, 7, 0)},
		{"Berlin 7d fall: 09:00 CEST to 09:00 CET", "d7", "Europe/Berlin",
			time.Date(2026, 10, 20, 9, 0, 0, 0, berlin), utc(10, 27, 8, 0)},
		{"Berlin 1w spring", "w1", "Europe/Berlin",
			time.Date(2026, 3, 24, 9, 0, 0, 0, berlin), utc(3, 31, 7, 0)},
		{"Berlin 48h is 2 calendar days", "h48", "Europe/Berlin",
			time.Date(2026, 3, 28, 9, 0, 0, 0, berlin), utc(3, 30, 7, 0)},
		{"fallback zone: Berlin 7d fall", "d7", "",
			time.Date(2026, 10, 20, 9, 0, 0, 0, berlin), utc(10, 27, 8, 0)},
		{"unknown zone uses the fallback", "d7", "Mars/Olympus_Mons",
			time.Date(2026, 10, 20, 9, 0, 0, 0, berlin), utc(10, 27, 8, 0)},
		{"New York 7d spring: 09:00 EST to 09:00 EDT", "d7", "America/New_York",
			time.Date(2026, 3, 3, 9, 0, 0, 0, ny), utc(3, 10, 13, 0)},
		{"New York 7d fall: 09:00 EDT to 09:00 EST", "d7", "America/New_York",
			time.Date(2026, 10, 27, 9, 0, 0, 0, ny), utc(11, 3, 14, 0)},
		{"Sydney 7d autumn: 09:00 AEDT to 09:00 AEST", "d7", "Australia/Sydney",
			time.Date(2026, 4, 1, 9, 0, 0, 0, sydney), utc(4, 7, 23, 0)},
		{"seconds and nanoseconds are kept", "d7", "Europe/Berlin",
			time.Date(2026, 3, 24, 9, 0, 7, 500, berlin), time.Date(2026, 3, 31, 7, 0, 7, 500, time.UTC)},
		{"UTC subscriber: 7d is 168h", "d7", "UTC",
			utc(3, 24, 9, 0), utc(3, 31, 9, 0)},
		{"no change in between: 7d is 168h", "d7", "Europe/Berlin",
			time.Date(2026, 6, 2, 9, 0, 0, 0, berlin), utc(6, 9, 7, 0)},

		// Hours stay exact durations, whatever the wall clock says.
		{"Berlin 36h spring stays 36h (09:00 CET to 22:00 CEST)", "h36", "Europe/Berlin",
			time.Date(2026, 3, 28, 9, 0, 0, 0, berlin), utc(3, 28, 8, 0).Add(36 * time.Hour)},
		{"Berlin 36h fall stays 36h (09:00 CEST to 20:00 CET)", "h36", "Europe/Berlin",
			time.Date(2026, 10, 24, 9, 0, 0, 0, berlin), utc(10, 24, 7, 0).Add(36 * time.Hour)},
		{"Berlin 1.5d stays 36h", "d1half", "Europe/Berlin",
			time.Date(2026, 3, 28, 9, 0, 0, 0, berlin), utc(3, 28, 8, 0).Add(36 * time.Hour)},
		{"New York 36h spring stays 36h", "h36", "America/New_York",
			time.Date(2026, 3, 7, 9, 0, 0, 0, ny), utc(3, 7, 14, 0).Add(36 * time.Hour)},

		// A window still moves the calendar-counted time to its opening.
		{"7d then window 10:00-12:00 across spring", "d7window", "Europe/Berlin",
			time.Date(2026, 3, 24, 9, 0, 0, 0, berlin), utc(3, 31, 8, 0)},
		{"7d inside window 10:00-12:00 across fall keeps 11:00", "d7window", "Europe/Berlin",
			time.Date(2026, 10, 20, 11, 0, 0, 0, berlin), utc(10, 27, 10, 0)},
		{"7d lands on Saturday: Monday 08:00 CET", "d7weekday", "Europe/Berlin",
			time.Date(2026, 10, 17, 9, 0, 0, 0, berlin), utc(10, 26, 7, 0)},
		{"7d weekday in New York across spring keeps 09:00", "d7weekday", "America/New_York",
			time.Date(2026, 3, 4, 9, 0, 0, 0, ny), utc(3, 11, 13, 0)},

		// Wall times the change skips or repeats.
		{"Berlin 02:30 into the gap: 03:30 CEST", "d7", "Europe/Berlin",
			time.Date(2026, 3, 22, 2, 30, 0, 0, berlin), utc(3, 29, 1, 30)},
		{"New York 02:30 into the gap: 03:30 EDT", "d7", "America/New_York",
			time.Date(2026, 3, 1, 2, 30, 0, 0, ny), utc(3, 8, 7, 30)},
		{"Berlin 02:30 repeated: first, CEST", "d7", "Europe/Berlin",
			time.Date(2026, 10, 18, 2, 30, 0, 0, berlin), utc(10, 25, 0, 30)},
		{"New York 01:30 repeated: first, EDT", "d7", "America/New_York",
			time.Date(2026, 10, 25, 1, 30, 0, 0, ny), utc(11, 1, 5, 30)},
	}
	for _, tc := range cases {
		sub := &newsletter.Subscriber{Sequence: tc.sequence, TZ: tc.tz, Status: newsletter.StatusConfirmed,
			LastStep: "01-first.md", LastSentAt: tc.sent}
		step, due, ok := Next(set, sub, berlin)
		if !ok || step.Name != "02-next.md" {
			t.Fatalf("%s: NextStep = %v, %v; want 02-next.md", tc.name, step, ok)
		}
		if !due.Equal(tc.want) {
			t.Errorf("%s: due %v (%v after), want %v (%v after)", tc.name,
				due.In(sub.Location(berlin)), due.Sub(tc.sent), tc.want.In(sub.Location(berlin)), tc.want.Sub(tc.sent))
		}
	}
}

// TestNextFirstStepFromConfirmation: the first step's whole days count
// from confirmation on the calendar too.
func TestNextFirstStepFromConfirmation(t *testing.T) {
	berlin := mustZone(t, "Europe/Berlin")
	set := dstSteps(t)
	sub := &newsletter.Subscriber{Sequence: "first7d", TZ: "Europe/Berlin", Status: newsletter.StatusConfirmed,
		Consent: newsletter.Consent{ConfirmedAt: time.Date(2026, 3, 26, 21, 15, 0, 0, berlin)}}
	_, due, ok := Next(set, sub, time.UTC)
	if want := time.Date(2026, 4, 2, 21, 15, 0, 0, berlin); !ok || !due.Equal(want) {
		t.Errorf("NextStep = %v, %v; want %v", due.In(berlin), ok, want)
	}
}

// TestWallClockIsDefinite: over a year of half hours in zones with
// daylight saving (Lord Howe shifts by 30 minutes), wallClock shows the
// wall time asked for at its first occurrence, or, in a gap, as far past
// the gap as the wall time was into it.
func TestWallClockIsDefinite(t *testing.T) {
	for _, name := range []string{"Europe/Berlin", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "Europe/London"} {
		loc := mustZone(t, name)
		for day := 0; day < 366; day++ {
			for half := 0; half < 48; half++ {
				y, m, d, h, mi := 2026, time.January, 1+day, half/2, half%2*30
				want := time.Date(y, m, d, h, mi, 0, 0, time.UTC) // the wall time, as UTC
				got := wallClock(y, m, d, h, mi, 0, 0, loc)
				_, off := got.Zone()
				shown := got.Add(time.Duration(off) * time.Second).UTC()
				switch delta := shown.Sub(want); {
				case delta == 0:
					for _, back := range []time.Duration{30 * time.Minute, time.Hour} {
						e := got.Add(-back)
						if _, o := e.Zone(); e.Add(time.Duration(o) * time.Second).UTC().Equal(want) {
							t.Fatalf("%s %v: got %v, but %v shows it earlier", name, want, got, e)
						}
					}
				case delta > 0 && delta <= time.Hour:
					// In a gap: the instant delta before got reads the
					// wall time with the offset from before the gap.
					if start, _ := got.ZoneBounds(); got.Sub(start) >= delta || start.IsZero() {
						t.Fatalf("%s %v: got %v, %v later, not just past a gap (starting %v)", name, want, got, delta, start)
					}
				default:
					t.Fatalf("%s %v: got %v showing %v", name, want, got, shown)
				}
			}
		}
	}
}

// Without a zone of its own and without a fallback, a whole-day `after`
// counts days in the location of the time it starts from (no panic).
func TestNextWithoutAnyZone(t *testing.T) {
	set := dstSteps(t)
	from := time.Date(2026, 3, 26, 9, 0, 0, 0, time.UTC)
	sub := &newsletter.Subscriber{Sequence: "d7", Status: newsletter.StatusConfirmed, LastStep: "01-first.md", LastSentAt: from,
		Consent: newsletter.Consent{ConfirmedAt: from}}
	_, due, ok := Next(set, sub, nil)
	if want := from.AddDate(0, 0, 7); !ok || !due.Equal(want) {
		t.Errorf("NextStep = %v, %v; want %v", due, ok, want)
	}
}
