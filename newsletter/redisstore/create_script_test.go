package redisstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/satina/newsletter/newsletter"
)

func TestCreateScript(t *testing.T) {
	f := setup(t)
	ctx := context.Background()

	id := f.create(t, pending("ada@example.org", t0), time.Time{})
	if got := f.emailIndex(t); len(got) != 1 || got["ada@example.org"] != id {
		t.Errorf("email index = %v, want ada@example.org -> %q", got, id)
	}
	if at, ok := f.inSet(t, f.key("status", "pending"), id); !ok || !at.Equal(t0) {
		t.Errorf("pending set: %v %v, want %v", at, ok, t0)
	}
	if got := f.rdb.HGetAll(ctx, f.key("signups")).Val(); len(got) != 1 || got[fmt.Sprint(t0.UnixMilli()/900_000)] != "1" {
		t.Errorf("signups = %v, want 1 in the quarter hour of %v", got, t0)
	}
	q, u := f.queue(t), f.urgent(t)
	if due, ok := u["confirm:"+id]; !ok || !due.Equal(t0) || len(q) != 1 {
		t.Errorf("queue = %v, urgent lane = %v; want only the confirmation job, in the urgent lane at %v", q, u, t0)
	}
	sub, err := f.s.Subscriber(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Status != newsletter.StatusPending || sub.Name != "Ada Lovelace" || sub.TZ != "Europe/Berlin" ||
		sub.Sequence != "guide" || sub.Consent.Text != "Yes, send me the guide." || !sub.ConfirmMailAt.Equal(t0) ||
		sub.Enrolment != 0 || !sub.Consent.ConfirmedAt.IsZero() {
		t.Errorf("stored subscriber = %+v", sub)
	}

	// The same address again (even as a confirmed import) changes nothing.
	again := pending("ada@example.org", t0.Add(time.Hour))
	again.Name, again.Status, again.Sequence = "Someone Else", newsletter.StatusConfirmed, "other"
	got, created, err := f.s.CreateSubscriber(ctx, again, t0.Add(time.Hour))
	if err != nil || created || got != id {
		t.Fatalf("second create = %q, %v, %v; want %q, false", got, created, err, id)
	}
	sub, _ = f.s.Subscriber(ctx, id)
	if sub.Name != "Ada Lovelace" || sub.Status != newsletter.StatusPending || sub.Sequence != "guide" {
		t.Errorf("second create overwrote the subscriber: %+v", sub)
	}
	if _, ok := f.inSet(t, f.key("status", "confirmed"), id); ok {
		t.Errorf("second create added the id to the confirmed set")
	}
	if q := f.queue(t); len(q) != 1 {
		t.Errorf("second create queued work: %v", q)
	}

	// A confirmed import with a sequence is enrolled: drip job at firstDue.
	imp := pending("bob@example.org", t0)
	imp.Status = newsletter.StatusConfirmed
	first := t0.Add(90 * time.Minute)
	bob := f.create(t, imp, first)
	if due, ok := f.queue(t)["drip:"+bob]; !ok || !due.Equal(first) {
		t.Errorf("imported subscriber's drip job: %v %v, want %v", due, ok, first)
	}
	if _, ok := f.queue(t)["confirm:"+bob]; ok {
		t.Errorf("a confirmed import got a confirmation mail queued")
	}
	sub, _ = f.s.Subscriber(ctx, bob)
	if sub.Enrolment != 1 || sub.Step != 0 || !sub.LastSentAt.Equal(t0) || !sub.Consent.ConfirmedAt.Equal(t0) {
		t.Errorf("imported subscriber = %+v", sub)
	}
	if _, ok := f.inSet(t, f.key("status", "confirmed"), bob); !ok {
		t.Errorf("import not in the confirmed set")
	}

	// Confirmed without a sequence: no work at all.
	none := pending("cy@example.org", t0)
	none.Status, none.Sequence = newsletter.StatusConfirmed, ""
	cy := f.create(t, none, time.Time{})
	for job := range f.queue(t) {
		if strings.HasSuffix(job, ":"+cy) {
			t.Errorf("subscriber without a sequence has job %s", job)
		}
	}
}

func TestCreateScriptIsAtomicUnderRace(t *testing.T) {
	f := setup(t)
	const n = 24
	var wg sync.WaitGroup
	ids := make([]string, n)
	created := make([]bool, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, c, err := f.s.CreateSubscriber(context.Background(), pending("race@example.org", t0), time.Time{})
			if err != nil {
				t.Error(err)
			}
			ids[i], created[i] = id, c
		}()
	}
	wg.Wait()
	winners := 0
	for i := range n {
		if created[i] {
			winners++
		}
		if ids[i] != ids[0] {
			t.Errorf("caller %d got id %q, caller 0 %q", i, ids[i], ids[0])
		}
	}
	if winners != 1 {
		t.Errorf("%d callers created the address, want 1", winners)
	}
	if n := len(f.emailIndex(t)); n != 1 {
		t.Errorf("%d subscribers stored, want 1", n)
	}
	if q := f.queue(t); len(q) != 1 {
		t.Errorf("queue = %v, want one confirmation job", q)
	}
}

