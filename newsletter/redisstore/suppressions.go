package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// The suppression list and the count of temporary failures. Keys, under
// the prefix:
//
//	suppressed  hash  normalized address -> "<ms>|<status>|<reason>":
//	                  every address that bounced, complained or was
//	                  suppressed by hand (status bounced or complained);
//	                  a new record for it starts in that status (create.lua),
//	                  and erasing its subscriber takes it off (erase.lua)
//	soft:<id>   zset  mail -> time (ms) of a temporary failure of the
//	                  subscriber's address, within the counting window
//
// and the subscriber hash's field fReason.

// fReason is the subscriber hash's field for why it left:
// "<status>|<ms>|<reason>", which holds while the record's status and
// update time are these (see leftReason).
const fReason = "r"

var scriptSuppress = loadScript("suppress")

// suppressedKey is the suppression list of email's partition.
func (s *Store) suppressedKey(email string) string {
	return s.pkey(s.emailPartition(email), "suppressed")
}
func (s *Store) softKey(id string) string { return s.pkey(s.idPartition(id), "soft", id) }

// Suppress puts email on the suppression list with reason (an address
// keeps its first entry) and, when it has a subscriber, moves that
// subscriber to status (bounced or complained) with the reason and drops
// its queued work, unless it is bounced or complained already. It reports
// whether a subscriber's status changed.
func (s *Store) Suppress(ctx context.Context, email string, status newsletter.Status, reason string, at time.Time) (bool, error) {
	if status != newsletter.StatusBounced && status != newsletter.StatusComplained {
		return false, fmt.Errorf("suppress: status %q is not bounced or complained", status)
	}
	id, err := s.rdb.HGet(ctx, s.emailKey(email), email).Result()
	if err != nil && err != redis.Nil {
		return false, wrap("suppress", err)
	}
	return s.suppress(ctx, email, id, status, reason, at)
}

// suppress runs suppress.lua for email and its subscriber id ("" for none).
func (s *Store) suppress(ctx context.Context, email, id string, status newsletter.Status, reason string, at time.Time) (bool, error) {
	p := s.emailPartition(email)
	sub := s.subKey(id)
	if id == "" {
		sub = s.pkey(p, "sub", "-") // declared, never there
	}
	drip, confirm := newsletter.Job{Kind: newsletter.JobDrip, Subscriber: id}, newsletter.Job{Kind: newsletter.JobConfirm, Subscriber: id}
	keys := append([]string{s.suppressedKey(email), sub, s.statusKey(p, status), s.pkey(p, "queue"), s.pkey(p, "urgent")},
		s.statusSetsIn(p, "")...)
	n, err := scriptSuppress.Run(ctx, s.rdb, keys, email, id, string(status), at.UnixMilli(), oneLine(reason),
		drip.ID(), confirm.ID()).Int()
	if err != nil {
		return false, wrap("suppress", err)
	}
	return n == 1, nil
}

// BounceSubscriber is Suppress for the subscriber id, as bounced: the
// worker's answer to a permanent rejection of the address. A subscriber
// already gone is not an error.
func (s *Store) BounceSubscriber(ctx context.Context, id, reason string, at time.Time) error {
	email, err := s.rdb.HGet(ctx, s.subKey(id), fEmail).Result()
	if err == redis.Nil {
		return nil
	}
	if err != nil {
		return wrap("bounce", err)
	}
	_, err = s.suppress(ctx, email, id, newsletter.StatusBounced, reason, at)
	return err
}

// Suppressions lists the suppression list, newest first (by address
// when two have the same time).
func (s *Store) Suppressions(ctx context.Context) ([]newsletter.Suppression, error) {
	var out []newsletter.Suppression
	for p := range s.partitions() {
		h, err := s.rdb.HGetAll(ctx, s.pkey(p, "suppressed")).Result()
		if err != nil {
			return nil, wrap("list suppressions", err)
		}
		for email, v := range h {
			out = append(out, decodeSuppression(email, v))
		}
	}
	slices.SortFunc(out, func(a, b newsletter.Suppression) int {
		if c := b.At.Compare(a.At); c != 0 {
			return c
		}
		return strings.Compare(a.Email, b.Email)
	})
	return out, nil
}

// Suppression returns the list's entry for email; ErrNotFound when the
// address is not on it.
func (s *Store) Suppression(ctx context.Context, email string) (newsletter.Suppression, error) {
	v, err := s.rdb.HGet(ctx, s.suppressedKey(email), email).Result()
	if err != nil {
		return newsletter.Suppression{}, wrap("find suppression", err)
	}
	return decodeSuppression(email, v), nil
}

// Unsuppress takes email off the suppression list; ErrNotFound when it was
// not on it. Its subscriber keeps its status.
func (s *Store) Unsuppress(ctx context.Context, email string) error {
	n, err := s.rdb.HDel(ctx, s.suppressedKey(email), email).Result()
	if err != nil {
		return wrap("remove suppression", err)
	}
	if n == 0 {
		return fmt.Errorf("suppression of an address: %w", newsletter.ErrNotFound)
	}
	return nil
}

func decodeSuppression(email, v string) newsletter.Suppression {
	at, rest, _ := strings.Cut(v, "|")
	status, reason, _ := strings.Cut(rest, "|")
	return newsletter.Suppression{Email: email, Status: newsletter.Status(status), Reason: reason, At: fromMS(at)}
}

// CountSoftBounce records a temporary failure of the subscriber's address
// for mail (one count per mail however often it is reported; "" counts
// each report) at at, forgets those older than window, and returns how
// many are left.
func (s *Store) CountSoftBounce(ctx context.Context, id, mail string, at time.Time, window time.Duration) (int, error) {
	if mail == "" {
		b := make([]byte, 6)
		_, _ = rand.Read(b) // crypto/rand.Read never fails
		mail = "r:" + hex.EncodeToString(b)
	}
	key := s.softKey(id)
	var card *redis.IntCmd
	_, err := s.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZRemRangeByScore(ctx, key, "-inf", "("+strconv.FormatInt(at.Add(-window).UnixMilli(), 10))
		p.ZAddNX(ctx, key, redis.Z{Score: float64(at.UnixMilli()), Member: mail})
		card = p.ZCard(ctx, key)
		p.PExpire(ctx, key, window)
		return nil
	})
	if err != nil {
		return 0, wrap("count temporary failure", err)
	}
	return int(card.Val()), nil
}

// leftReason is the reason kept in a subscriber hash, when it still
// belongs to the record's status: the status and update time it was
// written with are the record's.
func leftReason(h map[string]string) string {
	v, ok := h[fReason]
	if !ok {
		return ""
	}
	status, rest, _ := strings.Cut(v, "|")
	at, reason, _ := strings.Cut(rest, "|")
	updated, ok := h[fUpdated]
	if !ok {
		updated = h[fCreated]
	}
	if status != h[fStatus] || at != updated {
		return ""
	}
	return reason
}

// oneLine keeps a reason on one line, without the separators of the
// values above mattering (the reason is the last part), at most 500 bytes.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(strings.ToValidUTF8(s, "?")), " ")
	if len(s) > 500 {
		cut := 500
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		s = s[:cut]
	}
	return s
}
