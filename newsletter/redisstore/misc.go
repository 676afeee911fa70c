package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Hit counts one request from key in the fixed window that holds at, and
// returns the count so far and the window's end.
func (s *Store) Hit(ctx context.Context, key string, at time.Time, window time.Duration) (int64, time.Time, error) {
	start := at.Truncate(window)
	k := s.rateKey(key, at, window)
	var incr *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.Incr(ctx, k)
		p.Expire(ctx, k, 2*window)
		return nil
	})
	if err != nil {
		return 0, time.Time{}, wrap("rate limit", err)
	}
	return incr.Val(), start.Add(window), nil
}

// rateKey is the counter of key in the window that holds at.
func (s *Store) rateKey(key string, at time.Time, window time.Duration) string {
	return s.key("rl", key, strconv.FormatInt(at.Truncate(window).Unix(), 10))
}

// SequenceVersion returns the content hash of sequence last recorded by
// SetSequenceVersion ("" before the first).
func (s *Store) SequenceVersion(ctx context.Context, sequence string) (string, error) {
	v, err := s.rdb.Get(ctx, s.key("seqhash", sequence)).Result()
	if err == redis.Nil {
		return "", nil
	}
	return v, wrap("sequence version", err)
}

// SetSequenceVersion records hash as the content hash of sequence, once
// the schedule agrees with it.
func (s *Store) SetSequenceVersion(ctx context.Context, sequence, hash string) error {
	return wrap("set sequence version", s.rdb.Set(ctx, s.key("seqhash", sequence), hash, 0).Err())
}
