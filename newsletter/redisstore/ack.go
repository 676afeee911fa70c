package redisstore

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// AckTimeout is how long a durable write waits for a replica to hold it
// before the request is answered 503 (a retry is safe: every durable write
// is idempotent or answered the same way again).
const AckTimeout = 500 * time.Millisecond

// replicasTTL is how long a master's count of replicas is trusted.
const replicasTTL = 5 * time.Second

// replicaCount caches how many replicas each master has, so that a
// durable write on a master without replicas costs no extra round trip.
type replicaCount struct {
	mu    sync.Mutex
	nodes map[string]replicaReading // by node address
}

type replicaReading struct {
	n  int
	at time.Time
}

// durable runs write on one connection to the master that holds key and,
// when that master has replicas, waits (WAIT) until one of them holds the
// write too: an answer given after durable returns survives a failover
// (Sentinel, Cluster). No replica in AckTimeout is ErrUnavailable, so the
// web side answers 503 and the client tries again.
func (s *Store) durable(ctx context.Context, key string, write func(c redis.Cmdable) error) error {
	var node *redis.Client
	switch c := s.rdb.(type) {
	case *redis.Client:
		node = c
	case *redis.ClusterClient:
		m, err := c.MasterForKey(ctx, key)
		if err != nil {
			return wrap("find the master", err)
		}
		node = m
	default: // a client of another shape: no acknowledgement to wait for
		return write(s.rdb)
	}
	conn := node.Conn()
	defer conn.Close()
	if err := write(conn); err != nil {
		return err
	}
	n, err := s.replicas(ctx, node)
	if err != nil || n == 0 {
		return nil // no replica to wait for (or none known): the write stands as it is
	}
	acked, err := conn.Do(ctx, "WAIT", 1, AckTimeout.Milliseconds()).Int()
	if err != nil {
		return wrap("wait for a replica", err)
	}
	if acked < 1 {
		return fmt.Errorf("no replica acknowledged the write within %v: %w", AckTimeout, newsletter.ErrUnavailable)
	}
	return nil
}

// replicas is how many replicas node has connected, read with INFO
// replication at most every replicasTTL.
func (s *Store) replicas(ctx context.Context, node *redis.Client) (int, error) {
	addr := node.Options().Addr
	rc := &s.replicaCount
	rc.mu.Lock()
	r, ok := rc.nodes[addr]
	rc.mu.Unlock()
	if ok && time.Since(r.at) < replicasTTL {
		return r.n, nil
	}
	info, err := node.Info(ctx, "replication").Result()
	if err != nil {
		return 0, err
	}
	n := 0
	for _, line := range strings.Split(info, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "connected_slaves:"); ok {
			n, _ = strconv.Atoi(v)
		}
	}
	rc.mu.Lock()
	if rc.nodes == nil {
		rc.nodes = map[string]replicaReading{}
	}
	rc.nodes[addr] = replicaReading{n: n, at: time.Now()}
	rc.mu.Unlock()
	return n, nil
}
