// Package redisstore keeps subscribers, letters, the job queue and the send
// ledger in Redis, through github.com/redis/go-redis/v9.
//
// Every multi-key change that must hold together is one named Lua script in
// scripts/ (each commented with its keys and arguments, and tested against a
// real Redis) or one MULTI/EXEC transaction. Key layout, under a prefix
// (default "nl:"); on Redis Cluster a hash tag follows the prefix: the
// tag of the subscriber's partition for what belongs to subscribers, and
// "{g}:" for the rest (see partition.go):
//
//	sub:<id>        hash    one subscriber (short field names, see fields.go)
//	emails:<b>      hash    normalized address -> id, for the addresses of
//	                        bucket b (see emailKey): 65,536 small hashes
//	status:<s>      zset    id -> time it entered status s (ms); every
//	                        subscriber is in exactly one of them
//	signups         hash    quarter hour (ms / 900,000) -> subscribers
//	                        created in it and not erased
//	layout          string  version of this layout (see Upgrade)
//	ledger:<id>     hash    ledger key -> send (compact, see ledger.go)
//	consents        hash    consent version -> exact wording
//	urgent          zset    job id -> due (ms) of the jobs claimed first
//	                        (confirmation mails, newsletter.Job.Urgent)
//	queue           zset    job id -> due (ms) of every other job (drip
//	                        steps, letters and their sends); in both lanes
//	                        a claimed job moves to its lease end
//	attempts        hash    job id -> failed tries
//	letter:<id>     hash    one letter
//	letters         zset    letter id -> send_at (ms)
//	drafts          zset    draft letter id -> last save (ms)
//	parked:<id>     set     sends of held letter id, put aside until the
//	                        author releases or cancels it
//	seqhash:<id>    string  content hash of a sequence, to notice edits
//	rl:<key>:<win>  string  request counter of one rate-limit window
//	secret          string  key for signed links when SECRET_KEY is unset
//	signedout:<id>  string  a desk sign-in (random id only) that signed
//	                        out; expires when its last cookie would
//	rate:mail       string  MAIL_RATE's shared token bucket (see MailLimiter)
//	funnel          hash    signups and confirmations counted for the
//	                        funnel (counts only, see funnel.go)
//	funnel:dl       HLL     guide readers, each counted once, none named
//	img:<id>        hash    an image uploaded in the desk (images.go)
//	images          zset    image id -> upload time (ms)
package redisstore

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// Store implements newsletter.Store on Redis.
type Store struct {
	rdb    redis.UniversalClient
	prefix string
	// tag follows the prefix in every global key: empty on one node, the
	// hash tag "{g}:" on Redis Cluster (see partition.go).
	tag string
	// parts are the hash tags of the partitions: one empty tag on one
	// node, ClusterPartitions tags on Redis Cluster.
	parts []string
	// claimTurn picks the partition Claim starts with.
	claimTurn atomic.Uint32
	// consents caches consent wordings by version: a version's wording
	// never changes (create.lua writes it once), and every load of a
	// subscriber needs it.
	consents sync.Map
	// consentsStored notes when this process stored a consent wording in
	// a partition ("<partition>|<version>" -> time), so that the next
	// signups do not send it again (see consentStoredFor).
	consentsStored sync.Map
	// replicaCount caches each master's replicas for durable writes
	// (ack.go).
	replicaCount replicaCount
	// ackers share WAITs among durable writes, by master address (ack.go).
	ackers sync.Map
}

var _ newsletter.Store = (*Store)(nil)

// New returns a Store on rdb whose keys all start with prefix ("nl:" when
// empty), so that tests and several services can share one Redis.
func New(rdb redis.UniversalClient, prefix string) *Store {
	if prefix == "" {
		prefix = "nl:"
	}
	s := &Store{rdb: rdb, prefix: prefix, parts: []string{""}}
	if _, ok := rdb.(*redis.ClusterClient); ok {
		s.tag, s.parts = globalTag, partitionTags
	}
	return s
}

// Client returns the underlying Redis client.
func (s *Store) Client() redis.UniversalClient { return s.rdb }

func (s *Store) key(parts ...string) string {
	k := s.prefix + s.tag
	for i, p := range parts {
		if i > 0 {
			k += ":"
		}
		k += p
	}
	return k
}

func (s *Store) subKey(id string) string    { return s.pkey(s.idPartition(id), "sub", id) }
func (s *Store) ledgerKey(id string) string { return s.pkey(s.idPartition(id), "ledger", id) }

// statusKey is the set of the subscribers of partition p with status st.
func (s *Store) statusKey(p int, st newsletter.Status) string {
	return s.pkey(p, "status", string(st))
}
func (s *Store) letterKey(id string) string { return s.key("letter", id) }

// shadowKey is letter id's shadow in partition p (see partition.go): on
// one Redis, the letter's own hash.
func (s *Store) shadowKey(p int, id string) string { return s.pkey(p, "letter", id) }

// emailKey is the index bucket of a normalized address (EmailBucket).
func (s *Store) emailKey(email string) string {
	return s.pkey(s.emailPartition(email), "emails", EmailBucket(email))
}

// EmailBucket names the bucket of the address index that holds a
// normalized address: four hex digits, the low 16 bits of its FNV-1a hash.
// The index is cut into 65,536 hashes so that each stays small enough for
// Redis's compact listpack encoding (128 entries by default: about 8
// million addresses in all); one large hash takes twice the memory per
// address (`go run ./bench -only layouts`).
func EmailBucket(email string) string {
	h := fnv16(email)
	const hexdigits = "0123456789abcdef"
	b := [4]byte{hexdigits[h>>12&15], hexdigits[h>>8&15], hexdigits[h>>4&15], hexdigits[h&15]}
	return string(b[:])
}

// fnv16 is the low 16 bits of the FNV-1a hash of s.
func fnv16(s string) uint16 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return uint16(h)
}

// signupSlot is the field of the signups hash that counts subscribers
// created at t: quarter hours, so that the days of every time zone (all
// offsets are whole quarter hours) are whole numbers of slots.
func signupSlot(t time.Time) int64 { return floorDiv(t.UnixMilli(), signupSlotMS) }

// floorDiv is a/b rounded down, also for a < 0 (b > 0).
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

const signupSlotMS = int64(15 * time.Minute / time.Millisecond)

// Ping reports whether Redis answers.
func (s *Store) Ping(ctx context.Context) error {
	return wrap("ping", s.rdb.Ping(ctx).Err())
}

// wrap turns redis.Nil into ErrNotFound and every other failure into
// ErrUnavailable, keeping the cause in the message.
func wrap(op string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, redis.Nil):
		return fmt.Errorf("%s: %w", op, newsletter.ErrNotFound)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("%s: %w: %w", op, newsletter.ErrUnavailable, err)
	default:
		return fmt.Errorf("%s: %w: %v", op, newsletter.ErrUnavailable, err)
	}
}

func newID() string {
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return hex.EncodeToString(b)
}
