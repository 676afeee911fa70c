package redisstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/satina/newsletter/newsletter"
)

// SubscriberPage lists up to limit subscribers with status, oldest first
// by when they entered it, after cursor (script page.lua). The cursor is
// "<score>:<id>" of the last subscriber of the previous page; "" starts at
// the beginning, and the returned cursor is "" after the last page.
//
// With status "" it lists every status set in turn (pageOrder), and the
// cursor is "<status>:<score>:<id>". Pending comes last, so that new
// signups made while the pages are read are listed. A subscriber whose
// status changes meanwhile is listed again, or not at all, when its new set
// is one the paging has yet to reach, or one it has passed.
func (s *Store) SubscriberPage(ctx context.Context, status newsletter.Status, cursor string, limit int) ([]*newsletter.Subscriber, string, error) {
	if limit < 1 {
		return nil, "", fmt.Errorf("subscriber page: limit %d is not 1 or more", limit)
	}
	statuses := []newsletter.Status{status}
	if status == "" {
		statuses = pageOrder
		if cursor != "" {
			st, rest, ok := strings.Cut(cursor, ":")
			i := slices.Index(statuses, newsletter.Status(st))
			if !ok || i < 0 {
				return nil, "", fmt.Errorf("subscriber page: %q is not a cursor", cursor)
			}
			statuses, cursor = statuses[i:], rest
		}
	}
	var out []*newsletter.Subscriber
	for _, st := range statuses {
		subs, next, err := s.statusPage(ctx, st, cursor, limit-len(out))
		if err != nil {
			return nil, "", err
		}
		out = append(out, subs...)
		if next != "" {
			if status == "" {
				next = string(st) + ":" + next
			}
			return out, next, nil
		}
		cursor = ""
	}
	return out, "", nil
}

// pageOrder is the order in which SubscriberPage lists all statuses.
var pageOrder = []newsletter.Status{newsletter.StatusConfirmed, newsletter.StatusUnsubscribed,
	newsletter.StatusBounced, newsletter.StatusPending}

// statusPage is SubscriberPage within one status set.
func (s *Store) statusPage(ctx context.Context, status newsletter.Status, cursor string, limit int) ([]*newsletter.Subscriber, string, error) {
	after, score := "", "0"
	if cursor != "" {
		sc, id, ok := strings.Cut(cursor, ":")
		if _, err := strconv.ParseFloat(sc, 64); !ok || err != nil || id == "" {
			return nil, "", fmt.Errorf("subscriber page: %q is not a cursor", cursor)
		}
		after, score = id, sc
	}
	flat, err := scriptPage.Run(ctx, s.rdb, []string{s.statusKey(status)}, after, score, limit).StringSlice()
	if err != nil {
		return nil, "", wrap("list subscribers", err)
	}
	ids := make([]string, 0, len(flat)/2)
	for i := 0; i+1 < len(flat); i += 2 {
		ids = append(ids, flat[i])
	}
	out, err := s.load(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(ids) == limit {
		next = flat[len(flat)-1] + ":" + ids[len(ids)-1]
	}
	return out, next, nil
}
