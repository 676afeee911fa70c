package redisstore

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/redistest"
	"github.com/satina/newsletter/newsletter"
)

// TestDurableWritesSurviveAFailover: under Sentinel a confirmation and an
// erase answered without error are held by the replica, so they are still
// there after the master fails over; with the replica gone, a durable
// write answers ErrUnavailable (a 503, safe to retry) instead of a success
// a failover could undo.
func TestDurableWritesSurviveAFailover(t *testing.T) {
	set := redistest.Sentinel(t)
	ctx := testCtx(t, 60*time.Second)
	rdb := openURL(t, "redis+sentinel://"+strings.Join(set.Addrs, ",")+"/"+set.MasterName+"/0?dial_timeout=1s&read_timeout=1s&write_timeout=1s", TLSFiles{})
	s := New(rdb, "ack:")
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	newPending := func(email string) string {
		id, _, err := s.CreateSubscriber(ctx, newsletter.NewSubscriber{Email: email, Status: newsletter.StatusPending, At: at,
			Consent: newsletter.Consent{Text: "yes", Version: "1", GivenAt: at}}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	kept, gone := newPending("kept@example.org"), newPending("gone@example.org")
	signedUp, _, err := s.Signup(ctx, newsletter.NewSubscriber{Email: "signup@example.org", Status: newsletter.StatusPending, At: at,
		Consent: newsletter.Consent{Text: "yes", Version: "1", GivenAt: at}})
	if err != nil {
		t.Fatalf("signup with a replica: %v", err)
	}
	if _, err := s.Confirm(ctx, kept, at, time.Time{}); err != nil {
		t.Fatalf("confirm with a replica: %v", err)
	}
	if err := s.Erase(ctx, gone); err != nil {
		t.Fatalf("erase with a replica: %v", err)
	}

	set.Failover()
	var sub *newsletter.Subscriber
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		if sub, err = s.Subscriber(ctx, kept); err == nil {
			break
		}
	}
	if err != nil || sub.Status != newsletter.StatusConfirmed {
		t.Fatalf("after the failover the confirmed subscriber is %+v, %v; want confirmed", sub, err)
	}
	if sub, err := s.Subscriber(ctx, signedUp); err != nil || sub.Email != "signup@example.org" {
		t.Errorf("after the failover the signup reads %+v, %v; want it kept", sub, err)
	}
	if _, err := s.Subscriber(ctx, gone); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("after the failover the erased subscriber reads %v; want not found", err)
	}

	// The new master's replica (the old master, once it resyncs) goes
	// away: a write that no replica holds is not acknowledged.
	third := newPending("third@example.org")
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(300 * time.Millisecond) {
		if n, err := s.replicas(ctx, masterClient(t, s)); err == nil && n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the new master never got a replica back")
		}
		s.replicaCount = replicaCount{} // read afresh
	}
	set.Master.Stop() // the old master, now the replica
	if _, err := s.Confirm(ctx, third, at, time.Time{}); !errors.Is(err, newsletter.ErrUnavailable) {
		t.Errorf("confirm with the replica gone = %v; want ErrUnavailable (503, retry is safe)", err)
	}
}

// masterClient is the *redis.Client of s (Sentinel gives one).
func masterClient(t *testing.T, s *Store) *redisClient {
	t.Helper()
	c, ok := s.rdb.(*redisClient)
	if !ok {
		t.Fatalf("store client is %T", s.rdb)
	}
	return c
}

type redisClient = redis.Client
