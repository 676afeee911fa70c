package redisstore_test

import (
	"context"
	"strings"
	"testing"

	"github.com/satina/newsletter/internal/redistest"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// TestConsentWordingStoredOnce: the first signup with a consent version
// stores its wording; the next ones of this process do not send it again
// (one command less each), and every subscriber still reads the wording.
// On a Redis of its own, so that its command counts are the test's alone.
func TestConsentWordingStoredOnce(t *testing.T) {
	rdb := redistest.Standalone(t).Client(t)
	s := redisstore.New(rdb, "cw:")
	ctx := context.Background()
	hsetnx := func() string {
		info, err := rdb.Info(ctx, "commandstats").Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(info, "\n") {
			if strings.HasPrefix(line, "cmdstat_hsetnx:") {
				calls, _, _ := strings.Cut(strings.TrimPrefix(line, "cmdstat_hsetnx:calls="), ",")
				return calls
			}
		}
		return "0"
	}
	var ids []string
	for _, email := range []string{"a@example.org", "b@example.org", "c@example.org"} {
		id, outcome, err := s.Signup(ctx, pending(email, t0))
		if err != nil || outcome != redisstore.SignupCreated {
			t.Fatalf("signup %s: %q, %v", email, outcome, err)
		}
		ids = append(ids, id)
	}
	if n := hsetnx(); n != "1" {
		t.Errorf("HSETNX of the wording ran %s times for three signups of one version, want 1", n)
	}
	for _, id := range ids {
		sub, err := s.Subscriber(ctx, id)
		if err != nil || sub.Consent.Text != "Yes, send me the guide." || sub.Consent.Version != "v1" {
			t.Errorf("subscriber %s reads consent %+v, %v", id, sub.Consent, err)
		}
	}
}
