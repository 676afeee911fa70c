package redisstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// A revoked desk session is remembered, under the prefix, for the TTL
// given and with nothing but a marker; other ids stay valid.
func TestRevokeSession(t *testing.T) {
	rdb, prefix := testkit.Redis(t)
	s := redisstore.New(rdb, prefix)
	ctx := t.Context()
	id, other := testkit.RandomHex(16), testkit.RandomHex(16)

	if revoked, err := s.SessionRevoked(ctx, id); err != nil || revoked {
		t.Fatalf("fresh id: revoked %v, err %v", revoked, err)
	}
	if err := s.RevokeSession(ctx, id, 7*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if revoked, err := s.SessionRevoked(ctx, id); err != nil || !revoked {
		t.Fatalf("after revoking: revoked %v, err %v", revoked, err)
	}
	if revoked, err := s.SessionRevoked(ctx, other); err != nil || revoked {
		t.Errorf("another id: revoked %v, err %v", revoked, err)
	}
	// One key, under the prefix, holding no more than a marker, expiring
	// when the longest session would.
	keys, err := rdb.Keys(ctx, prefix+"*").Result()
	if err != nil || len(keys) != 1 || keys[0] != prefix+"signedout:"+id {
		t.Fatalf("keys %v (%v), want only %ssignedout:%s", keys, err, prefix, id)
	}
	if v := rdb.Get(ctx, keys[0]).Val(); v != "1" {
		t.Errorf("stored %q, want a bare marker", v)
	}
	if ttl := rdb.TTL(ctx, keys[0]).Val(); ttl <= 7*24*time.Hour-time.Minute || ttl > 7*24*time.Hour {
		t.Errorf("TTL %v, want about a week", ttl)
	}
	// Revoking again keeps it revoked; a TTL of zero records nothing.
	if err := s.RevokeSession(ctx, id, 7*24*time.Hour); err != nil {
		t.Fatal(err)
	}
	if err := s.RevokeSession(ctx, other, 0); err != nil {
		t.Fatal(err)
	}
	if revoked, _ := s.SessionRevoked(ctx, other); revoked {
		t.Errorf("a TTL of 0 revoked the id")
	}
	if err := s.RevokeSession(ctx, "", time.Hour); err == nil {
		t.Errorf("an empty id was accepted")
	}
}

// The record goes away with its TTL.
func TestRevokeSessionExpires(t *testing.T) {
	rdb, prefix := testkit.Redis(t)
	s := redisstore.New(rdb, prefix)
	id := testkit.RandomHex(16)
	if err := s.RevokeSession(t.Context(), id, 50*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if revoked, _ := s.SessionRevoked(t.Context(), id); !revoked {
		t.Fatalf("not revoked")
	}
	deadline := time.Now().Add(2 * time.Second)
	for {
		revoked, err := s.SessionRevoked(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		if !revoked {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("still revoked 2s after a 50ms TTL")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// With Redis gone both calls fail as ErrUnavailable.
func TestSessionsRedisDown(t *testing.T) {
	rdb, _ := testkit.Redis(t)
	s := redisstore.New(rdb, "down:")
	rdb.Close() // every later command fails at once
	if _, err := s.SessionRevoked(t.Context(), "x"); !errors.Is(err, newsletter.ErrUnavailable) {
		t.Errorf("SessionRevoked with Redis closed: %v", err)
	}
	if err := s.RevokeSession(t.Context(), "x", time.Hour); !errors.Is(err, newsletter.ErrUnavailable) {
		t.Errorf("RevokeSession with Redis closed: %v", err)
	}
}
