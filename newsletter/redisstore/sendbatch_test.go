package redisstore_test

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/redistest"
	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// TestClaimSendsAndSettleSent runs a letter through the batched send path
// (claimsends.lua, settle.lua) on one Redis and on a three-master
// cluster, where the sends lie in many partitions.
func TestClaimSendsAndSettleSent(t *testing.T) {
	t.Run("one redis", func(t *testing.T) {
		rdb, prefix := testkit.Redis(t)
		batchSends(t, redisstore.New(rdb, prefix))
	})
	t.Run("cluster", func(t *testing.T) {
		batchSends(t, redisstore.New(redistest.Cluster(t).Client(t), "b:"))
	})
}

func batchSends(t *testing.T, s *redisstore.Store) {
	ctx := context.Background()
	const n = 24
	ids := make([]string, n)
	byID := map[string]int{}
	for i := range ids {
		sub := pending(fmt.Sprintf("batch%d@example.org", i), t0)
		sub.Status, sub.Sequence = newsletter.StatusConfirmed, ""
		id, _, err := s.CreateSubscriber(ctx, sub, t0)
		if err != nil {
			t.Fatal(err)
		}
		ids[i], byID[id] = id, i
	}
	letter, err := s.CreateLetter(ctx, &newsletter.Letter{Subject: "Batched", Markdown: "Hello", SendAt: t0, CreatedAt: t0, ScheduledAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if _, got, err := s.FanOutLetter(ctx, letter, t0, 0); err != nil || got != n {
		t.Fatalf("fan out: %d recipients, %v", got, err)
	}
	if err := s.Erase(ctx, ids[0]); err != nil { // gone before the claim
		t.Fatal(err)
	}

	// Claimed a few at a time, each send with what it must read.
	var jobs []newsletter.Job
	for {
		got, recips, err := s.ClaimSends(ctx, t0, time.Minute, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 {
			break
		}
		if len(got) > 5 || len(recips) != len(got) {
			t.Fatalf("claimed %d jobs with %d recipients, asked for 5", len(got), len(recips))
		}
		for i, j := range got {
			r := recips[i]
			if j.Kind != newsletter.JobLetterSend || r == nil || r.Letter != newsletter.LetterSending || r.Recorded {
				t.Fatalf("claimed %s with %+v; want a send of a sending letter, not yet recorded", j.ID(), r)
			}
			k := byID[j.Subscriber]
			switch {
			case k == 0 && r.Subscriber != nil:
				t.Errorf("the erased subscriber reads as %+v", r.Subscriber)
			case k != 0 && (r.Subscriber == nil || r.Subscriber.Email != fmt.Sprintf("batch%d@example.org", k) ||
				r.Subscriber.Status != newsletter.StatusConfirmed || r.Subscriber.Consent.Text == ""):
				t.Errorf("subscriber %d reads as %+v", k, r.Subscriber)
			}
		}
		jobs = append(jobs, got...)
	}
	if len(jobs) != n {
		t.Fatalf("claimed %d sends, want %d", len(jobs), n)
	}
	if again, _, err := s.ClaimSends(ctx, t0.Add(59*time.Second), time.Minute, 100); err != nil || len(again) != 0 {
		t.Fatalf("within the lease a claim took %d jobs (%v)", len(again), err)
	}

	// A refusal counted before: the sends end the breaker's run.
	if _, err := s.CountRefusal(ctx); err != nil {
		t.Fatal(err)
	}
	if err := s.Erase(ctx, ids[1]); err != nil { // gone while its mail was in flight
		t.Fatal(err)
	}
	sent := t0.Add(time.Second)
	outs := make([]newsletter.Outcome, len(jobs))
	for i, j := range jobs {
		outs[i] = newsletter.Outcome{Job: j, Counter: "sent", LedgerKey: newsletter.LetterLedgerKey(letter),
			Send: &newsletter.Send{Kind: "letter", Subject: "Batched", SentAt: sent}}
	}
	// Settled in two batches, and the second again (a retried call counts
	// nothing twice; a send to an erased subscriber counts each time, as
	// with Record, so it is left out of the retry).
	half := n / 2
	var retry []newsletter.Outcome
	for _, o := range outs[half:] {
		if byID[o.Job.Subscriber] > 1 {
			retry = append(retry, o)
		}
	}
	if err := s.SettleSent(ctx, outs[:half]); err != nil {
		t.Fatal(err)
	}
	// A second fan-out (the first one's worker died before it finished)
	// queues the settled sends again: their claim reads the ledger.
	if _, _, err := s.FanOutLetter(ctx, letter, t0.Add(time.Second), 0); err != nil {
		t.Fatal(err)
	}
	again, recips, err := s.ClaimSends(ctx, t0.Add(time.Second), time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := range again {
		if k := byID[j.Subscriber]; k < 2 || recips[i] == nil || !recips[i].Recorded {
			t.Errorf("after a second fan-out, subscriber %d's send reads %+v; want it in the ledger", k, recips[i])
		}
		if err := s.Drop(ctx, j); err != nil {
			t.Fatal(err)
		}
	}
	want := 0 // the first half's sends to subscribers still there
	for _, o := range outs[:half] {
		if byID[o.Job.Subscriber] > 1 {
			want++
		}
	}
	if len(again) != want {
		t.Errorf("a second fan-out queued %d settled sends again, want %d", len(again), want)
	}
	for _, batch := range [][]newsletter.Outcome{outs[half:], retry} {
		if err := s.SettleSent(ctx, batch); err != nil {
			t.Fatal(err)
		}
	}
	l, err := s.Letter(ctx, letter)
	if err != nil {
		t.Fatal(err)
	}
	// (The second fan-out counted the recipients confirmed by then.)
	if l.Status != newsletter.LetterSent || l.Sent != n || l.Recipients != n-2 {
		t.Errorf("letter after settling: %s, sent %d of %d; want sent, %d of %d", l.Status, l.Sent, l.Recipients, n, n-2)
	}
	for k, id := range ids {
		ok, err := s.Recorded(ctx, id, newsletter.LetterLedgerKey(letter))
		if err != nil || ok != (k > 1) {
			t.Errorf("subscriber %d: ledger holds the letter %v (%v)", k, ok, err)
		}
		if sends, _ := s.Sends(ctx, id); k > 1 && (len(sends) != 1 || !sends[0].SentAt.Equal(sent) || sends[0].Subject != "Batched") {
			t.Errorf("subscriber %d: ledger %+v", k, sends)
		}
	}
	if total, _, err := s.Depth(ctx, t0.Add(time.Hour)); err != nil || total != 0 {
		t.Errorf("%d jobs left in the queue (%v), want none", total, err)
	}
	if c, err := s.CountRefusal(ctx); err != nil || c != 1 {
		t.Errorf("a refusal after the sends counts %d (%v); want a new run of 1", c, err)
	}

	// A send queued again (a second fan-out after a crash) reads its
	// ledger entry; a cancelled letter's send reads cancelled.
	redo := newsletter.Job{Kind: newsletter.JobLetterSend, Letter: letter, Subscriber: ids[5]}
	if err := s.Schedule(ctx, redo, t0); err != nil {
		t.Fatal(err)
	}
	got, recips, err := s.ClaimSends(ctx, t0.Add(time.Hour), time.Minute, 10)
	if err != nil || len(got) != 1 || got[0] != (newsletter.Job{Kind: redo.Kind, Letter: letter, Subscriber: ids[5], Due: t0.Add(time.Hour)}) ||
		recips[0] == nil || !recips[0].Recorded {
		t.Fatalf("the send queued again: %v %v %v; want it, recorded", got, recips, err)
	}
	if err := s.Drop(ctx, got[0]); err != nil {
		t.Fatal(err)
	}
	stopped, err := s.CreateLetter(ctx, &newsletter.Letter{Subject: "Stopped", Markdown: "Hi", SendAt: t0, CreatedAt: t0, ScheduledAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	_, rcpt, err := s.StartLetter(ctx, stopped, t0, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.FinishFanOut(ctx, stopped, rcpt, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.CancelLetter(ctx, stopped); err != nil {
		t.Fatal(err)
	}
	got, recips, err = s.ClaimSends(ctx, t0.Add(2*time.Hour), time.Minute, 100)
	if err != nil {
		t.Fatal(err)
	}
	for i, j := range got {
		if j.Letter == stopped && (recips[i] == nil || recips[i].Letter != newsletter.LetterCancelled || recips[i].Subscriber != nil) {
			t.Errorf("a send of the cancelled letter reads %+v", recips[i])
		}
	}
}

// BenchmarkSendPath is the Redis work of sending a letter to 2,000
// subscribers without the mail itself: each send as the worker did it one
// by one (Claim of 8, LetterRecipient, Record) and in batches as it does
// now (ClaimSends of 32, SettleSent of 4, as 4 sending goroutines settle;
// and of 32, what a larger batch would save).
// It reports Redis's CPU (INFO cpu) and commands (INFO commandstats,
// scripts' own counted) per mail: run it on a Redis of its own,
//
//	TEST_REDIS_ADDR=127.0.0.1:6390 go test -run '^$' -bench SendPath -benchtime 3x ./newsletter/redisstore/
func BenchmarkSendPath(b *testing.B) {
	const n = 2000
	for _, path := range []string{"one-by-one", "batched-settle4", "batched-settle32"} {
		settle := 4
		if path == "batched-settle32" {
			settle = 32
		}
		b.Run(path, func(b *testing.B) {
			rdb, prefix := testkit.Redis(b)
			s := redisstore.New(rdb, prefix)
			ctx := context.Background()
			ns := make([]newsletter.NewSubscriber, n)
			due := make([]time.Time, n)
			for i := range ns {
				ns[i] = pending(fmt.Sprintf("path%d@example.org", i), t0)
				ns[i].Status, ns[i].Sequence = newsletter.StatusConfirmed, ""
			}
			if _, _, err := s.CreateSubscribers(ctx, ns, due); err != nil {
				b.Fatal(err)
			}
			var cpu time.Duration
			var calls int64
			now := t0
			b.ResetTimer()
			for range b.N {
				now = now.Add(time.Hour)
				letter, err := s.CreateLetter(ctx, &newsletter.Letter{Subject: "Path", Markdown: "Hi", SendAt: now, CreatedAt: now, ScheduledAt: now})
				if err != nil {
					b.Fatal(err)
				}
				if _, got, err := s.FanOutLetter(ctx, letter, now, 0); err != nil || got != n {
					b.Fatalf("fan out: %d, %v", got, err)
				}
				cpu0, calls0 := redisCPU(b, rdb), redisCalls(b, rdb)
				key := newsletter.LetterLedgerKey(letter)
				out := func(j newsletter.Job) newsletter.Outcome {
					return newsletter.Outcome{Job: j, Counter: "sent", LedgerKey: key,
						Send: &newsletter.Send{Kind: "letter", Subject: "Path", SentAt: now}}
				}
				for sent := 0; sent < n; {
					if path == "one-by-one" {
						jobs, err := s.Claim(ctx, now, time.Minute, 8)
						if err != nil || len(jobs) == 0 {
							b.Fatalf("claim: %d, %v", len(jobs), err)
						}
						for _, j := range jobs {
							if _, _, _, err := s.LetterRecipient(ctx, letter, j.Subscriber, key); err != nil {
								b.Fatal(err)
							}
							if err := s.Record(ctx, out(j)); err != nil {
								b.Fatal(err)
							}
						}
						sent += len(jobs)
						continue
					}
					jobs, _, err := s.ClaimSends(ctx, now, time.Minute, 32)
					if err != nil || len(jobs) == 0 {
						b.Fatalf("claim: %d, %v", len(jobs), err)
					}
					for k := 0; k < len(jobs); k += settle {
						var outs []newsletter.Outcome
						for _, j := range jobs[k:min(k+settle, len(jobs))] {
							outs = append(outs, out(j))
						}
						if err := s.SettleSent(ctx, outs); err != nil {
							b.Fatal(err)
						}
					}
					sent += len(jobs)
				}
				cpu += redisCPU(b, rdb) - cpu0
				calls += redisCalls(b, rdb) - calls0
				if l, err := s.Letter(ctx, letter); err != nil || l.Status != newsletter.LetterSent || l.Sent != n {
					b.Fatalf("letter after the sends: %+v, %v", l, err)
				}
			}
			mails := float64(b.N * n)
			b.ReportMetric(float64(cpu.Microseconds())/mails, "redis-µs/mail")
			b.ReportMetric(float64(calls)/mails, "cmds/mail")
		})
	}
}

// redisCPU is the Redis server's CPU time so far (INFO cpu).
func redisCPU(b *testing.B, rdb *redis.Client) time.Duration {
	b.Helper()
	var d time.Duration
	for _, line := range strings.Split(rdb.Info(context.Background(), "cpu").Val(), "\n") {
		k, v, _ := strings.Cut(strings.TrimSpace(line), ":")
		if k == "used_cpu_user" || k == "used_cpu_sys" {
			f, _ := strconv.ParseFloat(v, 64)
			d += time.Duration(f * float64(time.Second))
		}
	}
	return d
}

// redisCalls is every command the Redis server ran so far (INFO
// commandstats; a script's own commands count too).
func redisCalls(b *testing.B, rdb *redis.Client) int64 {
	b.Helper()
	var total int64
	for _, line := range strings.Split(rdb.Info(context.Background(), "commandstats").Val(), "\n") {
		_, rest, ok := strings.Cut(strings.TrimSpace(line), "calls=")
		if ok {
			n, _ := strconv.ParseInt(rest[:strings.IndexByte(rest, ',')], 10, 64)
			total += n
		}
	}
	return total
}
