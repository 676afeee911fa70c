package redisstore

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/redistest"
)

// openURL parses raw with files and opens it, closing the client when the
// test ends.
func openURL(t *testing.T, raw string, files TLSFiles) redis.UniversalClient {
	t.Helper()
	o, err := ParseURL(raw, files)
	if err != nil {
		t.Fatalf("ParseURL: %v", err)
	}
	rdb := Open(o)
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// TestConnTLS reaches a redis-server that wants a client certificate
// through rediss:// with REDIS_CA_FILE, REDIS_CERT_FILE and REDIS_KEY_FILE,
// and fails without the certificate or without the CA.
func TestConnTLS(t *testing.T) {
	s := redistest.TLS(t)
	ctx := testCtx(t, 10*time.Second)
	url := "rediss://" + s.Addr + "/3?max_retries=-1&dial_timeout=2s"
	c := s.Certs
	rdb := openURL(t, url, TLSFiles{CA: c.CAFile, Cert: c.ClientCertFile, Key: c.ClientKeyFile})
	if err := rdb.Set(ctx, "nl:tls", "yes", 0).Err(); err != nil {
		t.Fatalf("SET over TLS with a client certificate: %v", err)
	}
	admin := redis.NewClient(&redis.Options{Addr: s.Addr, DB: 3, TLSConfig: c.ClientTLS(t)})
	defer admin.Close()
	if v, err := admin.Get(ctx, "nl:tls").Result(); err != nil || v != "yes" {
		t.Fatalf("the key is not in db 3: %q, %v", v, err)
	}

	noCert := openURL(t, url, TLSFiles{CA: c.CAFile})
	err := noCert.Ping(ctx).Err()
	if err == nil {
		t.Fatal("PING without a client certificate answered")
	}
	if k := Classify(err); k != KindUnreachable {
		t.Errorf("no client certificate: %v is %s, want unreachable", err, k)
	}
	noCA := openURL(t, url, TLSFiles{Cert: c.ClientCertFile, Key: c.ClientKeyFile})
	if err := noCA.Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("PING trusting only the system roots = %v, want a certificate error", err)
	}
}

// TestConnACL connects as an ACL user limited to nl:* keys, with a
// password that needs percent-encoding: a key inside the prefix works,
// one outside is refused with NOPERM, a wrong password with WRONGPASS.
func TestConnACL(t *testing.T) {
	s := redistest.Standalone(t)
	ctx := testCtx(t, 10*time.Second)
	const pass = "p@ss:w/rd%+1"
	if err := s.Client(t).Do(ctx, "ACL", "SETUSER", "nlapp", "on", ">"+pass, "resetkeys", "~nl:*", "+@all").Err(); err != nil {
		t.Fatalf("ACL SETUSER: %v", err)
	}
	rdb := openURL(t, "redis://nlapp:p%40ss%3Aw%2Frd%25+1@"+s.Addr+"/0", TLSFiles{})
	if err := rdb.Set(ctx, "nl:inside", "1", 0).Err(); err != nil {
		t.Fatalf("SET nl:inside as nlapp: %v", err)
	}
	err := rdb.Set(ctx, "other:outside", "1", 0).Err()
	if err == nil || !strings.HasPrefix(err.Error(), "NOPERM") {
		t.Fatalf("SET other:outside as nlapp = %v, want NOPERM", err)
	}
	if k := Classify(err); k != KindNoPerm || k.Unavailable() {
		t.Errorf("%v is %s (unavailable %v), want no-perm, not unavailable", err, k, k.Unavailable())
	}
	wrong := openURL(t, "redis://nlapp:nope@"+s.Addr+"/0?max_retries=-1", TLSFiles{})
	if err := wrong.Ping(ctx).Err(); Classify(err) != KindNoPerm {
		t.Errorf("a wrong password: %v is %s, want no-perm", err, Classify(err))
	}
}

// TestConnCluster reaches all three masters from one seed address through
// redis+cluster://, spreads keys over them, and lives through a failover
// of one master to its replica: errors during it are all of a kind the
// service answers 503 for, and every acknowledged write is still there.
func TestConnCluster(t *testing.T) {
	set := redistest.Cluster(t, redistest.ClusterReplicas())
	ctx := testCtx(t, 30*time.Second)
	rdb := openURL(t, "redis+cluster://"+set.Addrs[0], TLSFiles{})
	cc, ok := rdb.(*redis.ClusterClient)
	if !ok {
		t.Fatalf("Open(redis+cluster:// with one seed) = %T, want *redis.ClusterClient", rdb)
	}
	for i := range 300 {
		if err := cc.Set(ctx, fmt.Sprintf("nl:sub:%d", i), i, 0).Err(); err != nil {
			t.Fatalf("SET through the cluster: %v", err)
		}
	}
	seen := keysPerMaster(ctx, t, cc)
	if len(seen) != 3 {
		t.Fatalf("ForEachMaster reached %v, want the 3 masters %v", seen, set.Addrs)
	}
	for _, a := range set.Addrs {
		if seen[a] == 0 {
			t.Errorf("master %s holds no key of 300 (reached: %v)", a, seen)
		}
	}

	var (
		mu    sync.Mutex
		kinds = map[ErrorKind][]string{}
		acked = map[int]bool{}
	)
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1000; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
			wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			err := cc.Set(wctx, fmt.Sprintf("nl:sub:%d", i), i, 0).Err()
			cancel()
			mu.Lock()
			if err != nil {
				kinds[Classify(err)] = append(kinds[Classify(err)], err.Error())
			} else {
				acked[i] = true
			}
			mu.Unlock()
		}
	}()
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	promoted := set.Failover(t, set.Addrs[0])
	t.Logf("cluster failover to %s took %v", promoted, time.Since(start).Round(time.Millisecond))
	time.Sleep(300 * time.Millisecond)
	close(stop)
	<-done

	mu.Lock()
	defer mu.Unlock()
	t.Logf("%d writes acknowledged during the failover; errors by kind: %v", len(acked), kinds)
	for k, errs := range kinds {
		if !k.Unavailable() {
			t.Errorf("during the failover %d errors of kind %s (the service would answer 500): %q", len(errs), k, errs)
		}
	}
	for i := range acked {
		if v, err := cc.Get(ctx, fmt.Sprintf("nl:sub:%d", i)).Int(); err != nil || v != i {
			t.Errorf("acknowledged nl:sub:%d = %d, %v after the failover", i, v, err)
		}
	}
	seen = keysPerMaster(ctx, t, cc)
	if seen[promoted] == 0 || len(seen) != 3 {
		t.Errorf("after the failover ForEachMaster reached %v, want 3 masters with %s holding keys", seen, promoted)
	}
}

// keysPerMaster is DBSIZE of each master the cluster client reaches.
func keysPerMaster(ctx context.Context, t *testing.T, cc *redis.ClusterClient) map[string]int64 {
	t.Helper()
	var mu sync.Mutex
	seen := map[string]int64{}
	err := cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		n, err := m.DBSize(ctx).Result()
		mu.Lock()
		defer mu.Unlock()
		seen[m.Options().Addr] = n
		return err
	})
	if err != nil {
		t.Fatalf("ForEachMaster: %v", err)
	}
	return seen
}
