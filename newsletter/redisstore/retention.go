package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// StalePending lists up to limit subscribers who have been pending since
// before, oldest first.
func (s *Store) StalePending(ctx context.Context, before time.Time, limit int) ([]string, error) {
	ids, err := s.rdb.ZRangeByScore(ctx, s.statusKey(newsletter.StatusPending), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(before.UnixMilli(), 10), Count: int64(limit),
	}).Result()
	return ids, wrap("stale pending", err)
}
