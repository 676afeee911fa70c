package redisstore_test

// Each Lua script in scripts/ is exercised here, through the Store method
// that runs it, against the real Redis (testkit.Redis fails when it is
// absent). The tests read the keys the package documents in store.go to
// check what each script wrote.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type fixture struct {
	s      *redisstore.Store
	rdb    *redis.Client
	prefix string
}

func setup(t *testing.T) *fixture {
	t.Helper()
	rdb, prefix := testkit.Redis(t)
	return &fixture{s: redisstore.New(rdb, prefix), rdb: rdb, prefix: prefix}
}

func (f *fixture) key(parts ...string) string { return f.prefix + strings.Join(parts, ":") }

// queue returns the job queue as job id -> due.
func (f *fixture) queue(t *testing.T) map[string]time.Time {
	t.Helper()
	out := map[string]time.Time{}
	for _, lane := range []string{"queue", "urgent"} {
		zs, err := f.rdb.ZRangeWithScores(context.Background(), f.key(lane), 0, -1).Result()
		if err != nil {
			t.Fatal(err)
		}
		for _, z := range zs {
			out[z.Member.(string)] = time.UnixMilli(int64(z.Score)).UTC()
		}
	}
	return out
}

// urgent is the queue's urgent lane: job id -> due.
func (f *fixture) urgent(t *testing.T) map[string]time.Time {
	t.Helper()
	zs, err := f.rdb.ZRangeWithScores(context.Background(), f.key("urgent"), 0, -1).Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]time.Time{}
	for _, z := range zs {
		out[z.Member.(string)] = time.UnixMilli(int64(z.Score)).UTC()
	}
	return out
}

// inSet reports whether member is in the zset and at what time.
func (f *fixture) inSet(t *testing.T, set, member string) (time.Time, bool) {
	t.Helper()
	score, err := f.rdb.ZScore(context.Background(), set, member).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return time.UnixMilli(int64(score)).UTC(), true
}

