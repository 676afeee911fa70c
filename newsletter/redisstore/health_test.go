package redisstore

import (
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/redistest"
)

// TestHealthNamesTheTrouble: /healthz's probe write tells a working Redis
// from a read-only replica and from one out of memory, where a PING would
// answer on all three.
func TestHealthNamesTheTrouble(t *testing.T) {
	ctx := testCtx(t, 20*time.Second)
	master, replica := redistest.Standalone(t), redistest.Standalone(t)
	host, port, _ := strings.Cut(master.Addr, ":")
	if err := replica.Client(t).Do(ctx, "REPLICAOF", host, port).Err(); err != nil {
		t.Fatal(err)
	}
	if got := New(master.Client(t), "h:").Health(ctx); got != "" {
		t.Errorf("Health of a working master = %q, want none", got)
	}
	if got := New(replica.Client(t), "h:").Health(ctx); got != "read-only" {
		t.Errorf("Health of a replica = %q, want read-only", got)
	}
	full := redistest.Standalone(t)
	c := full.Client(t)
	if err := c.Do(ctx, "CONFIG", "SET", "maxmemory-policy", "noeviction").Err(); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(ctx, "CONFIG", "SET", "maxmemory", "1").Err(); err != nil {
		t.Fatal(err)
	}
	if got := New(c, "h:").Health(ctx); got != "out-of-memory" {
		t.Errorf("Health of a full Redis = %q, want out-of-memory", got)
	}
	master.Stop()
	if got := New(master.Client(t), "h:").Health(ctx); got != "unreachable" {
		t.Errorf("Health of a stopped Redis = %q, want unreachable", got)
	}
}
