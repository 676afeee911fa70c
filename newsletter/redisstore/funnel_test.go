package redisstore_test

import (
	"testing"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// The funnel counts events and distinct guide readers, under the prefix,
// and keeps no reader's id where it could be read back.
func TestFunnelCounts(t *testing.T) {
	rdb, prefix := testkit.Redis(t)
	s := redisstore.New(rdb, prefix)
	ctx := t.Context()
	if got, err := s.FunnelCounts(ctx); err != nil || got != (newsletter.FunnelCounts{}) {
		t.Fatalf("fresh: %+v, %v", got, err)
	}
	for _, f := range []string{redisstore.FunnelSignup, redisstore.FunnelSignup, redisstore.FunnelConfirm} {
		if err := s.CountFunnel(ctx, f, 1); err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{"a1", "b2", "a1", "a1"} {
		if err := s.CountGuideReader(ctx, id); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.FunnelCounts(ctx)
	if err != nil || got != (newsletter.FunnelCounts{Signups: 2, Confirms: 1, GuideReaders: 2}) {
		t.Fatalf("counts %+v, %v; want 2 signups, 1 confirmation, 2 readers", got, err)
	}
	keys, err := rdb.Keys(ctx, prefix+"*").Result()
	if err != nil || len(keys) != 2 {
		t.Fatalf("keys %v, %v; want the funnel hash and its HyperLogLog", keys, err)
	}
	if v, _ := rdb.HGetAll(ctx, prefix+"funnel").Result(); len(v) != 2 || v["signup"] != "2" {
		t.Errorf("funnel hash %v", v)
	}
}
