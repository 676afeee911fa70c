package redisstore_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/redistest"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// The funnel's counters and the desk's images hold on a Redis Cluster:
// each command touches one key, and the pipelines that read several are
// split by slot.
func TestFunnelAndImagesOnCluster(t *testing.T) {
	set := redistest.Cluster(t)
	s := redisstore.New(set.Client(t), "c:")
	ctx := t.Context()
	for range 3 {
		if err := s.CountFunnel(ctx, redisstore.FunnelSignup, 2); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.CountFunnel(ctx, redisstore.FunnelConfirm, 1); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if err := s.CountGuideReader(ctx, fmt.Sprintf("reader%d", i%20)); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.FunnelCounts(ctx)
	if err != nil || got != (newsletter.FunnelCounts{Signups: 6, Confirms: 1, GuideReaders: 20}) {
		t.Fatalf("funnel on the cluster: %+v, %v", got, err)
	}
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range 12 { // ids spread over the slots
		im := &newsletter.Image{ID: fmt.Sprintf("%024x", i+1), Type: "image/png", Width: i + 1, Height: 1, Alt: "a", At: at.Add(time.Duration(i) * time.Minute), Data: []byte{byte(i), 0x89}}
		if err := s.PutImage(ctx, im); err != nil {
			t.Fatal(err)
		}
	}
	list, err := s.Images(ctx, 100)
	if err != nil || len(list) != 12 || list[0].Width != 12 || list[11].Width != 1 {
		t.Fatalf("images on the cluster: %d, %v", len(list), err)
	}
	if im, err := s.Image(ctx, fmt.Sprintf("%024x", 5)); err != nil || im.Width != 5 || im.Data[0] != 4 {
		t.Fatalf("image 5: %+v, %v", im, err)
	}
}
