package redisstore

import (
	"context"
	"time"

	"github.com/redis/go-redis/v9"
)

// Health writes a short-lived probe key and reports what stands in the
// way of the store's writes: "" when none, else the kind of trouble
// ("unreachable", "loading", "read-only", "out-of-memory", …, see
// ErrorKind). A PING alone would answer on a read-only replica or a full
// Redis, where every signup fails.
func (s *Store) Health(ctx context.Context) string {
	now := time.Now().UnixMilli()
	err := s.rdb.Set(ctx, s.key("health"), now, time.Minute).Err()
	if err == nil && s.sharded() {
		// every partition's master, not just the global keys' one
		var cmds []*redis.StatusCmd
		_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for part := range s.partitions() {
				cmds = append(cmds, p.Set(ctx, s.pkey(part, "health"), now, time.Minute))
			}
			return nil
		})
		for _, c := range cmds {
			if err == nil {
				err = c.Err()
			}
		}
	}
	if err == nil {
		return ""
	}
	if k := Classify(err); k != KindOther {
		return k.String()
	}
	return "unavailable"
}
