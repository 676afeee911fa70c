package redisstore_test

import (
	"context"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/newsletter"
)

func stepOutcome(id, step string, sentAt, next time.Time) newsletter.Outcome {
	return newsletter.Outcome{
		Job:       drip(id),
		LedgerKey: newsletter.StepLedgerKey("seq", step, 1),
		Send:      &newsletter.Send{Kind: "step", Subject: "Subject of " + step, SentAt: sentAt},
		Step:      step,
		NextDue:   next,
	}
}

func TestRecordScriptStep(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := f.confirmed(t, "ada@example.org")
	if _, err := f.s.Claim(ctx, t0, time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Retry(ctx, drip(id), t0); err != nil { // an earlier failed try
		t.Fatal(err)
	}

	sent, next := t0.Add(time.Second), t0.Add(7*24*time.Hour)
	if err := f.s.Record(ctx, stepOutcome(id, "01-a.md", sent, next)); err != nil {
		t.Fatal(err)
	}
	sub, _ := f.s.Subscriber(ctx, id)
	if sub.Step != 1 || sub.LastStep != "01-a.md" || !sub.LastSentAt.Equal(sent) {
		t.Errorf("after recording step 1: step=%d last=%q at=%v", sub.Step, sub.LastStep, sub.LastSentAt)
	}
	if ok, _ := f.s.Recorded(ctx, id, newsletter.StepLedgerKey("seq", "01-a.md", 1)); !ok {
		t.Errorf("ledger lacks the step")
	}
	if due := f.queue(t)["drip:"+id]; !due.Equal(next) {
		t.Errorf("drip job due %v, want %v", due, next)
	}
	if f.rdb.HExists(ctx, f.key("attempts"), "drip:"+id).Val() {
		t.Errorf("attempts of the settled job were kept")
	}

	// The same outcome again (a second worker after a lost lease, or a
	// retried call): the ledger keeps the first entry, the step is not
	// counted twice, the progress is not moved.
	if err := f.s.Record(ctx, stepOutcome(id, "01-a.md", sent.Add(time.Minute), next)); err != nil {
		t.Fatal(err)
	}
	sub, _ = f.s.Subscriber(ctx, id)
	if sub.Step != 1 || !sub.LastSentAt.Equal(sent) {
		t.Errorf("second record moved the progress: step=%d at=%v", sub.Step, sub.LastSentAt)
	}
	sends, err := f.s.Sends(ctx, id)
	if err != nil || len(sends) != 1 || !sends[0].SentAt.Equal(sent) || sends[0].Subject != "Subject of 01-a.md" {
		t.Errorf("ledger after a second record = %+v, %v", sends, err)
	}

	// The next step, then the last one (zero NextDue removes the job).
	if err := f.s.Record(ctx, stepOutcome(id, "02-b.md", next, time.Time{})); err != nil {
		t.Fatal(err)
	}
	sub, _ = f.s.Subscriber(ctx, id)
	if sub.Step != 2 || sub.LastStep != "02-b.md" {
		t.Errorf("after step 2: step=%d last=%q", sub.Step, sub.LastStep)
	}
	if _, ok := f.queue(t)["drip:"+id]; ok {
		t.Errorf("the drip job outlived the last step")
	}
	if sends, _ := f.s.Sends(ctx, id); len(sends) != 2 || sends[0].Subject != "Subject of 01-a.md" {
		t.Errorf("sends = %+v, want both steps, oldest first", sends)
	}

	// A settle without a send (the ledger already had it) moves the job only.
	if err := f.s.Record(ctx, newsletter.Outcome{Job: drip(id), NextDue: next.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if sub2, _ := f.s.Subscriber(ctx, id); sub2.Step != 2 {
		t.Errorf("a settle without a send changed the step to %d", sub2.Step)
	}
}

func TestRecordScriptErasedSubscriberRecreatesNothing(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := f.confirmed(t, "ada@example.org")
	if _, err := f.s.Claim(ctx, t0, time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	// Erased while its step was being sent.
	if err := f.s.Erase(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Record(ctx, stepOutcome(id, "01-a.md", t0, t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if keys := keysMentioning(t, f, id, "ada@example.org"); len(keys) > 0 {
		t.Errorf("record after erase left: %v", keys)
	}
	if _, err := f.s.Subscriber(ctx, id); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("Subscriber after erase+record = %v, want ErrNotFound", err)
	}
}

func TestRecordScriptDoesNotRequeueForSubscriberWhoLeft(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := f.confirmed(t, "ada@example.org")
	if _, err := f.s.Claim(ctx, t0, time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	// Unsubscribed between the worker's check and its record: the mail went
	// out and is recorded, but no further work is queued.
	if err := f.s.SetStatus(ctx, id, newsletter.StatusUnsubscribed, t0); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Record(ctx, stepOutcome(id, "01-a.md", t0, t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if ok, _ := f.s.Recorded(ctx, id, newsletter.StepLedgerKey("seq", "01-a.md", 1)); !ok {
		t.Errorf("the mail that went out is not in the ledger")
	}
	if due, ok := f.queue(t)["drip:"+id]; ok {
		t.Errorf("drip job queued again at %v for an unsubscribed subscriber", due)
	}
}

func TestRecordScriptLetterCounters(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	ids := []string{f.confirmed(t, "a@example.org"), f.confirmed(t, "b@example.org"), f.confirmed(t, "c@example.org"),
		f.confirmed(t, "d@example.org")}
	lid, err := f.s.CreateLetter(ctx, &newsletter.Letter{Subject: "Spring", Markdown: "Hello", SendAt: t0.Add(time.Hour), CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if due, ok := f.queue(t)["letter:"+lid]; !ok || !due.Equal(t0.Add(time.Hour)) {
		t.Errorf("fan-out job %v %v", due, ok)
	}
	l, recipients, err := f.s.StartFanOut(ctx, lid)
	if err != nil || l.Status != newsletter.LetterSending {
		t.Fatalf("StartFanOut = %+v, %v", l, err)
	}
	sort.Strings(recipients)
	want := append([]string(nil), ids...)
	sort.Strings(want)
	if strings.Join(recipients, ",") != strings.Join(want, ",") {
		t.Fatalf("recipients = %v, want %v", recipients, want)
	}
	send := func(sid, counter string) newsletter.Outcome {
		o := newsletter.Outcome{Job: newsletter.Job{Kind: newsletter.JobLetterSend, Letter: lid, Subscriber: sid}, Counter: counter}
		if counter == "sent" {
			o.LedgerKey = newsletter.LetterLedgerKey(lid)
			o.Send = &newsletter.Send{Kind: "letter", Subject: "Spring", SentAt: t0.Add(time.Hour)}
		}
		return o
	}
	// One send settles before the fan-out has recorded the count.
	if err := f.s.Record(ctx, send(ids[0], "sent")); err != nil {
		t.Fatal(err)
	}
	if l, _ := f.s.Letter(ctx, lid); l.Status != newsletter.LetterSending {
		t.Errorf("letter %s before the count was known", l.Status)
	}
	if err := f.s.FinishFanOut(ctx, lid, recipients, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	q := f.queue(t)
	if _, ok := q["letter:"+lid]; ok {
		t.Errorf("fan-out job kept after FinishFanOut")
	}
	for _, sid := range ids[1:] {
		if _, ok := q["lsend:"+lid+":"+sid]; !ok {
			t.Errorf("no send queued for %s", sid)
		}
	}
	// A second fan-out (crash after the first) queues nothing twice and does
	// not re-queue the settled send.
	if err := f.s.FinishFanOut(ctx, lid, recipients, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		o    newsletter.Outcome
		want newsletter.LetterStatus
	}{
		{send(ids[1], "sent"), newsletter.LetterSending},
		{send(ids[1], "sent"), newsletter.LetterSending}, // recorded twice: counted once
		{send(ids[2], "skipped"), newsletter.LetterSending},
		{send(ids[3], "failed"), newsletter.LetterSent},
	}
	for i, s := range steps {
		if err := f.s.Record(ctx, s.o); err != nil {
			t.Fatal(err)
		}
		if l, _ := f.s.Letter(ctx, lid); l.Status != s.want {
			t.Errorf("after record %d: letter %s, want %s", i, l.Status, s.want)
		}
	}
	l, _ = f.s.Letter(ctx, lid)
	if l.Sent != 2 || l.Failed != 1 || l.Skipped != 1 || l.Recipients != 4 {
		t.Errorf("counters sent=%d failed=%d skipped=%d recipients=%d, want 2, 1, 1, 4", l.Sent, l.Failed, l.Skipped, l.Recipients)
	}
	if n := f.rdb.HGet(ctx, f.key("letter", lid), "done").Val(); n == "" || n == "0" {
		t.Errorf("letter has no done time")
	}

	// A letter to nobody is sent at once.
	empty, _ := f.s.CreateLetter(ctx, &newsletter.Letter{Subject: "Nobody", Markdown: "x", SendAt: t0, CreatedAt: t0})
	if err := f.s.FinishFanOut(ctx, empty, nil, t0); err != nil {
		t.Fatal(err)
	}
	if l, _ := f.s.Letter(ctx, empty); l.Status != newsletter.LetterSent {
		t.Errorf("letter without recipients is %s", l.Status)
	}
}
