package worker_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
)

// TestSevenStepSequence runs a seven-step sequence with send windows and
// weekdays through eleven weeks of fake time, for two subscribers in time
// zones far apart (Los Angeles crossing its DST change on 2026-03-08, and
// Tokyo): each step arrives once, in order, at the expected local time,
// inside its window; the admin step counter follows; nothing comes after
// the last step.
func TestSevenStepSequence(t *testing.T) {
	const window = `window: "08:00-11:00"`
	set := writeSet(t, t.TempDir(), map[string]map[string]string{"tips": {
		"01-welcome.md": step("Step 1", "0s"),
		"02-prepare.md": step("Step 2", "1w", window),
		"03-day.md":     step("Step 3", "1w", window, "days: mon-fri"),
		"04-after.md":   step("Step 4", "5d", window, "days: mon-fri"),
		"05-journal.md": step("Step 5", "1w", window, "days: [tue, thu]"),
		"06-body.md":    step("Step 6", "1w2h30m", window),
		"07-help.md":    step("Step 7", "1w1h", window, "days: mon-fri"),
	}})
	// The clock starts on Monday 2026-03-02 09:00 UTC.
	a := apptest.Start(t, apptest.Options{NoWorker: true, Sequences: set})
	la, tokyo := mustLoad(t, "America/Los_Angeles"), mustLoad(t, "Asia/Tokyo")

	type reader struct {
		email string
		loc   *time.Location
		want  []time.Time // local send time of each step
		id    string
	}
	readers := []*reader{
		{email: "ada@example.org", loc: la, want: []time.Time{
			at(la, 2026, 3, 2, 1, 0),   // Mon: at confirmation (09:00 UTC), no window
			at(la, 2026, 3, 9, 8, 0),   // Mon 02:00 PDT (after the DST change) -> window opens 08:00
			at(la, 2026, 3, 16, 8, 0),  // a week later, inside the window
			at(la, 2026, 3, 23, 8, 0),  // 5d lands on Saturday -> Monday
			at(la, 2026, 3, 31, 8, 0),  // Monday -> the next Tuesday or Thursday
			at(la, 2026, 4, 7, 10, 30), // 1w2h30m lands inside the window: sent then
			at(la, 2026, 4, 15, 8, 0),  // 1w1h lands at 11:30, past the window -> Wednesday
		}},
		{email: "kenji@example.org", loc: tokyo, want: []time.Time{
			at(tokyo, 2026, 3, 2, 18, 0),  // Mon 18:00 JST at confirmation
			at(tokyo, 2026, 3, 10, 8, 0),  // Mon 18:00 is past the window -> Tue 08:00
			at(tokyo, 2026, 3, 17, 8, 0),  // Tue
			at(tokyo, 2026, 3, 23, 8, 0),  // 5d lands on Sunday -> Monday
			at(tokyo, 2026, 3, 31, 8, 0),  // Monday -> Tuesday
			at(tokyo, 2026, 4, 7, 10, 30), // inside the window
			at(tokyo, 2026, 4, 15, 8, 0),  // Tue 11:30 -> Wed 08:00
		}},
	}
	log := newLog(a)
	for _, r := range readers {
		r.id = signup(t, a, r.email, "tips", r.loc.String())
	}
	if got := log.drain(t); len(got) != 2 || got[0].Subject != confirmSubject || got[1].Subject != confirmSubject {
		t.Fatalf("after signup: %+v, want two confirmation mails", got)
	}

	// The step counter moves with each step, as the step goes out.
	stepsSeen := map[string]int{}
	log.onMail = func(m sent) {
		if !strings.HasPrefix(m.Subject, "Step ") {
			return
		}
		stepsSeen[m.To]++
		if got := a.Subscriber(t, m.To).Step; got != stepsSeen[m.To] {
			t.Errorf("%s: step counter %d after %d steps", m.To, got, stepsSeen[m.To])
		}
	}
	for _, r := range readers {
		confirm(t, a, r.id)
	}
	log.drain(t)
	// Eleven weeks in quarter hours: five weeks past the last step.
	log.runUntil(t, time.Date(2026, 5, 20, 0, 0, 0, 0, time.UTC), 15*time.Minute)

	for _, r := range readers {
		got := log.to(r.email)
		want := []string{confirmSubject}
		for i := range r.want {
			want = append(want, fmt.Sprintf("Step %d", i+1))
		}
		if strings.Join(subjects(got), "|") != strings.Join(want, "|") {
			t.Errorf("%s got %q,\nwant %q", r.email, subjects(got), want)
			continue
		}
		for i, m := range got[1:] {
			local := m.At.In(r.loc)
			if !m.At.Equal(r.want[i]) {
				t.Errorf("%s: Step %d at %s, want %s", r.email, i+1, local.Format("Mon 2006-01-02 15:04 MST"),
					r.want[i].Format("Mon 2006-01-02 15:04 MST"))
			}
			if i > 0 { // steps 2..7 have the window
				if h := local.Hour(); h < 8 || h >= 11 {
					t.Errorf("%s: Step %d at %s, outside 08:00-11:00", r.email, i+1, local.Format("15:04"))
				}
				if wd := local.Weekday(); wd == time.Saturday || wd == time.Sunday {
					if i == 2 || i == 3 || i == 4 || i == 6 {
						t.Errorf("%s: Step %d on a %s", r.email, i+1, wd)
					}
				}
			}
		}
		// The ledger holds the same times, for the subscriber's own page.
		sends, err := a.Store.Sends(context.Background(), r.id)
		if err != nil || len(sends) != 8 {
			t.Errorf("%s: %d sends in the ledger (%v), want 8", r.email, len(sends), err)
		} else if !sends[7].SentAt.Equal(r.want[6]) || sends[7].Kind != "step" {
			t.Errorf("%s: last ledger entry %+v", r.email, sends[7])
		}
	}

	// The admin API shows the progress, and nothing is left to send.
	subs := adminSubscribers(t, a, "confirmed")
	for _, r := range readers {
		if s := subs[r.email]; s.Step != 7 || s.Sequence != "tips" || s.Status != "confirmed" {
			t.Errorf("admin API: %s = %+v, want step 7 of tips", r.email, s)
		}
		if due, ok := queued(t, a, dripJob(r.id)); ok {
			t.Errorf("%s: drip job still queued at %v after the last step", r.email, due)
		}
	}
	if total, _, err := a.Store.Depth(context.Background(), a.Fake.Now()); err != nil || total != 0 {
		t.Errorf("queue holds %d job(s) after everything was sent (%v)", total, err)
	}
}

