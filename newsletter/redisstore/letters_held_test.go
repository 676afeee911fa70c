package redisstore_test

// The late-letter guard's scripts (holdletter, parkletter, releaseletter,
// cancelletter) through the Store methods that run them, on the real Redis.

import (
	"context"
	"errors"
	"sort"
	"testing"
	"time"

	"github.com/satina/newsletter/newsletter"
)

const grace = time.Hour

// letter stores a letter due at sendAt, scheduled at scheduled.
func (f *fixture) letter(t *testing.T, subject string, sendAt, scheduled time.Time) string {
	t.Helper()
	id, err := f.s.CreateLetter(context.Background(), &newsletter.Letter{Subject: subject, Markdown: "Hello",
		SendAt: sendAt, CreatedAt: scheduled, ScheduledAt: scheduled})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func (f *fixture) status(t *testing.T, id string) *newsletter.Letter {
	t.Helper()
	l, err := f.s.Letter(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func sendJob(letter, sub string) newsletter.Job {
	return newsletter.Job{Kind: newsletter.JobLetterSend, Letter: letter, Subscriber: sub}
}

func fanOut(letter string) string {
	return newsletter.Job{Kind: newsletter.JobLetter, Letter: letter}.ID()
}

// TestStartLetterHoldsOnlyPastTheGrace: a fan-out exactly the grace late
// starts; a millisecond later the letter is held instead, atomically,
// with no recipients taken and its fan-out job gone. A letter scheduled
// for a time already past counts from when it was scheduled.
func TestStartLetterHoldsOnlyPastTheGrace(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	a := f.confirmed(t, "a@example.org")
	sendAt := t0.Add(time.Hour)

	onTime := f.letter(t, "On the edge", sendAt, t0)
	l, ids, err := f.s.StartLetter(ctx, onTime, sendAt.Add(grace), grace)
	if err != nil || l.Status != newsletter.LetterSending || len(ids) != 1 || ids[0] != a {
		t.Fatalf("exactly the grace late: %+v %v %v, want sending to [%s]", l, ids, err, a)
	}
	if !l.StartedAt.Equal(sendAt.Add(grace)) {
		t.Errorf("started at %v, want %v", l.StartedAt, sendAt.Add(grace))
	}

	late := f.letter(t, "Too late", sendAt, t0)
	heldAt := sendAt.Add(grace + time.Millisecond)
	l, ids, err = f.s.StartLetter(ctx, late, heldAt, grace)
	if !errors.Is(err, newsletter.ErrHeld) || l != nil || ids != nil {
		t.Fatalf("past the grace: %+v %v %v, want ErrHeld and nothing", l, ids, err)
	}
	got := f.status(t, late)
	if got.Status != newsletter.LetterHeld || got.Recipients != -1 || got.Hold == nil ||
		got.Hold.Reason != newsletter.HeldLate || !got.Hold.At.Equal(heldAt) || got.Hold.Grace != grace {
		t.Errorf("held letter = %+v hold %+v", got, got.Hold)
	}
	if _, ok := f.queue(t)[fanOut(late)]; ok {
		t.Error("the held letter's fan-out job is still queued")
	}
	// A held letter does not start, whatever the grace.
	if _, _, err := f.s.StartLetter(ctx, late, heldAt, 0); !errors.Is(err, newsletter.ErrHeld) {
		t.Errorf("start of a held letter: %v, want ErrHeld", err)
	}

	// Scheduled at t0 for two hours before: due at t0, not late at t0+59m.
	past := f.letter(t, "For now", t0.Add(-2*time.Hour), t0)
	if l, _, err := f.s.StartLetter(ctx, past, t0.Add(59*time.Minute), grace); err != nil || l.Status != newsletter.LetterSending {
		t.Errorf("letter scheduled for the past: %+v %v, want sending", l, err)
	}
	// Grace 0 (StartFanOut) never holds.
	old := f.letter(t, "Old", t0.Add(-48*time.Hour), t0.Add(-72*time.Hour))
	if l, _, err := f.s.StartFanOut(ctx, old); err != nil || l.Status != newsletter.LetterSending {
		t.Errorf("StartFanOut of a late letter: %+v %v, want sending", l, err)
	}
	if _, _, err := f.s.StartLetter(ctx, "nope", t0, grace); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("unknown letter: %v", err)
	}
	if err := f.s.CancelLetter(ctx, onTime); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.s.StartLetter(ctx, onTime, sendAt, grace); !errors.Is(err, newsletter.ErrConflict) {
		t.Errorf("start of a cancelled letter: %v, want ErrConflict", err)
	}
}

// TestHoldLateLetters: the watchdog holds a scheduled letter past its
// grace and a sending one with sends left and no progress for the grace,
// and nothing else.
func TestHoldLateLetters(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	a, b := f.confirmed(t, "a@example.org"), f.confirmed(t, "b@example.org")
	now := t0.Add(5 * time.Hour)

	lateScheduled := f.letter(t, "Late", now.Add(-grace-time.Minute), t0)
	soonScheduled := f.letter(t, "Soon", now.Add(-grace+time.Minute), t0)
	future := f.letter(t, "Future", now.Add(time.Hour), t0)
	// Scheduled at now-30m for a time long past: due when scheduled.
	rescheduled := f.letter(t, "Rescheduled", t0, now.Add(-30*time.Minute))

	// Sending since t0+1h, one of two sent at t0+2h: stalled by now.
	stalled := f.letter(t, "Stalled", t0.Add(time.Hour), t0)
	start := func(id string, at time.Time) []string {
		t.Helper()
		_, ids, err := f.s.StartLetter(ctx, id, at, grace)
		if err != nil {
			t.Fatal(err)
		}
		if err := f.s.FinishFanOut(ctx, id, ids, at); err != nil {
			t.Fatal(err)
		}
		return ids
	}
	start(stalled, t0.Add(time.Hour))
	f.sent(t, stalled, a, t0.Add(2*time.Hour))
	// Sending, the last send 20 minutes ago: going fine.
	moving := f.letter(t, "Moving", t0.Add(time.Hour), t0)
	start(moving, t0.Add(time.Hour))
	f.sent(t, moving, a, now.Add(-20*time.Minute))
	// Sending, every recipient settled long ago (but not marked sent, as
	// after a fan-out that counted late): nothing left to hold.
	settled := f.letter(t, "Settled", t0.Add(time.Hour), t0)
	start(settled, t0.Add(time.Hour))
	f.sent(t, settled, a, t0.Add(time.Hour))
	f.sent(t, settled, b, t0.Add(time.Hour))
	if err := f.rdb.HSet(ctx, f.key("letter", settled), "st", "sending").Err(); err != nil {
		t.Fatal(err)
	}
	// Started, fan-out never finished, long ago.
	crashed := f.letter(t, "Crashed", t0.Add(time.Hour), t0)
	if _, _, err := f.s.StartLetter(ctx, crashed, t0.Add(time.Hour), grace); err != nil {
		t.Fatal(err)
	}

	held, err := f.s.HoldLateLetters(ctx, now, grace)
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(held)
	want := []string{lateScheduled, stalled, crashed}
	sort.Strings(want)
	if len(held) != len(want) || held[0] != want[0] || held[1] != want[1] || held[2] != want[2] {
		t.Errorf("held %v, want %v", held, want)
	}
	for id, reason := range map[string]newsletter.HoldReason{lateScheduled: newsletter.HeldLate, stalled: newsletter.HeldStalled, crashed: newsletter.HeldStalled} {
		if l := f.status(t, id); l.Status != newsletter.LetterHeld || l.Hold == nil || l.Hold.Reason != reason {
			t.Errorf("%s: %s %+v, want held (%s)", l.Subject, l.Status, l.Hold, reason)
		}
	}
	for id, st := range map[string]newsletter.LetterStatus{soonScheduled: newsletter.LetterScheduled, future: newsletter.LetterScheduled,
		rescheduled: newsletter.LetterScheduled, moving: newsletter.LetterSending, settled: newsletter.LetterSending} {
		if l := f.status(t, id); l.Status != st {
			t.Errorf("%s: %s, want %s", l.Subject, l.Status, st)
		}
	}
	if _, ok := f.queue(t)[fanOut(lateScheduled)]; ok {
		t.Error("the held letter's fan-out job is still queued")
	}
	if _, ok := f.queue(t)[fanOut(soonScheduled)]; !ok {
		t.Error("a letter still within its grace lost its fan-out job")
	}
	// A second look holds nothing again.
	if again, err := f.s.HoldLateLetters(ctx, now, grace); err != nil || len(again) != 0 {
		t.Errorf("second look held %v (%v)", again, err)
	}
}

// sent records one send of letter to sub at at, as the worker would.
func (f *fixture) sent(t *testing.T, letter, sub string, at time.Time) {
	t.Helper()
	err := f.s.Record(context.Background(), newsletter.Outcome{Job: sendJob(letter, sub), Counter: "sent",
		LedgerKey: newsletter.LetterLedgerKey(letter), Send: &newsletter.Send{Kind: "letter", Subject: "x", SentAt: at}})
	if err != nil {
		t.Fatal(err)
	}
}

// TestParkAndRelease: a send of a held letter is parked out of the
// queue; a release queues it again, due at once, and the letter sends on;
// a send claimed after the release is not parked.
func TestParkAndRelease(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	a, b := f.confirmed(t, "a@example.org"), f.confirmed(t, "b@example.org")
	id := f.letter(t, "Stalls", t0, t0)
	_, ids, err := f.s.StartLetter(ctx, id, t0, grace)
	if err != nil || len(ids) != 2 {
		t.Fatalf("start: %v %v", ids, err)
	}
	if err := f.s.FinishFanOut(ctx, id, ids, t0); err != nil {
		t.Fatal(err)
	}
	f.sent(t, id, a, t0.Add(time.Minute))
	if err := f.rdb.HSet(ctx, f.key("attempts"), sendJob(id, b).ID(), 3).Err(); err != nil {
		t.Fatal(err)
	}
	late := t0.Add(3 * time.Hour)
	if held, err := f.s.HoldLateLetters(ctx, late, grace); err != nil || len(held) != 1 {
		t.Fatalf("hold: %v %v", held, err)
	}
	parked, err := f.s.ParkLetterSend(ctx, sendJob(id, b), late)
	if err != nil || !parked {
		t.Fatalf("park: %v %v", parked, err)
	}
	if _, ok := f.queue(t)[sendJob(id, b).ID()]; ok {
		t.Error("a parked send is still in the queue")
	}
	if n, _ := f.s.ParkedSends(ctx, id); n != 1 {
		t.Errorf("%d parked, want 1", n)
	}
	if err := f.s.ReleaseLetter(ctx, "nope", late); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("release of no letter: %v", err)
	}

	released := late.Add(time.Minute)
	if err := f.s.ReleaseLetter(ctx, id, released); err != nil {
		t.Fatal(err)
	}
	l := f.status(t, id)
	if l.Status != newsletter.LetterSending || l.Hold != nil || !l.ScheduledAt.Equal(released) {
		t.Errorf("released letter: %+v", l)
	}
	if due, ok := f.queue(t)[sendJob(id, b).ID()]; !ok || !due.Equal(released) {
		t.Errorf("parked send after release: due %v, queued %v; want due at the release", due, ok)
	}
	if n, _ := f.s.ParkedSends(ctx, id); n != 0 {
		t.Errorf("%d still parked", n)
	}
	if n, _ := f.rdb.HGet(ctx, f.key("attempts"), sendJob(id, b).ID()).Int(); n != 3 {
		t.Errorf("attempts after park and release: %d, want 3 kept", n)
	}
	if err := f.s.ReleaseLetter(ctx, id, released); !errors.Is(err, newsletter.ErrConflict) {
		t.Errorf("second release: %v, want ErrConflict", err)
	}
	// Not held any more: a park puts the send back, due now.
	if parked, err := f.s.ParkLetterSend(ctx, sendJob(id, b), released.Add(time.Second)); err != nil || parked {
		t.Errorf("park after release: %v %v", parked, err)
	}
	if due := f.queue(t)[sendJob(id, b).ID()]; !due.Equal(released.Add(time.Second)) {
		t.Errorf("unparked send due %v", due)
	}
	// The grace counts from the release: not stalled an hour after it.
	if held, _ := f.s.HoldLateLetters(ctx, released.Add(grace), grace); len(held) != 0 {
		t.Errorf("held again within the grace of the release: %v", held)
	}
	f.sent(t, id, b, released.Add(time.Minute))
	if l := f.status(t, id); l.Status != newsletter.LetterSent || l.Sent != 2 {
		t.Errorf("after the last send: %+v", l)
	}
}

// TestReleaseBeforeFanOut: a letter held before it started is scheduled
// again with its fan-out due at the release, and its grace counts from
// there; a letter whose in-flight sends settled it while held is sent.
func TestReleaseBeforeFanOut(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	a := f.confirmed(t, "a@example.org")
	id := f.letter(t, "Late", t0, t0.Add(-time.Hour))
	if _, _, err := f.s.StartLetter(ctx, id, t0.Add(2*time.Hour), grace); !errors.Is(err, newsletter.ErrHeld) {
		t.Fatalf("start: %v", err)
	}
	released := t0.Add(5 * time.Hour)
	if err := f.s.ReleaseLetter(ctx, id, released); err != nil {
		t.Fatal(err)
	}
	if l := f.status(t, id); l.Status != newsletter.LetterScheduled || !l.DueAt().Equal(released) {
		t.Errorf("released: %s due %v", l.Status, l.DueAt())
	}
	if due, ok := f.queue(t)[fanOut(id)]; !ok || !due.Equal(released) {
		t.Errorf("fan-out job due %v (%v), want at the release", due, ok)
	}
	l, ids, err := f.s.StartLetter(ctx, id, released.Add(grace), grace)
	if err != nil || len(ids) != 1 || ids[0] != a || l.Status != newsletter.LetterSending {
		t.Errorf("start a grace after the release: %+v %v %v", l, ids, err)
	}

	// Held while its last send was in flight; the send settled it.
	done := f.letter(t, "Done", t0, t0)
	_, ids, _ = f.s.StartLetter(ctx, done, t0, grace)
	if err := f.s.FinishFanOut(ctx, done, ids, t0); err != nil {
		t.Fatal(err)
	}
	if held, err := f.s.HoldLateLetters(ctx, t0.Add(2*time.Hour), grace); err != nil || len(held) != 1 || held[0] != done {
		t.Fatalf("hold: %v %v", held, err)
	}
	f.sent(t, done, a, t0.Add(2*time.Hour))
	if l := f.status(t, done); l.Status != newsletter.LetterHeld {
		t.Fatalf("a send settling a held letter changed it to %s", l.Status)
	}
	if err := f.s.ReleaseLetter(ctx, done, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if l := f.status(t, done); l.Status != newsletter.LetterSent || l.Sent != 1 {
		t.Errorf("released settled letter: %+v", l)
	}
}

// TestCancelHeldLetter: a held letter cancels with its parked sends and
// their attempt counts; a cancelled or sent letter does not.
func TestCancelHeldLetter(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	a, b := f.confirmed(t, "a@example.org"), f.confirmed(t, "b@example.org")
	id := f.letter(t, "Held", t0, t0)
	_, ids, _ := f.s.StartLetter(ctx, id, t0, grace)
	if err := f.s.FinishFanOut(ctx, id, ids, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.HoldLateLetters(ctx, t0.Add(2*time.Hour), grace); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{a, b} {
		if err := f.rdb.HSet(ctx, f.key("attempts"), sendJob(id, sub).ID(), 1).Err(); err != nil {
			t.Fatal(err)
		}
		if ok, err := f.s.ParkLetterSend(ctx, sendJob(id, sub), t0.Add(2*time.Hour)); err != nil || !ok {
			t.Fatalf("park: %v %v", ok, err)
		}
	}
	if err := f.s.CancelLetter(ctx, id); err != nil {
		t.Fatal(err)
	}
	if l := f.status(t, id); l.Status != newsletter.LetterCancelled {
		t.Errorf("after cancel: %s", l.Status)
	}
	if n, _ := f.s.ParkedSends(ctx, id); n != 0 {
		t.Errorf("%d parked sends left", n)
	}
	if n := f.rdb.HLen(ctx, f.key("attempts")).Val(); n != 0 {
		t.Errorf("%d attempt counts left", n)
	}
	if len(f.queue(t)) != 2 { // the two drip jobs of the subscribers
		t.Errorf("queue after cancel: %v", f.queue(t))
	}
	if err := f.s.CancelLetter(ctx, id); !errors.Is(err, newsletter.ErrConflict) {
		t.Errorf("second cancel: %v", err)
	}
	if err := f.s.ReleaseLetter(ctx, id, t0.Add(3*time.Hour)); !errors.Is(err, newsletter.ErrConflict) {
		t.Errorf("release of a cancelled letter: %v", err)
	}
	if err := f.s.CancelLetter(ctx, "nope"); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("cancel of no letter: %v", err)
	}
}
