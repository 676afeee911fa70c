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
	p := s.jobPartition(j.Subscriber)
	if j.Urgent() {
		return s.qkey(p, "urgent")
	}
	return s.qkey(p, "queue")
}

// attempts is the hash of failed tries of the jobs of j's partition.
func (s *Store) attempts(j newsletter.Job) string {
	return s.qkey(s.jobPartition(j.Subscriber), "attempts")
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
//
// On a cluster it claims from the partitions' queues in turn, starting
// one further on each call, until it has n jobs or has asked them all.
func (s *Store) Claim(ctx context.Context, now time.Time, lease time.Duration, n int) ([]newsletter.Job, error) {
	var jobs []newsletter.Job
	err := s.inTurn(n, func(p, left int) (int, error) {
		got, err := s.claimIn(ctx, p, now, lease, left)
		jobs = append(jobs, got...)
		return len(got), err
	})
	return jobs, err
}

// inTurn asks claim for up to n jobs from the queues of the partitions in
// turn (starting one further on each call, so that no partition waits
// behind the others), each time for what is still wanted, until n are
// had or every queue was asked. claim returns how many it took.
func (s *Store) inTurn(n int, claim func(p, left int) (int, error)) error {
	parts := s.queueParts()
	first := int(s.claimTurn.Add(1)) % len(parts)
	had := 0
	for k := range parts {
		if had >= n {
			break
		}
		got, err := claim(parts[(first+k)%len(parts)], n-had)
		if err != nil {
			return err
		}
		had += got
	}
	return nil
}

// claimIn is Claim on the queue of partition p (-1: the global queue).
func (s *Store) claimIn(ctx context.Context, p int, now time.Time, lease time.Duration, n int) ([]newsletter.Job, error) {
	res, err := scriptClaim.Run(ctx, s.rdb, []string{s.qkey(p, "urgent"), s.qkey(p, "queue"), s.qkey(p, "attempts"), s.qkey(p, "sending")},
		now.UnixMilli(), now.Add(lease).UnixMilli(), n).StringSlice()
	if err != nil {
		return nil, wrap("claim", err)
	}
	jobs := make([]newsletter.Job, 0, len(res)/2)
	for i := 0; i+1 < len(res); i += 2 {
		j, err := newsletter.ParseJobID(res[i])
		if err != nil {
			// Not ours to run; remove it so it does not come back forever.
			s.rdb.ZRem(ctx, s.qkey(p, "queue"), res[i])
			s.rdb.ZRem(ctx, s.qkey(p, "urgent"), res[i])
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
	// One script call per partition: its keys must share a slot.
	byPart := map[int][]int{}
	for i, j := range jobs {
		p := s.jobPartition(j.Subscriber)
		byPart[p] = append(byPart[p], i)
	}
	out := make([]bool, len(jobs))
	for _, idx := range byPart {
		keys := make([]string, len(idx))
		args := make([]any, 0, 1+2*len(idx))
		args = append(args, until.UnixMilli())
		for k, i := range idx {
			keys[k] = s.lane(jobs[i])
			args = append(args, jobs[i].ID(), held[i].UnixMilli())
		}
		res, err := scriptExtend.Run(ctx, s.rdb, keys, args...).Int64Slice()
		if err != nil {
			return nil, wrap("extend leases", err)
		}
		for k, i := range idx {
			out[i] = k < len(res) && res[k] == 1
		}
	}
	return out, nil
}

// Replan moves a drip job to due after a sequence edit, unless it may be
// claimed by a worker right now (script replan.lua). It reports whether it
// moved the job.
func (s *Store) Replan(ctx context.Context, j newsletter.Job, due, now time.Time, lease time.Duration) (bool, error) {
	n, err := scriptReplan.Run(ctx, s.rdb, []string{s.lane(j)},
		j.ID(), due.UnixMilli(), now.UnixMilli(), now.Add(lease).UnixMilli()).Int()
	if err != nil {
		return false, wrap("replan", err)
	}
	return n == 1, nil
}

// Retry puts a claimed job back at due with one more attempt counted.
func (s *Store) Retry(ctx context.Context, j newsletter.Job, due time.Time) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.HIncrBy(ctx, s.attempts(j), j.ID(), 1)
		p.ZAdd(ctx, s.lane(j), redis.Z{Score: float64(due.UnixMilli()), Member: j.ID()})
		return nil
	})
	return wrap("retry", err)
}

// Drop removes a job.
func (s *Store) Drop(ctx context.Context, j newsletter.Job) error {
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, s.lane(j), j.ID())
		p.HDel(ctx, s.attempts(j), j.ID())
		return nil
	})
	return wrap("drop", err)
}

// Depth counts queued jobs in both lanes, and those due at now.
func (s *Store) Depth(ctx context.Context, now time.Time) (int64, int64, error) {
	var cmds []*redis.IntCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, part := range s.queueParts() {
			for _, lane := range []string{s.qkey(part, "urgent"), s.qkey(part, "queue")} {
				cmds = append(cmds, p.ZCard(ctx, lane), p.ZCount(ctx, lane, "-inf", strconv.FormatInt(now.UnixMilli(), 10)))
			}
		}
		return nil
	})
	if err != nil {
		return 0, 0, wrap("queue depth", err)
	}
	var all, due int64
	for i := 0; i+1 < len(cmds); i += 2 {
		all, due = all+cmds[i].Val(), due+cmds[i+1].Val()
	}
	return all, due, nil
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
	p := s.idPartition(o.Job.Subscriber)
	keys := []string{s.subKey(o.Job.Subscriber), s.ledgerKey(o.Job.Subscriber), s.lane(o.Job), s.attempts(o.Job),
		s.shadowKey(p, o.Job.Letter), s.pkey(p, "sending", "refused")}
	n, err := scriptRecord.Run(ctx, s.rdb, keys, o.LedgerKey, ledgerVal, o.Job.ID(), next, o.Step, ms(at), o.Counter).Int()
	if err != nil {
		return wrap("record", err)
	}
	if n&2 != 0 && s.sharded() {
		// The partition's last send of the letter: is the letter done?
		return s.finishLetter(ctx, o.Job.Letter, at)
	}
	return nil
}
