package redisstore

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// The stats hash, under the prefix, holds counts only, never a person:
//
//	stats  hash  dl                      -> guide downloads
//	             sent:<seq>/<step>       -> mails of that step sent
//	             left:step:<seq>/<step>  -> readers who unsubscribed
//	                                        within LeftWithin after it
//	             left:letter:<id>        -> the same for a letter
//	             ucur                    -> ms: unsubscribes up to here
//	                                        are tallied (tallyunsub.lua)
//
// A letter's sends are its own hash's "sent" counter; signups are the
// signups hash; statuses are the sizes of the status sets.

// LeftWithin is how soon after a mail an unsubscribe counts against it.
const LeftWithin = 7 * 24 * time.Hour

var scriptTallyUnsub = loadScript("tallyunsub")

// statsKey is the stats hash of partition p; Counters adds them up.
func (s *Store) statsKey(p int) string { return s.pkey(p, "stats") }

// CountDownload counts one download of a guide.
func (s *Store) CountDownload(ctx context.Context) error {
	return wrap("count download", s.rdb.HIncrBy(ctx, s.statsKey(0), "dl", 1).Err())
}

// CountStepSent counts step of sequence as sent when the subscriber's
// ledger holds key with a send at or after since: the send of the attempt
// that began at since, not one recorded before it.
func (s *Store) CountStepSent(ctx context.Context, subscriber, key, sequence, step string, since time.Time) error {
	v, err := s.rdb.HGet(ctx, s.ledgerKey(subscriber), key).Result()
	if err == redis.Nil {
		return nil
	}
	if err != nil {
		return wrap("count step sent", err)
	}
	sd, ok := decodeSend(v)
	if !ok || sd.SentAt.UnixMilli() < since.UnixMilli() {
		return nil
	}
	return wrap("count step sent", s.rdb.HIncrBy(ctx, s.statsKey(s.idPartition(subscriber)), "sent:"+sequence+"/"+step, 1).Err())
}

// TallyUnsubscribes counts, for the unsubscribes up to upto not yet
// tallied (at most limit of them, a few more when they share a time),
// every step and letter the reader was sent within LeftWithin before
// leaving, read from their ledger. It returns how many unsubscribes it
// took. An unsubscribe is taken once, however many processes tally; one
// erased before it was tallied counts for nothing.
func (s *Store) TallyUnsubscribes(ctx context.Context, upto time.Time, limit int) (int, error) {
	took := 0
	for p := range s.partitions() {
		n, err := s.tallyUnsubscribes(ctx, p, upto, limit)
		if took += n; err != nil {
			return took, err
		}
	}
	return took, nil
}

// tallyUnsubscribes is TallyUnsubscribes in partition p.
func (s *Store) tallyUnsubscribes(ctx context.Context, part int, upto time.Time, limit int) (int, error) {
	res, err := scriptTallyUnsub.Run(ctx, s.rdb, []string{s.statusKey(part, newsletter.StatusUnsubscribed), s.statsKey(part)},
		ms(upto), limit).StringSlice()
	if err != nil {
		return 0, wrap("tally unsubscribes", err)
	}
	n := len(res) / 2
	if n == 0 {
		return 0, nil
	}
	ledgers := make([]*redis.MapStringStringCmd, n)
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i := range n {
			ledgers[i] = p.HGetAll(ctx, s.ledgerKey(res[2*i]))
		}
		return nil
	})
	if err != nil && err != redis.Nil {
		return 0, wrap("tally unsubscribes", err)
	}
	counts := map[string]int64{}
	for i, c := range ledgers {
		leftMS, _ := strconv.ParseFloat(res[2*i+1], 64)
		left := time.UnixMilli(int64(leftMS))
		for key, v := range c.Val() {
			field, ok := leftField(key)
			if !ok {
				continue
			}
			if sd, ok := decodeSend(v); ok && !sd.SentAt.After(left) && left.Sub(sd.SentAt) <= LeftWithin {
				counts[field]++
			}
		}
	}
	if len(counts) == 0 {
		return n, nil
	}
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for field, k := range counts {
			p.HIncrBy(ctx, s.statsKey(part), field, k)
		}
		return nil
	})
	return n, wrap("tally unsubscribes", err)
}

