package worker_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/newsletter/mailer"
	"github.com/satina/newsletter/newsletter/worker"
)

// TestPermanentRejectionBounces: a 550 to RCPT TO marks the address
// bounced (visible in the admin API), drops its queued work and stops all
// mail to it, whether it came on a step or on the confirmation mail.
func TestPermanentRejectionBounces(t *testing.T) {
	set := writeSet(t, t.TempDir(), map[string]map[string]string{"four": fourSteps()})
	a := apptest.Start(t, apptest.Options{NoWorker: true, Sequences: set})
	log := newLog(a)
	gone := signup(t, a, "gone@example.org", "four", "")
	ok := signup(t, a, "ok@example.org", "four", "")
	log.drain(t)
	confirm(t, a, gone)
	confirm(t, a, ok)
	log.drain(t)

	a.SMTP.Reject("gone@example.org", 550)
	a.SMTP.Reject("typo@example.org", 550)
	typo := signup(t, a, "typo@example.org", "four", "")
	log.runUntil(t, a.Fake.Now().Add(day), time.Hour)

	for _, id := range []string{gone, typo} {
		sub, err := a.Store.Subscriber(context.Background(), id)
		if err != nil || sub.Status != "bounced" {
			t.Errorf("%s after a 550: %+v, %v; want bounced", id, sub, err)
		}
		if _, q := queued(t, a, dripJob(id)); q {
			t.Errorf("%s: drip job kept after the bounce", id)
		}
	}
	if sub := a.Subscriber(t, "gone@example.org"); sub.Step != 1 {
		t.Errorf("bounced step counted: step %d", sub.Step)
	}
	bounced := adminSubscribers(t, a, "bounced")
	if bounced["gone@example.org"].Status != "bounced" || bounced["typo@example.org"].Status != "bounced" || len(bounced) != 2 {
		t.Errorf("admin API bounced = %+v", bounced)
	}
	if all := adminSubscribers(t, a, ""); all["gone@example.org"].Status != "bounced" {
		t.Errorf("admin API lists gone@ as %+v", all["gone@example.org"])
	}

	log.runUntil(t, a.Fake.Now().Add(7*day), time.Hour)
	if got := subjects(log.to("gone@example.org")); len(got) != 2 {
		t.Errorf("bounced address got %q, want only the confirmation and Step 1", got)
	}
	if got := log.to("typo@example.org"); len(got) != 0 {
		t.Errorf("rejected pending address got %q", subjects(got))
	}
	if got := subjects(log.to("ok@example.org")); len(got) != 5 {
		t.Errorf("the other reader got %q, want all four steps", got)
	}
	if n := counter(t, a.Metrics.Registry, "newsletter_mails_failed_total", "reason", "rejected"); n != 2 {
		t.Errorf("failed{reason=rejected} = %v, want 2", n)
	}
}

// TestSMTPDownRetriesWithBackoff: while the SMTP server is down, due mail
// (a step and a confirmation) is retried with growing backoff (5s, then
// 10s) and nothing is lost or dropped; when it is back, each mail goes out
// once, and the sequence goes on from the real send time.
func TestSMTPDownRetriesWithBackoff(t *testing.T) {
	set := writeSet(t, t.TempDir(), map[string]map[string]string{"four": fourSteps()})
	a := apptest.Start(t, apptest.Options{NoWorker: true, Sequences: set})
	log := newLog(a)
	reader := signup(t, a, "reader@example.org", "four", "")
	log.drain(t)
	confirm(t, a, reader)
	log.drain(t)
	log.runUntil(t, a.Fake.Now().Add(day-time.Minute), time.Hour)

	a.SMTP.Stop()
	signup(t, a, "newcomer@example.org", "four", "") // its confirmation mail is due now
	a.Fake.Advance(time.Minute)                      // Step 2 is due now
	down := a.Fake.Now()
	log.drain(t) // attempt 1 fails: next try at +5s
	a.Fake.Set(down.Add(5 * time.Second))
	log.drain(t) // attempt 2 fails: next try at +5s+10s
	for _, id := range []string{reader, a.Subscriber(t, "newcomer@example.org").ID} {
		job := dripJob(id)
		if id != reader {
			job.Kind = "confirm"
		}
		if due, ok := queued(t, a, job); !ok || !due.Equal(down.Add(15*time.Second)) {
			t.Errorf("%s: queued %v at +%v, want a retry at +15s", job.ID(), ok, due.Sub(down))
		}
	}
	if sub := a.Subscriber(t, "reader@example.org"); sub.Status != "confirmed" || sub.Step != 1 {
		t.Errorf("during the outage: %s, step %d", sub.Status, sub.Step)
	}
	if n := counter(t, a.Metrics.Registry, "newsletter_mails_retried_total"); n != 4 {
		t.Errorf("retried = %v, want 4 (two jobs, two attempts each)", n)
	}

	if err := a.SMTP.Restart(); err != nil {
		t.Fatal(err)
	}
	a.Fake.Set(down.Add(14 * time.Second))
	if got := log.drain(t); len(got) != 0 {
		t.Fatalf("sent %q before the backoff ran out", subjects(got))
	}
	a.Fake.Set(down.Add(15 * time.Second))
	got := log.drain(t)
	if len(got) != 2 {
		t.Fatalf("when the server is back: %q, want Step 2 and a confirmation", subjects(got))
	}
	back := a.Fake.Now()
	log.runUntil(t, back.Add(5*day), time.Hour)

	mails := log.to("reader@example.org")
	if strings.Join(subjects(mails), "|") != confirmSubject+"|Step 1|Step 2|Step 3|Step 4" {
		t.Fatalf("reader got %q", subjects(mails))
	}
	// Step 3's day counts from when Step 2 really went out.
	if !mails[3].At.Equal(back.Add(day)) {
		t.Errorf("Step 3 at +%v after Step 2, want +24h", mails[3].At.Sub(back))
	}
	if got := subjects(log.to("newcomer@example.org")); len(got) != 1 || got[0] != confirmSubject {
		t.Errorf("newcomer got %q, want one confirmation", got)
	}
}

