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

// durable runs write on the master that holds key and, when that master
// has replicas, waits until one of them holds the write too: an answer
// given after durable returns survives a failover (Sentinel, Cluster). No
// replica in AckTimeout is ErrUnavailable, so the web side answers 503
// and the client tries again.
//
// The wait is shared (group commit, see acker): the writes that finish
// while one WAIT is out are all covered by the next, so a burst of
// signups costs a WAIT per round trip to the replica, not one each.
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
	if err := write(node); err != nil {
		return err
	}
	n, err := s.replicas(ctx, node)
	if err != nil || n == 0 {
		return nil // no replica to wait for (or none known): the write stands as it is
	}
	return s.ackerFor(node).wait(ctx, node, s.ackKey(key))
}

// ackKey is the key the shared WAIT writes first, in the slot of key (its
// hash tag on a cluster), so that it lands on the same master.
func (s *Store) ackKey(key string) string {
	if i := strings.IndexByte(key, '{'); i >= 0 {
		if j := strings.IndexByte(key[i:], '}'); j > 0 {
			return s.prefix + key[i:i+j+1] + ":ack"
		}
	}
	return s.key("ack")
}

// ackerFor is the acker of node, made on first use.
func (s *Store) ackerFor(node *redis.Client) *acker {
	addr := node.Options().Addr
	v, _ := s.ackers.LoadOrStore(addr, &acker{})
	return v.(*acker)
}

// acker shares WAITs among the durable writes to one master. A WAIT
// covers the writes made on its own connection before it; so each round
// first writes a key of its own (INCR) and then waits: every write that
// finished before the round began lies before that INCR in the
// replication stream, and is held once the replica acknowledges it.
type acker struct {
	mu      sync.Mutex
	waiting []chan error
	running bool
}

// wait returns once a round begun after this call has been acknowledged
// by a replica (nil), or failed.
func (a *acker) wait(ctx context.Context, node *redis.Client, key string) error {
	done := make(chan error, 1)
	a.mu.Lock()
	a.waiting = append(a.waiting, done)
	if !a.running {
		a.running = true
		go a.rounds(node, key)
	}
	a.mu.Unlock()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return wrap("wait for a replica", ctx.Err())
	}
}

// rounds runs WAITs while writes wait for one.
func (a *acker) rounds(node *redis.Client, key string) {
	for {
		a.mu.Lock()
		batch := a.waiting
		a.waiting = nil
		if len(batch) == 0 {
			a.running = false
			a.mu.Unlock()
			return
		}
		a.mu.Unlock()
		err := waitOnce(node, key)
		for _, ch := range batch {
			ch <- err
		}
	}
}

// waitOnce writes key and waits for one replica to hold it, on one
// connection (a pipeline).
func waitOnce(node *redis.Client, key string) error {
	ctx, cancel := context.WithTimeout(context.Background(), AckTimeout+time.Second)
	defer cancel()
	var wait *redis.Cmd
	_, err := node.Pipelined(ctx, func(p redis.Pipeliner) error {
		p.Incr(ctx, key)
		wait = p.Do(ctx, "WAIT", 1, AckTimeout.Milliseconds())
		return nil
	})
	if err != nil {
		return wrap("wait for a replica", err)
	}
	if n, err := wait.Int(); err != nil || n < 1 {
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
