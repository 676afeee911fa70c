package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// Letters on Redis Cluster. A letter's hash lives under the global tag,
// but its sends are settled in the partitions of their subscribers
// (record.lua), which count them in the letter's shadow there (see
// partition.go): sent, failed, skipped, pg (last progress), and rc, the
// partition's share of the recipients. Reading a letter adds the shadows
// up; the last send of a partition looks at the whole letter
// (finishLetter). On one Redis the shadow is the letter's hash itself and
// none of this runs.

var scriptMirrorLetter = loadScript("mirrorletter")

// shadowFields are the fields a shadow adds to its letter.
var shadowFields = []string{"sent", "failed", "skipped", "pg"}

// withShadows adds the counts of letter id's shadows into h, the letter's
// hash (on a cluster; on one Redis h holds them already).
func (s *Store) withShadows(ctx context.Context, ids []string, hs []map[string]string) error {
	if !s.sharded() || len(ids) == 0 {
		return nil
	}
	cmds := make([][]*redis.SliceCmd, len(ids))
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = make([]*redis.SliceCmd, s.partitions())
			for part := range s.partitions() {
				cmds[i][part] = p.HMGet(ctx, s.shadowKey(part, id), shadowFields...)
			}
		}
		return nil
	})
	if err != nil {
		return wrap("load letter counts", err)
	}
	for i := range ids {
		var sums [3]int64
		var pg int64
		for _, c := range cmds[i] {
			for k, v := range c.Val() {
				str, _ := v.(string)
				n, _ := strconv.ParseInt(str, 10, 64)
				if k < 3 {
					sums[k] += n
				} else {
					pg = max(pg, n)
				}
			}
		}
		h := hs[i]
		if h == nil {
			continue
		}
		for k := range 3 {
			h[shadowFields[k]] = strconv.FormatInt(sums[k], 10)
		}
		if pg > 0 {
			h["pg"] = strconv.FormatInt(pg, 10)
		}
	}
	return nil
}

// shadowTotals are the settled sends and last progress of letter id
// summed over its shadows, as holdletter.lua and releaseletter.lua take
// them: "" and "" on one Redis, where the scripts read the letter's hash.
func (s *Store) shadowTotals(ctx context.Context, id string) (done, progress string, err error) {
	if !s.sharded() {
		return "", "", nil
	}
	h := map[string]string{}
	if err := s.withShadows(ctx, []string{id}, []map[string]string{h}); err != nil {
		return "", "", err
	}
	n := 0
	for _, f := range shadowFields[:3] {
		v, _ := strconv.Atoi(h[f])
		n += v
	}
	return strconv.Itoa(n), h["pg"], nil
}

// mirror sets the status of letter id in every partition's shadow, and
// releases ("release") or drops ("cancel") the sends parked there (script
// mirrorletter.lua); nothing on one Redis.
func (s *Store) mirror(ctx context.Context, id string, st newsletter.LetterStatus, now time.Time, mode string) error {
	if !s.sharded() {
		return nil
	}
	for p := range s.partitions() {
		keys := []string{s.shadowKey(p, id), s.pkey(p, "queue"), s.parkedIn(p, id), s.pkey(p, "attempts")}
		if err := scriptMirrorLetter.Run(ctx, s.rdb, keys, string(st), now.UnixMilli(), mode).Err(); err != nil {
			return wrap("mirror letter", err)
		}
	}
	return nil
}

// fanOutShadows queues the sends of letter id in the partitions of their
// subscribers, and gives each partition's shadow its share of the
// recipients and, unless it was held or cancelled meanwhile, the status
// sending. On one Redis it queues them only (the letter's hash is written
// by the caller).
func (s *Store) fanOutShadows(ctx context.Context, id string, recipients []string, now time.Time) error {
	const chunk = 1000
	score := float64(now.UnixMilli())
	byPart := make([][]redis.Z, s.partitions())
	for _, sid := range recipients {
		p := s.idPartition(sid)
		byPart[p] = append(byPart[p], redis.Z{Score: score,
			Member: newsletter.Job{Kind: newsletter.JobLetterSend, Letter: id, Subscriber: sid}.ID()})
	}
	for p, zs := range byPart {
		for start := 0; start < len(zs); start += chunk {
			if err := s.rdb.ZAddNX(ctx, s.pkey(p, "queue"), zs[start:min(start+chunk, len(zs))]...).Err(); err != nil {
				return wrap("fan out", err)
			}
		}
		if err := s.shadowFannedOut(ctx, p, id, len(zs)); err != nil {
			return err
		}
	}
	return nil
}

// shadowFannedOut gives letter id's shadow in partition p its n
// recipients and, unless it was held or cancelled meanwhile, the status
// sending (on a cluster; on one Redis the caller writes the letter).
func (s *Store) shadowFannedOut(ctx context.Context, p int, id string, n int) error {
	if !s.sharded() {
		return nil
	}
	_, err := s.rdb.Pipelined(ctx, func(pl redis.Pipeliner) error {
		pl.HSet(ctx, s.shadowKey(p, id), "rc", n)
		pl.HSetNX(ctx, s.shadowKey(p, id), "st", string(newsletter.LetterSending))
		return nil
	})
	return wrap("fan out", err)
}

// finishLetter marks letter id sent when it is sending and every send is
// settled: on a cluster, after the last send of a partition settled.
func (s *Store) finishLetter(ctx context.Context, id string, now time.Time) error {
	l, err := s.Letter(ctx, id)
	if err != nil || l.Status != newsletter.LetterSending || !l.Done() {
		return err
	}
	err = s.whileIn(ctx, id, []newsletter.LetterStatus{newsletter.LetterSending}, func(p redis.Pipeliner) {
		p.HSet(ctx, s.letterKey(id), "st", string(newsletter.LetterSent), "done", ms(now))
	})
	if err != nil {
		return err
	}
	return s.mirror(ctx, id, newsletter.LetterSent, now, "")
}

// parkedIn is the set of letter id's sends parked in partition p.
func (s *Store) parkedIn(p int, id string) string { return s.pkey(p, "parked", id) }
