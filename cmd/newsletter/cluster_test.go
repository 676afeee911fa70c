package main

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/redistest"
	"github.com/satina/newsletter/internal/smtptest"
)

// TestClusterLetterThreeWorkers runs three `newsletter serve` processes on
// a real three-master Redis Cluster (redis+cluster:// with one seed):
// readers sign up and confirm over HTTP, a letter goes to them and to
// imported subscribers, and every address gets it exactly once.
//
// The subscribers are cut into partitions whose hash tags spread over the
// slots (redisstore's partition.go): each master holds a fair share of
// the keys.
func TestClusterLetterThreeWorkers(t *testing.T) {
	const imported, readers = 1500, 12
	set := redistest.Cluster(t)
	smtp := smtptest.Start(t)
	vars := map[string]string{
		"REDIS_URL": "redis+cluster://" + set.Addrs[0], "REDIS_PREFIX": "nl:",
		"SMTP_URL": smtp.URL(), "SEND_CONCURRENCY": "4",
	}
	// Readers sign up and confirm while one process runs: its worker
	// sends the confirmations, with links to its own address.
	procs := []*process{newService(t, vars)}
	emails := recipientList(readers, "signup.example.org")
	signUpAndConfirm(t, procs[0].base, smtp, emails)
	procs = append(procs, newService(t, vars), newService(t, vars))
	bulk := recipientList(imported, "cluster.example.org")
	procs[2].importConfirmed(bulk)
	emails = append(emails, bulk...)

	const subject = "A letter through the cluster"
	id := procs[0].sendLetterNow(subject)
	var l letterState
	if !waitUntil(60*time.Second, func() bool { l = procs[0].letter(id); return l.Status == "sent" }) {
		t.Fatalf("after 60s the letter is %+v", l)
	}
	if l.Recipients != len(emails) || l.Sent != len(emails) {
		t.Errorf("letter %+v, want %d recipients all sent", l, len(emails))
	}
	lost, dups := lostAndDuplicates(t, countTo(smtp, subject), emails)
	if lost != 0 || dups != 0 {
		t.Errorf("%d lost and %d sent twice of %d", lost, dups, len(emails))
	}

	shares := keyShares(t, set.Client(t))
	t.Logf("share of the keys per master: %v", shares)
	if len(shares) != 3 {
		t.Errorf("keys on %d masters, want all 3", len(shares))
	}
	for a, sh := range shares {
		if sh > 0.45 {
			t.Errorf("master %s holds %.0f%% of the keys, want the partitions spread (≤ 45%%)", a, 100*sh)
		}
	}
}

// keyShares is the share of all keys each master holds.
func keyShares(t *testing.T, cc *redis.ClusterClient) map[string]float64 {
	t.Helper()
	var mu sync.Mutex
	n := map[string]int64{}
	var all int64
	err := cc.ForEachMaster(context.Background(), func(ctx context.Context, m *redis.Client) error {
		k, err := m.DBSize(ctx).Result()
		mu.Lock()
		defer mu.Unlock()
		if k > 0 {
			n[m.Options().Addr] = k
			all += k
		}
		return err
	})
	if err != nil {
		t.Fatalf("DBSIZE on each master: %v", err)
	}
	out := map[string]float64{}
	for a, k := range n {
		out[a] = float64(k) / float64(all)
	}
	return out
}
