package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// Sends in batches: the worker claims jobs with what each letter send
// must read (ClaimSends, script claimsends.lua) and settles the sends the
// SMTP server accepted many at a time (SettleSent, script settle.lua), so
// that a letter costs Redis a few commands per batch and about three per
// mail (`go run ./bench -only send`, BENCHMARKS.md).

var (
	scriptClaimSends = loadScript("claimsends")
	scriptSettle     = loadScript("settle")
)

// neverClaimed is what a letter's first fan-out takes off the score (ms)
// of the sends it queues: no other writer of the queue leaves a fraction,
// so the fraction .5 tells claimsends.lua that the send was never claimed
// and cannot be in the ledger (see FanOutLetter).
const neverClaimed = 0.5

// letterLedgerPrefix is a letter's ledger key without its id.
var letterLedgerPrefix = newsletter.LetterLedgerKey("")

// partPrefix is the prefix of partition p's keys (the global keys' for
// p = -1): claimsends.lua and settle.lua append "sub:<id>" and the like.
func (s *Store) partPrefix(p int) string {
	if p < 0 {
		return s.prefix + s.tag
	}
	return s.prefix + s.parts[p]
}

// ClaimSends is Claim that also reads, in the same script call, what each
// letter send it takes must see before its mail goes out: recipients[i]
// belongs to jobs[i], nil for a job that is no letter send.
func (s *Store) ClaimSends(ctx context.Context, now time.Time, lease time.Duration, n int) ([]newsletter.Job, []*newsletter.Recipient, error) {
	var jobs []newsletter.Job
	var recips []*newsletter.Recipient
	err := s.inTurn(n, func(p, left int) (int, error) {
		j, r, err := s.claimSendsIn(ctx, p, now, lease, left)
		jobs, recips = append(jobs, j...), append(recips, r...)
		return len(j), err
	})
	return jobs, recips, err
}

// claimSendsIn is ClaimSends on the queue of partition p (-1: the global
// queue).
func (s *Store) claimSendsIn(ctx context.Context, p int, now time.Time, lease time.Duration, n int) ([]newsletter.Job, []*newsletter.Recipient, error) {
	keys := []string{s.qkey(p, "urgent"), s.qkey(p, "queue"), s.qkey(p, "attempts"), s.qkey(p, "sending")}
	res, err := scriptClaimSends.Run(ctx, s.rdb, keys, now.UnixMilli(), now.Add(lease).UnixMilli(), n,
		s.partPrefix(p), letterLedgerPrefix).Slice()
	if err != nil {
		return nil, nil, wrap("claim", err)
	}
	jobs := make([]newsletter.Job, 0, len(res))
	recips := make([]*newsletter.Recipient, 0, len(res))
	for _, r := range res {
		row, _ := r.([]any)
		if len(row) < 2 {
			return jobs, recips, fmt.Errorf("claim: unexpected answer %v", r)
		}
		id, _ := row[0].(string)
		j, err := newsletter.ParseJobID(id)
		if err != nil {
			// Not ours to run; remove it so it does not come back forever.
			s.rdb.ZRem(ctx, s.qkey(p, "queue"), id)
			s.rdb.ZRem(ctx, s.qkey(p, "urgent"), id)
			continue
		}
		tries, _ := row[1].(string)
		j.Attempts, _ = strconv.Atoi(tries)
		j.Due = now
		var rc *newsletter.Recipient
		if len(row) == 5 && j.Kind == newsletter.JobLetterSend {
			st, _ := row[2].(string)
			recorded, _ := row[3].(int64)
			rc = &newsletter.Recipient{Letter: newsletter.LetterStatus(st), Recorded: recorded == 1}
			if flat, _ := row[4].([]any); len(flat) > 0 {
				h := make(map[string]string, len(flat)/2)
				for i := 0; i+1 < len(flat); i += 2 {
					k, _ := flat[i].(string)
					v, _ := flat[i+1].(string)
					h[k] = v
				}
				if rc.Subscriber, err = s.withConsent(ctx, decode(j.Subscriber, h)); err != nil {
					return jobs, recips, err
				}
			}
		}
		jobs, recips = append(jobs, j), append(recips, rc)
	}
	return jobs, recips, nil
}

// SettleSent records letter sends whose mails the SMTP server accepted
// (each outcome with LedgerKey, Send and Counter "sent"), as Record does
// for one, with one script call per partition (settle.lua). It may be
// called again with the same outcomes after a failure: a ledger entry
// already written counts nothing twice.
func (s *Store) SettleSent(ctx context.Context, outs []newsletter.Outcome) error {
	byPart := map[int][]any{}
	tried := map[int]bool{}
	var now time.Time // the latest send: the letters' progress, as Record
	for _, o := range outs {
		if o.Job.Kind != newsletter.JobLetterSend || o.Send == nil || o.LedgerKey == "" {
			return fmt.Errorf("settle %s: not an accepted letter send", o.Job.ID())
		}
		v, err := encodeSend(o.Send)
		if err != nil {
			return err
		}
		p := s.idPartition(o.Job.Subscriber)
		byPart[p] = append(byPart[p], o.Job.ID(), o.Job.Subscriber, o.Job.Letter, o.LedgerKey, v)
		tried[p] = tried[p] || o.Job.Attempts > 0
		if o.Send.SentAt.After(now) {
			now = o.Send.SentAt
		}
	}
	for p, sends := range byPart {
		attempts := "0"
		if tried[p] {
			attempts = "1"
		}
		args := append([]any{now.UnixMilli(), s.partPrefix(p), attempts}, sends...)
		keys := []string{s.pkey(p, "queue"), s.pkey(p, "attempts"), s.pkey(p, "sending", "refused")}
		res, err := scriptSettle.Run(ctx, s.rdb, keys, args...).Slice()
		if err != nil {
			return wrap("settle sends", err)
		}
		if len(res) != 2 {
			return fmt.Errorf("settle sends: unexpected answer %v", res)
		}
		finished, _ := res[1].([]any)
		if !s.sharded() {
			continue
		}
		for _, f := range finished {
			if id, _ := f.(string); id != "" {
				// The partition's last send of the letter: is the letter done?
				if err := s.finishLetter(ctx, id, now); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