// A signup counted against a limit (create.lua) shares Store.Hit's
// counter: its first request sets the counter's time to live, later ones
// leave it, and past the limit nothing is stored.
func TestCreateScriptCountsTheLimit(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	limit := newsletter.Limit{Key: "ip:203.0.113.7", Max: 3, Window: time.Hour}
	for i, want := range []bool{true, true, false} {
		n := pending(fmt.Sprintf("l%d@example.org", i), t0.Add(time.Duration(i)*time.Minute))
		n.Limit = limit
		_, created, err := f.s.CreateSubscriber(ctx, n, time.Time{})
		if created != want || (err != nil) == want {
			t.Fatalf("signup %d: created=%v err=%v, want created=%v", i, created, err, want)
		}
		if i == 0 {
			// Store.Hit, counting another request in the same window,
			// sees the script's count.
			if got, _, err := f.s.Hit(ctx, limit.Key, t0, time.Hour); err != nil || got != 2 {
				t.Fatalf("Hit after one signup = %d, %v; want 2", got, err)
			}
		}
	}
	keys := f.rdb.Keys(ctx, f.key("rl", "*")).Val()
	if len(keys) != 1 {
		t.Fatalf("rate-limit keys %v, want one", keys)
	}
	if ttl := f.rdb.TTL(ctx, keys[0]).Val(); ttl <= time.Hour || ttl > 2*time.Hour {
		t.Errorf("counter lives %v, want about two windows", ttl)
	}
	if got := f.rdb.Get(ctx, keys[0]).Val(); got != "4" {
		t.Errorf("counter = %s, want 4 (three signups and one Hit)", got)
	}
	if n := len(f.emailIndex(t)); n != 2 {
		t.Errorf("%d addresses stored, want the two under the limit", n)
	}
}

// A new subscriber's hash leaves out what decode can read elsewhere, and
// decode gives back what was stored before it did: a subscriber created
// confirmed (an import) has had no confirmation mail, so one who leaves
// and signs up again at once is not held back by the resend interval.
func TestCreatedSubscribersReadBackWhole(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.create(t, pending("p@example.org", t0), time.Time{})
	imported := pending("i@example.org", t0)
	imported.Status, imported.Name, imported.TZ = newsletter.StatusConfirmed, "", ""
	i := f.create(t, imported, t0)

	ps, err := f.s.Subscriber(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if !ps.ConfirmMailAt.Equal(t0) || !ps.UpdatedAt.Equal(t0) || !ps.Consent.GivenAt.Equal(t0) || !ps.Consent.ConfirmedAt.IsZero() || !ps.LastSentAt.IsZero() {
		t.Errorf("pending read back: confirm mail %v, updated %v, consent %v / %v, last sent %v",
			ps.ConfirmMailAt, ps.UpdatedAt, ps.Consent.GivenAt, ps.Consent.ConfirmedAt, ps.LastSentAt)
	}
	is, err := f.s.Subscriber(ctx, i)
	if err != nil {
		t.Fatal(err)
	}
	if !is.ConfirmMailAt.IsZero() || !is.Consent.ConfirmedAt.Equal(t0) || !is.LastSentAt.Equal(t0) || is.Step != 0 || is.Enrolment != 1 {
		t.Errorf("import read back: confirm mail %v (want none), confirmed %v, last sent %v, step %d, enrolment %d",
			is.ConfirmMailAt, is.Consent.ConfirmedAt, is.LastSentAt, is.Step, is.Enrolment)
	}
	h := f.rdb.HGetAll(ctx, f.key("sub", i)).Val()
	for _, field := range []string{"n", "t", "u", "ca", "k", "ls", "cm"} {
		if v, ok := h[field]; ok {
			t.Errorf("the import's hash holds %s=%q, which decode reads elsewhere", field, v)
		}
	}
}
