package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Layout is the version of the key layout (store.go) this package reads
// and writes; Upgrade records it under the "layout" key.
const Layout = "3"

// layoutNumber is Layout as a number, to compare with a stored layout.
func layoutNumber() int { n, _ := strconv.Atoi(Layout); return n }

// upgradeChunk is how many entries one run of upgrade.lua moves.
const upgradeChunk = 500

// Upgrade brings data written in an earlier layout to this one, a chunk at
// a time (script upgrade.lua), and records the layout; it returns how many
// addresses it moved. Once done, it costs one round trip. Run it before
// serving, with every process of the older version stopped (one still
// running would go on writing the old keys; the next start moves what it
// wrote). It is safe to run again, or in several processes at once, and
// after a crash part way it goes on where it stopped. Data of a newer
// layout than this package's is refused, not touched.
//
// Layout 1 (before 2026-11-27) kept all addresses in one "emails" hash and
// all subscribers in a "subs" sorted set by creation; layout 2 buckets the
// address index and counts signups per quarter hour. Layout 3 (2026-12-04)
// moves confirmation jobs from the queue, where they stood a year early to
// be claimed first, to a lane of their own (see moveUrgent).
func (s *Store) Upgrade(ctx context.Context) (int, error) {
	var layout *redis.StringCmd
	var old *redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		layout = p.Get(ctx, s.key("layout"))
		old = p.Exists(ctx, s.key("emails"), s.key("subs"))
		return nil
	})
	if err != nil && err != redis.Nil {
		return 0, wrap("upgrade", err)
	}
	if v, _ := strconv.Atoi(layout.Val()); v > layoutNumber() {
		return 0, fmt.Errorf("upgrade: the data in Redis is in layout %d, newer than this version's %s: run the newer version", v, Layout)
	}
	if layout.Val() == Layout && old.Val() == 0 {
		return 0, nil
	}
	if s.sharded() {
		// Cluster support came with layout 3: no older data to move.
		return 0, wrap("upgrade", s.rdb.Set(ctx, s.key("layout"), Layout, 0).Err())
	}
	moved, cursor := 0, uint64(0)
	for {
		fields, next, err := s.rdb.HScan(ctx, s.key("emails"), cursor, "", upgradeChunk).Result()
		if err != nil {
			return moved, wrap("upgrade", err)
		}
		keys := []string{s.key("emails"), s.key("subs"), s.key("signups")}
		args := []any{upgradeChunk, signupSlotMS}
		for i := 0; i+1 < len(fields); i += 2 {
			keys = append(keys, s.emailKey(fields[i]), s.subKey(fields[i+1]))
			args = append(args, fields[i])
		}
		left, err := scriptUpgrade.Run(ctx, s.rdb, keys, args...).Int64Slice()
		if err != nil {
			return moved, wrap("upgrade", err)
		}
		if len(left) != 3 {
			return moved, wrap("upgrade", fmt.Errorf("unexpected reply %v", left))
		}
		moved += int(left[2])
		if left[0] == 0 && left[1] == 0 {
			break
		}
		cursor = next // 0 again: start over on what is left
	}
	if err := s.moveUrgent(ctx); err != nil {
		return moved, err
	}
	return moved, wrap("upgrade", s.rdb.Set(ctx, s.key("layout"), Layout, 0).Err())
}

// layout2ConfirmLead is how far ahead of its due time layout 2 queued a
// confirmation job.
const layout2ConfirmLead = 365 * 24 * time.Hour

// moveUrgent moves the confirmation jobs that layouts 1 and 2 kept in the
// queue (a year ahead of their due time) to the urgent lane at their due
// time, each in one transaction.
func (s *Store) moveUrgent(ctx context.Context) error {
	cursor := uint64(0)
	for {
		zs, next, err := s.rdb.ZScan(ctx, s.key("queue"), cursor, "confirm:*", upgradeChunk).Result()
		if err != nil {
			return wrap("upgrade: move confirmations", err)
		}
		for i := 0; i+1 < len(zs); i += 2 {
			score, err := strconv.ParseFloat(zs[i+1], 64)
			if err != nil {
				continue
			}
			_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
				p.ZRem(ctx, s.key("queue"), zs[i])
				p.ZAdd(ctx, s.key("urgent"), redis.Z{Score: score + float64(layout2ConfirmLead.Milliseconds()), Member: zs[i]})
				return nil
			})
			if err != nil {
				return wrap("upgrade: move confirmations", err)
			}
		}
		if cursor = next; cursor == 0 {
			return nil
		}
	}
}
