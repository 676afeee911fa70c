package redisstore

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// CreateLetter stores l with a new id and schedules its fan-out at SendAt.
// The late-letter guard counts from the later of SendAt and l.ScheduledAt
// (l.CreatedAt when zero).
func (s *Store) CreateLetter(ctx context.Context, l *newsletter.Letter) (string, error) {
	id := newID()
	skip := "0"
	if l.SkipInSequence {
		skip = "1"
	}
	scheduled := l.ScheduledAt
	if scheduled.IsZero() {
		scheduled = l.CreatedAt
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.letterKey(id), "sub", l.Subject, "md", l.Markdown, "at", ms(l.SendAt),
			"st", string(newsletter.LetterScheduled), "sk", skip, "c", ms(l.CreatedAt), "sch", ms(scheduled), "rc", "-1")
		p.ZAdd(ctx, s.key("letters"), redis.Z{Score: float64(l.SendAt.UnixMilli()), Member: id})
		p.ZAdd(ctx, s.key("queue"), redis.Z{Score: float64(l.SendAt.UnixMilli()), Member: newsletter.Job{Kind: newsletter.JobLetter, Letter: id}.ID()})
		return nil
	})
	if err != nil {
		return "", wrap("create letter", err)
	}
	return id, nil
}

// Letter loads one letter.
func (s *Store) Letter(ctx context.Context, id string) (*newsletter.Letter, error) {
	h, err := s.rdb.HGetAll(ctx, s.letterKey(id)).Result()
	if err != nil {
		return nil, wrap("load letter", err)
	}
	if len(h) == 0 || h["sub"] == "" && h["at"] == "" {
		return nil, fmt.Errorf("letter %s: %w", id, newsletter.ErrNotFound)
	}
	return decodeLetter(id, h), nil
}

func decodeLetter(id string, h map[string]string) *newsletter.Letter {
	num := func(k string) int { n, _ := strconv.Atoi(h[k]); return n }
	rc := -1
	if v, ok := h["rc"]; ok {
		rc, _ = strconv.Atoi(v)
	}
	l := &newsletter.Letter{
		ID: id, Subject: h["sub"], Markdown: h["md"], SendAt: fromMS(h["at"]),
		Status: newsletter.LetterStatus(h["st"]), SkipInSequence: h["sk"] == "1",
		CreatedAt: fromMS(h["c"]), Recipients: rc,
		Sent: num("sent"), Failed: num("failed"), Skipped: num("skipped"),
		ScheduledAt: fromMS(h["sch"]), StartedAt: fromMS(h["fo"]), ProgressAt: fromMS(h["pg"]),
	}
	if l.ScheduledAt.IsZero() {
		l.ScheduledAt = l.CreatedAt
	}
	if l.Status == newsletter.LetterHeld {
		l.Hold = &newsletter.LetterHold{At: fromMS(h["hd"]), Reason: newsletter.HoldReason(h["hw"]),
			Grace: time.Duration(num("hg")) * time.Millisecond}
	}
	return l
}

// UpdateLetter changes subject, markdown and send time of a scheduled
// letter, and when l.ScheduledAt is set, the moment it counts as
// scheduled (see CreateLetter).
func (s *Store) UpdateLetter(ctx context.Context, l *newsletter.Letter) error {
	return s.whileIn(ctx, l.ID, []newsletter.LetterStatus{newsletter.LetterScheduled}, func(p redis.Pipeliner) {
		skip := "0"
		if l.SkipInSequence {
			skip = "1"
		}
		p.HSet(ctx, s.letterKey(l.ID), "sub", l.Subject, "md", l.Markdown, "at", ms(l.SendAt), "sk", skip)
		if !l.ScheduledAt.IsZero() {
			p.HSet(ctx, s.letterKey(l.ID), "sch", ms(l.ScheduledAt))
		}
		p.ZAdd(ctx, s.key("letters"), redis.Z{Score: float64(l.SendAt.UnixMilli()), Member: l.ID})
		p.ZAdd(ctx, s.key("queue"), redis.Z{Score: float64(l.SendAt.UnixMilli()), Member: newsletter.Job{Kind: newsletter.JobLetter, Letter: l.ID}.ID()})
	})
}

// CancelLetter cancels a letter not yet sent: a scheduled or held one
// never goes out (a held one's parked sends are dropped), and a letter
// that is sending stops (sends still queued are dropped when claimed).
// ErrConflict for a letter already sent or cancelled (script
// cancelletter.lua).
func (s *Store) CancelLetter(ctx context.Context, id string) error {
	res, err := scriptCancelLetter.Run(ctx, s.rdb,
		[]string{s.letterKey(id), s.key("queue"), s.parkedKey(id), s.key("attempts")}, fanOutJob(id)).Text()
	if err != nil {
		return wrap("cancel letter", err)
	}
	return letterResult(id, res)
}

