package service

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/sequences"
)

// SequenceStore is what the sequence controls need of the store beyond
// newsletter.Store.
type SequenceStore interface {
	PauseSequence(ctx context.Context, id string, at time.Time) (bool, error)
	ResumeSequence(ctx context.Context, id string, now time.Time) (bool, int, error)
	PausedSequences(ctx context.Context) (map[string]time.Time, error)
	Parked(ctx context.Context, id string) (int64, error)
	SequenceOverrides(ctx context.Context, ids []string) (sequences.Overrides, error)
	SetStepOverride(ctx context.Context, id, name string, o sequences.Override) error
	DeleteStepOverride(ctx context.Context, id, name string) (bool, error)
	OverridesVersion(ctx context.Context) (int64, error)
}

// SequenceState is whether a sequence sends.
type SequenceState struct {
	ID     string
	Paused bool
	Since  time.Time // when it was paused; zero while it runs
	// Waiting counts the readers whose step came due during the pause;
	// each gets that one step when the sequence resumes.
	Waiting int64
}

// knownSequence returns ErrNotFound (wrapped) for an id not in the set.
func (s *Service) knownSequence(id string) error {
	if _, ok := s.Sequences.Get(id); !ok {
		return fmt.Errorf("sequence %q: %w", id, newsletter.ErrNotFound)
	}
	return nil
}

// PauseSequence stops every step of sequence id from going out until
// ResumeSequence; a step that comes due meanwhile waits. Confirmations,
// letters and the other sequences go on. ErrNotFound for an unknown id.
func (s *Service) PauseSequence(ctx context.Context, id string) (SequenceState, error) {
	st := s.Store
	if err := s.knownSequence(id); err != nil {
		return SequenceState{}, err
	}
	paused, err := st.PauseSequence(ctx, id, s.Clock.Now())
	if err != nil {
		return SequenceState{}, err
	}
	if paused {
		s.log().Info("sequence paused by the author", "sequence", id)
	}
	return s.SequenceState(ctx, id)
}

// ResumeSequence lets sequence id send again: each reader whose step came
// due during the pause gets that step once, now (within its send window),
// and the step after it is timed from that send as usual.
func (s *Service) ResumeSequence(ctx context.Context, id string) (SequenceState, error) {
	st := s.Store
	if err := s.knownSequence(id); err != nil {
		return SequenceState{}, err
	}
	was, moved, err := st.ResumeSequence(ctx, id, s.Clock.Now())
	if err != nil {
		return SequenceState{}, err
	}
	if was {
		s.log().Info("sequence resumed by the author", "sequence", id, "waiting", moved)
		s.wake()
	}
	return s.SequenceState(ctx, id)
}

// SequenceState reads whether sequence id is paused.
func (s *Service) SequenceState(ctx context.Context, id string) (SequenceState, error) {
	all, err := s.SequenceStates(ctx)
	if err != nil {
		return SequenceState{}, err
	}
	return all[id], nil
}

// SequenceStates reads whether each sequence of the set is paused.
func (s *Service) SequenceStates(ctx context.Context) (map[string]SequenceState, error) {
	st := s.Store
	paused, err := st.PausedSequences(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string]SequenceState{}
	for _, id := range s.Sequences.IDs() {
		state := SequenceState{ID: id}
		if since, ok := paused[id]; ok {
			state.Paused, state.Since = true, since
			if state.Waiting, err = st.Parked(ctx, id); err != nil {
				return nil, err
			}
		}
		out[id] = state
	}
	return out, nil
}

// ChangeStep lays o over step name of sequence id: from now on every
// process sends o's subject, body and wait for that step (this one at
// once, the others within a few seconds, see Follow), and it is kept
// across restarts. An override changes a step that is in the folder; it
// never adds one: ErrNotFound for an unknown sequence or step,
// FieldErrors (subject, markdown, after) when o would not load as a step
// file. It returns the step as now sent.
func (s *Service) ChangeStep(ctx context.Context, id, name string, o sequences.Override) (*sequences.Step, error) {
	st := s.Store
	if err := s.checkOverride(id, name, o); err != nil {
		return nil, err
	}
	o.At = s.Clock.Now()
	if err := st.SetStepOverride(ctx, id, name, o); err != nil {
		return nil, err
	}
	s.log().Info("sequence step changed from the desk", "sequence", id, "step", name)
	if _, err := s.LoadStepOverrides(ctx); err != nil {
		s.log().Warn("step overrides not all applied", "err", err)
	}
	return s.step(id, name)
}

