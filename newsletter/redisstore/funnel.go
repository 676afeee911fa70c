package redisstore

import (
	"context"
	"strconv"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// The funnel's counts, under the prefix, never a person:
//
//	funnel     hash  signup   -> signups that asked for a confirmation
//	                             (a new address, or one that had left)
//	                 confirm  -> confirmations by the link
//	funnel:dl  hll   readers who downloaded a guide at least once: a
//	                 HyperLogLog, which counts distinct readers (within
//	                 about 1%) and cannot list or name any of them
//
// Each command touches one key, so the counts hold under Redis Cluster.
// They count from the day this layout was first written; erasing a
// subscriber takes nothing from them (they are history, not records).

// Funnel fields that FunnelCounts reads (CountFunnel takes any field).
const (
	FunnelSignup  = "signup"
	FunnelConfirm = "confirm"
)

func (s *Store) funnelKey() string   { return s.key("funnel") }
func (s *Store) funnelDLKey() string { return s.key("funnel", "dl") }

// CountFunnel adds n to the funnel's field (FunnelSignup or
// FunnelConfirm).
func (s *Store) CountFunnel(ctx context.Context, field string, n int64) error {
	return wrap("count "+field, s.rdb.HIncrBy(ctx, s.funnelKey(), field, n).Err())
}

// CountGuideReader counts the subscriber id among the readers who
// downloaded a guide; counting the same reader again changes nothing.
func (s *Store) CountGuideReader(ctx context.Context, id string) error {
	return wrap("count guide reader", s.rdb.PFAdd(ctx, s.funnelDLKey(), id).Err())
}

// FunnelCounts reads the funnel's counts in one round trip.
func (s *Store) FunnelCounts(ctx context.Context) (newsletter.FunnelCounts, error) {
	var fields *redis.MapStringStringCmd
	var readers *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		fields = p.HGetAll(ctx, s.funnelKey())
		readers = p.PFCount(ctx, s.funnelDLKey())
		return nil
	})
	if err != nil && err != redis.Nil {
		return newsletter.FunnelCounts{}, wrap("read funnel", err)
	}
	v := fields.Val()
	signups, _ := strconv.Atoi(v[FunnelSignup])
	confirms, _ := strconv.Atoi(v[FunnelConfirm])
	return newsletter.FunnelCounts{Signups: signups, Confirms: confirms, GuideReaders: int(readers.Val())}, nil
}
