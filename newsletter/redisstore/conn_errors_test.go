package redisstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/redistest"
)

// reply is a server's error reply as go-redis hands it on (it implements
// redis.Error), for the codes a test cannot easily provoke.
type reply string

func (r reply) Error() string { return string(r) }
func (r reply) RedisError()   {}

// TestClassifyTable sorts error texts and client errors, bare and wrapped.
func TestClassifyTable(t *testing.T) {
	cases := []struct {
		err  error
		want ErrorKind
	}{
		{nil, KindOther},
		{errors.New("boom"), KindOther},
		{reply("ERR unknown command 'FOO'"), KindOther},
		{reply("WRONGTYPE Operation against a key holding the wrong kind of value"), KindOther},
		{context.Canceled, KindOther},
		{reply("LOADING Redis is loading the dataset in memory"), KindLoading},
		{reply("READONLY You can't write against a read only replica."), KindReadOnly},
		{reply("OOM command not allowed when used memory > 'maxmemory'."), KindOutOfMemory},
		{reply("NOSCRIPT No matching script. Please use EVAL."), KindNoScript},
		{reply("MOVED 3999 127.0.0.1:6381"), KindMoved},
		{reply("ASK 3999 127.0.0.1:6381"), KindMoved},
		{reply("CLUSTERDOWN The cluster is down"), KindClusterDown},
		{reply("NOPERM this user has no permissions to access one of the keys used as arguments"), KindNoPerm},
		{reply("WRONGPASS invalid username-password pair or user is disabled."), KindNoPerm},
		{reply("NOAUTH Authentication required."), KindNoPerm},
		{reply("TRYAGAIN Multiple keys request during rehashing of slot"), KindTryAgain},
		{reply("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."), KindTryAgain},
		{reply("NOREPLICAS Not enough good replicas to write."), KindTryAgain},
		{reply("BUSY Redis is busy running a script."), KindTryAgain},
		{reply("ERR max number of clients reached"), KindTryAgain},
		{io.EOF, KindUnreachable},
		{io.ErrUnexpectedEOF, KindUnreachable},
		{context.DeadlineExceeded, KindUnreachable},
		{redis.ErrClosed, KindUnreachable},
		{redis.ErrPoolTimeout, KindUnreachable},
		{&net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connect: connection refused")}, KindUnreachable},
		{errors.New("redis: all sentinels specified in configuration are unreachable"), KindUnreachable},
		{errors.New("redis: cluster has no nodes"), KindUnreachable},
	}
	for _, c := range cases {
		if got := Classify(c.err); got != c.want {
			t.Errorf("Classify(%v) = %s, want %s", c.err, got, c.want)
		}
		if c.err == nil {
			continue
		}
		if got := Classify(fmt.Errorf("create subscriber: %w", c.err)); got != c.want {
			t.Errorf("Classify(wrapped %v) = %s, want %s", c.err, got, c.want)
		}
	}
	for k, want := range map[ErrorKind]bool{
		KindOther: false, KindNoScript: false, KindNoPerm: false,
		KindUnreachable: true, KindLoading: true, KindReadOnly: true, KindOutOfMemory: true,
		KindMoved: true, KindClusterDown: true, KindTryAgain: true,
	} {
		if k.Unavailable() != want {
			t.Errorf("%s.Unavailable() = %v, want %v", k, !want, want)
		}
	}
	if s := ErrorKind(99).String(); s != "unknown" {
		t.Errorf("ErrorKind(99) = %q", s)
	}
}

// TestClassifyServers provokes errors from real servers and sorts them.
func TestClassifyServers(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	s := redistest.Standalone(t)
	rdb := s.Client(t)

	t.Run("NOSCRIPT", func(t *testing.T) {
		err := rdb.EvalSha(ctx, strings.Repeat("0", 40), nil).Err()
		if k := Classify(err); k != KindNoScript {
			t.Errorf("EVALSHA of an unknown script: %v is %s, want no-script", err, k)
		}
	})

	t.Run("OOM", func(t *testing.T) {
		full := redistest.Standalone(t)
		c := full.Client(t)
		if err := c.ConfigSet(ctx, "maxmemory-policy", "noeviction").Err(); err != nil {
			t.Fatal(err)
		}
		if err := c.ConfigSet(ctx, "maxmemory", "1mb").Err(); err != nil {
			t.Fatal(err)
		}
		big := strings.Repeat("x", 64<<10)
		var err error
		for i := 0; i < 100 && err == nil; i++ {
			err = c.Set(ctx, "nl:big:"+strconv.Itoa(i), big, 0).Err()
		}
		if k := Classify(err); k != KindOutOfMemory {
			t.Errorf("SET past maxmemory: %v is %s, want out-of-memory", err, k)
		}
		err = c.Eval(ctx, "return redis.call('SET', KEYS[1], ARGV[1])", []string{"nl:script"}, big).Err()
		if k := Classify(err); k != KindOutOfMemory {
			t.Errorf("a script writing past maxmemory: %v is %s, want out-of-memory", err, k)
		}
	})

	t.Run("MOVED", func(t *testing.T) {
		set := redistest.Cluster(t)
		plain := set.Nodes[0].Client(t)
		var err error
		for i := 0; i < 50; i++ {
			if err = plain.Set(ctx, "nl:k"+strconv.Itoa(i), "1", 0).Err(); err != nil {
				break
			}
		}
		if k := Classify(err); k != KindMoved {
			t.Errorf("a plain client on a cluster node: %v is %s, want moved", err, k)
		}
	})

	t.Run("CLUSTERDOWN", func(t *testing.T) {
		lone := redistest.Standalone(t, redistest.Conf("cluster-enabled", "yes"))
		err := lone.Client(t).Set(ctx, "nl:k", "1", 0).Err()
		if k := Classify(err); k != KindClusterDown {
			t.Errorf("a cluster node serving no slot: %v is %s, want cluster-down", err, k)
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		nobody := redis.NewClient(&redis.Options{Addr: "127.0.0.1:" + strconv.Itoa(redistest.FreePort(t)), MaxRetries: -1})
		defer nobody.Close()
		err := nobody.Ping(ctx).Err()
		if k := Classify(err); k != KindUnreachable {
			t.Errorf("a port nobody listens on: %v is %s, want unreachable", err, k)
		}

		gone := redistest.Standalone(t)
		c := redis.NewClient(&redis.Options{Addr: gone.Addr, MaxRetries: -1})
		defer c.Close()
		if err := c.Ping(ctx).Err(); err != nil {
			t.Fatal(err)
		}
		gone.Stop()
		err = c.Ping(ctx).Err()
		if k := Classify(err); k != KindUnreachable {
			t.Errorf("a server that went away: %v is %s, want unreachable", err, k)
		}
		short, cancel := context.WithTimeout(ctx, time.Nanosecond)
		defer cancel()
		<-short.Done()
		if err := rdb.Ping(short).Err(); Classify(err) != KindUnreachable {
			t.Errorf("a deadline passed: %v is %s, want unreachable", err, Classify(err))
		}
	})
}
