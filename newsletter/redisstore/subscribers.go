package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// CreateSubscriber stores n unless its address is known (script create.lua).
func (s *Store) CreateSubscriber(ctx context.Context, n newsletter.NewSubscriber, firstDue time.Time) (string, bool, error) {
	if err := s.limitApart(ctx, &n); err != nil {
		return "", false, err
	}
	keys, args := s.createArgs(n, firstDue, false)
	res, err := scriptCreate.Run(ctx, s.rdb, keys, args...).Slice()
	if err != nil {
		return "", false, wrap("create subscriber", err)
	}
	id, created, err := createResult(res)
	if err == nil {
		s.storedConsent(n, created, "")
	}
	return id, created, err
}

// The outcomes of Signup.
const (
	SignupCreated    = "created"    // new address: confirmation queued (none when on the suppression list)
	SignupResent     = "resent"     // pending: confirmation queued again
	SignupThrottled  = "throttled"  // pending or returning, but a confirmation went recently (or MaxConfirmMails in all)
	SignupAlready    = "already"    // confirmed: nothing sent
	SignupReturned   = "returned"   // had unsubscribed: pending again, confirmation queued
	SignupSuppressed = "suppressed" // bounced, complained (any status that takes no mail): nothing sent
)

// MaxConfirmMails is the most confirmation mails one pending address gets
// in all, however often it signs up.
const MaxConfirmMails = 3

// fConfirmCount counts the confirmation mails queued for a pending
// subscriber (absent: 1); create.lua keeps it.
const fConfirmCount = "cn"

// Signup stores the signup n (a pending subscriber) in one round trip
// (script create.lua), whoever the address belongs to: a new address is
// created with its confirmation queued; a known one follows the signup
// rules (a pending address gets the confirmation again at most once per
// ConfirmResendInterval and MaxConfirmMails times in all; a confirmed,
// bounced or complained one gets nothing; an unsubscribed one comes back
// pending with the new consent). It returns the subscriber's id and the
// outcome (SignupCreated …); ErrLimited when n.Limit refused it.
func (s *Store) Signup(ctx context.Context, n newsletter.NewSubscriber) (id, outcome string, err error) {
	if n.Status != newsletter.StatusPending {
		return "", "", fmt.Errorf("signup: status %q, want pending", n.Status)
	}
	if err := s.limitApart(ctx, &n); err != nil {
		return "", "", err
	}
	keys, args := s.createArgs(n, time.Time{}, true)
	var res []any
	err = s.durable(ctx, keys[0], func(c redis.Cmdable) error {
		var err error
		res, err = scriptCreate.Run(ctx, c, keys, args...).Slice()
		return wrap("signup", err)
	})
	if err != nil {
		return "", "", err
	}
	id, created, err := createResult(res)
	switch {
	case err != nil:
		return "", "", err
	case created:
		s.storedConsent(n, true, "")
		return id, SignupCreated, nil
	case len(res) < 3:
		return "", "", wrap("signup", fmt.Errorf("unexpected reply %v", res))
	}
	outcome, _ = res[2].(string)
	s.storedConsent(n, false, outcome)
	return id, outcome, nil
}

