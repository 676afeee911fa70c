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

// CreateLetter stores l with a new id. A draft (l.Status LetterDrafted)
// is only kept (see letters_draft.go); any other letter is scheduled: its
// fan-out is queued at SendAt. The late-letter guard counts from the later
// of SendAt and l.ScheduledAt (l.CreatedAt when zero).
func (s *Store) CreateLetter(ctx context.Context, l *newsletter.Letter) (string, error) {
	id := newID()
	if l.Status == newsletter.LetterDrafted {
		return id, s.createDraft(ctx, id, l)
	}
	scheduled := l.ScheduledAt
	if scheduled.IsZero() {
		scheduled = l.CreatedAt
	}
	// Durable: once answered 201, the schedule survives a failover.
	err := s.durable(ctx, s.letterKey(id), func(c redis.Cmdable) error {
		_, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.HSet(ctx, s.letterKey(id), letterContent(l)...)
			p.HSet(ctx, s.letterKey(id), "at", ms(l.SendAt), "st", string(newsletter.LetterScheduled),
				"c", ms(l.CreatedAt), "sch", ms(scheduled), "rc", "-1")
			p.ZAdd(ctx, s.key("letters"), redis.Z{Score: float64(l.SendAt.UnixMilli()), Member: id})
			p.ZAdd(ctx, s.key("queue"), redis.Z{Score: float64(l.SendAt.UnixMilli()), Member: newsletter.Job{Kind: newsletter.JobLetter, Letter: id}.ID()})
			return nil
		})
		return wrap("create letter", err)
	})
	if err != nil {
		return "", err
	}
	return id, nil
}

// letterContent is what the author writes of a letter, as the field/value
// pairs of its hash: sub (subject), md (Markdown), ph (preheader), ul
// ("1": unlisted, kept off the archive; absent in letters stored before
// it was kept, which are listed) and sk (skip readers in a sequence).
func letterContent(l *newsletter.Letter) []any {
	return []any{"sub", l.Subject, "md", l.Markdown, "ph", l.Preheader, "ul", flag(l.Unlisted), "sk", flag(l.SkipInSequence)}
}

