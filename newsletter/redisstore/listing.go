package redisstore

import (
	"cmp"
	"context"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// Listings. Every subscriber is in exactly one status set, scored by when
// it entered that status; there is no set of all subscribers (it would
// cost another ~120 bytes each), so a listing of all of them merges the
// status sets, newest first by that time.

// statusSets are the sets a listing of status reads: its own, or all of
// them when status is "".
func (s *Store) statusSets(status newsletter.Status) []string {
	var sets []string
	for p := range s.partitions() {
		sets = append(sets, s.statusSetsIn(p, status)...)
	}
	return sets
}

// statusSetsIn is statusSets in partition p alone.
func (s *Store) statusSetsIn(p int, status newsletter.Status) []string {
	if status != "" {
		return []string{s.statusKey(p, status)}
	}
	sets := make([]string, len(newsletter.Statuses))
	for i, st := range newsletter.Statuses {
		sets[i] = s.statusKey(p, st)
	}
	return sets
}

// member is an id in a status set with its score.
type member struct {
	id    string
	score float64
}

// newestFirst orders members by score, newest first; ties by id, highest
// first, as ZREVRANGE orders them.
func newestFirst(a, b member) int {
	if c := cmp.Compare(b.score, a.score); c != 0 {
		return c
	}
	return cmp.Compare(b.id, a.id)
}

// Subscribers lists subscribers with status (all when empty), newest
// first, from offset; the total counts them all. One status reads just the
// page; all of them read the first offset+limit members of each status set
// and merge them, so a deep page of all costs as much as the list up to it.
func (s *Store) Subscribers(ctx context.Context, status newsletter.Status, offset, limit int) ([]*newsletter.Subscriber, int, error) {
	sets, from := s.statusSets(status), int64(0)
	if len(sets) == 1 {
		from = int64(offset)
	}
	cards := make([]*redis.IntCmd, len(sets))
	tops := make([]*redis.ZSliceCmd, len(sets))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, set := range sets {
			cards[i] = p.ZCard(ctx, set)
			tops[i] = p.ZRevRangeWithScores(ctx, set, from, int64(offset)+int64(limit)-1)
		}
		return nil
	})
	if err != nil {
		return nil, 0, wrap("list subscribers", err)
	}
	total := 0
	var all []member
	for i := range sets {
		total += int(cards[i].Val())
		for _, z := range tops[i].Val() {
			id, _ := z.Member.(string)
			all = append(all, member{id, z.Score})
		}
	}
	slices.SortFunc(all, newestFirst)
	skip := offset - int(from)
	if skip >= len(all) {
		return []*newsletter.Subscriber{}, total, nil
	}
	all = all[skip:min(len(all), skip+limit)]
	ids := make([]string, len(all))
	for i, m := range all {
		ids[i] = m.id
	}
	out, err := s.load(ctx, ids)
	return out, total, err
}

// load reads the records of ids, a round trip per loadChunk, leaving out
// those erased meanwhile. Consent wordings are not filled in.
func (s *Store) load(ctx context.Context, ids []string) ([]*newsletter.Subscriber, error) {
	out := make([]*newsletter.Subscriber, 0, len(ids))
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), loadChunk)]
		ids = ids[len(chunk):]
		cmds := make([]*redis.MapStringStringCmd, len(chunk))
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, id := range chunk {
				cmds[i] = p.HGetAll(ctx, s.subKey(id))
			}
			return nil
		})
		if err != nil {
			return nil, wrap("list subscribers", err)
		}
		for i, c := range cmds {
			if h := c.Val(); len(h) > 0 {
				out = append(out, decode(chunk[i], h))
			}
		}
	}
	return out, nil
}

// loadChunk is how many records load reads in one round trip.
const loadChunk = 5000
