package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// SubscriberPage lists up to limit subscribers with status (all when
// empty), oldest first, after cursor (script page.lua). The cursor is
// "<score>:<id>" of the last subscriber of the previous page; "" starts at
// the beginning, and the returned cursor is "" after the last page.
func (s *Store) SubscriberPage(ctx context.Context, status newsletter.Status, cursor string, limit int) ([]*newsletter.Subscriber, string, error) {
	if limit < 1 {
		return nil, "", fmt.Errorf("subscriber page: limit %d is not 1 or more", limit)
	}
	set := s.key("subs")
	if status != "" {
		set = s.statusKey(status)
	}
	after, score := "", "0"
	if cursor != "" {
		sc, id, ok := strings.Cut(cursor, ":")
		if _, err := strconv.ParseFloat(sc, 64); !ok || err != nil || id == "" {
			return nil, "", fmt.Errorf("subscriber page: %q is not a cursor", cursor)
		}
		after, score = id, sc
	}
	flat, err := scriptPage.Run(ctx, s.rdb, []string{set}, after, score, limit).StringSlice()
	if err != nil {
		return nil, "", wrap("list subscribers", err)
	}
	ids := make([]string, 0, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		ids = append(ids, flat[i])
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.subKey(id))
		}
		return nil
	})
	if err != nil {
		return nil, "", wrap("list subscribers", err)
	}
	out := make([]*newsletter.Subscriber, 0, len(ids))
	for i, c := range cmds {
		if h := c.Val(); len(h) > 0 { // erased since the page was read
			out = append(out, decode(ids[i], h))
		}
	}
	next := ""
	if len(ids) == limit {
		next = flat[len(flat)-1] + ":" + ids[len(ids)-1]
	}
	return out, next, nil
}
