package web

import (
	"testing"
	"time"

	"github.com/satina/newsletter/newsletter"
)

func TestGraceWords(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "an hour", 2 * time.Hour: "2 hours", time.Minute: "a minute", 45 * time.Minute: "45 minutes",
		90 * time.Minute: "1 hour 30 minutes", 25*time.Hour + time.Minute: "25 hours 1 minute", 10 * time.Second: "a minute",
	} {
		if got := graceWords(d); got != want {
			t.Errorf("graceWords(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestThousands(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 1000: "1,000", 1204: "1,204", 3000000: "3,000,000", -12345: "-12,345"} {
		if got := thousands(n); got != want {
			t.Errorf("thousands(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestHeldNote(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC) // 09:00 in Berlin
	now := due.Add(3 * time.Hour)
	l := &newsletter.Letter{Status: newsletter.LetterHeld, SendAt: due, ScheduledAt: due.Add(-24 * time.Hour), Recipients: -1,
		Hold: &newsletter.LetterHold{At: now, Reason: newsletter.HeldLate, Grace: time.Hour}}
	if got, want := heldNote(l, berlin, now), "This letter was due at 09:00 but the service could not start it within an hour (it was down, or sending was paused). Nothing went out. Send it now, or cancel it."; got != want {
		t.Errorf("late:\n got %q\nwant %q", got, want)
	}
	l.Hold.Reason, l.Hold.Grace, l.Recipients, l.Sent = newsletter.HeldStalled, 2*time.Hour, 3000, 1204
	if got, want := heldNote(l, berlin, now.AddDate(0, 0, 2)), "This letter was due on 2 March at 09:00 and began going out, but then the service could not go on with it for 2 hours (it was down, or sending was paused). 1,204 of 3,000 went out. Send the rest now, or cancel it."; got != want {
		t.Errorf("stalled:\n got %q\nwant %q", got, want)
	}
	// Scheduled for a time already past: due when it was scheduled.
	l = &newsletter.Letter{Status: newsletter.LetterHeld, SendAt: due.AddDate(-1, 0, 0), ScheduledAt: due, Recipients: -1,
		Hold: &newsletter.LetterHold{Reason: newsletter.HeldLate}}
	if got, want := heldNote(l, time.UTC, now.AddDate(1, 0, 0)), "This letter was due on 2 March 2026 at 08:00 but the service could not start it within an hour (it was down, or sending was paused). Nothing went out. Send it now, or cancel it."; got != want {
		t.Errorf("scheduled for the past:\n got %q\nwant %q", got, want)
	}
}
