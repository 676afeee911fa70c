package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/satina/newsletter/newsletter"
)

// SubscriberPage lists up to limit subscribers with status, oldest first
// by when they entered it, after cursor (script page.lua). The cursor is
// "<score>:<id>" of the last subscriber of the previous page; "" starts at
// the beginning, and the returned cursor is "" after the last page.
//
// With status "" it reads every status set in turn (pageOrder), and then
// each set again from where its first pass ended: a subscriber who signs
// up, or changes status, while the pages are read enters a set after the
// end of that set's first pass, so the second pass lists it. Nobody is
// left out; one who changed status meanwhile may be listed twice, the
// later row being the current one. The cursor is then
// "<pass>|<score>:<id>|<end of each set's first pass>…".
func (s *Store) SubscriberPage(ctx context.Context, status newsletter.Status, cursor string, limit int) ([]*newsletter.Subscriber, string, error) {
	if limit < 1 {
		return nil, "", fmt.Errorf("subscriber page: limit %d is not 1 or more", limit)
	}
	sets := s.pageSets(status)
	if len(sets) == 1 {
		subs, last, more, err := s.statusPage(ctx, sets[0], cursor, limit)
		if err != nil || !more {
			return subs, "", err
		}
		return subs, last, nil
	}
	n := len(sets)
	pass, at, ends := 0, "", make([]string, n)
	if cursor != "" {
		parts := strings.Split(cursor, "|")
		p, err := strconv.Atoi(parts[0])
		if len(parts) != 2+n || err != nil || p < 0 || p >= 2*n {
			return nil, "", fmt.Errorf("subscriber page: %q is not a cursor", cursor)
		}
		pass, at, ends = p, parts[1], parts[2:]
	}
	var out []*newsletter.Subscriber
	for pass < 2*n {
		k := pass % n
		from := at
		if pass >= n && at == "" {
			from = ends[k] // the second pass starts where the first ended
		}
		subs, last, more, err := s.statusPage(ctx, sets[k], from, limit-len(out))
		if err != nil {
			return nil, "", err
		}
		out = append(out, subs...)
		if more {
			return out, strconv.Itoa(pass) + "|" + last + "|" + strings.Join(ends, "|"), nil
		}
		if pass < n {
			ends[k] = last
		}
		pass, at = pass+1, ""
	}
	return out, "", nil
}

// pageOrder is the order in which SubscriberPage reads the status sets
// when it lists them all.
var pageOrder = []newsletter.Status{newsletter.StatusConfirmed, newsletter.StatusUnsubscribed,
	newsletter.StatusBounced, newsletter.StatusComplained, newsletter.StatusPending}

// pageSets are the sets SubscriberPage reads for status, in order: the
// status's set in each partition, or for "" every status set (pageOrder)
// of each partition.
func (s *Store) pageSets(status newsletter.Status) []string {
	var sets []string
	for p := range s.partitions() {
		if status != "" {
			sets = append(sets, s.statusKey(p, status))
			continue
		}
		for _, st := range pageOrder {
			sets = append(sets, s.statusKey(p, st))
		}
	}
	return sets
}

// statusPage reads up to limit members of one status set after cursor
// ("<score>:<id>", or "" for the start), and loads their records (erased
// ones are left out). last is the position of the last member read, or
// cursor when none was; more reports that the set may hold more after it.
func (s *Store) statusPage(ctx context.Context, set string, cursor string, limit int) (subs []*newsletter.Subscriber, last string, more bool, err error) {
	after, score := "", "0"
	if cursor != "" {
		sc, id, ok := strings.Cut(cursor, ":")
		if _, err := strconv.ParseFloat(sc, 64); !ok || err != nil || id == "" {
			return nil, "", false, fmt.Errorf("subscriber page: %q is not a cursor", cursor)
		}
		after, score = id, sc
	}
	flat, err := scriptPage.Run(ctx, s.rdb, []string{set}, after, score, limit).StringSlice()
	if err != nil {
		return nil, "", false, wrap("list subscribers", err)
	}
	ids := make([]string, 0, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		ids = append(ids, flat[i])
	}
	subs, err = s.load(ctx, ids)
	if err != nil {
		return nil, "", false, err
	}
	last = cursor
	if len(ids) > 0 {
		last = flat[len(flat)-1] + ":" + ids[len(ids)-1]
	}
	return subs, last, len(ids) == limit, nil
}
