package main

// Graceful shutdown of the built binary: SIGTERM while a letter goes out.

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/app"
	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/internal/testkit"
)

// TestGracefulShutdownHandsBackAndLosesNothing sends SIGTERM to `serve`
// while a letter to 500 readers is going out. The process exits with code
// 0 within app.ShutdownTimeout and a margin; the sends it had claimed but not
// started are back in the queue at once (WORKER_LEASE is an hour, so one
// left leased would be missing mail here), and after a restart the rest
// goes out promptly: nothing lost, nothing twice.
func TestGracefulShutdownHandsBackAndLosesNothing(t *testing.T) {
	const recipients, concurrency = 500, 4
	rdb, prefix := testkit.Redis(t)
	smtp := smtptest.Start(t)
	s := newService(t, map[string]string{
		"REDIS_URL": "redis://" + testkit.RedisAddr() + "/0", "REDIS_PREFIX": prefix,
		"SMTP_URL": smtp.URL(), "SEND_CONCURRENCY": fmt.Sprint(concurrency), "WORKER_LEASE": "1h",
	})
	emails := recipientList(recipients, "shutdown.example.org")
	s.importConfirmed(emails)

	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 15))
	point := recipients/10 + rng.IntN(recipients/2)
	const subject = "Letter cut by a shutdown"
	id := s.sendLetterNow(subject)
	if !waitForMail(smtp, point, 30*time.Second) {
		t.Fatalf("only %d of %d mails after 30s", len(smtp.Messages()), recipients)
	}

	// SIGTERM mid-letter: the process must exit 0 within the bound.
	bound := app.ShutdownTimeout + 10*time.Second
	sigterm := time.Now()
	atSignal := len(smtp.Messages())
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.done:
	case <-time.After(bound):
		s.kill()
		t.Fatalf("newsletter serve still running %v after SIGTERM (app.ShutdownTimeout %v)", bound, app.ShutdownTimeout)
	}
	exitAfter := time.Since(sigterm)
	exitCode := s.cmd.ProcessState.ExitCode()
	if exitCode != 0 {
		t.Errorf("newsletter serve exited with %d after SIGTERM, want 0", exitCode)
	}
	atExit := len(smtp.Messages())
	if atExit >= recipients {
		t.Fatalf("the whole letter went out before the shutdown took effect (%d mails); nothing was left to hand back", atExit)
	}

	// Right after the exit no send of the letter is leased: what was
	// claimed and not started is due again now, not in an hour.
	horizon := time.Now().Add(10 * time.Minute).UnixMilli()
	leased := 0
	for _, job := range rdb.ZRangeArgs(t.Context(), redis.ZRangeArgs{
		Key: prefix + "queue", ByScore: true, Start: strconv.FormatInt(horizon, 10), Stop: "+inf",
	}).Val() {
		if strings.HasPrefix(job, "lsend:") {
			leased++
		}
	}
	if leased > 0 {
		t.Errorf("%d sends still leased after a graceful exit; they were not handed back", leased)
	}
	left := queued(t, rdb, prefix+"queue", "lsend:")

	// Restart: the rest goes out well before any lease could end.
	s.start()
	restarted := time.Now()
	var l letterState
	if !waitUntil(30*time.Second, func() bool {
		l = s.letter(id)
		return l.Status == "sent" && queued(t, rdb, prefix+"queue", "lsend:") == 0
	}) {
		t.Errorf("30s after the restart: letter %+v, %d sends queued", l, queued(t, rdb, prefix+"queue", "lsend:"))
	}
	finished := time.Since(restarted)
	s.stop()

	lost, dups := lostAndDuplicates(t, countTo(smtp, subject), emails)
	t.Logf("graceful shutdown: seed %d; SIGTERM at %d of %d mails, exit code %d after %v (bound %v), %d mails by then, %d sends queued, %d of them leased; the remaining went out %.1fs after the restart; lost %d, duplicates %d",
		seed, atSignal, recipients, exitCode, exitAfter.Round(time.Millisecond), bound, atExit, left, leased, finished.Seconds(), lost, dups)
	if lost != 0 {
		t.Errorf("%d recipients lost", lost)
	}
	if dups != 0 {
		t.Errorf("%d duplicates: a graceful stop lets each send finish and record, so none should repeat", dups)
	}
	if l.Status != "sent" || l.Sent != recipients || l.Failed != 0 || l.Skipped != 0 {
		t.Errorf("letter %+v; want sent with sent=%d", l, recipients)
	}
}