// createArgs are the keys and arguments of create.lua for n; signup
// applies the signup rules to a known address.
func (s *Store) createArgs(n newsletter.NewSubscriber, firstDue time.Time, signup bool) ([]string, []any) {
	p := s.emailPartition(n.Email)
	id := s.newIDIn(p)
	job, due, lane := "", n.At, s.pkey(p, "queue")
	switch {
	case n.Status == newsletter.StatusPending:
		j := newsletter.Job{Kind: newsletter.JobConfirm, Subscriber: id}
		job, lane = j.ID(), s.lane(j)
	case n.Sequence != "":
		job, due = newsletter.Job{Kind: newsletter.JobDrip, Subscriber: id}.ID(), firstDue
	}
	email := s.emailKey(n.Email)
	counter, max, ttl := email, 0, int64(0) // no limit: the counter key is not touched
	if l := n.Limit; l.Max > 0 && l.Window > 0 {
		counter, max, ttl = s.rateKey(l.Key, n.At, l.Window), l.Max, int64((2*l.Window+time.Second-1)/time.Second)
	}
	// A wording this process saw stored in the partition is not sent
	// again: one command less per signup (consentStored).
	version, text := n.Consent.Version, n.Consent.Text
	if version != "" {
		if at, ok := s.consentsStored.Load(strconv.Itoa(p) + "|" + version); ok && time.Since(at.(time.Time)) < consentStoredFor {
			version, text = "", ""
		}
	}
	args := []any{n.Email, id, job, ms(due), ms(n.At), max, ttl, version, text, signupSlot(n.At)}
	keys := []string{email, s.subKey(id), s.statusKey(p, n.Status), lane, counter, s.pkey(p, "consents"), s.pkey(p, "signups"),
		s.suppressedKey(n.Email), s.statusKey(p, newsletter.StatusBounced), s.statusKey(p, newsletter.StatusComplained)}
	if !signup {
		args = append(args, "", "", 0, 0, 0)
		return keys, append(args, newFields(n)...)
	}
	// A returning subscriber's record, as Resignup writes it, with its
	// count of confirmation mails begun again.
	returning := []any{fStatus, string(newsletter.StatusPending), fName, n.Name, fSequence, n.Sequence, fTZ, n.TZ,
		fUpdated, ms(n.At), fConsentVer, n.Consent.Version, fConsentSrc, n.Consent.Source, fConsentAt, ms(n.Consent.GivenAt),
		fConsentIP, n.Consent.IP, fConfirmedAt, "0", fConfirmMail, ms(n.At), fConfirmCount, "1"}
	args = append(args, "1", s.pkey(p, "sub")+":", newsletter.ConfirmResendInterval.Milliseconds(), MaxConfirmMails, len(returning)/2)
	args = append(append(args, returning...), newFields(n)...)
	keys = append(keys, s.statusKey(p, newsletter.StatusUnsubscribed), s.pkey(p, "queue"))
	return keys, args
}

// limitApart counts n against its limit outside create.lua on a cluster,
// where the limit's counter (by client, not by address) lies in another
// slot than the address's partition, and then lifts the limit from n. On
// one Redis it does nothing: create.lua counts in the same atomic step.
func (s *Store) limitApart(ctx context.Context, n *newsletter.NewSubscriber) error {
	l := n.Limit
	if !s.sharded() || l.Max <= 0 || l.Window <= 0 {
		return nil
	}
	count, _, err := s.Hit(ctx, l.Key, n.At, l.Window)
	if err != nil {
		return err
	}
	if count > int64(l.Max) {
		return fmt.Errorf("create subscriber: %w", newsletter.ErrLimited)
	}
	n.Limit = newsletter.Limit{}
	return nil
}

// consentStoredFor is how long this process trusts that a partition
// holds a consent wording it stored: should Redis lose its data meanwhile,
// the first signup after that stores the wording again.
const consentStoredFor = time.Minute

// storedConsent notes that the script stored n's consent wording (a new
// subscriber, or one who returned), for createArgs.
func (s *Store) storedConsent(n newsletter.NewSubscriber, created bool, outcome string) {
	if n.Consent.Version != "" && (created || outcome == SignupReturned) {
		s.consentsStored.Store(strconv.Itoa(s.emailPartition(n.Email))+"|"+n.Consent.Version, time.Now())
	}
}

func createResult(res []any) (string, bool, error) {
	if len(res) != 2 && len(res) != 3 {
		return "", false, wrap("create subscriber", fmt.Errorf("unexpected reply %v", res))
	}
	created, _ := res[0].(int64)
	if created < 0 {
		return "", false, fmt.Errorf("create subscriber: %w", newsletter.ErrLimited)
	}
	got, _ := res[1].(string)
	return got, created == 1, nil
}