// RevertStep drops the override of step name of sequence id: its file is
// sent again. ErrNotFound when the step is unknown or not overridden.
func (s *Service) RevertStep(ctx context.Context, id, name string) (*sequences.Step, error) {
	st := s.Store
	if _, err := s.step(id, name); err != nil {
		return nil, err
	}
	had, err := st.DeleteStepOverride(ctx, id, name)
	if err != nil {
		return nil, err
	}
	if !had {
		return nil, fmt.Errorf("step %s/%s is not changed from the desk: %w", id, name, newsletter.ErrNotFound)
	}
	s.log().Info("sequence step back to its file", "sequence", id, "step", name)
	if _, err := s.LoadStepOverrides(ctx); err != nil {
		s.log().Warn("step overrides not all applied", "err", err)
	}
	return s.step(id, name)
}

// checkOverride maps the set's verdict on o to the service's errors.
func (s *Service) checkOverride(id, name string, o sequences.Override) error {
	err := s.Sequences.CheckOverride(id, name, o)
	var fp sequences.FieldProblems
	switch {
	case err == nil:
		return nil
	case errors.Is(err, sequences.ErrNoSequence), errors.Is(err, sequences.ErrNoStep):
		return fmt.Errorf("%w: %w", err, newsletter.ErrNotFound)
	case errors.As(err, &fp):
		return newsletter.FieldErrors(fp)
	}
	return err
}

// step returns the step as sent now, or ErrNotFound.
func (s *Service) step(id, name string) (*sequences.Step, error) {
	if q, ok := s.Sequences.Get(id); ok {
		if i := q.Index(name); i >= 0 {
			return q.Steps[i], nil
		}
	}
	return nil, fmt.Errorf("step %s/%s: %w", id, name, newsletter.ErrNotFound)
}

// LoadStepOverrides reads the overrides kept in the store and lays them
// over s.Sequences. It returns the store's change counter as read before
// the overrides (so that a change made meanwhile is read again next
// time), and sequences.Problems for overrides left out (their step left
// the folder, or no longer checks); the others apply.
func (s *Service) LoadStepOverrides(ctx context.Context) (int64, error) {
	st := s.Store
	version, err := st.OverridesVersion(ctx)
	if err != nil {
		return 0, err
	}
	ovs, err := st.SequenceOverrides(ctx, s.Sequences.IDs())
	if err != nil {
		return 0, err
	}
	return version, s.Sequences.SetOverrides(ovs)
}

// FollowEvery is how often Follow looks for changes made elsewhere.
const FollowEvery = 3 * time.Second

// Follow keeps this process in step with the others until ctx ends:
// every `every` (FollowEvery when 0) it lays a change of the step
// overrides made by any process over s.Sequences, then calls changed
// (when set; e.g. to re-plan the schedule for a changed wait), and it
// tallies the latest unsubscribes for the stats. Failures are logged and
// tried again at the next tick. known is the change counter already
// applied (LoadStepOverrides's).
func (s *Service) Follow(ctx context.Context, every time.Duration, known int64, changed func(context.Context)) {
	if every <= 0 {
		every = FollowEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		known = s.followOnce(ctx, known, changed)
	}
}

// followOnce is one tick of Follow; it returns the change counter now
// applied.
func (s *Service) followOnce(ctx context.Context, known int64, changed func(context.Context)) int64 {
	st := s.Store
	if v, err := st.OverridesVersion(ctx); err != nil {
		s.log().Warn("could not look for changed sequence steps", "err", err)
	} else if v != known {
		applied, err := s.LoadStepOverrides(ctx)
		var ps sequences.Problems
		switch {
		case errors.As(err, &ps):
			s.log().Warn("some steps changed from the desk are not used", "problems", ps.Error())
		case err != nil:
			s.log().Warn("could not read changed sequence steps", "err", err)
			return known
		}
		known = applied
		if changed != nil {
			changed(ctx)
		}
	}
	if err := s.TallyStats(ctx); err != nil && ctx.Err() == nil {
		s.log().Warn("could not tally unsubscribes for the stats", "err", err)
	}
	if err := s.FlushFunnel(ctx); err != nil && ctx.Err() == nil {
		s.log().Warn("could not write the latest signups for the funnel", "err", err)
	}
	return known
}

// StartFollowing runs Follow (every FollowEvery) in the background; the
// stop it returns ends it and waits until it has.
func (s *Service) StartFollowing(known int64, changed func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.Follow(ctx, FollowEvery, known, changed)
		// The signups counted since the last tick, before the process ends.
		flush, stop := context.WithTimeout(context.Background(), 2*time.Second)
		defer stop()
		if err := s.FlushFunnel(flush); err != nil {
			s.log().Warn("could not write the latest signups for the funnel", "err", err)
		}
	}()
	return func() { cancel(); <-done }
}
