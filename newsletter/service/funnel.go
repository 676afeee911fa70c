package service

import (
	"context"
	"sync/atomic"

	"github.com/satina/newsletter/newsletter"
)

// FunnelStore is what the funnel needs of the store (redisstore/funnel.go).
type FunnelStore interface {
	CountFunnel(ctx context.Context, field string, n int64) error
	CountGuideReader(ctx context.Context, id string) error
	FunnelCounts(ctx context.Context) (newsletter.FunnelCounts, error)
}

// The funnel's events (FunnelStore.CountFunnel's fields).
const (
	funnelSignup  = "signup"
	funnelConfirm = "confirm"
)

// Funnel is the readers' way in, as counts: how many signed up, confirmed,
// downloaded the guide, reached each step, and are still subscribed. The
// first three count since the counters began and keep counting after an
// erase; readers imported from elsewhere are not in them (they start at
// their first step).
type Funnel struct {
	SignedUp        int          `json:"signed_up"`
	Confirmed       int          `json:"confirmed"`
	Downloaded      int          `json:"downloaded"` // distinct readers, within about 1%
	Steps           []FunnelStep `json:"steps"`
	StillSubscribed int          `json:"still_subscribed"` // confirmed now
}

// FunnelStep is how many mails of one step went out: the readers who
// reached it.
type FunnelStep struct {
	Sequence string `json:"sequence"`
	Step     string `json:"step"`
	Reached  int    `json:"reached"`
}

// CountSignup counts a signup that asked for a confirmation (a new or
// returning address) for the funnel. It only adds to a count in memory:
// a signup makes the store do one script run and nothing else, the same
// for every address (see Signup), so the count is written later, by
// FlushFunnel (Stats and Follow call it).
func (s *Service) CountSignup(r SignupResult) {
	if r == SignupCreated || r == SignupReturned {
		s.funnel.signups.Add(1)
	}
}

// funnelBuffer holds the funnel's counts not yet written to the store.
type funnelBuffer struct {
	signups atomic.Int64
}

// FlushFunnel writes the signups counted in memory to the store; on a
// failure they are kept for the next flush.
func (s *Service) FlushFunnel(ctx context.Context) error {
	n := s.funnel.signups.Swap(0)
	if n == 0 {
		return nil
	}
	if err := s.Store.CountFunnel(ctx, funnelSignup, n); err != nil {
		s.funnel.signups.Add(n)
		return err
	}
	return nil
}

// CountConfirm counts a confirmation by the link for the funnel; logged,
// never returned, as CountSignup.
func (s *Service) CountConfirm(ctx context.Context) {
	if err := s.Store.CountFunnel(ctx, funnelConfirm, 1); err != nil {
		s.log().Warn("could not count a confirmation for the funnel", "err", err)
	}
}

// CountGuideReader counts the subscriber id among the readers who
// downloaded a guide (once however often they do); logged, never returned.
func (s *Service) CountGuideReader(ctx context.Context, id string) {
	if err := s.Store.CountGuideReader(ctx, id); err != nil {
		s.log().Warn("could not count a guide reader for the funnel", "err", err)
	}
}

// funnelOf makes the funnel from its counts and the stats already read.
func (s *Service) funnelOf(ctx context.Context, st *Stats) (*Funnel, error) {
	fc, err := s.Store.FunnelCounts(ctx)
	if err != nil {
		return nil, err
	}
	f := &Funnel{SignedUp: fc.Signups, Confirmed: fc.Confirms, Downloaded: fc.GuideReaders,
		StillSubscribed: st.Confirmed, Steps: []FunnelStep{}}
	for _, id := range s.Sequences.IDs() {
		q, _ := s.Sequences.Get(id)
		for _, step := range q.Steps {
			n := 0
			for _, ss := range st.Steps {
				if ss.Sequence == id && ss.Step == step.Name {
					n = ss.Sent
				}
			}
			f.Steps = append(f.Steps, FunnelStep{Sequence: id, Step: step.Name, Reached: n})
		}
	}
	return f, nil
}