// leftField is the stats field that counts leaving after the mail of a
// ledger key: "left:step:<seq>/<step>" for "step:<seq>/<step>@<n>",
// "left:letter:<id>" for "letter:<id>"; false for any other mail.
func leftField(ledgerKey string) (string, bool) {
	switch {
	case strings.HasPrefix(ledgerKey, "step:"):
		i := strings.LastIndexByte(ledgerKey, '@')
		if i < 0 {
			return "", false
		}
		return "left:" + ledgerKey[:i], true
	case strings.HasPrefix(ledgerKey, "letter:"):
		return "left:" + ledgerKey, true
	}
	return "", false
}

// Counters reads every count in two round trips, without reading any
// subscriber: the stats hash, the signups hash (one field per quarter
// hour with signups), the size of each status set and, for each letter,
// its status and sent counter.
func (s *Store) Counters(ctx context.Context) (*newsletter.Counters, error) {
	parts := s.partitions()
	stats, signups := make([]*redis.MapStringStringCmd, parts), make([]*redis.MapStringStringCmd, parts)
	var letters *redis.StringSliceCmd
	sets := s.statusSets("") // by partition, then by status
	statuses := make([]*redis.IntCmd, len(sets))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for part := range parts {
			stats[part] = p.HGetAll(ctx, s.statsKey(part))
			signups[part] = p.HGetAll(ctx, s.pkey(part, "signups"))
		}
		letters = p.ZRange(ctx, s.key("letters"), 0, -1)
		for i, set := range sets {
			statuses[i] = p.ZCard(ctx, set)
		}
		return nil
	})
	if err != nil {
		return nil, wrap("read counters", err)
	}
	c := &newsletter.Counters{Statuses: map[newsletter.Status]int{}, StepSent: map[string]int{}, StepLeft: map[string]int{}}
	for i, n := range statuses {
		c.Statuses[newsletter.Statuses[i%len(newsletter.Statuses)]] += int(n.Val())
	}
	total := map[string]int{}
	for part := range parts {
		for _, v := range signups[part].Val() {
			n, _ := strconv.Atoi(v)
			c.Signups += n
		}
		for field, v := range stats[part].Val() {
			n, _ := strconv.Atoi(v)
			total[field] += n
		}
	}
	letterLeft := map[string]int{}
	for field, n := range total {
		switch {
		case field == "dl":
			c.Downloads = n
		case strings.HasPrefix(field, "sent:"):
			c.StepSent[strings.TrimPrefix(field, "sent:")] = n
		case strings.HasPrefix(field, "left:step:"):
			c.StepLeft[strings.TrimPrefix(field, "left:step:")] = n
		case strings.HasPrefix(field, "left:letter:"):
			letterLeft[strings.TrimPrefix(field, "left:letter:")] = n
		}
	}
	ids := letters.Val()
	fields := make([]*redis.SliceCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			fields[i] = p.HMGet(ctx, s.letterKey(id), "st", "sent")
		}
		return nil
	})
	if err != nil {
		return nil, wrap("read counters", err)
	}
	hs := make([]map[string]string, len(ids))
	for i, f := range fields {
		st, _ := f.Val()[0].(string)
		sent, _ := f.Val()[1].(string)
		hs[i] = map[string]string{"st": st, "sent": sent}
	}
	if err := s.withShadows(ctx, ids, hs); err != nil {
		return nil, err
	}
	for i, h := range hs {
		st := h["st"]
		sent, _ := strconv.Atoi(h["sent"])
		status := newsletter.LetterStatus(st)
		if sent == 0 && letterLeft[ids[i]] == 0 && status != newsletter.LetterSending && status != newsletter.LetterSent {
			continue // not gone out (yet): scheduled, held before it started, cancelled
		}
		c.Letters = append(c.Letters, newsletter.LetterCount{ID: ids[i], Sent: sent, Left: letterLeft[ids[i]]})
	}
	return c, nil
}
