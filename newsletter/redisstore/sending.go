package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	mrand "math/rand/v2"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// Sending keys, under the prefix:
//
//	sending          hash    st (paused|running), why, at (ms), by
//	sending:refused  string  refusals of the sender or the message in a
//	                         row; record.lua deletes it on every send
//	sending:slow     string  until when (ms) a 4xx asked every worker to
//	                         slow down; expires by itself
//	epoch            string  random id of this Redis's data, made once
//	beat             string  a counter every process increases; a value
//	                         lower than one a process saw means the data
//	                         went back in time

// SendingState reads whether sending is paused, why and since when.
func (s *Store) SendingState(ctx context.Context) (newsletter.Sending, error) {
	v, err := s.rdb.HGetAll(ctx, s.key("sending")).Result()
	if err != nil {
		return newsletter.Sending{}, wrap("sending state", err)
	}
	return newsletter.Sending{Paused: v["st"] == "paused", Reason: v["why"], Since: fromMS(v["at"]), By: v["by"]}, nil
}

// PauseSending pauses sending with st's reason, unless it is paused
// already (the first reason stands). It reports whether it paused.
func (s *Store) PauseSending(ctx context.Context, st newsletter.Sending) (bool, error) {
	n, err := scriptPause.Run(ctx, s.rdb, []string{s.key("sending")}, st.Reason, ms(st.Since), st.By).Int()
	if err != nil {
		return false, wrap("pause sending", err)
	}
	return n == 1, s.mirrorSending(ctx, "paused", false)
}

// ResumeSending lets letters and steps go out again and clears the
// breaker's count. It reports whether sending was paused.
func (s *Store) ResumeSending(ctx context.Context, at time.Time) (bool, error) {
	var was *redis.StringCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		was = p.HGet(ctx, s.key("sending"), "st")
		p.HSet(ctx, s.key("sending"), "st", "running", "why", "", "at", ms(at), "by", "")
		p.Del(ctx, s.key("sending", "refused"))
		return nil
	})
	if err != nil && err != redis.Nil {
		return false, wrap("resume sending", err)
	}
	return was.Val() == "paused", s.mirrorSending(ctx, "running", true)
}

// mirrorSending copies the sending state st into every partition's
// "sending" hash, which claim.lua reads there (on a cluster; on one Redis
// it is the same hash). reset also clears each partition's count of
// refusals.
func (s *Store) mirrorSending(ctx context.Context, st string, reset bool) error {
	if !s.sharded() {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for part := range s.partitions() {
			p.HSet(ctx, s.pkey(part, "sending"), "st", st)
			if reset {
				p.Del(ctx, s.pkey(part, "sending", "refused"))
			}
		}
		return nil
	})
	return wrap("mirror sending state", err)
}

// CountRefusal counts one refusal of the sender or the message and
// returns how many came in a row.
//
// On a cluster each partition keeps its own count, which record.lua
// clears on each send of that partition; a refusal counts in a partition
// picked at random, and the answer is the sum. While every send is
// refused that is the run exactly; when some go out, a send clears only
// its partition's share, so the sum can pass BreakerLimit a little
// before a strict run would.
func (s *Store) CountRefusal(ctx context.Context) (int64, error) {
	if !s.sharded() {
		n, err := s.rdb.Incr(ctx, s.pkey(0, "sending", "refused")).Result()
		return n, wrap("count refusal", err)
	}
	if err := s.rdb.Incr(ctx, s.pkey(mrand.IntN(s.partitions()), "sending", "refused")).Err(); err != nil {
		return 0, wrap("count refusal", err)
	}
	cmds := make([]*redis.StringCmd, s.partitions())
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for part := range cmds {
			cmds[part] = p.Get(ctx, s.pkey(part, "sending", "refused"))
		}
		return nil
	})
	if err != nil && err != redis.Nil {
		return 0, wrap("count refusal", err)
	}
	var n int64
	for _, c := range cmds {
		v, _ := c.Int64()
		n += v
	}
	return n, nil
}

// SlowDown asks every worker to slow down until at least until (a 4xx
// reply); an earlier time does not shorten a later one.
func (s *Store) SlowDown(ctx context.Context, until time.Time, now time.Time) error {
	ttl := until.Sub(now)
	if ttl <= 0 {
		return nil
	}
	err := s.rdb.SetArgs(ctx, s.key("sending", "slow"), ms(until), redis.SetArgs{TTL: ttl}).Err()
	return wrap("slow down", err)
}

// SlowUntil is until when the workers should slow down (zero: they need
// not).
func (s *Store) SlowUntil(ctx context.Context) (time.Time, error) {
	v, err := s.rdb.Get(ctx, s.key("sending", "slow")).Result()
	if err == redis.Nil {
		return time.Time{}, nil
	}
	if err != nil {
		return time.Time{}, wrap("slow down", err)
	}
	return fromMS(v), nil
}

// Watermark returns the epoch of the data in Redis ("" when there is
// none: a new or emptied Redis) and the next value of a counter that only
// grows while the data lasts. A process that remembers both notices when
// Redis is emptied (no epoch), replaced (another epoch) or put back to an
// older copy (a counter lower than one it saw).
func (s *Store) Watermark(ctx context.Context) (epoch string, beat int64, err error) {
	var e *redis.StringCmd
	var b *redis.IntCmd
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		e = p.Get(ctx, s.key("epoch"))
		b = p.Incr(ctx, s.key("beat"))
		return nil
	})
	if err != nil && err != redis.Nil {
		return "", 0, wrap("watermark", err)
	}
	if s.sharded() && e.Val() != "" {
		// On a cluster each master can lose its data on its own: every
		// partition keeps a copy of the epoch, and one missing or
		// different reads as an emptied Redis.
		same, err := s.partitionsHold(ctx, e.Val())
		if err != nil {
			return "", 0, err
		}
		if !same {
			return "", b.Val(), nil
		}
	}
	return e.Val(), b.Val(), nil
}

// partitionsHold reports whether every partition holds epoch.
func (s *Store) partitionsHold(ctx context.Context, epoch string) (bool, error) {
	cmds := make([]*redis.StringCmd, s.partitions())
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for part := range cmds {
			cmds[part] = p.Get(ctx, s.pkey(part, "epoch"))
		}
		return nil
	})
	if err != nil && err != redis.Nil {
		return false, wrap("watermark", err)
	}
	for _, c := range cmds {
		if c.Val() != epoch {
			return false, nil
		}
	}
	return true, nil
}

// NewEpoch gives the data in Redis an epoch unless it has one, and returns
// the epoch in place.
func (s *Store) NewEpoch(ctx context.Context) (string, error) {
	var r [8]byte
	_, _ = rand.Read(r[:])
	if err := s.rdb.SetNX(ctx, s.key("epoch"), hex.EncodeToString(r[:]), 0).Err(); err != nil {
		return "", wrap("new epoch", err)
	}
	v, err := s.rdb.Get(ctx, s.key("epoch")).Result()
	if err != nil || !s.sharded() {
		return v, wrap("new epoch", err)
	}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for part := range s.partitions() {
			p.SetNX(ctx, s.pkey(part, "epoch"), v, 0)
		}
		return nil
	})
	return v, wrap("new epoch", err)
}
