package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/satina/newsletter/newsletter"
)

func TestConfirmScript(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := f.create(t, pending("ada@example.org", t0), time.Time{})
	at, first := t0.Add(time.Hour), t0.Add(2*time.Hour)

	changed, err := f.s.Confirm(ctx, id, at, first)
	if err != nil || !changed {
		t.Fatalf("Confirm = %v, %v; want true", changed, err)
	}
	sub, _ := f.s.Subscriber(ctx, id)
	if sub.Status != newsletter.StatusConfirmed || sub.Enrolment != 1 || sub.Step != 0 || sub.LastStep != "" ||
		!sub.LastSentAt.Equal(at) || !sub.Consent.ConfirmedAt.Equal(at) || !sub.UpdatedAt.Equal(at) {
		t.Errorf("after confirm: %+v", sub)
	}
	if _, ok := f.inSet(t, f.key("status", "pending"), id); ok {
		t.Errorf("still in the pending set")
	}
	if got, ok := f.inSet(t, f.key("status", "confirmed"), id); !ok || !got.Equal(at) {
		t.Errorf("confirmed set: %v %v, want %v", got, ok, at)
	}
	q := f.queue(t)
	if _, ok := q["confirm:"+id]; ok {
		t.Errorf("confirmation job still queued")
	}
	if due, ok := q["drip:"+id]; !ok || !due.Equal(first) {
		t.Errorf("drip job %v %v, want due %v", due, ok, first)
	}

	// Idempotent: a second confirm changes nothing, not even a moved drip job.
	f.rdb.ZAdd(ctx, f.key("queue"), redis.Z{Score: float64(t0.Add(9 * time.Hour).UnixMilli()), Member: "drip:" + id})
	changed, err = f.s.Confirm(ctx, id, t0.Add(5*time.Hour), t0.Add(5*time.Hour))
	if err != nil || changed {
		t.Errorf("second Confirm = %v, %v; want false", changed, err)
	}
	sub, _ = f.s.Subscriber(ctx, id)
	if sub.Enrolment != 1 || !sub.Consent.ConfirmedAt.Equal(at) {
		t.Errorf("second confirm changed the subscriber: %+v", sub)
	}
	if due := f.queue(t)["drip:"+id]; !due.Equal(t0.Add(9 * time.Hour)) {
		t.Errorf("second confirm moved the drip job to %v", due)
	}

	// Unknown id: ErrNotFound, nothing created.
	if _, err := f.s.Confirm(ctx, "nosuchid", at, first); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("Confirm(unknown) = %v, want ErrNotFound", err)
	}
	if n := f.rdb.Exists(ctx, f.key("sub", "nosuchid")).Val(); n != 0 {
		t.Errorf("Confirm(unknown) created the subscriber hash")
	}
	if _, ok := f.queue(t)["drip:nosuchid"]; ok {
		t.Errorf("Confirm(unknown) queued a drip job")
	}

	// An unsubscribed address is not confirmed by an old link.
	other := f.create(t, pending("bob@example.org", t0), time.Time{})
	if err := f.s.SetStatus(ctx, other, newsletter.StatusUnsubscribed, t0); err != nil {
		t.Fatal(err)
	}
	if changed, err := f.s.Confirm(ctx, other, at, first); err != nil || changed {
		t.Errorf("Confirm(unsubscribed) = %v, %v; want false", changed, err)
	}
	if _, ok := f.queue(t)["drip:"+other]; ok {
		t.Errorf("Confirm(unsubscribed) queued a drip job")
	}

	// Re-signup after leaving, then confirm: a new enrolment from step 0.
	if err := f.s.Resignup(ctx, other, pending("bob@example.org", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if changed, _ := f.s.Confirm(ctx, other, at, first); !changed {
		t.Errorf("Confirm after re-signup did not confirm")
	}

	// No sequence to join (zero firstDue): confirmed, no drip job.
	cy := f.create(t, pending("cy@example.org", t0), time.Time{})
	if changed, err := f.s.Confirm(ctx, cy, at, time.Time{}); err != nil || !changed {
		t.Fatalf("Confirm without a sequence = %v, %v", changed, err)
	}
	if _, ok := f.queue(t)["drip:"+cy]; ok {
		t.Errorf("drip job queued without a first step")
	}
}

func TestResendScript(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := f.create(t, pending("ada@example.org", t0), time.Time{})
	interval := newsletter.ConfirmResendInterval

	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{t0, false},
		{t0.Add(interval - time.Millisecond), false},
		{t0.Add(interval), true},
		{t0.Add(interval + time.Minute), false},
		{t0.Add(2 * interval), true},
	} {
		queued, err := f.s.RequestConfirmMail(ctx, id, c.at)
		if err != nil || queued != c.want {
			t.Errorf("RequestConfirmMail at +%v = %v, %v; want %v", c.at.Sub(t0), queued, err, c.want)
		}
	}
	last := t0.Add(2 * interval)
	sub, _ := f.s.Subscriber(ctx, id)
	if !sub.ConfirmMailAt.Equal(last) {
		t.Errorf("ConfirmMailAt = %v, want %v", sub.ConfirmMailAt, last)
	}
	if due, ok := f.urgent(t)["confirm:"+id]; !ok || !due.Equal(last) {
		t.Errorf("confirmation job in the urgent lane at %v %v, want %v", due, ok, last)
	}

	// Not pending: nothing queued.
	if _, err := f.s.Confirm(ctx, id, last, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if queued, err := f.s.RequestConfirmMail(ctx, id, last.Add(time.Hour)); err != nil || queued {
		t.Errorf("RequestConfirmMail(confirmed) = %v, %v; want false", queued, err)
	}
	if _, ok := f.queue(t)["confirm:"+id]; ok {
		t.Errorf("confirmation job queued for a confirmed subscriber")
	}
	// Unknown id: nothing queued and no hash created.
	if queued, err := f.s.RequestConfirmMail(ctx, "nosuchid", last); err != nil || queued {
		t.Errorf("RequestConfirmMail(unknown) = %v, %v", queued, err)
	}
	if n := f.rdb.Exists(ctx, f.key("sub", "nosuchid")).Val(); n != 0 {
		t.Errorf("RequestConfirmMail(unknown) created a subscriber hash")
	}
}
