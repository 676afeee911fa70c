package redisstore

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// What the author's desk reads: search, signups per day and where the
// confirmed subscribers stand in their sequences.

// scanChunk is how many subscribers one round trip looks at when a listing
// has to read every record (search, step counts).
const scanChunk = 1000

// SearchSubscribers lists the subscribers with status (all when empty)
// whose address or name contains q, ignoring case, newest first, from
// offset; total counts every match. An empty q lists like Subscribers.
// It reads every record of the status, in chunks: fine for the lists of
// one author, and it needs no index to keep up to date.
func (s *Store) SearchSubscribers(ctx context.Context, status newsletter.Status, q string, offset, limit int) ([]*newsletter.Subscriber, int, error) {
	q = strings.ToLower(strings.TrimSpace(q))
	if q == "" {
		return s.Subscribers(ctx, status, offset, limit)
	}
	var matches []member
	for _, set := range s.statusSets(status) {
		err := s.scanFields(ctx, set, []string{fEmail, fName}, func(m member, v []string) {
			if v[0] != "" && (strings.Contains(v[0], q) || strings.Contains(strings.ToLower(v[1]), q)) {
				matches = append(matches, m)
			}
		})
		if err != nil {
			return nil, 0, wrap("search subscribers", err)
		}
	}
	slices.SortFunc(matches, newestFirst)
	total := len(matches)
	var page []string
	for i := offset; i < total && len(page) < limit; i++ {
		page = append(page, matches[i].id)
	}
	out, err := s.load(ctx, page)
	return out, total, err
}

// CountCreated counts the stored subscribers created between each pair of
// successive bounds: n bounds give n-1 counts, for [b0,b1), [b1,b2), ….
// It reads the signups hash, which counts them by quarter hour: a bound
// inside a quarter hour counts that quarter hour with the interval that
// holds its start.
func (s *Store) CountCreated(ctx context.Context, bounds []time.Time) ([]int, error) {
	if len(bounds) < 2 {
		return nil, nil
	}
	// a quarter hour belongs to the interval that holds its start
	startSlot := func(t time.Time) int64 { return -floorDiv(-t.UnixMilli(), signupSlotMS) } // rounded up
	first, last := startSlot(bounds[0]), startSlot(bounds[len(bounds)-1])
	counts := map[int64]int{}
	for p := range s.partitions() {
		key := s.pkey(p, "signups")
		if last-first > 20000 {
			all, err := s.rdb.HGetAll(ctx, key).Result()
			if err != nil {
				return nil, wrap("count signups", err)
			}
			for k, v := range all {
				slot, _ := strconv.ParseInt(k, 10, 64)
				n, _ := strconv.Atoi(v)
				counts[slot] += n
			}
		} else if last > first {
			fields := make([]string, 0, last-first)
			for slot := first; slot < last; slot++ {
				fields = append(fields, strconv.FormatInt(slot, 10))
			}
			vals, err := s.rdb.HMGet(ctx, key, fields...).Result()
			if err != nil {
				return nil, wrap("count signups", err)
			}
			for i, v := range vals {
				if v, ok := v.(string); ok {
					n, _ := strconv.Atoi(v)
					counts[first+int64(i)] += n
				}
			}
		}
	}
	out := make([]int, len(bounds)-1)
	for i := range out {
		for slot := startSlot(bounds[i]); slot < startSlot(bounds[i+1]); slot++ {
			out[i] += counts[slot]
		}
	}
	return out, nil
}

// CountStatuses counts the subscribers in each status.
func (s *Store) CountStatuses(ctx context.Context) (map[newsletter.Status]int, error) {
	sets := s.statusSets("") // by partition, then by status
	cmds := make([]*redis.IntCmd, len(sets))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, set := range sets {
			cmds[i] = p.ZCard(ctx, set)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("count subscribers", err)
	}
	out := make(map[newsletter.Status]int, len(newsletter.Statuses))
	for i, c := range cmds {
		out[newsletter.Statuses[i%len(newsletter.Statuses)]] += int(c.Val())
	}
	return out, nil
}

// StepPositions counts the confirmed subscribers by sequence and by the
// last step they were sent ("" for none yet): positions[sequence][step].
func (s *Store) StepPositions(ctx context.Context) (map[string]map[string]int, error) {
	out := map[string]map[string]int{}
	for _, set := range s.statusSets(newsletter.StatusConfirmed) {
		err := s.scanFields(ctx, set, []string{fSequence, fLastStep}, func(_ member, v []string) {
			if seq, last := v[0], v[1]; seq != "" {
				if out[seq] == nil {
					out[seq] = map[string]int{}
				}
				out[seq][last]++
			}
		})
		if err != nil {
			return nil, wrap("count step positions", err)
		}
	}
	return out, nil
}

// scanFields reads fields of the record of every member of a status set,
// oldest first, scanChunk members a round trip, and hands each to fn ("" for
// a field, or a record, that is absent).
func (s *Store) scanFields(ctx context.Context, set string, fields []string, fn func(m member, values []string)) error {
	for start := int64(0); ; start += scanChunk {
		zs, err := s.rdb.ZRangeWithScores(ctx, set, start, start+scanChunk-1).Result()
		if err != nil {
			return err
		}
		cmds := make([]*redis.SliceCmd, len(zs))
		_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for i, z := range zs {
				cmds[i] = p.HMGet(ctx, s.subKey(z.Member.(string)), fields...)
			}
			return nil
		})
		if err != nil {
			return err
		}
		values := make([]string, len(fields))
		for i, c := range cmds {
			for k := range values {
				values[k] = ""
				if k < len(c.Val()) {
					values[k], _ = c.Val()[k].(string)
				}
			}
			fn(member{zs[i].Member.(string), zs[i].Score}, values)
		}
		if len(zs) < scanChunk {
			return nil
		}
	}
}
