package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// The late-letter guard (newsletter.LetterHolds): a letter that could not
// start, or go on, within LATE_LETTER_GRACE of its time is held for the
// author instead of sent late. Besides the fields of letter:<id> (see
// holdletter.lua: sch, fo, pg, hd, hw, hg) it keeps
//
//	parked:<id>  set  the sends of held letter <id> put aside by the
//	                  worker (job ids), queued again on release
//
// The scripts that change a letter's status check it in the same step, so
// a hold, a release, a cancel and a fan-out never overlap.

var _ newsletter.LetterHolds = (*Store)(nil)

// The scripts of the guard; each file documents its keys and arguments.
var (
	scriptHoldLetter    = loadScript("holdletter")
	scriptParkLetter    = loadScript("parkletter")
	scriptReleaseLetter = loadScript("releaseletter")
	scriptCancelLetter  = loadScript("cancelletter")
)

// parkedKey is the set of a held letter's parked sends.
func (s *Store) parkedKey(id string) string { return s.key("parked", id) }

// fanOutJob is the id of a letter's fan-out job.
func fanOutJob(id string) string {
	return newsletter.Job{Kind: newsletter.JobLetter, Letter: id}.ID()
}

// letterResult turns a script's answer ("ok", or the status that stood in
// the way, "" for no letter) into an error.
func letterResult(id, res string) error {
	switch res {
	case "ok":
		return nil
	case "":
		return fmt.Errorf("letter %s: %w", id, newsletter.ErrNotFound)
	default:
		return fmt.Errorf("letter %s is %s: %w", id, res, newsletter.ErrConflict)
	}
}

// holdLetter runs holdletter.lua: it returns the letter's status after the
// call and whether this call held it.
func (s *Store) holdLetter(ctx context.Context, id string, now time.Time, grace time.Duration, start bool) (newsletter.LetterStatus, bool, error) {
	mode := ""
	if start {
		mode = "start"
	}
	done, progress, err := s.shadowTotals(ctx, id)
	if err != nil {
		return "", false, err
	}
	res, err := scriptHoldLetter.Run(ctx, s.rdb, []string{s.letterKey(id), s.key("queue")},
		now.UnixMilli(), max(grace.Milliseconds(), 0), fanOutJob(id), mode, done, progress).Slice()
	if err != nil {
		return "", false, wrap("check letter", err)
	}
	if len(res) != 2 {
		return "", false, fmt.Errorf("check letter %s: unexpected answer %v", id, res)
	}
	st, _ := res[0].(string)
	held, _ := res[1].(int64)
	if held == 1 {
		if err := s.mirror(ctx, id, newsletter.LetterHeld, now, ""); err != nil {
			return "", false, err
		}
	}
	return newsletter.LetterStatus(st), held == 1, nil
}

// StartLetter begins a letter's fan-out at now unless it is too late, in
// which case the letter becomes held and StartLetter returns
// newsletter.ErrHeld (see newsletter.LetterHolds).
func (s *Store) StartLetter(ctx context.Context, id string, now time.Time, grace time.Duration) (*newsletter.Letter, []string, error) {
	l, err := s.beginLetter(ctx, id, now, grace)
	if err != nil {
		return nil, nil, err
	}
	ids, err := s.recipients(ctx, l)
	if err != nil {
		return nil, nil, err
	}
	return l, ids, nil
}

// beginLetter makes a scheduled letter sending at now (holdletter.lua in
// its "start" mode) and loads it: ErrHeld when it was too late and is
// held now, ErrNotFound or ErrConflict when it is not scheduled.
func (s *Store) beginLetter(ctx context.Context, id string, now time.Time, grace time.Duration) (*newsletter.Letter, error) {
	st, _, err := s.holdLetter(ctx, id, now, grace, true)
	switch {
	case err != nil:
		return nil, err
	case st == "":
		return nil, fmt.Errorf("letter %s: %w", id, newsletter.ErrNotFound)
	case st == newsletter.LetterHeld:
		return nil, fmt.Errorf("letter %s: %w", id, newsletter.ErrHeld)
	case st != newsletter.LetterSending:
		return nil, fmt.Errorf("letter %s is %s: %w", id, st, newsletter.ErrConflict)
	}
	return s.Letter(ctx, id)
}

// HoldLateLetters holds every letter that is late or stalled as of now
// (see newsletter.LetterHolds). Only letters whose send time is more than
// grace before now can be either, so it looks at those alone.
func (s *Store) HoldLateLetters(ctx context.Context, now time.Time, grace time.Duration) ([]string, error) {
	if grace <= 0 {
		return nil, nil
	}
	ids, err := s.rdb.ZRangeByScore(ctx, s.key("letters"), &redis.ZRangeBy{
		Min: "-inf", Max: "(" + strconv.FormatInt(now.Add(-grace).UnixMilli(), 10),
	}).Result()
	if err != nil {
		return nil, wrap("late letters", err)
	}
	cmds := make([]*redis.StringCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGet(ctx, s.letterKey(id), "st")
		}
		return nil
	})
	if err != nil && err != redis.Nil {
		return nil, wrap("late letters", err)
	}
	var held []string
	for i, c := range cmds {
		st := newsletter.LetterStatus(c.Val())
		if st != newsletter.LetterScheduled && st != newsletter.LetterSending {
			continue
		}
		_, did, err := s.holdLetter(ctx, ids[i], now, grace, false)
		if err != nil {
			return held, err
		}
		if did {
			held = append(held, ids[i])
		}
	}
	return held, nil
}

// ParkLetterSend puts aside a claimed send of a held letter (script
// parkletter.lua); see newsletter.LetterHolds.
func (s *Store) ParkLetterSend(ctx context.Context, j newsletter.Job, now time.Time) (bool, error) {
	if j.Kind != newsletter.JobLetterSend {
		return false, fmt.Errorf("park %s: not a letter send", j.ID())
	}
	p := s.idPartition(j.Subscriber)
	n, err := scriptParkLetter.Run(ctx, s.rdb, []string{s.shadowKey(p, j.Letter), s.lane(j), s.parkedIn(p, j.Letter)},
		j.ID(), now.UnixMilli()).Int()
	if err != nil {
		return false, wrap("park letter send", err)
	}
	return n == 1, nil
}

// ReleaseLetter sends a held letter on at now (script releaseletter.lua);
// see newsletter.LetterHolds.
func (s *Store) ReleaseLetter(ctx context.Context, id string, now time.Time) error {
	done, _, err := s.shadowTotals(ctx, id)
	if err != nil {
		return err
	}
	res, err := scriptReleaseLetter.Run(ctx, s.rdb, []string{s.letterKey(id), s.key("queue"), s.parkedKey(id)},
		now.UnixMilli(), fanOutJob(id), done).Text()
	if err != nil {
		return wrap("release letter", err)
	}
	if res == "ok" && s.sharded() {
		st, err := s.rdb.HGet(ctx, s.letterKey(id), "st").Result()
		if err != nil {
			return wrap("release letter", err)
		}
		if err := s.mirror(ctx, id, newsletter.LetterStatus(st), now, "release"); err != nil {
			return err
		}
	}
	return letterResult(id, res)
}

// ParkedSends counts the parked sends of a held letter.
func (s *Store) ParkedSends(ctx context.Context, id string) (int64, error) {
	var n int64
	for p := range s.partitions() {
		c, err := s.rdb.SCard(ctx, s.parkedIn(p, id)).Result()
		if err != nil {
			return 0, wrap("count parked sends", err)
		}
		n += c
	}
	return n, nil
}