// TestTemporaryRejectionRetries: a 450 to RCPT TO is temporary: the
// address stays confirmed, the step is retried with backoff, and when the
// receiving side takes mail again it is delivered once.
func TestTemporaryRejectionRetries(t *testing.T) {
	set := writeSet(t, t.TempDir(), map[string]map[string]string{"four": fourSteps()})
	a := apptest.Start(t, apptest.Options{NoWorker: true, Sequences: set})
	log := newLog(a)
	reader := signup(t, a, "busy@example.org", "four", "")
	log.drain(t)
	confirm(t, a, reader)
	log.drain(t)

	a.SMTP.Reject("busy@example.org", 450)
	a.Fake.Advance(day)
	due := a.Fake.Now()
	for _, wait := range []time.Duration{0, 5 * time.Second, 15 * time.Second, 35 * time.Second} {
		a.Fake.Set(due.Add(wait))
		if got := log.drain(t); len(got) != 0 {
			t.Fatalf("delivered through a 450: %q", subjects(got))
		}
	}
	if sub := a.Subscriber(t, "busy@example.org"); sub.Status != "confirmed" || sub.Step != 1 {
		t.Errorf("after 450s: status %s, step %d; want confirmed, 1", sub.Status, sub.Step)
	}
	if d, ok := queued(t, a, dripJob(reader)); !ok || !d.Equal(due.Add(75*time.Second)) {
		t.Errorf("after four 450s the step is queued %v at +%v, want +75s", ok, d.Sub(due))
	}
	if n := counter(t, a.Metrics.Registry, "newsletter_mails_retried_total", "kind", "step"); n != 4 {
		t.Errorf("retried{kind=step} = %v, want 4", n)
	}

	// The receiving side recovers: another SMTP server stands in for it (the
	// test server cannot forget a rejection) and a worker sends through it.
	relay := smtptest.Start(t)
	transport, err := mailer.New(mailer.Config{URL: relay.URL(), From: "Satina <letters@example.org>"})
	if err != nil {
		t.Fatal(err)
	}
	w2 := &worker.Worker{Store: a.Store, Transport: transport, Composer: a.Worker.Composer,
		Sequences: set, DefaultTZ: time.UTC, Clock: a.Fake, Log: a.Worker.Log}
	a.Fake.Set(due.Add(75 * time.Second))
	if _, err := w2.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	a.Fake.Advance(time.Minute)
	if _, err := w2.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := relay.To("busy@example.org")
	if len(got) != 1 || got[0].Subject() != "Step 2" {
		t.Fatalf("after recovery: %d mails, want Step 2 once", len(got))
	}
	if sub := a.Subscriber(t, "busy@example.org"); sub.Step != 2 || sub.Status != "confirmed" {
		t.Errorf("after recovery: status %s, step %d", sub.Status, sub.Step)
	}
	if d, ok := queued(t, a, dripJob(reader)); !ok || !d.Equal(due.Add(75*time.Second).Add(day)) {
		t.Errorf("Step 3 queued %v at %v, want a day after Step 2", ok, d)
	}
}

// TestLateStepWaitsForTheWindow: a step whose send failed inside its window
// (SMTP down from before 09:00 to past 11:00) is not sent outside the
// window when the server comes back; it waits for the next opening.
func TestLateStepWaitsForTheWindow(t *testing.T) {
	set := writeSet(t, t.TempDir(), map[string]map[string]string{"win": {
		"01-welcome.md": step("Step 1", "0s"),
		"02-morning.md": step("Step 2", "1d", `window: "08:00-11:00"`),
	}})
	// Monday 09:00 UTC; the reader's zone is the default, UTC.
	a := apptest.Start(t, apptest.Options{NoWorker: true, Sequences: set})
	log := newLog(a)
	id := signup(t, a, "reader@example.org", "win", "")
	log.drain(t)
	confirm(t, a, id)
	log.drain(t)
	tuesday := a.Fake.Now().Add(day).Truncate(day) // Tue 00:00 UTC
	log.runUntil(t, tuesday.Add(8*time.Hour+58*time.Minute), time.Hour)

	a.SMTP.Stop()
	log.runUntil(t, tuesday.Add(11*time.Hour+30*time.Minute), time.Minute)
	if err := a.SMTP.Restart(); err != nil {
		t.Fatal(err)
	}
	log.runUntil(t, tuesday.Add(2*day), 15*time.Minute)

	got := log.to("reader@example.org")
	if len(got) != 3 || got[2].Subject != "Step 2" {
		t.Fatalf("got %q, want the confirmation, Step 1 and Step 2", subjects(got))
	}
	if when := got[2].At; !when.Equal(tuesday.Add(day + 8*time.Hour)) {
		t.Errorf("Step 2 went out %s, want Wednesday 08:00 (the next opening of 08:00-11:00)", when.Format("Mon 15:04"))
	}
}
