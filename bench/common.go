package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// secretKey is the SECRET_KEY of every service the benchmark runs.
const secretKey = "bench-secret-key-0123456789abcdef0123456789abcdef"

// redisClient opens db on the benchmark's Redis.
func redisClient(addr string, db, pool int) *redis.Client {
	return redis.NewClient(&redis.Options{Addr: addr, DB: db, PoolSize: pool})
}

func redisURL(addr string, db int) string { return fmt.Sprintf("redis://%s/%d", addr, db) }

// newPrefix is a key prefix of its own for one scenario.
func newPrefix(what string) string { return "bench:" + what + ":" + testkit.RandomHex(4) + ":" }

// prefixTag is the random part of a newPrefix, to tell its logs and
// addresses apart.
func prefixTag(prefix string) string {
	prefix = strings.TrimSuffix(prefix, ":")
	return prefix[strings.LastIndex(prefix, ":")+1:]
}

// cleanups are run at the end, and on an interrupt.
var cleanups struct {
	sync.Mutex
	fns []func()
}

func atCleanup(f func()) {
	cleanups.Lock()
	cleanups.fns = append(cleanups.fns, f)
	cleanups.Unlock()
}

func runCleanups() {
	cleanups.Lock()
	fns := cleanups.fns
	cleanups.fns = nil
	cleanups.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// deletePrefix unlinks every key under prefix, in batches, and returns
// how many it removed.
func deletePrefix(rdb *redis.Client, prefix string) int {
	ctx := context.Background()
	n := 0
	var cursor uint64
	for {
		keys, next, err := rdb.Scan(ctx, cursor, prefix+"*", 10000).Result()
		if err != nil {
			logf("cleanup %s: %v", prefix, err)
			return n
		}
		if len(keys) > 0 {
			rdb.Unlink(ctx, keys...)
			n += len(keys)
		}
		if cursor = next; cursor == 0 {
			return n
		}
	}
}

// settle waits (up to 10 s) until Redis has freed what UNLINK handed to
// its background thread, so that used_memory no longer counts it.
func settle(rdb *redis.Client) {
	for range 100 {
		s, err := rdb.Info(context.Background(), "memory").Result()
		if err != nil || strings.Contains(s, "lazyfree_pending_objects:0\r") {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// usedMemory is INFO memory's used_memory.
func usedMemory(rdb *redis.Client) int64 {
	s, err := rdb.Info(context.Background(), "memory").Result()
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(s, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "used_memory:"); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	return 0
}

// redisCPU is the CPU the Redis server has used so far (INFO cpu), shared
// by every client of that Redis.
func redisCPU(rdb *redis.Client) time.Duration {
	s, err := rdb.Info(context.Background(), "cpu").Result()
	if err != nil {
		return 0
	}
	var total float64
	for _, line := range strings.Split(s, "\n") {
		line = strings.TrimSpace(line)
		for _, k := range []string{"used_cpu_sys:", "used_cpu_user:"} {
			if v, ok := strings.CutPrefix(line, k); ok {
				f, _ := strconv.ParseFloat(v, 64)
				total += f
			}
		}
	}
	return time.Duration(total * float64(time.Second))
}

// names give the loaded subscribers lifelike sizes.
var (
	firstNames = []string{"Anna", "Ben", "Chiara", "Dmitri", "Eleanor", "Farid", "Grace", "Hiroshi", "Ines", "Jonas", "", "", ""}
	lastNames  = []string{"meyer", "okafor", "rossi", "nguyen", "schmidt", "garcia", "kowalski", "smith"}
	zones      = []string{"", "", "", "Europe/Berlin", "America/New_York", "America/Los_Angeles", "Australia/Sydney"}
)

// lifelike is subscriber i's address (tagged with tag), first name and
// time zone: the same for the same i, of sizes like real ones.
func lifelike(i int, tag string) (email, name, tz string) {
	r := rand.New(rand.NewPCG(uint64(i), 7))
	name = firstNames[r.IntN(len(firstNames))]
	email = fmt.Sprintf("%s.%s%d@%s.example.org", strings.ToLower(orDefault(name, "reader")), lastNames[r.IntN(len(lastNames))], i, tag)
	return email, name, zones[r.IntN(len(zones))]
}

// subLoad describes subscribers written through the store's own code
// (Store.CreateSubscribers: script create.lua, pipelined), so they have
// exactly the layout the service writes.
type subLoad struct {
	Tag      string // makes addresses unique
	From, To int    // subscriber numbers [From, To)
	Sequence string // "" joins none (no drip job)
	At       func(i int) time.Time
	FirstDue func(i int) time.Time // drip job due time when Sequence is set
	Workers  int
}

// loadSubscribers creates confirmed subscribers, batches in parallel, and
// returns their ids in order.
func loadSubscribers(ctx context.Context, st *redisstore.Store, l subLoad) ([]string, error) {
	const batch = 1000
	if l.Workers == 0 {
		l.Workers = 4
	}
	ids := make([]string, l.To-l.From)
	var next atomic.Int64
	next.Store(int64(l.From))
	var wg sync.WaitGroup
	var firstErr error
	var once sync.Once
	for w := 0; w < l.Workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				from := int(next.Add(batch)) - batch
				if from >= l.To {
					return
				}
				to := min(from+batch, l.To)
				ns, dues := make([]newsletter.NewSubscriber, 0, to-from), make([]time.Time, 0, to-from)
				for i := from; i < to; i++ {
					email, name, tz := lifelike(i, l.Tag)
					at := l.At(i)
					ns = append(ns, newsletter.NewSubscriber{
						Email: email, Name: name, Sequence: l.Sequence, TZ: tz,
						Status: newsletter.StatusConfirmed, At: at,
						Consent: newsletter.Consent{Text: "Consent given before import", Version: "import", Source: "import", GivenAt: at},
					})
					var due time.Time
					if l.FirstDue != nil {
						due = l.FirstDue(i)
					}
					dues = append(dues, due)
				}
				got, _, err := st.CreateSubscribers(ctx, ns, dues)
				if err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				copy(ids[from-l.From:], got)
			}
		}()
	}
	wg.Wait()
	return ids, firstErr
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// logf prints progress to stderr.
func logf(format string, args ...any) {
	fmt.Fprintf(stderr, "[%s] %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
