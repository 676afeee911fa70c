package main

// Chaos tests of the built binary against real Redis and a real SMTP
// server over TCP: a 3,000-recipient letter through two kill -9s and an
// SMTP outage, and a drip sequence through a Redis crash and restart from
// its append-only file. Each ends by counting, per recipient, what the
// SMTP server accepted: lost must be 0, duplicates at most the messages
// that were in flight at the faults.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/internal/testkit"
)

// --- admin API helpers ------------------------------------------------------

// --- a letter through kill -9s and an SMTP outage ---------------------------

// TestChaosLetterThroughKillsAndSMTPOutage sends a letter to 3,000
// imported subscribers and, while it goes out, kills the process with
// SIGKILL twice at random points (restarting it each time) and stops the
// SMTP server for a few seconds in between. Every recipient gets the
// letter; duplicates are at most the messages in flight at the faults;
// the letter ends `sent` with every recipient counted once.
func TestChaosLetterThroughKillsAndSMTPOutage(t *testing.T) {
	// WORKER_LEASE stays at its default: the heartbeat keeps a living
	// worker's leases, and a killed one's jobs come back within it.
	const recipients, kills, concurrency = 3000, 2, 4
	rdb, prefix := testkit.Redis(t)
	smtp := smtptest.Start(t)
	s := newService(t, map[string]string{
		"REDIS_URL": "redis://" + testkit.RedisAddr() + "/0", "REDIS_PREFIX": prefix,
		"SMTP_URL": smtp.URL(), "SEND_CONCURRENCY": fmt.Sprint(concurrency),
	})
	emails := recipientList(recipients, "chaos.example.org")
	began := time.Now()
	s.importConfirmed(emails)
	imported := time.Since(began)

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 6))
	// Fault points as shares of the letter: a kill early, the SMTP outage
	// in the middle, a kill late.
	at := func(lo, hi float64) int { return int((lo + rng.Float64()*(hi-lo)) * recipients) }
	firstKill, outageAt, secondKill := at(0.08, 0.30), at(0.38, 0.52), at(0.60, 0.85)
	outage := time.Duration(3000+rng.IntN(2000)) * time.Millisecond

	const subject = "Chaos letter"
	id := s.sendLetterNow(subject)
	start := time.Now()
	var faults []string
	var faultAt []time.Time // kill, SMTP stop, kill
	kill := func(point int) {
		if !waitForMail(smtp, point, 30*time.Second) {
			t.Fatalf("only %d of %d mails before the kill at %d", len(smtp.Messages()), recipients, point)
		}
		s.kill()
		faultAt = append(faultAt, time.Now())
		faults = append(faults, fmt.Sprintf("kill -9 at %.1fs (%d mails)", time.Since(start).Seconds(), len(smtp.Messages())))
		s.start()
	}
	kill(firstKill)
	if !waitForMail(smtp, outageAt, 30*time.Second) {
		t.Fatalf("only %d of %d mails before the SMTP outage", len(smtp.Messages()), recipients)
	}
	smtp.Stop()
	faultAt = append(faultAt, time.Now())
	faults = append(faults, fmt.Sprintf("SMTP down at %.1fs (%d mails) for %v", time.Since(start).Seconds(), len(smtp.Messages()), outage))
	time.Sleep(outage) // the outage itself
	if err := smtp.Restart(); err != nil {
		t.Fatalf("SMTP restart: %v", err)
	}
	kill(max(secondKill, len(smtp.Messages())+20))
	t.Logf("seed %d; %v", seed, faults)

	// Wait until the letter is settled: `sent`, and no send of it left in
	// the queue (leased or waiting for a retry).
	var l letterState
	settled := waitUntil(45*time.Second, func() bool {
		l = s.letter(id)
		return l.Status == "sent" && queued(t, rdb, prefix+"queue", "lsend:") == 0
	})
	elapsed := time.Since(start)
	if !settled {
		t.Errorf("after 45s: letter %+v, %d sends queued", l, queued(t, rdb, prefix+"queue", "lsend:"))
	}
	// The contract: work a killed process had claimed goes out within 30
	// seconds of its death (here the whole rest of the letter does).
	if after := time.Since(faultAt[len(faultAt)-1]); settled && after > 30*time.Second {
		t.Errorf("the letter settled %.1fs after the last kill, want within 30s", after.Seconds())
	}
	got := countTo(smtp, subject)
	lost, dups := lostAndDuplicates(t, got, emails)
	// Each duplicate goes to the first fault after its first copy was
	// accepted: that copy was in flight then, its ledger entry unwritten.
	byFault := make([]int, len(faultAt))
	first := map[string]time.Time{}
	for _, m := range smtp.Messages() {
		if to := strings.ToLower(m.To); got[to] > 1 && m.Subject() == subject {
			if at, ok := first[to]; !ok || m.At.Before(at) {
				first[to] = m.At
			}
		}
	}
	for _, at := range first {
		for i, f := range faultAt {
			if !f.Before(at) {
				byFault[i]++
				break
			}
		}
	}
	killDups, smtpDups := byFault[0]+byFault[2], byFault[1]
	t.Logf("chaos letter: %d recipients, %d kills, SMTP down %.1fs; lost %d, duplicates %d (%d at the kills, allowed ≤ %d = kills × SEND_CONCURRENCY; %d at the SMTP outage, allowed ≤ %d); letter %s sent=%d failed=%d skipped=%d; import %.1fs, sending %.1fs",
		recipients, kills, outage.Seconds(), lost, dups, killDups, kills*concurrency, smtpDups, concurrency,
		l.Status, l.Sent, l.Failed, l.Skipped, imported.Seconds(), elapsed.Seconds())
	if lost != 0 {
		t.Errorf("%d recipients lost", lost)
	}
	if killDups > kills*concurrency || dups > (kills+1)*concurrency {
		t.Errorf("%d duplicates (%d at the kills): more than the messages that can be in flight at %d kills (%d each) and one SMTP outage",
			dups, killDups, kills, concurrency)
	}
	// The counters count recipients, not SMTP acceptances: a duplicate
	// finds its ledger entry already written and is not counted again.
	if l.Status != "sent" || l.Sent != recipients || l.Failed != 0 || l.Skipped != 0 || l.Recipients != recipients {
		t.Errorf("letter %+v; want sent with sent=%d, failed=0, skipped=0, recipients=%d", l, recipients, recipients)
	}
}