// whileIn runs change in a transaction that fails with ErrConflict unless
// the letter's status is one of allowed when it commits.
func (s *Store) whileIn(ctx context.Context, id string, allowed []newsletter.LetterStatus, change func(redis.Pipeliner)) error {
	k := s.letterKey(id)
	err := s.rdb.Watch(ctx, func(tx *redis.Tx) error {
		st, err := tx.HGet(ctx, k, "st").Result()
		if err == redis.Nil {
			return fmt.Errorf("letter %s: %w", id, newsletter.ErrNotFound)
		}
		if err != nil {
			return wrap("load letter", err)
		}
		if !slices.Contains(allowed, newsletter.LetterStatus(st)) {
			return fmt.Errorf("letter %s is %s: %w", id, st, newsletter.ErrConflict)
		}
		_, err = tx.TxPipelined(ctx, func(p redis.Pipeliner) error { change(p); return nil })
		return err
	}, k)
	if err == redis.TxFailedErr {
		return fmt.Errorf("letter %s changed meanwhile: %w", id, newsletter.ErrConflict)
	}
	return err
}

// ListLetters lists letters by send time, newest first.
func (s *Store) ListLetters(ctx context.Context, status newsletter.LetterStatus, limit int) ([]*newsletter.Letter, error) {
	ids, err := s.rdb.ZRevRange(ctx, s.key("letters"), 0, -1).Result()
	if err != nil {
		return nil, wrap("list letters", err)
	}
	cmds := make([]*redis.MapStringStringCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HGetAll(ctx, s.letterKey(id))
		}
		return nil
	})
	if err != nil {
		return nil, wrap("list letters", err)
	}
	var out []*newsletter.Letter
	for i, c := range cmds {
		l := decodeLetter(ids[i], c.Val())
		if status == "" || l.Status == status {
			out = append(out, l)
		}
		if limit > 0 && len(out) == limit {
			break
		}
	}
	return out, nil
}

// StartFanOut marks a letter sending and returns the subscribers confirmed
// at its send time. It never holds a letter: the worker calls
// StartLetter, which does.
func (s *Store) StartFanOut(ctx context.Context, id string) (*newsletter.Letter, []string, error) {
	return s.StartLetter(ctx, id, time.Now(), 0)
}

// recipients lists the subscribers confirmed at l's send time, without
// those still in a sequence when l.SkipInSequence.
func (s *Store) recipients(ctx context.Context, l *newsletter.Letter) ([]string, error) {
	ids, err := s.rdb.ZRangeByScore(ctx, s.statusKey(newsletter.StatusConfirmed), &redis.ZRangeBy{
		Min: "-inf", Max: strconv.FormatInt(l.SendAt.UnixMilli(), 10),
	}).Result()
	if err != nil {
		return nil, wrap("letter recipients", err)
	}
	if !l.SkipInSequence {
		return ids, nil
	}
	cmds := make([]*redis.FloatCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, sid := range ids {
			cmds[i] = p.ZScore(ctx, s.key("queue"), newsletter.Job{Kind: newsletter.JobDrip, Subscriber: sid}.ID())
		}
		return nil
	})
	if err != nil && err != redis.Nil {
		return nil, wrap("letter recipients", err)
	}
	kept := ids[:0]
	for i, c := range cmds {
		if c.Err() == redis.Nil {
			kept = append(kept, ids[i])
		}
	}
	return kept, nil
}

// FinishFanOut queues one send per recipient (ZADD NX: a second fan-out
// after a crash adds nothing twice), records the count and the fan-out
// time (from which the late-letter guard counts until the first send
// settles) and removes the fan-out job.
func (s *Store) FinishFanOut(ctx context.Context, id string, recipients []string, now time.Time) error {
	const chunk = 1000
	score := float64(now.UnixMilli())
	for start := 0; start < len(recipients); start += chunk {
		end := min(start+chunk, len(recipients))
		zs := make([]redis.Z, 0, end-start)
		for _, sid := range recipients[start:end] {
			zs = append(zs, redis.Z{Score: score, Member: newsletter.Job{Kind: newsletter.JobLetterSend, Letter: id, Subscriber: sid}.ID()})
		}
		if err := s.rdb.ZAddNX(ctx, s.key("queue"), zs...).Err(); err != nil {
			return wrap("fan out", err)
		}
	}
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.letterKey(id), "rc", len(recipients), "fo", ms(now))
		if len(recipients) == 0 {
			p.HSet(ctx, s.letterKey(id), "st", string(newsletter.LetterSent), "done", ms(now))
		}
		p.ZRem(ctx, s.key("queue"), newsletter.Job{Kind: newsletter.JobLetter, Letter: id}.ID())
		return nil
	})
	if err != nil {
		return wrap("fan out", err)
	}
	// Sends may all have settled before the count was known.
	l, err := s.Letter(ctx, id)
	if err != nil {
		return err
	}
	if l.Status == newsletter.LetterSending && l.Done() {
		err = s.rdb.HSet(ctx, s.letterKey(id), "st", string(newsletter.LetterSent), "done", ms(now)).Err()
	}
	return wrap("fan out", err)
}
