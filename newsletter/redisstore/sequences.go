package redisstore

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/sequences"
)

// Sequence keys, under the prefix:
//
//	seq:paused       hash    sequence id -> paused since (ms)
//	seq:park:<id>    zset    drip job id -> due (ms): the steps of a paused
//	                         sequence that came due, waiting for its resume
//	seq:over:<id>    hash    step name -> JSON sequences.Override: the steps
//	                         changed from the desk
//	seq:over         string  counter of changes to any override; processes
//	                         poll it to lay a change over their own Set

var (
	scriptParkStep  = loadScript("parkstep")
	scriptResumeSeq = loadScript("resumeseq")
)

// pausedKey is the hash of paused sequences of partition p, which
// parkstep.lua reads there; on a cluster the global one (key "seq:paused")
// is the author's, and the partitions' mirror it.
func (s *Store) pausedKey(p int) string { return s.pkey(p, "seq", "paused") }

// parkKey is the parking of sequence in partition p.
func (s *Store) parkKey(p int, sequence string) string { return s.pkey(p, "seq", "park", sequence) }
func (s *Store) overKey(sequence string) string        { return s.key("seq", "over", sequence) }
func (s *Store) overVersionKey() string                { return s.key("seq", "over") }

// PauseSequence pauses sequence id from at: no step of it goes out until
// ResumeSequence. It reports whether the sequence was running; an earlier
// pause keeps its time.
func (s *Store) PauseSequence(ctx context.Context, id string, at time.Time) (bool, error) {
	ok, err := s.rdb.HSetNX(ctx, s.key("seq", "paused"), id, ms(at)).Result()
	if err != nil || !s.sharded() {
		return ok, wrap("pause sequence", err)
	}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for part := range s.partitions() {
			p.HSetNX(ctx, s.pausedKey(part), id, ms(at))
		}
		return nil
	})
	return ok, wrap("pause sequence", err)
}

// ResumeSequence lets sequence id send again and puts the steps that came
// due while it was paused back in the queue, due at now (script
// resumeseq.lua). It reports whether the sequence was paused and how many
// jobs it put back.
func (s *Store) ResumeSequence(ctx context.Context, id string, now time.Time) (bool, int, error) {
	was, moved := false, 0
	for p := range s.partitions() {
		res, err := scriptResumeSeq.Run(ctx, s.rdb, []string{s.pausedKey(p), s.parkKey(p, id), s.pkey(p, "queue")}, id, ms(now)).Int64Slice()
		if err != nil {
			return false, 0, wrap("resume sequence", err)
		}
		if len(res) != 2 {
			return false, 0, wrap("resume sequence", fmt.Errorf("unexpected answer %v", res))
		}
		was, moved = was || res[0] == 1, moved+int(res[1])
	}
	if s.sharded() {
		n, err := s.rdb.HDel(ctx, s.key("seq", "paused"), id).Result()
		if err != nil {
			return false, 0, wrap("resume sequence", err)
		}
		was = n == 1
	}
	return was, moved, nil
}

// PausedSequences returns the paused sequences with the time each was
// paused.
func (s *Store) PausedSequences(ctx context.Context) (map[string]time.Time, error) {
	all, err := s.rdb.HGetAll(ctx, s.key("seq", "paused")).Result()
	if err != nil {
		return nil, wrap("paused sequences", err)
	}
	out := make(map[string]time.Time, len(all))
	for id, at := range all {
		out[id] = fromMS(at)
	}
	return out, nil
}

// Parked counts the steps of sequence id waiting for its resume.
func (s *Store) Parked(ctx context.Context, id string) (int64, error) {
	var n int64
	for p := range s.partitions() {
		c, err := s.rdb.ZCard(ctx, s.parkKey(p, id)).Result()
		if err != nil {
			return 0, wrap("count parked steps", err)
		}
		n += c
	}
	return n, nil
}

// ParkStep, while sequence is paused, takes the drip job j, whose step is
// due at due, out of the queue to wait for the resume (script
// parkstep.lua). It reports whether it parked j; false means the sequence
// runs and the step may go out.
func (s *Store) ParkStep(ctx context.Context, sequence string, j newsletter.Job, due time.Time) (bool, error) {
	p := s.idPartition(j.Subscriber)
	n, err := scriptParkStep.Run(ctx, s.rdb, []string{s.pausedKey(p), s.parkKey(p, sequence), s.lane(j), s.attempts(j)},
		sequence, j.ID(), ms(due)).Int()
	if err != nil {
		return false, wrap("park step", err)
	}
	return n == 1, nil
}

// SequenceOverrides reads the steps changed from the desk of the given
// sequences. A value that does not decode is left out.
func (s *Store) SequenceOverrides(ctx context.Context, ids []string) (sequences.Overrides, error) {
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.overKey(id))
		}
		return nil
	})
	if err != nil {
		return nil, wrap("read step overrides", err)
	}
	out := sequences.Overrides{}
	for i, c := range cmds {
		for name, v := range c.Val() {
			var o sequences.Override
			if json.Unmarshal([]byte(v), &o) != nil {
				continue
			}
			if out[ids[i]] == nil {
				out[ids[i]] = map[string]sequences.Override{}
			}
			out[ids[i]][name] = o
		}
	}
	return out, nil
}

// SetStepOverride keeps o as step name of sequence id and counts a change.
func (s *Store) SetStepOverride(ctx context.Context, id, name string, o sequences.Override) error {
	b, err := json.Marshal(o)
	if err != nil {
		return fmt.Errorf("encode step override: %w", err)
	}
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.overKey(id), name, string(b))
		p.Incr(ctx, s.overVersionKey())
		return nil
	})
	return wrap("keep step override", err)
}

// DeleteStepOverride drops the override of step name of sequence id (the
// file's step is sent again) and counts a change. It reports whether
// there was one.
func (s *Store) DeleteStepOverride(ctx context.Context, id, name string) (bool, error) {
	var del *redis.IntCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		del = p.HDel(ctx, s.overKey(id), name)
		p.Incr(ctx, s.overVersionKey())
		return nil
	})
	if err != nil {
		return false, wrap("drop step override", err)
	}
	return del.Val() == 1, nil
}

// OverridesVersion is the count of changes to the overrides so far: when
// it moves, a process reads them again.
func (s *Store) OverridesVersion(ctx context.Context) (int64, error) {
	v, err := s.rdb.Get(ctx, s.overVersionKey()).Result()
	if err == redis.Nil {
		return 0, nil
	}
	if err != nil {
		return 0, wrap("overrides version", err)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("overrides version %q: %w", v, err)
	}
	return n, nil
}
