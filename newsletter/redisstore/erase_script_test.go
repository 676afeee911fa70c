package redisstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// keysMentioning scans every key under the fixture's prefix and returns
// each place that still names id or email: a key name, a hash field or
// value, a set or zset member, a list item or a string value.
func keysMentioning(t *testing.T, f *fixture, id, email string) []string {
	t.Helper()
	ctx := context.Background()
	mentions := func(s string) bool { return strings.Contains(s, id) || strings.Contains(s, email) }
	var found []string
	iter := f.rdb.Scan(ctx, 0, f.prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		if mentions(k) {
			found = append(found, k)
			continue
		}
		var items []string
		switch typ := f.rdb.Type(ctx, k).Val(); typ {
		case "string":
			items = []string{f.rdb.Get(ctx, k).Val()}
		case "hash":
			for field, v := range f.rdb.HGetAll(ctx, k).Val() {
				items = append(items, field, v)
			}
		case "zset":
			items = f.rdb.ZRange(ctx, k, 0, -1).Val()
		case "set":
			items = f.rdb.SMembers(ctx, k).Val()
		case "list":
			items = f.rdb.LRange(ctx, k, 0, -1).Val()
		default:
			t.Errorf("key %s has unexpected type %s", k, typ)
		}
		for _, it := range items {
			if mentions(it) {
				found = append(found, k+" -> "+it)
			}
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return found
}

func TestEraseLeavesNoKeyOfTheSubscriber(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := f.confirmed(t, "erase.me@example.org")
	keep := f.confirmed(t, "keep@example.org")

	// Give the subscriber everything a subscriber can have: a sent step, a
	// letter in the ledger, a drip job with failed attempts, a consent
	// record, a pending confirmation job after leaving and coming back.
	if _, err := f.s.Claim(ctx, t0, time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	for _, sid := range []string{id, keep} {
		if err := f.s.Record(ctx, stepOutcome(sid, "01-a.md", t0, t0.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Record(ctx, newsletter.Outcome{Job: newsletter.Job{Kind: newsletter.JobLetterSend, Letter: "l1", Subscriber: sid},
			LedgerKey: newsletter.LetterLedgerKey("l1"), Send: &newsletter.Send{Kind: "letter", Subject: "L", SentAt: t0}}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Retry(ctx, drip(sid), t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if !f.rdb.HExists(ctx, f.key("attempts"), "drip:"+id).Val() {
		t.Fatal("setup: no attempts recorded")
	}
	if len(keysMentioning(t, f, id, "erase.me@example.org")) < 5 {
		t.Fatalf("setup: the subscriber is hardly stored: %v", keysMentioning(t, f, id, "erase.me@example.org"))
	}

	if err := f.s.Erase(ctx, id); err != nil {
		t.Fatal(err)
	}
	if left := keysMentioning(t, f, id, "erase.me@example.org"); len(left) > 0 {
		t.Errorf("after Erase these still name the subscriber:\n  %s", strings.Join(left, "\n  "))
	}
	if _, err := f.s.SubscriberByEmail(ctx, "erase.me@example.org"); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("SubscriberByEmail after erase = %v", err)
	}
	if err := f.s.Erase(ctx, id); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("second Erase = %v, want ErrNotFound", err)
	}

	// The other subscriber is untouched.
	sub, err := f.s.Subscriber(ctx, keep)
	if err != nil || sub.Step != 1 || sub.Status != newsletter.StatusConfirmed {
		t.Errorf("other subscriber after erase: %+v, %v", sub, err)
	}
	if sends, _ := f.s.Sends(ctx, keep); len(sends) != 2 {
		t.Errorf("other subscriber's ledger has %d entries, want 2", len(sends))
	}
	if _, ok := f.queue(t)["drip:"+keep]; !ok {
		t.Errorf("other subscriber's drip job was removed")
	}

	// A new signup with the address starts from scratch.
	again := f.create(t, pending("erase.me@example.org", t0.Add(time.Hour)), time.Time{})
	if again == id {
		t.Errorf("re-signup after erase reused the old id")
	}
	if sends, _ := f.s.Sends(ctx, again); len(sends) != 0 {
		t.Errorf("re-signup after erase has sends %v", sends)
	}
}
