package redisstore

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// lane is the queue j waits in: "urgent" for the jobs workers take first
// (newsletter.Job.Urgent), "queue" for the rest. Both are sorted sets of
// job id -> due time (ms).
func (s *Store) lane(j newsletter.Job) string {
	if j.Urgent() {
		return s.key("urgent")
	}
	return s.key("queue")
}

// Schedule puts a job in its lane of the queue at due, moving it when
// present.
func (s *Store) Schedule(ctx context.Context, j newsletter.Job, due time.Time) error {
	z := redis.Z{Score: float64(due.UnixMilli()), Member: j.ID()}
	return wrap("schedule", s.rdb.ZAdd(ctx, s.lane(j), z).Err())
}

// Claim takes up to n jobs due at now, the urgent lane's first, and hides
// them until now+lease (script claim.lua). While sending is paused it
// takes only urgent jobs.
func (s *Store) Claim(ctx context.Context, now time.Time, lease time.Duration, n int) ([]newsletter.Job, error) {
	res, err := scriptClaim.Run(ctx, s.rdb, []string{s.key("urgent"), s.key("queue"), s.key("attempts"), s.key("sending")},
		now.UnixMilli(), now.Add(lease).UnixMilli(), n).StringSlice()
	if err != nil {
		return nil, wrap("claim", err)
	}
	jobs := make([]newsletter.Job, 0, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		j, err := newsletter.ParseJobID(res[i])
		if err != nil {
			// Not ours to run; remove it so it does not come back forever.
			s.rdb.ZRem(ctx, s.key("queue"), res[i])
			s.rdb.ZRem(ctx, s.key("urgent"), res[i])
			continue
		}
		j.Attempts, _ = strconv.Atoi(res[i+1])
		j.Due = now
		jobs = append(jobs, j)
	}
	return jobs, nil
}

// Extend moves the lease of jobs this worker holds to until, for each job
// that still sits where its lease put it (held[i] its lease end); it
// reports which it moved (script extend.lua).
func (s *Store) Extend(ctx context.Context, jobs []newsletter.Job, held []time.Time, until time.Time) ([]bool, error) {
	if len(jobs) == 0 {
		return nil, nil
	}
	keys := make([]string, len(jobs))
	args := make([]any, 0, 1+2*len(jobs))
	args = append(args, until.UnixMilli())
	for i, j := range jobs {
		keys[i] = s.lane(j)
		args = append(args, j.ID(), held[i].UnixMilli())
	}
	res, err := scriptExtend.Run(ctx, s.rdb, keys, args...).Int64Slice()
	if err != nil {
		return nil, wrap("extend leases", err)
	}
	out := make([]bool, len(jobs))
	for i := range out {
		out[i] = i < len(res) && res[i] == 1
	}
	return out, nil
}

// Replan moves a drip job to due after a sequence edit, unless it may be
// claimed by a worker right now (script replan.lua). It reports whether it
// moved the job.
func (s *Store) Replan(ctx context.Context, j newsletter.Job, due, now time.Time, lease time.Duration) (bool, error) {
	n, err := scriptReplan.Run(ctx, s.rdb, []string{s.key("queue")},
		j.ID(), due.UnixMilli(), now.UnixMilli(), now.Add(lease).UnixMilli()).Int()
	if err != nil {
		return false, wrap("replan", err)
	}
	return n == 1, nil
}

// Retry puts a claimed job back at due with one more attempt counted.
func (s *Store) Retry(ctx context.Context, j newsletter.Job, due time.Time) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HIncrBy(ctx, s.key("attempts"), j.ID(), 1)
		p.ZAdd(ctx, s.lane(j), redis.Z{Score: float64(due.UnixMilli()), Member: j.ID()})
		return nil
	})
	return wrap("retry", err)
}

// Drop removes a job.
func (s *Store) Drop(ctx context.Context, j newsletter.Job) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, s.lane(j), j.ID())
		p.HDel(ctx, s.key("attempts"), j.ID())
		return nil
	})
	return wrap("drop", err)
}

// Depth counts queued jobs in both lanes, and those due at now.
func (s *Store) Depth(ctx context.Context, now time.Time) (int64, int64, error) {
	var cmds []*redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, lane := range []string{s.key("urgent"), s.key("queue")} {
			cmds = append(cmds, p.ZCard(ctx, lane), p.ZCount(ctx, lane, "-inf", strconv.FormatInt(now.UnixMilli(), 10)))
		}
		return nil
	})
	if err != nil {
		return 0, 0, wrap("queue depth", err)
	}
	return cmds[0].Val() + cmds[2].Val(), cmds[1].Val() + cmds[3].Val(), nil
}

// Recorded reports whether key is in the subscriber's ledger.
func (s *Store) Recorded(ctx context.Context, subscriber, key string) (bool, error) {
	ok, err := s.rdb.HExists(ctx, s.ledgerKey(subscriber), key).Result()
	return ok, wrap("check ledger", err)
}

// Record settles a claimed job atomically (script record.lua).
func (s *Store) Record(ctx context.Context, o newsletter.Outcome) error {
	ledgerVal, at := "", time.Now()
	if o.Send != nil {
		v, err := encodeSend(o.Send)
		if err != nil {
			return err
		}
		ledgerVal, at = v, o.Send.SentAt
	}
	next := ""
	if !o.NextDue.IsZero() {
		next = ms(o.NextDue)
	}
	letter := s.letterKey(o.Job.Letter)
	keys := []string{s.subKey(o.Job.Subscriber), s.ledgerKey(o.Job.Subscriber), s.lane(o.Job), s.key("attempts"), letter,
		s.key("sending", "refused")}
	err := scriptRecord.Run(ctx, s.rdb, keys, o.LedgerKey, ledgerVal, o.Job.ID(), next, o.Step, ms(at), o.Counter).Err()
	return wrap("record", err)
}
