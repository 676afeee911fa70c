package redisstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/sequences"
)

// redisZ is a sorted-set member scored with a time.
func redisZ(at time.Time, member string) redis.Z {
	return redis.Z{Score: float64(at.UnixMilli()), Member: member}
}

// --- parkstep.lua and resumeseq.lua --------------------------------------

func TestParkStepOnlyWhilePaused(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := f.confirmed(t, "ada@example.org")
	j := drip(id)

	parked, err := f.s.ParkStep(ctx, "seq", j, t0)
	if err != nil || parked {
		t.Fatalf("ParkStep of a running sequence = %v, %v; want false", parked, err)
	}
	if _, ok := f.queue(t)[j.ID()]; !ok {
		t.Fatal("the job left the queue though its sequence runs")
	}

	if ok, err := f.s.PauseSequence(ctx, "seq", t0); err != nil || !ok {
		t.Fatalf("PauseSequence = %v, %v", ok, err)
	}
	if ok, _ := f.s.PauseSequence(ctx, "seq", t0.Add(time.Hour)); ok {
		t.Error("a second pause reported a change")
	}
	paused, err := f.s.PausedSequences(ctx)
	if err != nil || len(paused) != 1 || !paused["seq"].Equal(t0) {
		t.Fatalf("PausedSequences = %v, %v; want seq since t0 (the first pause's time)", paused, err)
	}
	f.rdb.HSet(ctx, f.key("attempts"), j.ID(), 3)
	// Another sequence's pause does not hold this one's steps.
	if parked, _ := f.s.ParkStep(ctx, "other", j, t0); parked {
		t.Error("a step parked under a sequence that runs")
	}
	if parked, err = f.s.ParkStep(ctx, "seq", j, t0.Add(time.Minute)); err != nil || !parked {
		t.Fatalf("ParkStep while paused = %v, %v", parked, err)
	}
	if _, ok := f.queue(t)[j.ID()]; ok {
		t.Error("a parked job is still in the queue, to be claimed again and again")
	}
	if at, ok := f.inSet(t, f.key("seq", "park", "seq"), j.ID()); !ok || !at.Equal(t0.Add(time.Minute)) {
		t.Errorf("parking holds %v, %v; want the job at its due time", at, ok)
	}
	if f.rdb.HExists(ctx, f.key("attempts"), j.ID()).Val() {
		t.Error("the attempts of a parked job were kept")
	}
	if n, _ := f.s.Parked(ctx, "seq"); n != 1 {
		t.Errorf("Parked = %d, want 1", n)
	}

	// Resume: the parked job is due now, once; a job re-planned meanwhile
	// keeps its place.
	other := drip(f.confirmed(t, "bo@example.org"))
	f.rdb.ZAdd(ctx, f.key("seq", "park", "seq"), redisZ(t0, other.ID()))
	now := t0.Add(48 * time.Hour)
	was, moved, err := f.s.ResumeSequence(ctx, "seq", now)
	if err != nil || !was || moved != 1 {
		t.Fatalf("ResumeSequence = %v, %d, %v; want paused, 1 moved", was, moved, err)
	}
	q := f.queue(t)
	if !q[j.ID()].Equal(now) {
		t.Errorf("the parked job is due %v, want now (%v)", q[j.ID()], now)
	}
	if !q[other.ID()].Equal(t0) {
		t.Errorf("the job already queued moved to %v", q[other.ID()])
	}
	if n, _ := f.s.Parked(ctx, "seq"); n != 0 {
		t.Errorf("%d jobs still parked after the resume", n)
	}
	if paused, _ := f.s.PausedSequences(ctx); len(paused) != 0 {
		t.Errorf("still paused: %v", paused)
	}
	if was, moved, err := f.s.ResumeSequence(ctx, "seq", now); err != nil || was || moved != 0 {
		t.Errorf("a second resume = %v, %d, %v; want nothing", was, moved, err)
	}
}

// TestParkAndResumeRace parks many jobs while a resume comes: each job is
// parked before the resume (and put back) or not parked at all, never
// parked after it and lost.
func TestParkAndResumeRace(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const n = 60
	var jobs []string
	for i := range n {
		jobs = append(jobs, drip(f.confirmed(t, fmt.Sprintf("reader%d@example.org", i))).ID())
	}
	if _, err := f.s.PauseSequence(ctx, "seq", t0); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for _, id := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := drip(id[len("drip:"):])
			if _, err := f.s.ParkStep(ctx, "seq", j, t0); err != nil {
				t.Error(err)
			}
		}()
	}
	if _, _, err := f.s.ResumeSequence(ctx, "seq", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	q := f.queue(t)
	for _, id := range jobs {
		if _, ok := q[id]; !ok {
			t.Errorf("%s is neither queued nor parked: lost in the race", id)
		}
	}
	if n, _ := f.s.Parked(ctx, "seq"); n != 0 {
		t.Errorf("%d parked after a resume", n)
	}
}

func TestStepOverridesKept(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	if v, err := f.s.OverridesVersion(ctx); err != nil || v != 0 {
		t.Fatalf("OverridesVersion before any = %d, %v", v, err)
	}
	o := sequences.Override{Subject: "New", Markdown: "Body {{ .FirstName }}", After: "3d", At: t0}
	if err := f.s.SetStepOverride(ctx, "guide", "02-a.md", o); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetStepOverride(ctx, "tips", "01-b.md", sequences.Override{Subject: "T", Markdown: "x", After: "0s"}); err != nil {
		t.Fatal(err)
	}
	f.rdb.HSet(ctx, f.key("seq", "over", "guide"), "09-broken.md", "{not json")
	got, err := f.s.SequenceOverrides(ctx, []string{"guide", "tips", "none"})
	if err != nil {
		t.Fatal(err)
	}
	if g := got["guide"]["02-a.md"]; g.Subject != "New" || g.Markdown != o.Markdown || g.After != "3d" || !g.At.Equal(t0) {
		t.Errorf("guide override read back as %+v", g)
	}
	if len(got["guide"]) != 1 || len(got["tips"]) != 1 || got["none"] != nil {
		t.Errorf("SequenceOverrides = %v; want one each for guide and tips, the broken value left out", got)
	}
	if v, _ := f.s.OverridesVersion(ctx); v != 2 {
		t.Errorf("version %d after two changes", v)
	}
	if ok, err := f.s.DeleteStepOverride(ctx, "tips", "01-b.md"); err != nil || !ok {
		t.Errorf("DeleteStepOverride = %v, %v", ok, err)
	}
	if ok, _ := f.s.DeleteStepOverride(ctx, "tips", "01-b.md"); ok {
		t.Error("deleting twice reported an override")
	}
	if got, _ := f.s.SequenceOverrides(ctx, []string{"tips"}); len(got["tips"]) != 0 {
		t.Errorf("tips still has %v", got["tips"])
	}
	if v, _ := f.s.OverridesVersion(ctx); v != 4 {
		t.Errorf("version %d after four changes", v)
	}
}