// CreateSubscribers is CreateSubscriber for many subscribers in one round
// trip: a pipeline of create.lua runs, each atomic on its own and run in
// order (an address twice in ns is created once). firstDue[i] belongs to
// ns[i]. It returns the id of each and whether it was created; after an
// error, the entries before the first failed one are valid.
func (s *Store) CreateSubscribers(ctx context.Context, ns []newsletter.NewSubscriber, firstDue []time.Time) ([]string, []bool, error) {
	ids, created := make([]string, len(ns)), make([]bool, len(ns))
	keys, args := make([][]string, len(ns)), make([][]any, len(ns))
	for i, n := range ns {
		keys[i], args[i] = s.createArgs(n, firstDue[i], false)
	}
	cmds := make([]*redis.Cmd, len(ns))
	run := func(todo []int) error {
		_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
			for _, i := range todo {
				cmds[i] = p.EvalSha(ctx, scriptCreate.Hash(), keys[i], args[i]...)
			}
			return nil
		})
		return err
	}
	todo := make([]int, len(ns))
	for i := range todo {
		todo[i] = i
	}
	err := run(todo)
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		// Redis lost its scripts (a restart): load it, and run again the
		// ones that did not run.
		if lerr := scriptCreate.Load(ctx, s.rdb).Err(); lerr != nil {
			return ids[:0], created[:0], wrap("create subscribers", lerr)
		}
		todo = todo[:0]
		for i, c := range cmds {
			if c.Err() != nil && redis.HasErrorPrefix(c.Err(), "NOSCRIPT") {
				todo = append(todo, i)
			}
		}
		err = run(todo)
	}
	for i, c := range cmds {
		res, cerr := c.Slice()
		if cerr == nil {
			ids[i], created[i], cerr = createResult(res)
		}
		if cerr == nil {
			s.storedConsent(ns[i], created[i], "")
		}
		if cerr != nil {
			return ids[:i], created[:i], wrap("create subscribers", cerr)
		}
	}
	return ids, created, wrap("create subscribers", err)
}

// Subscriber loads one subscriber with its consent wording.
func (s *Store) Subscriber(ctx context.Context, id string) (*newsletter.Subscriber, error) {
	h, err := s.rdb.HGetAll(ctx, s.subKey(id)).Result()
	if err != nil {
		return nil, wrap("load subscriber", err)
	}
	if len(h) == 0 {
		return nil, fmt.Errorf("subscriber %s: %w", id, newsletter.ErrNotFound)
	}
	return s.withConsent(ctx, decode(id, h))
}

// withConsent fills in the wording of sub's consent version.
func (s *Store) withConsent(ctx context.Context, sub *newsletter.Subscriber) (*newsletter.Subscriber, error) {
	if v := sub.Consent.Version; v != "" {
		if text, ok := s.consents.Load(v); ok {
			sub.Consent.Text = text.(string)
			return sub, nil
		}
		text, err := s.rdb.HGet(ctx, s.pkey(s.idPartition(sub.ID), "consents"), v).Result()
		if err != nil && err != redis.Nil {
			return nil, wrap("load consent wording", err)
		}
		if err == nil {
			s.consents.Store(v, text)
		}
		sub.Consent.Text = text
	}
	return sub, nil
}

// LetterRecipient reads, in one round trip, what a send of a letter to
// one subscriber must see fresh: the letter's status (it may have been
// cancelled meanwhile; "" when the letter is gone), the subscriber (nil
// when erased) with its consent, and whether key is in its ledger.
func (s *Store) LetterRecipient(ctx context.Context, letterID, id, key string) (newsletter.LetterStatus, *newsletter.Subscriber, bool, error) {
	var st *redis.StringCmd
	var h *redis.MapStringStringCmd
	var recorded *redis.BoolCmd
	_, err := s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		st = p.HGet(ctx, s.shadowKey(s.idPartition(id), letterID), "st")
		h = p.HGetAll(ctx, s.subKey(id))
		recorded = p.HExists(ctx, s.ledgerKey(id), key)
		return nil
	})
	if err != nil && err != redis.Nil {
		return "", nil, false, wrap("load letter recipient", err)
	}
	status := newsletter.LetterStatus(st.Val())
	if len(h.Val()) == 0 {
		return status, nil, false, nil
	}
	sub, err := s.withConsent(ctx, decode(id, h.Val()))
	return status, sub, recorded.Val(), err
}

