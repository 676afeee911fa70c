package redistest

import (
	"context"
	"fmt"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// ClusterSet is a Redis Cluster of three masters (and, with
// ClusterReplicas, one replica each) covering all 16384 slots.
type ClusterSet struct {
	// Addrs are the masters' host:port addresses.
	Addrs []string
	// Nodes are every node, masters first.
	Nodes []*Server
}

// ClusterReplicas gives each of Cluster's masters a replica.
func ClusterReplicas() Option {
	return func(s *settings) { s.clusterReplicas = true }
}

// Cluster starts three cluster-enabled redis-servers (six with
// ClusterReplicas), joins them with redis-cli --cluster create and waits
// until every node says cluster_state:ok.
func Cluster(t testing.TB, opts ...Option) *ClusterSet {
	t.Helper()
	cli := need(t, "redis-cli")
	st := apply(opts)
	n, replicas := 3, "0"
	if st.clusterReplicas {
		n, replicas = 6, "1"
	}
	// A replica counts as "online" in CLUSTER SHARDS once its replication
	// offset moves: a master's ping each second makes it move without
	// writes.
	nodeOpts := append([]Option{Conf("cluster-enabled", "yes"), Conf("cluster-node-timeout", "2000"),
		Conf("repl-ping-replica-period", "1")}, opts...)
	set := &ClusterSet{}
	args := []string{"--cluster", "create"}
	for range n {
		s := Standalone(t, nodeOpts...)
		set.Nodes = append(set.Nodes, s)
		args = append(args, s.Addr)
	}
	args = append(args, "--cluster-replicas", replicas, "--cluster-yes")
	if st.password != "" {
		args = append(args, "-a", st.password, "--no-auth-warning")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput(); err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, s := range set.Nodes {
		c := s.Client(t)
		waitFor(ctx, t, "node "+s.Addr+" to say cluster_state:ok", func() error {
			info, err := c.ClusterInfo(ctx).Result()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, fmt.Sprintf("cluster_known_nodes:%d", n)) {
				return fmt.Errorf("%s", strings.ReplaceAll(strings.TrimSpace(info), "\r\n", " "))
			}
			shards, err := c.ClusterShards(ctx).Result()
			if err != nil {
				return err
			}
			for _, sh := range shards {
				if len(sh.Slots) == 0 || len(sh.Nodes) != n/3 {
					return fmt.Errorf("a shard not settled yet: %+v", sh)
				}
				for _, nd := range sh.Nodes {
					if nd.Health != "online" {
						return fmt.Errorf("node %s:%d is %s", nd.IP, nd.Port, nd.Health)
					}
				}
			}
			if len(shards) != 3 {
				return fmt.Errorf("%d shards", len(shards))
			}
			if st.clusterReplicas {
				role, err := c.Do(ctx, "ROLE").Slice()
				if err != nil {
					return err
				}
				if role[0] == "slave" && role[3] != "connected" {
					return fmt.Errorf("replica not connected yet: %v", role)
				}
			}
			return nil
		})
	}
	addrs, err := masters(ctx, set.Nodes[0].Client(t))
	if err != nil {
		t.Fatal(err)
	}
	set.Addrs = addrs
	return set
}

// Client returns a cluster client seeded with the first master, closed
// when the test ends.
func (set *ClusterSet) Client(t testing.TB) *redis.ClusterClient {
	t.Helper()
	c := redis.NewClusterClient(&redis.ClusterOptions{Addrs: set.Addrs[:1], Password: set.Nodes[0].password})
	t.Cleanup(func() { c.Close() })
	return c
}

// masters lists the masters' addresses as the node c sees them.
func masters(ctx context.Context, c *redis.Client) ([]string, error) {
	shards, err := c.ClusterShards(ctx).Result()
	if err != nil {
		return nil, fmt.Errorf("cluster shards: %w", err)
	}
	var addrs []string
	for _, sh := range shards {
		if len(sh.Slots) == 0 {
			continue // a master without slots
		}
		for _, n := range sh.Nodes {
			if n.Role == "master" {
				addrs = append(addrs, net.JoinHostPort(n.IP, strconv.FormatInt(n.Port, 10)))
			}
		}
	}
	return addrs, nil
}

// Failover promotes the replica of the master at addr with CLUSTER
// FAILOVER (the master hands over its slots after the replica has caught
// up) and waits until every node sees the replica as the master. It needs
// ClusterReplicas, updates Addrs and returns the new master's address.
func (set *ClusterSet) Failover(t testing.TB, master string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var replica *Server
	for _, s := range set.Nodes {
		role, err := s.Client(t).Do(ctx, "ROLE").Slice()
		if err != nil {
			t.Fatalf("ROLE on %s: %v", s.Addr, err)
		}
		if role[0] == "slave" && net.JoinHostPort(fmt.Sprint(role[1]), fmt.Sprint(role[2])) == master {
			replica = s
		}
	}
	if replica == nil {
		t.Fatalf("no replica of %s to fail over to (start the cluster with ClusterReplicas)", master)
	}
	rc := replica.Client(t)
	if err := rc.Do(ctx, "CLUSTER", "FAILOVER").Err(); err != nil {
		t.Fatalf("CLUSTER FAILOVER on %s: %v", replica.Addr, err)
	}
	for _, s := range set.Nodes {
		c := s.Client(t)
		waitFor(ctx, t, "node "+s.Addr+" to see "+replica.Addr+" as a master", func() error {
			ms, err := masters(ctx, c)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if m == replica.Addr {
					return nil
				}
			}
			return fmt.Errorf("masters %v", ms)
		})
	}
	addrs, err := masters(ctx, rc)
	if err != nil {
		t.Fatal(err)
	}
	set.Addrs = addrs
	return replica.Addr
}