// --- a drip through a Redis crash and restart from AOF ---------------------

// redisServer is a redis-server of the test's own, persisting to dir.
type redisServer struct {
	t    *testing.T
	addr string
	dir  string
	cmd  *exec.Cmd
	done chan struct{}
}

func startRedisServer(t *testing.T) *redisServer {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Fatalf("redis-server is not installed (apt-get install redis-server): %v", err)
	}
	r := &redisServer{t: t, addr: freeAddr(t), dir: t.TempDir()}
	r.start(bin)
	t.Cleanup(func() { r.crash() })
	return r
}

func (r *redisServer) start(bin string) {
	r.t.Helper()
	port := r.addr[strings.LastIndex(r.addr, ":")+1:]
	log, err := os.OpenFile(filepath.Join(r.dir, "redis.log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		r.t.Fatal(err)
	}
	defer log.Close()
	cmd := exec.Command(bin, "--bind", "127.0.0.1", "--port", port, "--dir", r.dir,
		"--appendonly", "yes", "--appendfsync", "always", "--save", "")
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		r.t.Fatal(err)
	}
	r.cmd, r.done = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(r.done)
	c := redis.NewClient(&redis.Options{Addr: r.addr})
	defer c.Close()
	if !waitUntil(10*time.Second, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		return c.Ping(ctx).Err() == nil
	}) {
		b, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
		r.t.Fatalf("redis-server on %s did not answer within 10s; log:\n%s", r.addr, b)
	}
}

// crash kills redis-server with SIGKILL: no shutdown, no final fsync; what
// survives is what the append-only file already held.
func (r *redisServer) crash() {
	select {
	case <-r.done:
		return
	default:
	}
	_ = r.cmd.Process.Signal(syscall.SIGKILL)
	<-r.done
}