// SubscriberByEmail loads one subscriber by normalized address.
func (s *Store) SubscriberByEmail(ctx context.Context, email string) (*newsletter.Subscriber, error) {
	id, err := s.rdb.HGet(ctx, s.emailKey(email), email).Result()
	if err != nil {
		return nil, wrap("find subscriber", err)
	}
	return s.Subscriber(ctx, id)
}

// Resignup moves a known subscriber back to pending with a new consent
// record and queues a confirmation mail.
func (s *Store) Resignup(ctx context.Context, id string, n newsletter.NewSubscriber) error {
	old, err := s.rdb.HGet(ctx, s.subKey(id), fStatus).Result()
	if err != nil {
		return wrap("re-signup", err)
	}
	part := s.idPartition(id)
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		if n.Consent.Version != "" {
			p.HSetNX(ctx, s.pkey(part, "consents"), n.Consent.Version, n.Consent.Text)
		}
		p.ZRem(ctx, s.statusKey(part, newsletter.Status(old)), id)
		p.ZAdd(ctx, s.statusKey(part, newsletter.StatusPending), redis.Z{Score: float64(n.At.UnixMilli()), Member: id})
		p.HSet(ctx, s.subKey(id), fStatus, string(newsletter.StatusPending), fName, n.Name, fSequence, n.Sequence,
			fTZ, n.TZ, fUpdated, ms(n.At), fConsentVer, n.Consent.Version, fConsentSrc, n.Consent.Source,
			fConsentAt, ms(n.Consent.GivenAt), fConsentIP, n.Consent.IP, fConfirmedAt, "0", fConfirmMail, ms(n.At))
		p.ZRem(ctx, s.pkey(part, "queue"), newsletter.Job{Kind: newsletter.JobDrip, Subscriber: id}.ID())
		confirm := newsletter.Job{Kind: newsletter.JobConfirm, Subscriber: id}
		p.ZAdd(ctx, s.lane(confirm), redis.Z{Score: float64(n.At.UnixMilli()), Member: confirm.ID()})
		return nil
	})
	return wrap("re-signup", err)
}

// RequestConfirmMail queues another confirmation mail unless one was
// queued within ConfirmResendInterval (script resend.lua).
func (s *Store) RequestConfirmMail(ctx context.Context, id string, at time.Time) (bool, error) {
	job := newsletter.Job{Kind: newsletter.JobConfirm, Subscriber: id}
	n, err := scriptResend.Run(ctx, s.rdb, []string{s.subKey(id), s.lane(job)},
		job.ID(), at.UnixMilli(), newsletter.ConfirmResendInterval.Milliseconds(), at.UnixMilli()).Int()
	if err != nil {
		return false, wrap("queue confirmation mail", err)
	}
	return n == 1, nil
}

// Confirm marks a pending subscriber confirmed (script confirm.lua).
func (s *Store) Confirm(ctx context.Context, id string, at, firstDue time.Time) (bool, error) {
	due := ""
	if !firstDue.IsZero() {
		due = ms(firstDue)
	}
	p := s.idPartition(id)
	keys := []string{s.subKey(id), s.statusKey(p, newsletter.StatusPending), s.statusKey(p, newsletter.StatusConfirmed),
		s.pkey(p, "queue"), s.pkey(p, "urgent")}
	var n int
	err := s.durable(ctx, keys[0], func(c redis.Cmdable) error {
		var err error
		n, err = scriptConfirm.Run(ctx, c, keys, id, at.UnixMilli(),
			newsletter.Job{Kind: newsletter.JobDrip, Subscriber: id}.ID(), due).Int()
		return wrap("confirm", err)
	})
	if err != nil {
		return false, err
	}
	if n < 0 {
		return false, fmt.Errorf("confirm %s: %w", id, newsletter.ErrNotFound)
	}
	return n == 1, nil
}

