package redisstore_test

// The store on a real three-master Redis Cluster: every operation that
// spans partitions (listings, counts, a letter's fan-out and counts, the
// late-letter guard, pausing) through the Store's methods, with the
// subscribers spread over the partitions.

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/redistest"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

func TestStoreOnCluster(t *testing.T) {
	set := redistest.Cluster(t)
	cc := set.Client(t)
	s := redisstore.New(cc, "c:")
	ctx := context.Background()
	const n = 48

	// Subscribers: half imported confirmed, half signed up and confirmed.
	var ids, emails []string
	for i := range n {
		sub := pending(fmt.Sprintf("reader%d@example.org", i), t0)
		var id string
		var err error
		if i%2 == 0 {
			sub.Status = newsletter.StatusConfirmed
			id, _, err = s.CreateSubscriber(ctx, sub, t0.Add(time.Hour))
		} else {
			id, _, err = s.Signup(ctx, sub)
			if err == nil {
				_, err = s.Confirm(ctx, id, t0, t0.Add(time.Hour))
			}
		}
		if err != nil {
			t.Fatalf("subscriber %d: %v", i, err)
		}
		ids, emails = append(ids, id), append(emails, sub.Email)
	}
	spread := map[string]int{}
	cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		keys, _ := m.Keys(ctx, "c:*:sub:*").Result()
		spread[m.Options().Addr] = len(keys)
		return nil
	})
	for _, a := range set.Addrs {
		if spread[a] < n/6 {
			t.Errorf("subscribers per master %v: %s holds fewer than %d of %d", spread, a, n/6, n)
		}
	}

	// The data-loss guard's epoch lives in every partition: one master
	// that loses its data reads as an emptied Redis.
	epoch, err := s.NewEpoch(ctx)
	if err != nil || epoch == "" {
		t.Fatalf("NewEpoch = %q, %v", epoch, err)
	}
	if got, _, err := s.Watermark(ctx); err != nil || got != epoch {
		t.Fatalf("Watermark = %q, %v; want %q", got, err, epoch)
	}
	cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		keys, _ := m.Keys(ctx, "c:{p*}:epoch").Result()
		if len(keys) > 0 {
			m.Del(ctx, keys[0])
		}
		return nil
	})
	if got, _, err := s.Watermark(ctx); err != nil || got != "" {
		t.Errorf("Watermark with a partition's epoch gone = %q, %v; want \"\" (lost data)", got, err)
	}

	// Counts and listings add the partitions up.
	counts, err := s.CountStatuses(ctx)
	if err != nil || counts[newsletter.StatusConfirmed] != n {
		t.Fatalf("CountStatuses = %v, %v; want %d confirmed", counts, err, n)
	}
	page, total, err := s.Subscribers(ctx, "", 5, 10)
	if err != nil || total != n || len(page) != 10 {
		t.Fatalf("Subscribers(offset 5, 10) = %d rows of %d, %v", len(page), total, err)
	}
	seen, cursor := map[string]bool{}, ""
	for {
		subs, next, err := s.SubscriberPage(ctx, "", cursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, sub := range subs {
			seen[sub.ID] = true
		}
		if cursor = next; cursor == "" {
			break
		}
	}
	if len(seen) != n {
		t.Errorf("paging with SubscriberPage listed %d of %d", len(seen), n)
	}
	if found, total, err := s.SearchSubscribers(ctx, "", "reader17@", 0, 10); err != nil || total != 1 || found[0].Email != "reader17@example.org" {
		t.Errorf("search reader17@: %d found, %v", total, err)
	}
	if byMail, err := s.SubscriberByEmail(ctx, emails[3]); err != nil || byMail.ID != ids[3] {
		t.Errorf("SubscriberByEmail(%s) = %v, %v; want id %s", emails[3], byMail, err, ids[3])
	}
	if days, err := s.CountCreated(ctx, []time.Time{t0.Add(-time.Hour), t0.Add(time.Hour)}); err != nil || days[0] != n {
		t.Errorf("CountCreated around t0 = %v, %v; want %d", days, err, n)
	}

	// A bounce and an erase, each in its subscriber's partition.
	if _, err := s.Suppress(ctx, emails[0], newsletter.StatusBounced, "550 5.1.1 no such user", t0); err != nil {
		t.Fatal(err)
	}
	if err := s.Erase(ctx, ids[1]); err != nil {
		t.Fatal(err)
	}
	if list, err := s.Suppressions(ctx); err != nil || len(list) != 1 || list[0].Email != emails[0] {
		t.Errorf("Suppressions = %v, %v; want %s", list, err, emails[0])
	}
	if _, err := s.Subscriber(ctx, ids[1]); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("erased subscriber: %v, want ErrNotFound", err)
	}
	recipients := n - 2

	// Pausing sending holds back every partition's queue.
	if _, err := s.PauseSending(ctx, newsletter.Sending{Paused: true, Reason: "test", Since: t0, By: "author"}); err != nil {
		t.Fatal(err)
	}
	if jobs, err := s.Claim(ctx, t0.Add(2*time.Hour), time.Minute, 100); err != nil || len(jobs) != 0 {
		t.Fatalf("claim while paused = %d jobs, %v; want none", len(jobs), err)
	}
	if _, err := s.ResumeSending(ctx, t0); err != nil {
		t.Fatal(err)
	}

	// A paused sequence parks its steps in each partition; resuming puts
	// them all back.
	if _, err := s.PauseSequence(ctx, "guide", t0); err != nil {
		t.Fatal(err)
	}
	drips := claimAll(t, s, t0.Add(2*time.Hour))
	if len(drips) != recipients {
		t.Fatalf("claimed %d drip jobs across the partitions, want %d", len(drips), recipients)
	}
	for _, j := range drips {
		if parked, err := s.ParkStep(ctx, "guide", j, t0.Add(time.Hour)); err != nil || !parked {
			t.Fatalf("park %s: %v %v", j.ID(), parked, err)
		}
	}
	if p, err := s.Parked(ctx, "guide"); err != nil || p != int64(recipients) {
		t.Errorf("Parked = %d, %v; want %d", p, err, recipients)
	}
	if was, moved, err := s.ResumeSequence(ctx, "guide", t0.Add(3*time.Hour)); err != nil || !was || moved != recipients {
		t.Errorf("ResumeSequence = %v, %d, %v; want true, %d", was, moved, err, recipients)
	}
	for _, j := range claimAll(t, s, t0.Add(3*time.Hour)) {
		if err := s.Drop(ctx, j); err != nil {
			t.Fatal(err)
		}
	}

	// A letter: fanned out into every partition, settled there, sent
	// when the last partition is done.
	sendAt := t0.Add(4 * time.Hour)
	id, err := s.CreateLetter(ctx, &newsletter.Letter{Subject: "Across", Markdown: "Hi", SendAt: sendAt, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	sendAll(t, s, id, sendAt, recipients, 0)
	l, err := s.Letter(ctx, id)
	if err != nil || l.Status != newsletter.LetterSent || l.Sent != recipients || l.Recipients != recipients {
		t.Fatalf("letter after every send: %+v, %v; want sent to %d", l, err, recipients)
	}
	c, err := s.Counters(ctx)
	if err != nil || len(c.Letters) != 1 || c.Letters[0].Sent != recipients {
		t.Errorf("Counters.Letters = %+v, %v", c, err)
	}

	// Held while sending: the sends claimed meanwhile park in their
	// partitions; a release puts them all back; the letter completes.
	at := sendAt.Add(time.Hour)
	held, err := s.CreateLetter(ctx, &newsletter.Letter{Subject: "Held", Markdown: "Hi", SendAt: at, CreatedAt: t0, ScheduledAt: at})
	if err != nil {
		t.Fatal(err)
	}
	_, rcpt, err := s.StartLetter(ctx, held, at, time.Hour)
	if err != nil || len(rcpt) != recipients {
		t.Fatalf("start: %d recipients, %v", len(rcpt), err)
	}
	if err := s.FinishFanOut(ctx, held, rcpt, at); err != nil {
		t.Fatal(err)
	}
	if got, err := s.HoldLateLetters(ctx, at.Add(2*time.Hour), time.Hour); err != nil || len(got) != 1 {
		t.Fatalf("HoldLateLetters = %v, %v; want the stalled letter", got, err)
	}
	sends := claimAll(t, s, at.Add(2*time.Hour))
	for _, j := range sends {
		st, _, _, err := s.LetterRecipient(ctx, held, j.Subscriber, newsletter.LetterLedgerKey(held))
		if err != nil || st != newsletter.LetterHeld {
			t.Fatalf("a send of the held letter reads its status as %q (%v), want held", st, err)
		}
		if ok, err := s.ParkLetterSend(ctx, j, at.Add(2*time.Hour)); err != nil || !ok {
			t.Fatalf("park %s: %v %v", j.ID(), ok, err)
		}
	}
	if p, err := s.ParkedSends(ctx, held); err != nil || p != int64(recipients) {
		t.Fatalf("ParkedSends = %d, %v; want %d", p, err, recipients)
	}
	if err := s.ReleaseLetter(ctx, held, at.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	sendAll(t, s, held, at.Add(3*time.Hour), recipients, -1)
	if l, err := s.Letter(ctx, held); err != nil || l.Status != newsletter.LetterSent || l.Sent != recipients {
		t.Errorf("released letter: %+v, %v; want sent to all %d", l, err, recipients)
	}

	// Cancelled while sending: every partition's sends read it so.
	at = at.Add(4 * time.Hour)
	gone, err := s.CreateLetter(ctx, &newsletter.Letter{Subject: "Gone", Markdown: "Hi", SendAt: at, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	_, rcpt, _ = s.StartLetter(ctx, gone, at, 0)
	if err := s.FinishFanOut(ctx, gone, rcpt, at); err != nil {
		t.Fatal(err)
	}
	if err := s.CancelLetter(ctx, gone); err != nil {
		t.Fatal(err)
	}
	for _, j := range claimAll(t, s, at) {
		if st, _, _, err := s.LetterRecipient(ctx, gone, j.Subscriber, newsletter.LetterLedgerKey(gone)); err != nil || st != newsletter.LetterCancelled {
			t.Fatalf("a send of the cancelled letter reads %q (%v)", st, err)
		}
	}
}

// claimAll claims every job due at now, from every partition.
func claimAll(t *testing.T, s *redisstore.Store, now time.Time) []newsletter.Job {
	t.Helper()
	var all []newsletter.Job
	for {
		jobs, err := s.Claim(context.Background(), now, time.Minute, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(jobs) == 0 {
			sort.Slice(all, func(i, j int) bool { return all[i].ID() < all[j].ID() })
			return all
		}
		all = append(all, jobs...)
	}
}

// sendAll fans letter id out at now (unless fanned out already: want < 0)
// and records every send as sent.
func sendAll(t *testing.T, s *redisstore.Store, id string, now time.Time, recipients, want int) {
	t.Helper()
	ctx := context.Background()
	if want >= 0 {
		_, rcpt, err := s.StartLetter(ctx, id, now, 0)
		if err != nil || len(rcpt) != recipients {
			t.Fatalf("start letter: %d recipients, %v; want %d", len(rcpt), err, recipients)
		}
		if err := s.FinishFanOut(ctx, id, rcpt, now); err != nil {
			t.Fatal(err)
		}
	}
	sends := claimAll(t, s, now)
	if len(sends) != recipients {
		t.Fatalf("claimed %d sends, want %d", len(sends), recipients)
	}
	for _, j := range sends {
		key := newsletter.LetterLedgerKey(id)
		err := s.Record(ctx, newsletter.Outcome{Job: j, LedgerKey: key, Counter: "sent",
			Send: &newsletter.Send{Kind: "letter", Subject: "Across", SentAt: now}})
		if err != nil {
			t.Fatal(err)
		}
	}
}
