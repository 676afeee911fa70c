package redisstore_test

// Each Lua script in scripts/ is exercised here, through the Store method
// that runs it, against the real Redis (testkit.Redis fails when it is
// absent). The tests read the keys the package documents in store.go to
// check what each script wrote.

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type fixture struct {
	s      *redisstore.Store
	rdb    *redis.Client
	prefix string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	rdb, prefix := testkit.Redis(t)
	return &fixture{s: redisstore.New(rdb, prefix), rdb: rdb, prefix: prefix}
}

func (f *fixture) key(parts ...string) string { return f.prefix + strings.Join(parts, ":") }

// queue returns the job queue as job id -> due.
func (f *fixture) queue(t *testing.T) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	for _, lane := range []string{"queue", "urgent"} {
		zs, err := f.rdb.ZRangeWithScores(context.Background(), f.key(lane), 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range zs {
			out[z.Member.(string)] = time.UnixMilli(int64(z.Score)).UTC()
		}
	}
	return out
}

// urgent is the queue's urgent lane: job id -> due.
func (f *fixture) urgent(t *testing.T) map[string]time.Time {
	t.Helper()
	zs, err := f.rdb.ZRangeWithScores(context.Background(), f.key("urgent"), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]time.Time{}
	for _, z := range zs {
		out[z.Member.(string)] = time.UnixMilli(int64(z.Score)).UTC()
	}
	return out
}

// inSet reports whether member is in the zset and at what time.
func (f *fixture) inSet(t *testing.T, set, member string) (time.Time, bool) {
	t.Helper()
	score, err := f.rdb.ZScore(context.Background(), set, member).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return time.UnixMilli(int64(score)).UTC(), true
}

// emailIndex reads every bucket of the email index (address -> id),
// checking that each is named by four hex digits and kept compact.
func (f *fixture) emailIndex(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	iter := f.rdb.Scan(ctx, 0, f.key("emails", "*"), 100).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		if b := strings.TrimPrefix(k, f.key("emails", "")); len(b) != 4 || strings.Trim(b, "0123456789abcdef") != "" {
			t.Errorf("email index bucket %q is not four hex digits", k)
		}
		if enc := f.rdb.ObjectEncoding(ctx, k).Val(); enc != "listpack" {
			t.Errorf("email index bucket %q is %s, want listpack", k, enc)
		}
		for e, id := range f.rdb.HGetAll(ctx, k).Val() {
			if _, dup := out[e]; dup {
				t.Errorf("%s is in two buckets", e)
			}
			out[e] = id
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func consent(at time.Time) newsletter.Consent {
	return newsletter.Consent{Text: "Yes, send me the guide.", Version: "v1", Source: "form", IP: "203.0.113.0", GivenAt: at}
}

func pending(email string, at time.Time) newsletter.NewSubscriber {
	return newsletter.NewSubscriber{Email: email, Name: "Ada Lovelace", Sequence: "guide", TZ: "Europe/Berlin",
		Status: newsletter.StatusPending, Consent: consent(at), At: at}
}

func (f *fixture) create(t *testing.T, n newsletter.NewSubscriber, firstDue time.Time) string {
	t.Helper()
	id, created, err := f.s.CreateSubscriber(context.Background(), n, firstDue)
	if err != nil || !created {
		t.Fatalf("create %s: created=%v err=%v", n.Email, created, err)
	}
	return id
}

// confirmed creates a subscriber confirmed at t0 in sequence "seq" whose
// drip job is due at t0.
func (f *fixture) confirmed(t *testing.T, email string) string {
	t.Helper()
	n := pending(email, t0)
	n.Sequence, n.Status = "seq", newsletter.StatusConfirmed
	return f.create(t, n, t0)
}

func drip(id string) newsletter.Job { return newsletter.Job{Kind: newsletter.JobDrip, Subscriber: id} }

// --- create.lua ---------------------------------------------------------

// --- claim.lua ----------------------------------------------------------

// --- confirm.lua --------------------------------------------------------

// --- resend.lua ---------------------------------------------------------

// --- record.lua ---------------------------------------------------------

// --- Erase --------------------------------------------------------------
