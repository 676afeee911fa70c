package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// TestFanOutLetterPages: the fan-out reads the recipients a page at a
// time (pages of 3 here) and queues each once: those confirmed by the
// send time, not one confirmed after it, not one in a sequence when the
// letter skips them; a second run after a crash adds nothing; a letter
// past the grace is held and queues none.
func TestFanOutLetterPages(t *testing.T) {
	old := redisstore.FanOutPage
	redisstore.FanOutPage = 3
	t.Cleanup(func() { redisstore.FanOutPage = old })
	f := setup(t)
	ctx := context.Background()
	var want []string
	for i := range 10 {
		n := pending(fmt.Sprintf("r%d@example.org", i), t0.Add(time.Duration(i)*time.Minute))
		n.Status, n.Sequence = newsletter.StatusConfirmed, ""
		want = append(want, f.create(t, n, time.Time{}))
	}
	inSequence := f.confirmed(t, "seq@example.org") // has a drip job
	late := pending("late@example.org", t0.Add(5*time.Hour))
	late.Status, late.Sequence = newsletter.StatusConfirmed, ""
	f.create(t, late, time.Time{})

	sendAt := t0.Add(time.Hour)
	id, err := f.s.CreateLetter(ctx, &newsletter.Letter{Subject: "Pages", Markdown: "Hi", SendAt: sendAt, CreatedAt: t0, SkipInSequence: true})
	if err != nil {
		t.Fatal(err)
	}
	l, n, err := f.s.FanOutLetter(ctx, id, sendAt, time.Hour)
	if err != nil || n != len(want) || l.Recipients != len(want) {
		t.Fatalf("FanOutLetter = %v recipients, %v; want %d", n, err, len(want))
	}
	q := f.queue(t)
	for _, sid := range want {
		if _, ok := q[newsletter.Job{Kind: newsletter.JobLetterSend, Letter: id, Subscriber: sid}.ID()]; !ok {
			t.Errorf("no send queued for %s", sid)
		}
	}
	if _, ok := q[newsletter.Job{Kind: newsletter.JobLetterSend, Letter: id, Subscriber: inSequence}.ID()]; ok {
		t.Errorf("a send queued for a reader in a sequence, which the letter skips")
	}
	if _, ok := q[fanOut(id)]; ok {
		t.Errorf("the fan-out job is still queued")
	}
	sends := 0
	for job := range q {
		if len(job) > 6 && job[:6] == "lsend:" {
			sends++
		}
	}
	if sends != len(want) {
		t.Errorf("%d sends queued, want %d", sends, len(want))
	}
	if got := f.status(t, id); got.Status != newsletter.LetterSending || got.Recipients != len(want) {
		t.Errorf("letter after the fan-out: %+v", got)
	}

	// A letter whose fan-out comes past the grace is held, nothing queued.
	lateID := f.letter(t, "Too late", sendAt, t0)
	if _, _, err := f.s.FanOutLetter(ctx, lateID, sendAt.Add(2*time.Hour), time.Hour); !errors.Is(err, newsletter.ErrHeld) {
		t.Errorf("fan-out past the grace: %v, want ErrHeld", err)
	}
}
