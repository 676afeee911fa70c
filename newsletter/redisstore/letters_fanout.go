package redisstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// FanOutPage is how many recipients FanOutLetter reads and queues at a
// time: the worker's memory during a fan-out is a page, not the list.
var FanOutPage = 5000

// FanOutLetter begins letter id's fan-out at now, as StartLetter does (a
// letter past the grace is held: ErrHeld), and queues one send per
// recipient, page by page and partition by partition (script page.lua
// reads each page after the last, so that subscribers who come or go
// meanwhile shift nothing), then records the count. A second run after a
// crash queues nothing twice (ZADD NX). It returns the letter and the
// number of recipients.
//
// The first fan-out of a letter (one never started before: no 'fo')
// queues its sends at now less half a millisecond: a score no other
// writer of the queue gives (they write whole milliseconds, and a claim
// moves a job to its lease end), which tells claimsends.lua that the send
// was never claimed and so cannot be in the ledger. A later run (after a
// crash, or after a hold and release) queues whole milliseconds: those
// sends may have gone out, and their ledger is read.
func (s *Store) FanOutLetter(ctx context.Context, id string, now time.Time, grace time.Duration) (*newsletter.Letter, int, error) {
	prev, err := s.rdb.HMGet(ctx, s.letterKey(id), "st", "fo").Result()
	if err != nil {
		return nil, 0, wrap("check letter", err)
	}
	first := prev[0] == string(newsletter.LetterScheduled) && prev[1] == nil
	l, err := s.beginLetter(ctx, id, now, grace)
	if err != nil {
		return nil, 0, err
	}
	total := 0
	for p := range s.partitions() {
		n, err := s.fanOutPartition(ctx, l, p, now, first)
		if err != nil {
			return nil, 0, err
		}
		total += n
	}
	if err := s.fannedOut(ctx, id, total, now); err != nil {
		return nil, 0, err
	}
	l.Recipients = total
	return l, total, nil
}

// fanOutPartition queues the sends of letter l to the subscribers of
// partition p confirmed by its send time, a page at a time, and gives the
// partition's shadow its count (on a cluster); first marks the sends as
// never claimed (see FanOutLetter).
func (s *Store) fanOutPartition(ctx context.Context, l *newsletter.Letter, p int, now time.Time, first bool) (int, error) {
	set, queue := s.statusKey(p, newsletter.StatusConfirmed), s.pkey(p, "queue")
	last, lastScore := "", "0"
	until := float64(l.SendAt.UnixMilli())
	score := float64(now.UnixMilli())
	if first {
		score -= neverClaimed
	}
	n := 0
	for {
		flat, err := scriptPage.Run(ctx, s.rdb, []string{set}, last, lastScore, FanOutPage).StringSlice()
		if err != nil {
			return n, wrap("fan out", err)
		}
		ids := make([]string, 0, len(flat)/2)
		end := false
		for i := 0; i+1 < len(flat); i += 2 {
			sc, _ := strconv.ParseFloat(flat[i+1], 64)
			if sc > until {
				end = true // confirmed after the send time, as the rest
				break
			}
			ids = append(ids, flat[i])
		}
		if len(flat) >= 2 {
			last, lastScore = flat[len(flat)-2], flat[len(flat)-1]
		}
		if ids, err = s.keepOutOfSequence(ctx, l, p, ids); err != nil {
			return n, err
		}
		if len(ids) > 0 {
			zs := make([]redis.Z, len(ids))
			for i, sid := range ids {
				zs[i] = redis.Z{Score: score, Member: newsletter.Job{Kind: newsletter.JobLetterSend, Letter: l.ID, Subscriber: sid}.ID()}
			}
			if err := s.rdb.ZAddNX(ctx, queue, zs...).Err(); err != nil {
				return n, wrap("fan out", err)
			}
			n += len(ids)
		}
		if end || len(flat)/2 < FanOutPage {
			break
		}
	}
	return n, s.shadowFannedOut(ctx, p, l.ID, n)
}

// keepOutOfSequence leaves out of ids, for a letter that skips readers
// still in a sequence, those with a drip job queued in partition p.
func (s *Store) keepOutOfSequence(ctx context.Context, l *newsletter.Letter, p int, ids []string) ([]string, error) {
	if !l.SkipInSequence || len(ids) == 0 {
		return ids, nil
	}
	cmds := make([]*redis.FloatCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		for i, sid := range ids {
			cmds[i] = pl.ZScore(ctx, s.pkey(p, "queue"), newsletter.Job{Kind: newsletter.JobDrip, Subscriber: sid}.ID())
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap("letter recipients", err)
	}
	kept := ids[:0]
	for i, c := range cmds {
		if errors.Is(c.Err(), redis.Nil) {
			kept = append(kept, ids[i])
		}
	}
	return kept, nil
}