// TestChaosDripThroughRedisRestart runs a six-step sequence for 20 readers
// against a Redis of its own with appendonly yes and appendfsync always,
// crashes that Redis mid-sequence and starts it again from its folder a
// few seconds later. While Redis is down the web side answers 503 with a
// message; the running service resumes by itself, and every reader gets
// every step.
func TestChaosDripThroughRedisRestart(t *testing.T) {
	const readers, concurrency, lease = 20, 4, 8 * time.Second
	rs := startRedisServer(t)
	rdb := redis.NewClient(&redis.Options{Addr: rs.addr})
	prefix := "test:" + testkit.RandomHex(6) + ":"
	t.Cleanup(func() { // before the Redis and its folder go
		if keys := rdb.Keys(context.Background(), prefix+"*").Val(); len(keys) > 0 {
			rdb.Del(context.Background(), keys...)
		}
		rdb.Close()
	})
	smtp := smtptest.Start(t)
	seqDir := t.TempDir()
	writeFiles(t, seqDir, killSequence())
	s := newService(t, map[string]string{
		"REDIS_URL": "redis://" + rs.addr + "/0", "REDIS_PREFIX": prefix,
		"SMTP_URL": smtp.URL(), "SEQUENCES_DIR": seqDir, "DEFAULT_SEQUENCE": "drip",
		"SEND_CONCURRENCY": fmt.Sprint(concurrency), "WORKER_LEASE": lease.String(),
	})
	emails := recipientList(readers, "drip.example.org")
	signUpAndConfirm(t, s.base, smtp, emails)
	confirmed := time.Now()

	stepMails := func() int {
		n := 0
		for _, m := range smtp.Messages() {
			if strings.HasPrefix(m.Subject(), "Step ") {
				n++
			}
		}
		return n
	}
	// Crash Redis while the second step is going out: the mails so far are
	// the confirmations and step 1, readers each.
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 7))
	point := 2*readers + 1 + rng.IntN(readers-2)
	if !waitForMail(smtp, point, 20*time.Second) {
		t.Fatalf("only %d mails after 20s, want %d before the crash", len(smtp.Messages()), point)
	}
	rs.crash()
	down := time.Now()
	sentAtCrash := stepMails()

	// While Redis is down: /healthz 503, a JSON signup 503 with a message.
	res, err := http.Get(s.base + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("GET /healthz with Redis down: %d, want 503", res.StatusCode)
	}
	res, err = http.Post(s.base+"/subscribe", "application/json",
		strings.NewReader(`{"email":"during-outage@drip.example.org","consent":true}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var msg struct{ Error string }
	if res.StatusCode != http.StatusServiceUnavailable || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/json") ||
		json.Unmarshal(b, &msg) != nil || msg.Error == "" {
		t.Errorf("POST /subscribe (JSON) with Redis down: %d %s %s; want 503 with a JSON message",
			res.StatusCode, res.Header.Get("Content-Type"), b)
	}
	select {
	case <-s.done:
		t.Fatalf("the service exited while Redis was down")
	default:
	}

	// Redis comes back from the same folder a few seconds later.
	time.Sleep(time.Until(down.Add(time.Duration(3000+rng.IntN(2000)) * time.Millisecond)))
	bin, _ := exec.LookPath("redis-server")
	rs.start(bin)
	up := time.Now()
	if !waitUntil(10*time.Second, func() bool {
		res, err := http.Get(s.base + "/healthz")
		if err != nil {
			return false
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK
	}) {
		t.Errorf("GET /healthz not 200 within 10s of Redis coming back")
	}

	// The same process resumes: every reader gets every step.
	if !waitUntil(60*time.Second, func() bool {
		return stepMails() >= readers*killSteps && queued(t, rdb, prefix+"queue", "drip:") == 0
	}) {
		t.Errorf("after 60s: %d of %d step mails, %d drip jobs queued", stepMails(), readers*killSteps, queued(t, rdb, prefix+"queue", "drip:"))
	}
	resumed := time.Since(up)
	var list struct {
		Subscribers []struct {
			Email string
			Step  int
		}
	}
	if code := s.admin("GET", "/admin/api/subscribers?status=confirmed", nil, &list); code != http.StatusOK {
		t.Fatalf("admin API: status %d", code)
	}
	steps := map[string]int{}
	for _, sub := range list.Subscribers {
		steps[sub.Email] = sub.Step
	}
	lost, dups := 0, 0
	for i := 1; i <= killSteps; i++ {
		l, d := lostAndDuplicates(t, countTo(smtp, fmt.Sprintf("Step %d", i)), emails)
		lost, dups = lost+l, dups+d
	}
	for _, e := range emails {
		if steps[e] != killSteps {
			t.Errorf("admin API: %s at step %d, want %d", e, steps[e], killSteps)
		}
	}
	select {
	case <-s.done:
		t.Errorf("the service exited; it should have resumed by itself")
	default:
	}
	t.Logf("Redis restart: seed %d; %d readers × %d steps, Redis down %.1fs after %d step mails (%.1fs after confirming); lost %d, duplicates %d (0 allowed for an outage shorter than the %v lease); all sent %.1fs after Redis came back",
		seed, readers, killSteps, up.Sub(down).Seconds(), sentAtCrash, down.Sub(confirmed).Seconds(), lost, dups, lease, resumed.Seconds())
	if lost != 0 {
		t.Errorf("%d step mails lost", lost)
	}
	// A mail accepted while Redis is away has its ledger entry written
	// when Redis is back, if that is within a lease (the worker keeps
	// trying): an outage shorter than the lease duplicates nothing. A
	// longer one may repeat the messages that were in flight.
	if outage := up.Sub(down); outage < lease && dups > 0 {
		t.Errorf("%d duplicates after a Redis outage of %.1fs, shorter than the %v lease; want 0", dups, outage.Seconds(), lease)
	} else if dups > concurrency {
		t.Errorf("%d duplicates, more than the %d messages that can be in flight when Redis goes", dups, concurrency)
	}
}