// SetStatus moves a subscriber to status and, unless it is confirmed, drops
// its queued drip and confirmation work.
func (s *Store) SetStatus(ctx context.Context, id string, status newsletter.Status, at time.Time) error {
	old, err := s.rdb.HGet(ctx, s.subKey(id), fStatus).Result()
	if err != nil {
		return wrap("set status", err)
	}
	part := s.idPartition(id)
	_, err = s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRem(ctx, s.statusKey(part, newsletter.Status(old)), id)
		p.ZAdd(ctx, s.statusKey(part, status), redis.Z{Score: float64(at.UnixMilli()), Member: id})
		p.HSet(ctx, s.subKey(id), fStatus, string(status), fUpdated, ms(at))
		if status != newsletter.StatusConfirmed {
			drip, confirm := newsletter.Job{Kind: newsletter.JobDrip, Subscriber: id}, newsletter.Job{Kind: newsletter.JobConfirm, Subscriber: id}
			p.ZRem(ctx, s.lane(drip), drip.ID())
			p.ZRem(ctx, s.lane(confirm), confirm.ID())
		}
		return nil
	})
	return wrap("set status", err)
}

// Erase deletes everything stored about a subscriber: the record, the
// ledger, the index entry, its count in signups and its queued work
// (script erase.lua). An id whose record is already gone is still taken
// out of every set, and ErrNotFound returned. Letter sends still queued for
// it find no subscriber and are dropped.
func (s *Store) Erase(ctx context.Context, id string) error {
	v, err := s.rdb.HMGet(ctx, s.subKey(id), fEmail, fCreated).Result()
	if err != nil {
		return wrap("erase", err)
	}
	email, _ := v[0].(string)
	slot := ""
	if c, _ := v[1].(string); !fromMS(c).IsZero() {
		slot = strconv.FormatInt(signupSlot(fromMS(c)), 10)
	}
	p := s.idPartition(id)
	bucket := s.pkey(p, "emails", EmailBucket(email)) // the address's bucket (any key of p when unknown)
	keys := append([]string{s.subKey(id), s.ledgerKey(id), bucket, s.pkey(p, "signups"), s.pkey(p, "queue"), s.pkey(p, "attempts"),
		s.pkey(p, "urgent"), s.pkey(p, "suppressed"), s.softKey(id)}, s.statusSetsIn(p, "")...)
	var present int
	err = s.durable(ctx, keys[0], func(c redis.Cmdable) error {
		var err error
		present, err = scriptErase.Run(ctx, c, keys, id, email, slot,
			newsletter.Job{Kind: newsletter.JobDrip, Subscriber: id}.ID(), newsletter.Job{Kind: newsletter.JobConfirm, Subscriber: id}.ID()).Int()
		return wrap("erase", err)
	})
	if err != nil {
		return err
	}
	if present == 0 {
		return fmt.Errorf("erase %s: %w", id, newsletter.ErrNotFound)
	}
	return nil
}

// Sends lists the subscriber's ledger, oldest first.
func (s *Store) Sends(ctx context.Context, id string) ([]newsletter.Send, error) {
	h, err := s.rdb.HGetAll(ctx, s.ledgerKey(id)).Result()
	if err != nil {
		return nil, wrap("load sends", err)
	}
	return decodeSends(h), nil
}

// Enrolled lists the ids of confirmed subscribers in sequence.
func (s *Store) Enrolled(ctx context.Context, sequence string) ([]string, error) {
	var out []string
	for p := range s.partitions() {
		err := s.scanFields(ctx, s.statusKey(p, newsletter.StatusConfirmed), []string{fSequence}, func(m member, v []string) {
			if v[0] == sequence {
				out = append(out, m.id)
			}
		})
		if err != nil {
			return nil, wrap("list enrolled", err)
		}
	}
	return out, nil
}