// flag is a bool as a hash field: "1" or "0".
func flag(b bool) string {
	if b {
		return "1"
	}
	return "0"
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
	if err := s.withShadows(ctx, []string{id}, []map[string]string{h}); err != nil {
		return nil, err
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
		ID: id, Subject: h["sub"], Markdown: h["md"], Preheader: h["ph"], SendAt: fromMS(h["at"]),
		Status: newsletter.LetterStatus(h["st"]), Unlisted: h["ul"] == "1", SkipInSequence: h["sk"] == "1",
		CreatedAt: fromMS(h["c"]), EditedAt: fromMS(h["ed"]), Recipients: rc,
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

// UpdateLetter changes what the author wrote of a draft or a scheduled
// letter. With l.Status LetterDrafted it saves a draft, which stays one
// (ErrConflict for any other letter). Otherwise it sets the send time too
// and the letter is (or stays) scheduled: a draft becomes a scheduled
// letter, its fan-out queued at SendAt exactly as CreateLetter queues it.
// When l.ScheduledAt is set it becomes the moment the letter counts as
// scheduled (see CreateLetter).
func (s *Store) UpdateLetter(ctx context.Context, l *newsletter.Letter) error {
	if l.Status == newsletter.LetterDrafted {
		return s.saveDraft(ctx, l)
	}
	return s.whileIn(ctx, l.ID, []newsletter.LetterStatus{newsletter.LetterDrafted, newsletter.LetterScheduled}, func(p redis.Pipeliner) {
		p.HSet(ctx, s.letterKey(l.ID), letterContent(l)...)
		p.HSet(ctx, s.letterKey(l.ID), "at", ms(l.SendAt), "st", string(newsletter.LetterScheduled))
		if !l.ScheduledAt.IsZero() {
			p.HSet(ctx, s.letterKey(l.ID), "sch", ms(l.ScheduledAt))
		}
		p.ZRem(ctx, s.key("drafts"), l.ID)
		p.ZAdd(ctx, s.key("letters"), redis.Z{Score: float64(l.SendAt.UnixMilli()), Member: l.ID})
		p.ZAdd(ctx, s.key("queue"), redis.Z{Score: float64(l.SendAt.UnixMilli()), Member: newsletter.Job{Kind: newsletter.JobLetter, Letter: l.ID}.ID()})
	})
}

// CancelLetter cancels a letter not yet sent: a scheduled or held one
// never goes out (a held one's parked sends are dropped), and a letter
// that is sending stops (sends still queued are dropped when claimed). A
// draft is deleted: Letter then finds no letter. ErrConflict for a letter
// already sent or cancelled (script cancelletter.lua).
func (s *Store) CancelLetter(ctx context.Context, id string) error {
	was := ""
	if s.sharded() {
		v, err := s.rdb.HGet(ctx, s.letterKey(id), "st").Result()
		if err != nil && err != redis.Nil {
			return wrap("cancel letter", err)
		}
		was = v
	}
	res, err := scriptCancelLetter.Run(ctx, s.rdb,
		[]string{s.letterKey(id), s.key("queue"), s.parkedKey(id), s.key("attempts"), s.key("drafts")}, fanOutJob(id), id).Text()
	if err != nil {
		return wrap("cancel letter", err)
	}
	if res == "ok" && was != "" && was != string(newsletter.LetterDrafted) {
		if err := s.mirror(ctx, id, newsletter.LetterCancelled, time.Now(), "cancel"); err != nil {
			return err
		}
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

// ListLetters lists the drafts, the last saved first, then the other
// letters by send time, newest first; status filters when non-empty.
func (s *Store) ListLetters(ctx context.Context, status newsletter.LetterStatus, limit int) ([]*newsletter.Letter, error) {
	// One transaction reads both indexes, so that a draft scheduled
	// meanwhile is listed once.
	var drafts, letters *redis.StringSliceCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if status == "" || status == newsletter.LetterDrafted {
			drafts = p.ZRevRange(ctx, s.key("drafts"), 0, -1)
		}
		if status != newsletter.LetterDrafted {
			letters = p.ZRevRange(ctx, s.key("letters"), 0, -1)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("list letters", err)
	}
	var ids []string
	for _, c := range []*redis.StringSliceCmd{drafts, letters} {
		if c != nil {
			ids = append(ids, c.Val()...)
		}
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
	hs := make([]map[string]string, len(cmds))
	for i, c := range cmds {
		if len(c.Val()) > 0 {
			hs[i] = c.Val()
		}
	}
	if err := s.withShadows(ctx, ids, hs); err != nil {
		return nil, err
	}
	var out []*newsletter.Letter
	for i, h := range hs {
		if h == nil {
			continue // deleted (a draft) since the index was read
		}
		l := decodeLetter(ids[i], h)
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
	var ids []string
	for p := range s.partitions() {
		got, err := s.rdb.ZRangeByScore(ctx, s.statusKey(p, newsletter.StatusConfirmed), &redis.ZRangeBy{
			Min: "-inf", Max: strconv.FormatInt(l.SendAt.UnixMilli(), 10),
		}).Result()
		if err != nil {
			return nil, wrap("letter recipients", err)
		}
		if got, err = s.keepOutOfSequence(ctx, l, p, got); err != nil {
			return nil, err
		}
		ids = append(ids, got...)
	}
	return ids, nil
}

// FinishFanOut queues one send per recipient (ZADD NX: a second fan-out
// after a crash adds nothing twice), records the count and the fan-out
// time (from which the late-letter guard counts until the first send
// settles) and removes the fan-out job.
func (s *Store) FinishFanOut(ctx context.Context, id string, recipients []string, now time.Time) error {
	if err := s.fanOutShadows(ctx, id, recipients, now); err != nil {
		return err
	}
	return s.fannedOut(ctx, id, len(recipients), now)
}

// fannedOut records that letter id's n sends are queued: the count, the
// fan-out time, and the fan-out job gone.
func (s *Store) fannedOut(ctx context.Context, id string, n int, now time.Time) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HSet(ctx, s.letterKey(id), "rc", n, "fo", ms(now))
		if n == 0 {
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
		return s.finishLetter(ctx, id, now)
	}
	return nil
}