// emailIndex reads every bucket of the email index (address -> id),
// checking that each is named by four hex digits and kept compact.
func (f *fixture) emailIndex(t *testing.T) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	iter := f.rdb.Scan(ctx, 0, f.key("emails", "*"), 100).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		if b := strings.TrimPrefix(k, f.key("emails", "")); len(b) != 4 || strings.Trim(b, "0123456789abcdef") != "" {
			t.Errorf("email index bucket %q is not four hex digits", k)
		}
		if enc := f.rdb.ObjectEncoding(ctx, k).Val(); enc != "listpack" {
			t.Errorf("email index bucket %q is %s, want listpack", k, enc)
		}
		for e, id := range f.rdb.HGetAll(ctx, k).Val() {
			if _, dup := out[e]; dup {
				t.Errorf("%s is in two buckets", e)
			}
			out[e] = id
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func consent(at time.Time) newsletter.Consent {
	return newsletter.Consent{Text: "Yes, send me the guide.", Version: "v1", Source: "form", IP: "203.0.113.0", GivenAt: at}
}

func pending(email string, at time.Time) newsletter.NewSubscriber {
	return newsletter.NewSubscriber{Email: email, Name: "Ada Lovelace", Sequence: "guide", TZ: "Europe/Berlin",
		Status: newsletter.StatusPending, Consent: consent(at), At: at}
}

func (f *fixture) create(t *testing.T, n newsletter.NewSubscriber, firstDue time.Time) string {
	t.Helper()
	id, created, err := f.s.CreateSubscriber(context.Background(), n, firstDue)
	if err != nil || !created {
		t.Fatalf("create %s: created=%v err=%v", n.Email, created, err)
	}
	return id
}

// confirmed creates a subscriber confirmed at t0 in sequence "seq" whose
// drip job is due at t0.
func (f *fixture) confirmed(t *testing.T, email string) string {
	t.Helper()
	n := pending(email, t0)
	n.Sequence, n.Status = "seq", newsletter.StatusConfirmed
	return f.create(t, n, t0)
}

func drip(id string) newsletter.Job { return newsletter.Job{Kind: newsletter.JobDrip, Subscriber: id} }

// --- create.lua ---------------------------------------------------------

func TestCreateScript(t *testing.T) {
	f := setup(t)
	ctx := context.Background()

	id := f.create(t, pending("ada@example.org", t0), time.Time{})
	if got := f.emailIndex(t); len(got) != 1 || got["ada@example.org"] != id {
		t.Errorf("email index = %v, want ada@example.org -> %q", got, id)
	}
	if at, ok := f.inSet(t, f.key("status", "pending"), id); !ok || !at.Equal(t0) {
		t.Errorf("pending set: %v %v, want %v", at, ok, t0)
	}
	if got := f.rdb.HGetAll(ctx, f.key("signups")).Val(); len(got) != 1 || got[fmt.Sprint(t0.UnixMilli()/900_000)] != "1" {
		t.Errorf("signups = %v, want 1 in the quarter hour of %v", got, t0)
	}
	q, u := f.queue(t), f.urgent(t)
	if due, ok := u["confirm:"+id]; !ok || !due.Equal(t0) || len(q) != 1 {
		t.Errorf("queue = %v, urgent lane = %v; want only the confirmation job, in the urgent lane at %v", q, u, t0)
	}
	sub, err := f.s.Subscriber(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if sub.Status != newsletter.StatusPending || sub.Name != "Ada Lovelace" || sub.TZ != "Europe/Berlin" ||
		sub.Sequence != "guide" || sub.Consent.Text != "Yes, send me the guide." || !sub.ConfirmMailAt.Equal(t0) ||
		sub.Enrolment != 0 || !sub.Consent.ConfirmedAt.IsZero() {
		t.Errorf("stored subscriber = %+v", sub)
	}

	// The same address again (even as a confirmed import) changes nothing.
	again := pending("ada@example.org", t0.Add(time.Hour))
	again.Name, again.Status, again.Sequence = "Someone Else", newsletter.StatusConfirmed, "other"
	got, created, err := f.s.CreateSubscriber(ctx, again, t0.Add(time.Hour))
	if err != nil || created || got != id {
		t.Fatalf("second create = %q, %v, %v; want %q, false", got, created, err, id)
	}
	sub, _ = f.s.Subscriber(ctx, id)
	if sub.Name != "Ada Lovelace" || sub.Status != newsletter.StatusPending || sub.Sequence != "guide" {
		t.Errorf("second create overwrote the subscriber: %+v", sub)
	}
	if _, ok := f.inSet(t, f.key("status", "confirmed"), id); ok {
		t.Errorf("second create added the id to the confirmed set")
	}
	if q := f.queue(t); len(q) != 1 {
		t.Errorf("second create queued work: %v", q)
	}

	// A confirmed import with a sequence is enrolled: drip job at firstDue.
	imp := pending("bob@example.org", t0)
	imp.Status = newsletter.StatusConfirmed
	first := t0.Add(90 * time.Minute)
	bob := f.create(t, imp, first)
	if due, ok := f.queue(t)["drip:"+bob]; !ok || !due.Equal(first) {
		t.Errorf("imported subscriber's drip job: %v %v, want %v", due, ok, first)
	}
	if _, ok := f.queue(t)["confirm:"+bob]; ok {
		t.Errorf("a confirmed import got a confirmation mail queued")
	}
	sub, _ = f.s.Subscriber(ctx, bob)
	if sub.Enrolment != 1 || sub.Step != 0 || !sub.LastSentAt.Equal(t0) || !sub.Consent.ConfirmedAt.Equal(t0) {
		t.Errorf("imported subscriber = %+v", sub)
	}
	if _, ok := f.inSet(t, f.key("status", "confirmed"), bob); !ok {
		t.Errorf("import not in the confirmed set")
	}

	// Confirmed without a sequence: no work at all.
	none := pending("cy@example.org", t0)
	none.Status, none.Sequence = newsletter.StatusConfirmed, ""
	cy := f.create(t, none, time.Time{})
	for job := range f.queue(t) {
		if strings.HasSuffix(job, ":"+cy) {
			t.Errorf("subscriber without a sequence has job %s", job)
		}
	}
}

func TestCreateScriptIsAtomicUnderRace(t *testing.T) {
	f := setup(t)
	const n = 24
	var wg sync.WaitGroup
	ids := make([]string, n)
	created := make([]bool, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			id, c, err := f.s.CreateSubscriber(context.Background(), pending("race@example.org", t0), time.Time{})
			if err != nil {
				t.Error(err)
			}
			ids[i], created[i] = id, c
		}()
	}
	wg.Wait()
	winners := 0
	for i := range n {
		if created[i] {
			winners++
		}
		if ids[i] != ids[0] {
			t.Errorf("caller %d got id %q, caller 0 %q", i, ids[i], ids[0])
		}
	}
	if winners != 1 {
		t.Errorf("%d callers created the address, want 1", winners)
	}
	if n := len(f.emailIndex(t)); n != 1 {
		t.Errorf("%d subscribers stored, want 1", n)
	}
	if q := f.queue(t); len(q) != 1 {
		t.Errorf("queue = %v, want one confirmation job", q)
	}
}

// --- claim.lua ----------------------------------------------------------

func TestClaimScript(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	lease := 2 * time.Minute
	early, now, later := drip("early"), drip("now"), drip("later")
	for j, due := range map[newsletter.Job]time.Time{early: t0.Add(-time.Minute), now: t0, later: t0.Add(time.Minute)} {
		if err := f.s.Schedule(ctx, j, due); err != nil {
			t.Fatal(err)
		}
	}
	claim := func(at time.Time, n int) []string {
		t.Helper()
		jobs, err := f.s.Claim(ctx, at, lease, n)
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, j := range jobs {
			out = append(out, j.ID())
			if !j.Due.Equal(at) {
				t.Errorf("claimed job %s has Due %v, want the claim time %v", j.ID(), j.Due, at)
			}
		}
		return out
	}

	if got := claim(t0, 10); strings.Join(got, ",") != "drip:early,drip:now" {
		t.Fatalf("claim at t0 = %v, want the two due jobs, oldest first", got)
	}
	// Claimed jobs are hidden until the lease ends: their score moved there.
	q := f.queue(t)
	if !q["drip:early"].Equal(t0.Add(lease)) || !q["drip:now"].Equal(t0.Add(lease)) {
		t.Errorf("claimed jobs not moved to the lease end: %v", q)
	}
	if total, due, err := f.s.Depth(ctx, t0); err != nil || total != 3 || due != 0 {
		t.Errorf("Depth after claim = %d, %d, %v; want 3 queued, 0 due", total, due, err)
	}
	if got := claim(t0, 10); len(got) != 0 {
		t.Errorf("second claim at t0 took %v", got)
	}
	if got := claim(t0.Add(time.Minute), 10); strings.Join(got, ",") != "drip:later" {
		t.Errorf("claim at t0+1m = %v, want only drip:later", got)
	}
	if got := claim(t0.Add(lease-time.Millisecond), 10); len(got) != 0 {
		t.Errorf("claim just before the lease ends took %v", got)
	}
	// The lease ran out (the worker died): the jobs come back.
	if got := claim(t0.Add(lease), 10); strings.Join(got, ",") != "drip:early,drip:now" {
		t.Errorf("claim at lease end = %v, want the two jobs back", got)
	}

	// Attempts counted by Retry are reported by the next claim.
	if err := f.s.Retry(ctx, early, t0.Add(3*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Retry(ctx, early, t0.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	jobs, err := f.s.Claim(ctx, t0.Add(4*time.Minute), lease, 10)
	if err != nil {
		t.Fatal(err)
	}
	attempts := map[string]int{}
	for _, j := range jobs {
		attempts[j.ID()] = j.Attempts
	}
	// drip:now and drip:later are back too: their leases (from t0+2m and
	// t0+1m) ran out.
	if attempts["drip:early"] != 2 || attempts["drip:later"] != 0 || attempts["drip:now"] != 0 || len(jobs) != 3 {
		t.Errorf("claim after two retries = %v, want drip:early with 2 attempts, the others with 0", attempts)
	}
}

func TestClaimScriptLimitAndForeignIDs(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	for i := range 5 {
		if err := f.s.Schedule(ctx, drip(fmt.Sprint("s", i)), t0.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	at := t0.Add(time.Hour)
	var sizes []int
	for {
		jobs, err := f.s.Claim(ctx, at, time.Minute, 2)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) == 0 {
			break
		}
		sizes = append(sizes, len(jobs))
	}
	if fmt.Sprint(sizes) != "[2 2 1]" {
		t.Errorf("claims of at most 2 took %v, want [2 2 1]", sizes)
	}

	// A member that is no job of ours is removed, not returned forever.
	f.rdb.ZAdd(ctx, f.key("queue"), redis.Z{Score: float64(t0.UnixMilli()), Member: "bogus"})
	jobs, err := f.s.Claim(ctx, at, time.Minute, 10)
	if err != nil || len(jobs) != 0 {
		t.Fatalf("claim with a foreign member = %v, %v", jobs, err)
	}
	if _, ok := f.queue(t)["bogus"]; ok {
		t.Errorf("foreign queue member was kept")
	}
}

func TestClaimScriptNeverHandsOutAJobTwice(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const jobs, claimers = 300, 12
	for i := range jobs {
		if err := f.s.Schedule(ctx, drip(fmt.Sprint("s", i)), t0); err != nil {
			t.Fatal(err)
		}
	}
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for range claimers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := f.s.Claim(ctx, t0, time.Hour, 3)
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, j := range got {
					seen[j.ID()]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != jobs {
		t.Errorf("%d distinct jobs claimed, want %d", len(seen), jobs)
	}
	for id, n := range seen {
		if n != 1 {
			t.Errorf("job %s claimed %d times", id, n)
		}
	}
}

// --- confirm.lua --------------------------------------------------------

func TestConfirmScript(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := f.create(t, pending("ada@example.org", t0), time.Time{})
	at, first := t0.Add(time.Hour), t0.Add(2*time.Hour)

	changed, err := f.s.Confirm(ctx, id, at, first)
	if err != nil || !changed {
		t.Fatalf("Confirm = %v, %v; want true", changed, err)
	}
	sub, _ := f.s.Subscriber(ctx, id)
	if sub.Status != newsletter.StatusConfirmed || sub.Enrolment != 1 || sub.Step != 0 || sub.LastStep != "" ||
		!sub.LastSentAt.Equal(at) || !sub.Consent.ConfirmedAt.Equal(at) || !sub.UpdatedAt.Equal(at) {
		t.Errorf("after confirm: %+v", sub)
	}
	if _, ok := f.inSet(t, f.key("status", "pending"), id); ok {
		t.Errorf("still in the pending set")
	}
	if got, ok := f.inSet(t, f.key("status", "confirmed"), id); !ok || !got.Equal(at) {
		t.Errorf("confirmed set: %v %v, want %v", got, ok, at)
	}
	q := f.queue(t)
	if _, ok := q["confirm:"+id]; ok {
		t.Errorf("confirmation job still queued")
	}
	if due, ok := q["drip:"+id]; !ok || !due.Equal(first) {
		t.Errorf("drip job %v %v, want due %v", due, ok, first)
	}

	// Idempotent: a second confirm changes nothing, not even a moved drip job.
	f.rdb.ZAdd(ctx, f.key("queue"), redis.Z{Score: float64(t0.Add(9 * time.Hour).UnixMilli()), Member: "drip:" + id})
	changed, err = f.s.Confirm(ctx, id, t0.Add(5*time.Hour), t0.Add(5*time.Hour))
	if err != nil || changed {
		t.Errorf("second Confirm = %v, %v; want false", changed, err)
	}
	sub, _ = f.s.Subscriber(ctx, id)
	if sub.Enrolment != 1 || !sub.Consent.ConfirmedAt.Equal(at) {
		t.Errorf("second confirm changed the subscriber: %+v", sub)
	}
	if due := f.queue(t)["drip:"+id]; !due.Equal(t0.Add(9 * time.Hour)) {
		t.Errorf("second confirm moved the drip job to %v", due)
	}

	// Unknown id: ErrNotFound, nothing created.
	if _, err := f.s.Confirm(ctx, "nosuchid", at, first); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("Confirm(unknown) = %v, want ErrNotFound", err)
	}
	if n := f.rdb.Exists(ctx, f.key("sub", "nosuchid")).Val(); n != 0 {
		t.Errorf("Confirm(unknown) created the subscriber hash")
	}
	if _, ok := f.queue(t)["drip:nosuchid"]; ok {
		t.Errorf("Confirm(unknown) queued a drip job")
	}

	// An unsubscribed address is not confirmed by an old link.
	other := f.create(t, pending("bob@example.org", t0), time.Time{})
	if err := f.s.SetStatus(ctx, other, newsletter.StatusUnsubscribed, t0); err != nil {
		t.Fatal(err)
	}
	if changed, err := f.s.Confirm(ctx, other, at, first); err != nil || changed {
		t.Errorf("Confirm(unsubscribed) = %v, %v; want false", changed, err)
	}
	if _, ok := f.queue(t)["drip:"+other]; ok {
		t.Errorf("Confirm(unsubscribed) queued a drip job")
	}

	// Re-signup after leaving, then confirm: a new enrolment from step 0.
	if err := f.s.Resignup(ctx, other, pending("bob@example.org", t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if changed, _ := f.s.Confirm(ctx, other, at, first); !changed {
		t.Errorf("Confirm after re-signup did not confirm")
	}

	// No sequence to join (zero firstDue): confirmed, no drip job.
	cy := f.create(t, pending("cy@example.org", t0), time.Time{})
	if changed, err := f.s.Confirm(ctx, cy, at, time.Time{}); err != nil || !changed {
		t.Fatalf("Confirm without a sequence = %v, %v", changed, err)
	}
	if _, ok := f.queue(t)["drip:"+cy]; ok {
		t.Errorf("drip job queued without a first step")
	}
}

// --- resend.lua ---------------------------------------------------------

func TestResendScript(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := f.create(t, pending("ada@example.org", t0), time.Time{})
	interval := newsletter.ConfirmResendInterval

	for _, c := range []struct {
		at   time.Time
		want bool
	}{
		{t0, false},
		{t0.Add(interval - time.Millisecond), false},
		{t0.Add(interval), true},
		{t0.Add(interval + time.Minute), false},
		{t0.Add(2 * interval), true},
	} {
		queued, err := f.s.RequestConfirmMail(ctx, id, c.at)
		if err != nil || queued != c.want {
			t.Errorf("RequestConfirmMail at +%v = %v, %v; want %v", c.at.Sub(t0), queued, err, c.want)
		}
	}
	last := t0.Add(2 * interval)
	sub, _ := f.s.Subscriber(ctx, id)
	if !sub.ConfirmMailAt.Equal(last) {
		t.Errorf("ConfirmMailAt = %v, want %v", sub.ConfirmMailAt, last)
	}
	if due, ok := f.urgent(t)["confirm:"+id]; !ok || !due.Equal(last) {
		t.Errorf("confirmation job in the urgent lane at %v %v, want %v", due, ok, last)
	}

	// Not pending: nothing queued.
	if _, err := f.s.Confirm(ctx, id, last, time.Time{}); err != nil {
		t.Fatal(err)
	}
	if queued, err := f.s.RequestConfirmMail(ctx, id, last.Add(time.Hour)); err != nil || queued {
		t.Errorf("RequestConfirmMail(confirmed) = %v, %v; want false", queued, err)
	}
	if _, ok := f.queue(t)["confirm:"+id]; ok {
		t.Errorf("confirmation job queued for a confirmed subscriber")
	}
	// Unknown id: nothing queued and no hash created.
	if queued, err := f.s.RequestConfirmMail(ctx, "nosuchid", last); err != nil || queued {
		t.Errorf("RequestConfirmMail(unknown) = %v, %v", queued, err)
	}
	if n := f.rdb.Exists(ctx, f.key("sub", "nosuchid")).Val(); n != 0 {
		t.Errorf("RequestConfirmMail(unknown) created a subscriber hash")
	}
}

// --- record.lua ---------------------------------------------------------

func stepOutcome(id, step string, sentAt, next time.Time) newsletter.Outcome {
	return newsletter.Outcome{
		Job:       drip(id),
		LedgerKey: newsletter.StepLedgerKey("seq", step, 1),
		Send:      &newsletter.Send{Kind: "step", Subject: "Subject of " + step, SentAt: sentAt},
		Step:      step,
		NextDue:   next,
	}
}

func TestRecordScriptStep(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := f.confirmed(t, "ada@example.org")
	if _, err := f.s.Claim(ctx, t0, time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Retry(ctx, drip(id), t0); err != nil { // an earlier failed try
		t.Fatal(err)
	}

	sent, next := t0.Add(time.Second), t0.Add(7*24*time.Hour)
	if err := f.s.Record(ctx, stepOutcome(id, "01-a.md", sent, next)); err != nil {
		t.Fatal(err)
	}
	sub, _ := f.s.Subscriber(ctx, id)
	if sub.Step != 1 || sub.LastStep != "01-a.md" || !sub.LastSentAt.Equal(sent) {
		t.Errorf("after recording step 1: step=%d last=%q at=%v", sub.Step, sub.LastStep, sub.LastSentAt)
	}
	if ok, _ := f.s.Recorded(ctx, id, newsletter.StepLedgerKey("seq", "01-a.md", 1)); !ok {
		t.Errorf("ledger lacks the step")
	}
	if due := f.queue(t)["drip:"+id]; !due.Equal(next) {
		t.Errorf("drip job due %v, want %v", due, next)
	}
	if f.rdb.HExists(ctx, f.key("attempts"), "drip:"+id).Val() {
		t.Errorf("attempts of the settled job were kept")
	}

	// The same outcome again (a second worker after a lost lease, or a
	// retried call): the ledger keeps the first entry, the step is not
	// counted twice, the progress is not moved.
	if err := f.s.Record(ctx, stepOutcome(id, "01-a.md", sent.Add(time.Minute), next)); err != nil {
		t.Fatal(err)
	}
	sub, _ = f.s.Subscriber(ctx, id)
	if sub.Step != 1 || !sub.LastSentAt.Equal(sent) {
		t.Errorf("second record moved the progress: step=%d at=%v", sub.Step, sub.LastSentAt)
	}
	sends, err := f.s.Sends(ctx, id)
	if err != nil || len(sends) != 1 || !sends[0].SentAt.Equal(sent) || sends[0].Subject != "Subject of 01-a.md" {
		t.Errorf("ledger after a second record = %+v, %v", sends, err)
	}

	// The next step, then the last one (zero NextDue removes the job).
	if err := f.s.Record(ctx, stepOutcome(id, "02-b.md", next, time.Time{})); err != nil {
		t.Fatal(err)
	}
	sub, _ = f.s.Subscriber(ctx, id)
	if sub.Step != 2 || sub.LastStep != "02-b.md" {
		t.Errorf("after step 2: step=%d last=%q", sub.Step, sub.LastStep)
	}
	if _, ok := f.queue(t)["drip:"+id]; ok {
		t.Errorf("the drip job outlived the last step")
	}
	if sends, _ := f.s.Sends(ctx, id); len(sends) != 2 || sends[0].Subject != "Subject of 01-a.md" {
		t.Errorf("sends = %+v, want both steps, oldest first", sends)
	}

	// A settle without a send (the ledger already had it) moves the job only.
	if err := f.s.Record(ctx, newsletter.Outcome{Job: drip(id), NextDue: next.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if sub2, _ := f.s.Subscriber(ctx, id); sub2.Step != 2 {
		t.Errorf("a settle without a send changed the step to %d", sub2.Step)
	}
}

func TestRecordScriptErasedSubscriberRecreatesNothing(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := f.confirmed(t, "ada@example.org")
	if _, err := f.s.Claim(ctx, t0, time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	// Erased while its step was being sent.
	if err := f.s.Erase(ctx, id); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Record(ctx, stepOutcome(id, "01-a.md", t0, t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if keys := keysMentioning(t, f, id, "ada@example.org"); len(keys) > 0 {
		t.Errorf("record after erase left: %v", keys)
	}
	if _, err := f.s.Subscriber(ctx, id); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("Subscriber after erase+record = %v, want ErrNotFound", err)
	}
}

func TestRecordScriptDoesNotRequeueForSubscriberWhoLeft(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := f.confirmed(t, "ada@example.org")
	if _, err := f.s.Claim(ctx, t0, time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	// Unsubscribed between the worker's check and its record: the mail went
	// out and is recorded, but no further work is queued.
	if err := f.s.SetStatus(ctx, id, newsletter.StatusUnsubscribed, t0); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Record(ctx, stepOutcome(id, "01-a.md", t0, t0.Add(time.Hour))); err != nil {
		t.Fatal(err)
	}
	if ok, _ := f.s.Recorded(ctx, id, newsletter.StepLedgerKey("seq", "01-a.md", 1)); !ok {
		t.Errorf("the mail that went out is not in the ledger")
	}
	if due, ok := f.queue(t)["drip:"+id]; ok {
		t.Errorf("drip job queued again at %v for an unsubscribed subscriber", due)
	}
}

func TestRecordScriptLetterCounters(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	ids := []string{f.confirmed(t, "a@example.org"), f.confirmed(t, "b@example.org"), f.confirmed(t, "c@example.org"),
		f.confirmed(t, "d@example.org")}
	lid, err := f.s.CreateLetter(ctx, &newsletter.Letter{Subject: "Spring", Markdown: "Hello", SendAt: t0.Add(time.Hour), CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if due, ok := f.queue(t)["letter:"+lid]; !ok || !due.Equal(t0.Add(time.Hour)) {
		t.Errorf("fan-out job %v %v", due, ok)
	}
	l, recipients, err := f.s.StartFanOut(ctx, lid)
	if err != nil || l.Status != newsletter.LetterSending {
		t.Fatalf("StartFanOut = %+v, %v", l, err)
	}
	sort.Strings(recipients)
	want := append([]string(nil), ids...)
	sort.Strings(want)
	if strings.Join(recipients, ",") != strings.Join(want, ",") {
		t.Fatalf("recipients = %v, want %v", recipients, want)
	}
	send := func(sid, counter string) newsletter.Outcome {
		o := newsletter.Outcome{Job: newsletter.Job{Kind: newsletter.JobLetterSend, Letter: lid, Subscriber: sid}, Counter: counter}
		if counter == "sent" {
			o.LedgerKey = newsletter.LetterLedgerKey(lid)
			o.Send = &newsletter.Send{Kind: "letter", Subject: "Spring", SentAt: t0.Add(time.Hour)}
		}
		return o
	}
	// One send settles before the fan-out has recorded the count.
	if err := f.s.Record(ctx, send(ids[0], "sent")); err != nil {
		t.Fatal(err)
	}
	if l, _ := f.s.Letter(ctx, lid); l.Status != newsletter.LetterSending {
		t.Errorf("letter %s before the count was known", l.Status)
	}
	if err := f.s.FinishFanOut(ctx, lid, recipients, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	q := f.queue(t)
	if _, ok := q["letter:"+lid]; ok {
		t.Errorf("fan-out job kept after FinishFanOut")
	}
	for _, sid := range ids[1:] {
		if _, ok := q["lsend:"+lid+":"+sid]; !ok {
			t.Errorf("no send queued for %s", sid)
		}
	}
	// A second fan-out (crash after the first) queues nothing twice and does
	// not re-queue the settled send.
	if err := f.s.FinishFanOut(ctx, lid, recipients, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}

	steps := []struct {
		o    newsletter.Outcome
		want newsletter.LetterStatus
	}{
		{send(ids[1], "sent"), newsletter.LetterSending},
		{send(ids[1], "sent"), newsletter.LetterSending}, // recorded twice: counted once
		{send(ids[2], "skipped"), newsletter.LetterSending},
		{send(ids[3], "failed"), newsletter.LetterSent},
	}
	for i, s := range steps {
		if err := f.s.Record(ctx, s.o); err != nil {
			t.Fatal(err)
		}
		if l, _ := f.s.Letter(ctx, lid); l.Status != s.want {
			t.Errorf("after record %d: letter %s, want %s", i, l.Status, s.want)
		}
	}
	l, _ = f.s.Letter(ctx, lid)
	if l.Sent != 2 || l.Failed != 1 || l.Skipped != 1 || l.Recipients != 4 {
		t.Errorf("counters sent=%d failed=%d skipped=%d recipients=%d, want 2, 1, 1, 4", l.Sent, l.Failed, l.Skipped, l.Recipients)
	}
	if n := f.rdb.HGet(ctx, f.key("letter", lid), "done").Val(); n == "" || n == "0" {
		t.Errorf("letter has no done time")
	}

	// A letter to nobody is sent at once.
	empty, _ := f.s.CreateLetter(ctx, &newsletter.Letter{Subject: "Nobody", Markdown: "x", SendAt: t0, CreatedAt: t0})
	if err := f.s.FinishFanOut(ctx, empty, nil, t0); err != nil {
		t.Fatal(err)
	}
	if l, _ := f.s.Letter(ctx, empty); l.Status != newsletter.LetterSent {
		t.Errorf("letter without recipients is %s", l.Status)
	}
}

// --- Erase --------------------------------------------------------------

// keysMentioning scans every key under the fixture's prefix and returns
// each place that still names id or email: a key name, a hash field or
// value, a set or zset member, a list item or a string value.
func keysMentioning(t *testing.T, f *fixture, id, email string) []string {
	t.Helper()
	ctx := context.Background()
	mentions := func(s string) bool { return strings.Contains(s, id) || strings.Contains(s, email) }
	var found []string
	iter := f.rdb.Scan(ctx, 0, f.prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		if mentions(k) {
			found = append(found, k)
			continue
		}
		var items []string
		switch typ := f.rdb.Type(ctx, k).Val(); typ {
		case "string":
			items = []string{f.rdb.Get(ctx, k).Val()}
		case "hash":
			for field, v := range f.rdb.HGetAll(ctx, k).Val() {
				items = append(items, field, v)
			}
		case "zset":
			items = f.rdb.ZRange(ctx, k, 0, -1).Val()
		case "set":
			items = f.rdb.SMembers(ctx, k).Val()
		case "list":
			items = f.rdb.LRange(ctx, k, 0, -1).Val()
		default:
			t.Errorf("key %s has unexpected type %s", k, typ)
		}
		for _, it := range items {
			if mentions(it) {
				found = append(found, k+" -> "+it)
			}
		}
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	return found
}

func TestEraseLeavesNoKeyOfTheSubscriber(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := f.confirmed(t, "erase.me@example.org")
	keep := f.confirmed(t, "keep@example.org")

	// Give the subscriber everything a subscriber can have: a sent step, a
	// letter in the ledger, a drip job with failed attempts, a consent
	// record, a pending confirmation job after leaving and coming back.
	if _, err := f.s.Claim(ctx, t0, time.Minute, 10); err != nil {
		t.Fatal(err)
	}
	for _, sid := range []string{id, keep} {
		if err := f.s.Record(ctx, stepOutcome(sid, "01-a.md", t0, t0.Add(time.Hour))); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Record(ctx, newsletter.Outcome{Job: newsletter.Job{Kind: newsletter.JobLetterSend, Letter: "l1", Subscriber: sid},
			LedgerKey: newsletter.LetterLedgerKey("l1"), Send: &newsletter.Send{Kind: "letter", Subject: "L", SentAt: t0}}); err != nil {
			t.Fatal(err)
		}
		if err := f.s.Retry(ctx, drip(sid), t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if !f.rdb.HExists(ctx, f.key("attempts"), "drip:"+id).Val() {
		t.Fatal("setup: no attempts recorded")
	}
	if len(keysMentioning(t, f, id, "erase.me@example.org")) < 5 {
		t.Fatalf("setup: the subscriber is hardly stored: %v", keysMentioning(t, f, id, "erase.me@example.org"))
	}

	if err := f.s.Erase(ctx, id); err != nil {
		t.Fatal(err)
	}
	if left := keysMentioning(t, f, id, "erase.me@example.org"); len(left) > 0 {
		t.Errorf("after Erase these still name the subscriber:\n  %s", strings.Join(left, "\n  "))
	}
	if _, err := f.s.SubscriberByEmail(ctx, "erase.me@example.org"); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("SubscriberByEmail after erase = %v", err)
	}
	if err := f.s.Erase(ctx, id); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("second Erase = %v, want ErrNotFound", err)
	}

	// The other subscriber is untouched.
	sub, err := f.s.Subscriber(ctx, keep)
	if err != nil || sub.Step != 1 || sub.Status != newsletter.StatusConfirmed {
		t.Errorf("other subscriber after erase: %+v, %v", sub, err)
	}
	if sends, _ := f.s.Sends(ctx, keep); len(sends) != 2 {
		t.Errorf("other subscriber's ledger has %d entries, want 2", len(sends))
	}
	if _, ok := f.queue(t)["drip:"+keep]; !ok {
		t.Errorf("other subscriber's drip job was removed")
	}

	// A new signup with the address starts from scratch.
	again := f.create(t, pending("erase.me@example.org", t0.Add(time.Hour)), time.Time{})
	if again == id {
		t.Errorf("re-signup after erase reused the old id")
	}
	if sends, _ := f.s.Sends(ctx, again); len(sends) != 0 {
		t.Errorf("re-signup after erase has sends %v", sends)
	}
}

func TestReplanScript(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	lease := 2 * time.Minute
	nextWeek := now.Add(7 * 24 * time.Hour)
	cases := []struct {
		name      string
		current   time.Time // zero: no job queued
		wantMoved bool
	}{
		{"absent: a finished subscriber gets an appended step", time.Time{}, true},
		{"due and unclaimed", now.Add(-time.Minute), true},
		{"inside a lease: a worker may be sending it", now.Add(lease / 2), false},
		{"at the very end of a lease", now.Add(lease), false},
		{"further out than a lease", now.Add(3 * 24 * time.Hour), true},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := drip(fmt.Sprintf("replan%d", i))
			if !c.current.IsZero() {
				if err := f.s.Schedule(ctx, j, c.current); err != nil {
					t.Fatal(err)
				}
			}
			moved, err := f.s.Replan(ctx, j, nextWeek, now, lease)
			if err != nil {
				t.Fatal(err)
			}
			if moved != c.wantMoved {
				t.Fatalf("moved = %v, want %v", moved, c.wantMoved)
			}
			want := nextWeek
			if !c.wantMoved {
				want = c.current
			}
			if got := f.queue(t)[j.ID()]; !got.Equal(want) {
				t.Fatalf("job due %v, want %v", got, want)
			}
		})
	}
}

// A signup counted against a limit (create.lua) shares Store.Hit's
// counter: its first request sets the counter's time to live, later ones
// leave it, and past the limit nothing is stored.
func TestCreateScriptCountsTheLimit(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	limit := newsletter.Limit{Key: "ip:203.0.113.7", Max: 3, Window: time.Hour}
	for i, want := range []bool{true, true, false} {
		n := pending(fmt.Sprintf("l%d@example.org", i), t0.Add(time.Duration(i)*time.Minute))
		n.Limit = limit
		_, created, err := f.s.CreateSubscriber(ctx, n, time.Time{})
		if created != want || (err != nil) == want {
			t.Fatalf("signup %d: created=%v err=%v, want created=%v", i, created, err, want)
		}
		if i == 0 {
			// Store.Hit, counting another request in the same window,
			// sees the script's count.
			if got, _, err := f.s.Hit(ctx, limit.Key, t0, time.Hour); err != nil || got != 2 {
				t.Fatalf("Hit after one signup = %d, %v; want 2", got, err)
			}
		}
	}
	keys := f.rdb.Keys(ctx, f.key("rl", "*")).Val()
	if len(keys) != 1 {
		t.Fatalf("rate-limit keys %v, want one", keys)
	}
	if ttl := f.rdb.TTL(ctx, keys[0]).Val(); ttl <= time.Hour || ttl > 2*time.Hour {
		t.Errorf("counter lives %v, want about two windows", ttl)
	}
	if got := f.rdb.Get(ctx, keys[0]).Val(); got != "4" {
		t.Errorf("counter = %s, want 4 (three signups and one Hit)", got)
	}
	if n := len(f.emailIndex(t)); n != 2 {
		t.Errorf("%d addresses stored, want the two under the limit", n)
	}
}

// A new subscriber's hash leaves out what decode can read elsewhere, and
// decode gives back what was stored before it did: a subscriber created
// confirmed (an import) has had no confirmation mail, so one who leaves
// and signs up again at once is not held back by the resend interval.
func TestCreatedSubscribersReadBackWhole(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	p := f.create(t, pending("p@example.org", t0), time.Time{})
	imported := pending("i@example.org", t0)
	imported.Status, imported.Name, imported.TZ = newsletter.StatusConfirmed, "", ""
	i := f.create(t, imported, t0)

	ps, err := f.s.Subscriber(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	if !ps.ConfirmMailAt.Equal(t0) || !ps.UpdatedAt.Equal(t0) || !ps.Consent.GivenAt.Equal(t0) || !ps.Consent.ConfirmedAt.IsZero() || !ps.LastSentAt.IsZero() {
		t.Errorf("pending read back: confirm mail %v, updated %v, consent %v / %v, last sent %v",
			ps.ConfirmMailAt, ps.UpdatedAt, ps.Consent.GivenAt, ps.Consent.ConfirmedAt, ps.LastSentAt)
	}
	is, err := f.s.Subscriber(ctx, i)
	if err != nil {
		t.Fatal(err)
	}
	if !is.ConfirmMailAt.IsZero() || !is.Consent.ConfirmedAt.Equal(t0) || !is.LastSentAt.Equal(t0) || is.Step != 0 || is.Enrolment != 1 {
		t.Errorf("import read back: confirm mail %v (want none), confirmed %v, last sent %v, step %d, enrolment %d",
			is.ConfirmMailAt, is.Consent.ConfirmedAt, is.LastSentAt, is.Step, is.Enrolment)
	}
	h := f.rdb.HGetAll(ctx, f.key("sub", i)).Val()
	for _, field := range []string{"n", "t", "u", "ca", "k", "ls", "cm"} {
		if v, ok := h[field]; ok {
			t.Errorf("the import's hash holds %s=%q, which decode reads elsewhere", field, v)
		}
	}
}

// TestUrgentLaneFirst: a confirmation is claimed before letter sends that
// were due earlier, and a retried confirmation keeps its place in the
// urgent lane.
func TestUrgentLaneFirst(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for i := range 5 {
		j := newsletter.Job{Kind: newsletter.JobLetterSend, Letter: "l1", Subscriber: fmt.Sprint("s", i)}
		if err := f.s.Schedule(ctx, j, t0.Add(-time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	confirm := newsletter.Job{Kind: newsletter.JobConfirm, Subscriber: "reader"}
	if err := f.s.Schedule(ctx, confirm, t0); err != nil {
		t.Fatal(err)
	}
	jobs, err := f.s.Claim(ctx, t0, time.Minute, 2)
	if err != nil || len(jobs) != 2 || jobs[0].ID() != confirm.ID() || jobs[1].Kind != newsletter.JobLetterSend {
		t.Fatalf("Claim(2) = %v, %v; want the confirmation first, then one letter send", jobs, err)
	}
	if err := f.s.Retry(ctx, jobs[0], t0.Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	if due, ok := f.urgent(t)[confirm.ID()]; !ok || !due.Equal(t0.Add(5*time.Second)) {
		t.Errorf("retried confirmation: urgent lane has %v %v, want it at +5s", due, ok)
	}
	jobs, err = f.s.Claim(ctx, t0.Add(5*time.Second), time.Minute, 1)
	if err != nil || len(jobs) != 1 || jobs[0].ID() != confirm.ID() {
		t.Errorf("after its retry, Claim(1) = %v, %v; want the confirmation again before the letter sends", jobs, err)
	}
}
