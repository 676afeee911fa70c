package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// asLayout1 rewrites what the store wrote into layout 1: one "emails"
// hash, a "subs" set by creation time, no buckets and no signup counts.
func (f *fixture) asLayout1(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	for email, id := range f.emailIndex(t) {
		f.rdb.HSet(ctx, f.key("emails"), email, id)
	}
	for _, k := range f.rdb.Keys(ctx, f.key("emails", "*")).Val() {
		f.rdb.Del(ctx, k)
	}
	for _, st := range newsletter.Statuses {
		for _, id := range f.rdb.ZRange(ctx, f.key("status", string(st)), 0, -1).Val() {
			c, err := f.rdb.HGet(ctx, f.key("sub", id), "c").Int64()
			if err != nil {
				t.Fatal(err)
			}
			f.rdb.ZAdd(ctx, f.key("subs"), redis.Z{Score: float64(c), Member: id})
		}
	}
	f.rdb.Del(ctx, f.key("signups"), f.key("layout"))
}

// Upgrade moves layout-1 data into layout 2 without losing or doubling
// anything, also when two processes run it at once; an address whose
// record was erased under layout 1 is dropped, not moved.
func TestUpgradeFromLayout1(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	const n = 1234
	for i := range n {
		addSubscriber(t, f.s, fmt.Sprintf("u%04d@example.org", i), newsletter.StatusConfirmed, day.Add(time.Duration(i)*time.Minute))
	}
	f.asLayout1(t)
	gone, _ := f.s.SubscriberByEmail(ctx, "u0000@example.org")
	if gone != nil {
		t.Fatal("setup: layout 1 still found through the buckets")
	}
	// Erased under layout 1, whose code left the address behind by mistake.
	id7 := f.rdb.HGet(ctx, f.key("emails"), "u0007@example.org").Val()
	f.rdb.Del(ctx, f.key("sub", id7))
	f.rdb.ZRem(ctx, f.key("status", "confirmed"), id7)
	f.rdb.ZRem(ctx, f.key("subs"), id7)

	var wg sync.WaitGroup
	moved := make([]int, 2)
	for i := range moved {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			moved[i], err = f.s.Upgrade(ctx)
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if moved[0]+moved[1] != n-1 {
		t.Errorf("moved %v addresses, want %d in all", moved, n-1)
	}
	for _, k := range []string{"emails", "subs"} {
		if f.rdb.Exists(ctx, f.key(k)).Val() != 0 {
			t.Errorf("%s is still there", k)
		}
	}
	if v := f.rdb.Get(ctx, f.key("layout")).Val(); v != redisstore.Layout {
		t.Errorf("layout = %q, want %q", v, redisstore.Layout)
	}
	index := f.emailIndex(t)
	if len(index) != n-1 {
		t.Errorf("%d addresses in the buckets, want %d", len(index), n-1)
	}
	if _, ok := index["u0007@example.org"]; ok {
		t.Error("the address of an erased record was moved")
	}
	for i := range n {
		email := fmt.Sprintf("u%04d@example.org", i)
		sub, err := f.s.SubscriberByEmail(ctx, email)
		switch {
		case i == 7 && !errors.Is(err, newsletter.ErrNotFound):
			t.Errorf("%s: %v, want not found", email, err)
		case i != 7 && (err != nil || sub.Email != email):
			t.Errorf("%s: %v %v", email, sub, err)
		}
	}
	// Every subscriber of the old set counted once, in its hour.
	var bounds []time.Time
	for h := range 22 {
		bounds = append(bounds, day.Add(time.Duration(h)*time.Hour))
	}
	want := make([]int, 21)
	for i := range n {
		if i != 7 {
			want[i/60]++
		}
	}
	if got, err := f.s.CountCreated(ctx, bounds); err != nil || !slices.Equal(got, want) {
		t.Errorf("per hour = %v, %v; want %v", got, err, want)
	}
	// A signup with a moved address is known; a second Upgrade does nothing.
	if _, created, err := f.s.CreateSubscriber(ctx, pending("u0001@example.org", day), time.Time{}); err != nil || created {
		t.Errorf("signup with a moved address: created=%v %v", created, err)
	}
	if again, err := f.s.Upgrade(ctx); again != 0 || err != nil {
		t.Errorf("second upgrade moved %d, %v", again, err)
	}

	// An old process still running wrote to the old index after the
	// upgrade: the next start moves it, though the layout is recorded.
	late := addSubscriber(t, f.s, "late@example.org", newsletter.StatusConfirmed, day)
	f.rdb.HDel(ctx, f.key("emails", redisstore.EmailBucket("late@example.org")), "late@example.org")
	f.rdb.HSet(ctx, f.key("emails"), "late@example.org", late)
	if again, err := f.s.Upgrade(ctx); again != 1 || err != nil {
		t.Errorf("upgrade of a late old write moved %d, %v; want 1", again, err)
	}
	if sub, err := f.s.SubscriberByEmail(ctx, "late@example.org"); err != nil || sub.ID != late {
		t.Errorf("late address after upgrade: %v %v", sub, err)
	}

	// Data of a newer layout is refused and left alone.
	newer := fmt.Sprint(mustAtoi(t, redisstore.Layout) + 1)
	f.rdb.Set(ctx, f.key("layout"), newer, 0)
	f.rdb.HSet(ctx, f.key("emails"), "future@example.org", "x")
	if _, err := f.s.Upgrade(ctx); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Errorf("upgrade of layout %s = %v, want a refusal", newer, err)
	}
	if v := f.rdb.Get(ctx, f.key("layout")).Val(); v != newer || f.rdb.HLen(ctx, f.key("emails")).Val() != 1 {
		t.Errorf("a refused upgrade changed the data: layout %q", v)
	}
}

func mustAtoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestUpgradeMovesConfirmationsToTheUrgentLane: layout 2 queued a
// confirmation a year ahead of its due time in the one queue; the upgrade
// puts it in the urgent lane at its due time and leaves other jobs alone.
func TestUpgradeMovesConfirmationsToTheUrgentLane(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	due := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	year := 365 * 24 * time.Hour
	f.rdb.Set(ctx, f.key("layout"), "2", 0)
	f.rdb.ZAdd(ctx, f.key("queue"),
		redis.Z{Score: float64(due.Add(-year).UnixMilli()), Member: "confirm:abc"},
		redis.Z{Score: float64(due.UnixMilli()), Member: "drip:abc"})
	if _, err := f.s.Upgrade(ctx); err != nil {
		t.Fatal(err)
	}
	if got := f.urgent(t); len(got) != 1 || !got["confirm:abc"].Equal(due) {
		t.Errorf("urgent lane = %v, want confirm:abc at %v", got, due)
	}
	if got := f.rdb.ZRange(ctx, f.key("queue"), 0, -1).Val(); len(got) != 1 || got[0] != "drip:abc" {
		t.Errorf("queue = %v, want only drip:abc", got)
	}
	if v := f.rdb.Get(ctx, f.key("layout")).Val(); v != redisstore.Layout {
		t.Errorf("layout = %q, want %s", v, redisstore.Layout)
	}
}
