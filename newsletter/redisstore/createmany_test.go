package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// CreateSubscribers stores a batch as CreateSubscriber stores each: in
// order, an address known (before or earlier in the batch) skipped, and
// the scripts loaded again when Redis lost them.
func TestCreateSubscribers(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	known, _, err := f.s.CreateSubscriber(ctx, pending("known@example.org", t0), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	ns := []newsletter.NewSubscriber{
		pending("a@example.org", t0), pending("known@example.org", t0), pending("b@example.org", t0), pending("a@example.org", t0),
	}
	ids, created, err := f.s.CreateSubscribers(ctx, ns, make([]time.Time, len(ns)))
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, true, false}; len(created) != 4 || created[0] != want[0] || created[1] != want[1] || created[2] != want[2] || created[3] != want[3] {
		t.Fatalf("created %v, want %v", created, want)
	}
	if ids[1] != known || ids[3] != ids[0] || ids[0] == ids[2] {
		t.Fatalf("ids %v: want the known id second and the first id again last", ids)
	}
	for i, email := range []string{"a@example.org", "b@example.org"} {
		sub, err := f.s.SubscriberByEmail(ctx, email)
		if err != nil || sub.Status != newsletter.StatusPending || sub.ID != ids[2*i] {
			t.Fatalf("%s: %+v, %v", email, sub, err)
		}
	}
	want := t0.UnixMilli() // in the urgent lane, which workers empty first
	if n := f.rdb.ZScore(ctx, f.key("urgent"), "confirm:"+ids[2]).Val(); n != float64(want) {
		t.Fatalf("confirmation of b in the urgent lane at %v, want %v", n, want)
	}

	// Redis restarted and lost the scripts: the batch loads them again.
	if err := f.rdb.ScriptFlush(ctx).Err(); err != nil {
		t.Fatal(err)
	}
	ns = []newsletter.NewSubscriber{pending("c@example.org", t0), pending("b@example.org", t0)}
	_, created, err = f.s.CreateSubscribers(ctx, ns, make([]time.Time, len(ns)))
	if err != nil || len(created) != 2 || !created[0] || created[1] {
		t.Fatalf("after SCRIPT FLUSH: created %v, %v; want [true false]", created, err)
	}
}
