package redistest

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// MasterName is the name the sentinels started by Sentinel give the master.
const MasterName = "mymaster"

// SentinelSet is a master, its replica and three sentinels watching them
// (quorum 2, the master down after 1 s without an answer).
type SentinelSet struct {
	// Addrs are the sentinels' host:port addresses.
	Addrs []string
	// MasterName is the name of the watched master.
	MasterName string
	// Master and Replica are the data servers as started; after Failover
	// their roles are swapped.
	Master, Replica *Server
	// Sentinels are the three sentinel processes.
	Sentinels []*Server

	t        testing.TB
	password string
	clients  map[string]*redis.SentinelClient
}

// Sentinel starts a master, a replica of it and three sentinels, and waits
// until every sentinel knows the replica and the other two sentinels (so
// that a failover can start at once). opts configure the two data servers;
// Password protects the sentinels too.
func Sentinel(t testing.TB, opts ...Option) *SentinelSet {
	t.Helper()
	need(t, "redis-sentinel")
	st := apply(opts)
	set := &SentinelSet{MasterName: MasterName, t: t, password: st.password}
	set.Master = Standalone(t, opts...)
	set.Replica = Standalone(t, append(opts, Conf("replicaof", strings.Replace(set.Master.Addr, ":", " ", 1)))...)
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	rc := set.Replica.Client(t)
	waitFor(ctx, t, "the replica to sync with the master", func() error {
		info, err := rc.Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "master_link_status:up") {
			return fmt.Errorf("link not up")
		}
		return nil
	})
	host, port, _ := net.SplitHostPort(set.Master.Addr)
	for range 3 {
		s := startServer(t, "redis-sentinel", func(p int) [][]string {
			c := [][]string{
				{"port", strconv.Itoa(p)}, {"bind", "127.0.0.1"}, {"protected-mode", "no"},
				{"sentinel", "monitor", MasterName, host, port, "2"},
				{"sentinel", "down-after-milliseconds", MasterName, "1000"},
				{"sentinel", "failover-timeout", MasterName, "10000"},
				{"sentinel", "parallel-syncs", MasterName, "1"},
			}
			if st.password != "" {
				c = append(c, []string{"requirepass", st.password},
					[]string{"sentinel", "auth-pass", MasterName, st.password},
					[]string{"sentinel", "sentinel-pass", st.password})
			}
			return c
		}, st.password, nil)
		set.Sentinels = append(set.Sentinels, s)
		set.Addrs = append(set.Addrs, s.Addr)
	}
	for _, s := range set.Sentinels {
		sc := set.sentinelClient(s.Addr)
		waitFor(ctx, t, "sentinel "+s.Addr+" to know the replica and the other sentinels", func() error {
			reps, err := sc.Replicas(ctx, MasterName).Result()
			if err != nil {
				return err
			}
			if len(reps) != 1 || strings.Contains(reps[0]["flags"], "down") || reps[0]["master-link-status"] != "ok" {
				return fmt.Errorf("replicas: %v", reps)
			}
			peers, err := sc.Sentinels(ctx, MasterName).Result()
			if err != nil {
				return err
			}
			if len(peers) != 2 {
				return fmt.Errorf("%d other sentinels", len(peers))
			}
			return nil
		})
	}
	return set
}

// sentinelClient is a client on one sentinel, closed when the test ends.
func (set *SentinelSet) sentinelClient(addr string) *redis.SentinelClient {
	if sc := set.clients[addr]; sc != nil {
		return sc
	}
	sc := redis.NewSentinelClient(&redis.Options{Addr: addr, Password: set.password})
	set.t.Cleanup(func() { sc.Close() })
	if set.clients == nil {
		set.clients = map[string]*redis.SentinelClient{}
	}
	set.clients[addr] = sc
	return sc
}

// MasterAddr is the master's host:port as the first sentinel reports it.
func (set *SentinelSet) MasterAddr(ctx context.Context) (string, error) {
	a, err := set.sentinelClient(set.Addrs[0]).GetMasterAddrByName(ctx, MasterName).Result()
	if err != nil {
		return "", fmt.Errorf("sentinel get-master-addr-by-name: %w", err)
	}
	return net.JoinHostPort(a[0], a[1]), nil
}

// Failover asks a sentinel to fail the master over (SENTINEL FAILOVER)
// and waits until all three sentinels report the new master and it
// answers as a master. It returns the new master's address.
func (set *SentinelSet) Failover() string {
	t := set.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	old, err := set.MasterAddr(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sc := set.sentinelClient(set.Addrs[0])
	waitFor(ctx, t, "SENTINEL FAILOVER to be accepted", func() error {
		return sc.Failover(ctx, MasterName).Err() // NOGOODSLAVE until the replica is seen fresh
	})
	var now string
	waitFor(ctx, t, "every sentinel to report a new master", func() error {
		for _, a := range set.Addrs {
			m, err := set.sentinelClient(a).GetMasterAddrByName(ctx, MasterName).Result()
			if err != nil {
				return err
			}
			now = net.JoinHostPort(m[0], m[1])
			if now == old {
				return fmt.Errorf("sentinel %s still reports %s", a, old)
			}
		}
		return nil
	})
	waitFor(ctx, t, "the new master to answer as a master", func() error {
		c := redis.NewClient(&redis.Options{Addr: now, Password: set.password})
		defer c.Close()
		info, err := c.Info(ctx, "replication").Result()
		if err != nil {
			return err
		}
		if !strings.Contains(info, "role:master") {
			return fmt.Errorf("not a master yet")
		}
		return nil
	})
	return now
}

// waitFor calls try every 50 ms until it returns nil, and fails the test
// with try's last error when ctx ends first.
func waitFor(ctx context.Context, t testing.TB, what string, try func() error) {
	t.Helper()
	for {
		err := try()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}
