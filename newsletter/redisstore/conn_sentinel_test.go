package redisstore

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/redistest"
)

// TestConnSentinel connects through redis+sentinel:// (the URL's password
// also opens the sentinels), writes with a replica holding the write,
// sees the replica refuse writes, and lives through a failover: a write
// acknowledged by the replica before it is still there after, errors
// during it are all of a kind the service answers 503 for, and writes
// work again within a few seconds.
func TestConnSentinel(t *testing.T) {
	set := redistest.Sentinel(t, redistest.Password("sentinel-pw"))
	ctx := testCtx(t, 40*time.Second)
	url := "redis+sentinel://:sentinel-pw@" + strings.Join(set.Addrs, ",") + "/" + set.MasterName + "/2?dial_timeout=1s&read_timeout=1s&write_timeout=1s"
	rdb := openURL(t, url, TLSFiles{})

	// WAIT counts the replicas holding the writes of its own connection:
	// it goes in one pipeline with the write.
	var wait *redis.Cmd
	_, err := rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "nl:before", "kept", 0)
		wait = p.Do(ctx, "WAIT", 1, 2000)
		return nil
	})
	if n, _ := wait.Int(); err != nil || n != 1 {
		t.Fatalf("SET + WAIT 1 through Sentinel = %d, %v; want the replica to hold the write", n, err)
	}

	replica := set.Replica.Client(t)
	replica.Do(ctx, "SELECT", 2)
	err = replica.Set(ctx, "nl:on-replica", "1", 0).Err()
	if k := Classify(err); k != KindReadOnly || !k.Unavailable() {
		t.Errorf("SET on the replica: %v is %s, want read-only", err, k)
	}
	err = replica.Eval(ctx, "return redis.call('SET', KEYS[1], '1')", []string{"nl:on-replica"}).Err()
	if k := Classify(err); k != KindReadOnly {
		t.Errorf("a script writing on the replica: %v is %s, want read-only", err, k)
	}

	// Two writers keep going through the failover, each write with its
	// own deadline as a request would have: one with go-redis's retries,
	// one without, which sees every error there is to see.
	strict := openURL(t, url+"&max_retries=-1", TLSFiles{})
	var (
		mu         sync.Mutex
		kinds      = map[ErrorKind][]string{}
		okAfter    time.Time
		writes     int
		acked      int64 // increments a replica held
		notHeld    int   // increments no replica held within WAIT's timeout (after the failover the new master has no replica for ~10 s, until the sentinels turn the old master into one)
		failedOver time.Time
	)
	stop := make(chan struct{})
	var writers sync.WaitGroup
	for _, c := range []redis.UniversalClient{rdb, strict} {
		writers.Go(func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(10 * time.Millisecond):
				}
				held, err := incrHeld(ctx, c)
				mu.Lock()
				writes++
				switch {
				case err != nil:
					k := Classify(err)
					kinds[k] = append(kinds[k], err.Error())
				case !held:
					notHeld++
				default:
					acked++
				}
				if err == nil && !failedOver.IsZero() && okAfter.IsZero() {
					okAfter = time.Now()
				}
				mu.Unlock()
			}
		})
	}
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	newMaster := set.Failover()
	mu.Lock()
	failedOver = time.Now()
	mu.Unlock()
	t.Logf("failover to %s took %v", newMaster, failedOver.Sub(start).Round(time.Millisecond))
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		ok := !okAfter.IsZero()
		mu.Unlock()
		if ok || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	writers.Wait()

	mu.Lock()
	defer mu.Unlock()
	if okAfter.IsZero() {
		t.Fatalf("no write succeeded within 10s after the failover; errors: %v", kinds)
	}
	t.Logf("%d writes, %d held by a replica, %d not; first write %v after the sentinels agreed; errors by kind: %v",
		writes, acked, notHeld, okAfter.Sub(failedOver).Round(time.Millisecond), kinds)
	if okAfter.Sub(failedOver) > 5*time.Second {
		t.Errorf("the first write after the failover took %v, want under 5s", okAfter.Sub(failedOver))
	}
	for k, errs := range kinds {
		if !k.Unavailable() {
			t.Errorf("during the failover %d errors of kind %s (the service would answer 500): %q", len(errs), k, errs)
		}
	}
	if v, err := rdb.Get(ctx, "nl:before").Result(); err != nil || v != "kept" {
		t.Errorf("after the failover nl:before = %q, %v; want the write the replica held", v, err)
	}
	if n, err := rdb.Get(ctx, "nl:counter").Int64(); err != nil || n < acked {
		t.Errorf("after the failover nl:counter = %d, %v; want at least the %d increments a replica held", n, err, acked)
	}
}

// incrHeld increments nl:counter and waits up to 500 ms for a replica to
// hold it, in one pipeline (WAIT counts its own connection's writes), as
// the store does for a signup it is about to answer 2xx.
func incrHeld(ctx context.Context, c redis.UniversalClient) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	var wait *redis.Cmd
	_, err := c.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, "nl:counter")
		wait = p.Do(ctx, "WAIT", 1, 500)
		return nil
	})
	if err != nil {
		return false, err
	}
	n, err := wait.Int()
	return n >= 1, err
}
