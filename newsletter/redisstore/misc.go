package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
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

// Secret returns the key for signed links, creating 32 random bytes once.
func (s *Store) Secret(ctx context.Context) ([]byte, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return nil, err
	}
	if err := s.rdb.SetNX(ctx, s.key("secret"), hex.EncodeToString(b), 0).Err(); err != nil {
		return nil, wrap("create secret", err)
	}
	v, err := s.rdb.Get(ctx, s.key("secret")).Result()
	if err != nil {
		return nil, wrap("load secret", err)
	}
	return hex.DecodeString(v)
}

// SequenceVersion stores hash as the content hash of sequence and returns
// the one stored before ("" the first time).
func (s *Store) SequenceVersion(ctx context.Context, sequence, hash string) (string, error) {
	old, err := s.rdb.SetArgs(ctx, s.key("seqhash", sequence), hash, redis.SetArgs{Get: true}).Result()
	if err == redis.Nil {
		return "", nil
	}
	return old, wrap("sequence version", err)
}
