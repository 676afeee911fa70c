package service

import (
	"context"
	"sort"
	"strings"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// StatsStore is what the stats need of the store beyond newsletter.Store.
type StatsStore interface {
	CountDownload(ctx context.Context) error
	TallyUnsubscribes(ctx context.Context, upto time.Time, limit int) (int, error)
	Counters(ctx context.Context) (*newsletter.Counters, error)
	FunnelStore
}

// Stats are the service's numbers: counts only, never a person.
type Stats struct {
	// Subscribers counts the subscribers on file now, by status.
	Subscribers map[newsletter.Status]int `json:"subscribers"`
	// Signups counts the subscribers ever created (signups and imports)
	// and not erased since.
	Signups int `json:"signups"`
	// Confirmed counts the subscribers confirmed now (those who confirmed
	// and later left are not in it; see Unsubscribed).
	Confirmed int `json:"confirmed"`
	// Downloads counts guide downloads, every time a link is followed.
	Downloads int `json:"downloads"`
	// Unsubscribed counts the subscribers who unsubscribed and are still
	// on file (not erased).
	Unsubscribed int           `json:"unsubscribed"`
	Steps        []StepStats   `json:"steps"`
	Letters      []LetterStats `json:"letters"`
	// Funnel is the readers' way in (funnel.go).
	Funnel *Funnel `json:"funnel"`
}

// StepStats counts one sequence step's mails sent, and the readers who
// unsubscribed within 7 days after receiving it.
type StepStats struct {
	Sequence          string `json:"sequence"`
	Step              string `json:"step"`
	Sent              int    `json:"sent"`
	UnsubscribedAfter int    `json:"unsubscribed_after"`
}

// LetterStats counts one letter's mails sent, and the readers who
// unsubscribed within 7 days after receiving it.
type LetterStats struct {
	ID                string `json:"id"`
	Sent              int    `json:"sent"`
	UnsubscribedAfter int    `json:"unsubscribed_after"`
}

// StatsLag is how long an unsubscribe waits before it is tallied for the
// stats: the tally moves a cursor through time, and an unsubscribe still
// being written when the cursor passes its moment would be missed.
const StatsLag = 5 * time.Second

// tallyBatch and tallyRounds bound one TallyStats: a backlog (the first
// run on old data) is worked off over several calls.
const (
	tallyBatch  = 1000
	tallyRounds = 10
)

// CountDownload counts one guide download. A failure is logged, never
// returned: counting must not cost the reader their guide.
func (s *Service) CountDownload(ctx context.Context) {
	if err := s.Store.CountDownload(ctx); err != nil {
		s.log().Warn("could not count a guide download", "err", err)
	}
}

// TallyStats counts the unsubscribes older than StatsLag not yet counted
// against the steps and letters their readers got in the 7 days before.
func (s *Service) TallyStats(ctx context.Context) error {
	upto := s.Clock.Now().Add(-StatsLag)
	for range tallyRounds {
		n, err := s.Store.TallyUnsubscribes(ctx, upto, tallyBatch)
		if err != nil || n < tallyBatch {
			return err
		}
	}
	return nil
}

// Stats reads the numbers, first tallying the latest unsubscribes. It
// reads no subscriber: a few counters, the size of each status set, and
// a counter per letter. Steps list every step of the current sequences
// in sending order, then any step counted before that is no longer in
// them; letters are those that went out, oldest first.
func (s *Service) Stats(ctx context.Context) (*Stats, error) {
	if err := s.TallyStats(ctx); err != nil {
		s.log().Warn("could not tally the latest unsubscribes; the stats lag behind", "err", err)
	}
	if err := s.FlushFunnel(ctx); err != nil {
		s.log().Warn("could not write the latest signups; the funnel lags behind", "err", err)
	}
	c, err := s.Store.Counters(ctx)
	if err != nil {
		return nil, err
	}
	out := &Stats{Subscribers: map[newsletter.Status]int{}, Signups: c.Signups, Downloads: c.Downloads,
		Confirmed: c.Statuses[newsletter.StatusConfirmed], Unsubscribed: c.Statuses[newsletter.StatusUnsubscribed],
		Steps: []StepStats{}, Letters: []LetterStats{}}
	for status, n := range c.Statuses {
		out.Subscribers[status] = n
	}
	listed := map[string]bool{}
	for _, id := range s.Sequences.IDs() {
		q, _ := s.Sequences.Get(id)
		for _, step := range q.Steps {
			key := id + "/" + step.Name
			listed[key] = true
			out.Steps = append(out.Steps, StepStats{Sequence: id, Step: step.Name, Sent: c.StepSent[key], UnsubscribedAfter: c.StepLeft[key]})
		}
	}
	var gone []string
	for _, m := range []map[string]int{c.StepSent, c.StepLeft} {
		for key := range m {
			if !listed[key] {
				listed[key] = true
				gone = append(gone, key)
			}
		}
	}
	sort.Strings(gone)
	for _, key := range gone {
		seq, step, _ := strings.Cut(key, "/")
		out.Steps = append(out.Steps, StepStats{Sequence: seq, Step: step, Sent: c.StepSent[key], UnsubscribedAfter: c.StepLeft[key]})
	}
	for _, l := range c.Letters {
		out.Letters = append(out.Letters, LetterStats{ID: l.ID, Sent: l.Sent, UnsubscribedAfter: l.Left})
	}
	if out.Funnel, err = s.funnelOf(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}
