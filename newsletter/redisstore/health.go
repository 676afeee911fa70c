package redisstore

import (
	"context"
	"time"
)

// Health writes a short-lived probe key and reports what stands in the
// way of the store's writes: "" when none, else the kind of trouble
// ("unreachable", "loading", "read-only", "out-of-memory", …, see
// ErrorKind). A PING alone would answer on a read-only replica or a full
// Redis, where every signup fails.
func (s *Store) Health(ctx context.Context) string {
	err := s.rdb.Set(ctx, s.key("health"), time.Now().UnixMilli(), time.Minute).Err()
	if err == nil {
		return ""
	}
	if k := Classify(err); k != KindOther {
		return k.String()
	}
	return "unavailable"
}
