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
	var ids []string
	for _, set := range s.statusSets(newsletter.StatusPending) {
		got, err := s.rdb.ZRangeByScore(ctx, set, &redis.ZRangeBy{
			Min: "-inf", Max: strconv.FormatInt(before.UnixMilli(), 10), Count: int64(limit - len(ids)),
		}).Result()
		if err != nil {
			return ids, wrap("stale pending", err)
		}
		if ids = append(ids, got...); len(ids) >= limit {
			break
		}
	}
	return ids, nil
}
