package redisstore

import (
	"testing"
	"time"

	"github.com/satina/newsletter/internal/redistest"
	"github.com/satina/newsletter/newsletter"
)

// TestACLPrefixSuffices: a Redis user limited by ACL to the keys under
// REDIS_PREFIX runs the whole life of a subscriber and a paced send: every
// key the store writes, the mail rate limiter's included, is under it.
func TestACLPrefixSuffices(t *testing.T) {
	srv := redistest.Standalone(t)
	ctx := testCtx(t, 20*time.Second)
	if err := srv.Client(t).Do(ctx, "ACL", "SETUSER", "nl", "on", ">secret", "resetkeys", "~nl:*", "+@all", "-@dangerous").Err(); err != nil {
		t.Fatalf("ACL SETUSER: %v", err)
	}
	rdb := openURL(t, "redis://nl:secret@"+srv.Addr+"/0", TLSFiles{})
	s := New(rdb, "nl:")
	if _, err := s.Upgrade(ctx); err != nil {
		t.Fatalf("upgrade as the limited user: %v", err)
	}
	at := time.Now().UTC()
	id, _, err := s.Signup(ctx, newsletter.NewSubscriber{Email: "acl@example.org", Sequence: "guide", Status: newsletter.StatusPending,
		At: at, Consent: newsletter.Consent{Text: "yes", Version: "1", GivenAt: at}})
	if err != nil {
		t.Fatalf("signup: %v", err)
	}
	if _, err := s.Confirm(ctx, id, at, at); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	jobs, err := s.Claim(ctx, at.Add(time.Second), time.Minute, 10)
	if err != nil || len(jobs) == 0 {
		t.Fatalf("claim: %v, %v", jobs, err)
	}
	for _, j := range jobs {
		if err := s.Record(ctx, newsletter.Outcome{Job: j}); err != nil {
			t.Fatalf("record %s: %v", j.ID(), err)
		}
	}
	lim, err := NewMailLimiter(rdb, "nl:", 100)
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if err := lim.Wait(ctx); err != nil {
			t.Fatalf("MAIL_RATE's limiter as the limited user: %v", err)
		}
	}
	if _, err := s.PauseSending(ctx, newsletter.Sending{Paused: true, Reason: "test", Since: at, By: newsletter.PausedByAuthor}); err != nil {
		t.Fatalf("pause: %v", err)
	}
	if _, _, err := s.Watermark(ctx); err != nil {
		t.Fatalf("watermark: %v", err)
	}
	if err := s.Erase(ctx, id); err != nil {
		t.Fatalf("erase: %v", err)
	}
}