// TestWindowAcrossDST sends a step every morning (after 12h, window
// 08:00-11:00) across each daylight-saving change of 2026 in Berlin and New
// York: every step lands at 08:00 local time, whatever the UTC offset.
func TestWindowAcrossDST(t *testing.T) {
	const window = `window: "08:00-11:00"`
	files := map[string]string{"01-welcome.md": step("Step 1", "0s")}
	for i := 2; i <= 6; i++ {
		files[fmt.Sprintf("%02d-tip.md", i)] = step(fmt.Sprintf("Step %d", i), "12h", window)
	}
	set := writeSet(t, t.TempDir(), map[string]map[string]string{"daily": files})

	for _, c := range []struct {
		name, zone string
		change     [3]int // the Sunday of the change
		start      [3]int // the Thursday before, at 12:00 local
	}{
		{"Berlin spring forward", "Europe/Berlin", [3]int{2026, 3, 29}, [3]int{2026, 3, 26}},
		{"Berlin fall back", "Europe/Berlin", [3]int{2026, 10, 25}, [3]int{2026, 10, 22}},
		{"New York spring forward", "America/New_York", [3]int{2026, 3, 8}, [3]int{2026, 3, 5}},
		{"New York fall back", "America/New_York", [3]int{2026, 11, 1}, [3]int{2026, 10, 29}},
	} {
		t.Run(c.name, func(t *testing.T) {
			loc := mustLoad(t, c.zone)
			start := at(loc, c.start[0], time.Month(c.start[1]), c.start[2], 12, 0)
			a := apptest.Start(t, apptest.Options{NoWorker: true, Sequences: set, Start: start})
			log := newLog(a)
			id := signup(t, a, "reader@example.org", "daily", c.zone)
			log.drain(t)
			confirm(t, a, id)
			log.runUntil(t, start.Add(7*24*time.Hour), 15*time.Minute)

			got := log.to("reader@example.org")
			if len(got) != 7 {
				t.Fatalf("got %q, want the confirmation and six steps", subjects(got))
			}
			var offsets []int
			for i, m := range got[2:] {
				local := m.At.In(loc)
				want := time.Date(c.start[0], time.Month(c.start[1]), c.start[2]+1+i, 8, 0, 0, 0, loc)
				if local.Format("2006-01-02 15:04") != want.Format("2006-01-02 15:04") {
					t.Errorf("Step %d at %s (%s UTC), want %s", i+2, local.Format("Mon 2006-01-02 15:04 MST"),
						m.At.UTC().Format("15:04"), want.Format("Mon 2006-01-02 15:04 MST"))
				}
				_, off := local.Zone()
				offsets = append(offsets, off)
			}
			// Friday's and Monday's mornings are on either side of the change.
			if offsets[0] == offsets[3] {
				t.Errorf("UTC offsets %v: the steps did not cross a daylight-saving change", offsets)
			}
			change := time.Date(c.change[0], time.Month(c.change[1]), c.change[2], 12, 0, 0, 0, loc)
			if got[4].At.In(loc).YearDay() != change.YearDay() {
				t.Errorf("the Sunday step went out on %s, want the day of the change", got[4].At.In(loc).Format("Mon 2006-01-02"))
			}
		})
	}
}
