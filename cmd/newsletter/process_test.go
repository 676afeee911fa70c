package main

// Tests of the built binary as an operator runs it: `newsletter serve` as a
// subprocess killed with SIGKILL mid-sequence and restarted, `newsletter
// check` and `newsletter --help`. The binary is built once per test run.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/internal/testkit"
)

var (
	binDir    string
	buildOnce sync.Once
	buildErr  error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "newsletter-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// newsletterBinary builds this command once (go build) and returns its path.
func newsletterBinary(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(binDir, "newsletter")
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go") // go test puts its own go first in PATH
		if err != nil {
			buildErr = err
			return
		}
		out, err := exec.Command(goTool, "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return bin
}

// processEnv is a clean environment: nothing of the caller's newsletter
// settings leaks in.
func processEnv(vars map[string]string) []string {
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}
	for k, v := range vars {
		env = append(env, k+"="+v)
	}
	return env
}

// runBinary runs the binary to completion and returns its exit code and output.
func runBinary(t *testing.T, vars map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(newsletterBinary(t), args...)
	cmd.Env = processEnv(vars)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode(), out.String(), errb.String()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, out.String(), errb.String()
}

func writeFiles(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// --- newsletter check and --help ------------------------------------------

// --- kill -9 ---------------------------------------------------------------

const killSteps = 6

// killSequence is a sequence of six steps a second or two apart.
func killSequence() map[string]string {
	files := map[string]string{}
	for i := 1; i <= killSteps; i++ {
		after := []string{"0s", "1s", "1s", "2s", "1s", "1s"}[i-1]
		files[fmt.Sprintf("drip/%02d-step.md", i)] = fmt.Sprintf(
			"---\nsubject: Step %d\nafter: %s\n---\nHello, this is step %d.\n\nLeave: {{ .UnsubscribeURL }}\n", i, after, i)
	}
	return files
}

// process is `newsletter serve` running as a subprocess.
type process struct {
	t    *testing.T
	bin  string
	env  []string
	base string
	log  *os.File
	cmd  *exec.Cmd
	done chan struct{}
}

func (s *process) start() {
	s.t.Helper()
	cmd := exec.Command(s.bin, "serve")
	cmd.Env, cmd.Stdout, cmd.Stderr = s.env, s.log, s.log
	if err := cmd.Start(); err != nil {
		s.t.Fatal(err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func(done chan struct{}) { _ = cmd.Wait(); close(done) }(s.done)
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(s.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-s.done:
			s.t.Fatalf("newsletter serve exited at start; log:\n%s", s.logText())
		default:
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("newsletter serve not healthy after 20s; log:\n%s", s.logText())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *process) kill() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		s.t.Fatal(err)
	}
	<-s.done
}

func (s *process) stop() {
	s.t.Helper()
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(30 * time.Second):
		s.kill()
		s.t.Errorf("newsletter serve did not stop within 30s of SIGTERM")
	}
}

func (s *process) logText() string {
	b, _ := os.ReadFile(s.log.Name())
	return string(b)
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// newService starts `newsletter serve` on a free port with the settings
// every process test shares (admin token "admin-secret-for-the-tests", a fixed
// SECRET_KEY, no signup limit, text logs), overridden and completed by
// vars: REDIS_URL, REDIS_PREFIX, SMTP_URL and whatever else the test
// needs. When the test ends the process is killed if still running, and
// its log is shown if the test failed.
func newService(t *testing.T, vars map[string]string) *process {
	t.Helper()
	addr := freeAddr(t)
	base := "http://" + addr
	logFile, err := os.Create(filepath.Join(t.TempDir(), "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	all := map[string]string{
		"ADDR": addr, "BASE_URL": base, "SIGNUP_LIMIT": "0", "ADMIN_TOKEN": "admin-secret-for-the-tests",
		"SECRET_KEY": strings.Repeat("5e", 32), "POSTAL_ADDRESS": "1 Test Street, Testville",
		"MAIL_FROM": "Satina <letters@example.org>", "LOG_FORMAT": "text",
	}
	for k, v := range vars {
		all[k] = v
	}
	s := &process{t: t, bin: newsletterBinary(t), base: base, log: logFile, env: processEnv(all)}
	s.start()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Signal(syscall.SIGKILL)
			<-s.done
		}
		if t.Failed() {
			t.Logf("service log:\n%s", s.logText())
		}
		logFile.Close()
	})
	return s
}

// signUpAndConfirm signs each address up over HTTP (JSON), waits for the
// confirmation mails and confirms each address with the link from its
// mail, as a reader does. It returns when every confirmation answered.
func signUpAndConfirm(t *testing.T, base string, smtp *smtptest.Server, emails []string) {
	t.Helper()
	before := len(smtp.Messages())
	for i, e := range emails {
		body, _ := json.Marshal(map[string]any{"email": e, "consent": true, "name": fmt.Sprint("Reader ", i)})
		res, err := http.Post(base+"/subscribe", "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusAccepted {
			t.Fatalf("signup %s: status %d", e, res.StatusCode)
		}
	}
	smtp.Wait(t, before+len(emails), 20*time.Second)
	linkRE := regexp.MustCompile(regexp.QuoteMeta(base) + `/confirm/[A-Za-z0-9_.-]+`)
	links := map[string]string{}
	for _, m := range smtp.Messages()[before:] {
		if l := linkRE.FindString(strings.ReplaceAll(string(m.Data), "=\r\n", "")); l != "" {
			links[strings.ToLower(m.To)] = l
		}
	}
	for _, e := range emails {
		if links[e] == "" {
			t.Fatalf("no confirmation link for %s (%d links for %d readers)", e, len(links), len(emails))
		}
		res, err := http.Post(links[e], "application/x-www-form-urlencoded", nil)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("confirm %s: status %d", e, res.StatusCode)
		}
	}
}

// TestKillDashNineLosesNothing runs `newsletter serve` as a subprocess
// against the real Redis and a real SMTP server, signs up and confirms 30
// readers over HTTP, and kills the process with SIGKILL at random moments
// while their six-step sequences run, restarting it each time. In the end
// every reader has every step (nothing lost) and the duplicates are at
// most the messages that can be in flight at the kills.
func TestKillDashNineLosesNothing(t *testing.T) {
	const readers, kills, concurrency, lease = 30, 3, 4, 3 * time.Second
	rdb, prefix := testkit.Redis(t)
	smtp := smtptest.Start(t)
	seqDir := t.TempDir()
	writeFiles(t, seqDir, killSequence())
	s := newService(t, map[string]string{
		"REDIS_URL": "redis://" + testkit.RedisAddr() + "/0", "REDIS_PREFIX": prefix,
		"SMTP_URL": smtp.URL(), "SEQUENCES_DIR": seqDir, "DEFAULT_SEQUENCE": "drip",
		"SEND_CONCURRENCY": fmt.Sprint(concurrency), "WORKER_LEASE": lease.String(),
	})
	base := s.base

	// Sign up and confirm over HTTP, with the link from the mail.
	emails := make([]string, readers)
	for i := range emails {
		emails[i] = fmt.Sprintf("reader%02d@example.org", i)
	}
	signUpAndConfirm(t, base, smtp, emails)
	confirmed := time.Now()

	// Kill at random moments while the sequences run, restarting each time.
	seed := uint64(time.Now().UnixNano())
	rng := rand.New(rand.NewPCG(seed, 9))
	var killedAt []string
	for range kills {
		// A random moment, then the next acceptance by the SMTP server: the
		// kill lands while mail is going out, as close as a poll gets to
		// the window between acceptance and the ledger write.
		time.Sleep(time.Duration(200+rng.IntN(1000)) * time.Millisecond)
		seen := len(smtp.Messages())
		for wait := time.Now().Add(2 * time.Second); len(smtp.Messages()) == seen && time.Now().Before(wait); {
			time.Sleep(100 * time.Microsecond)
		}
		before := len(smtp.Messages())
		s.kill()
		killedAt = append(killedAt, fmt.Sprintf("%.1fs (%d mails)", time.Since(confirmed).Seconds(), before))
		s.start()
	}
	t.Logf("seed %d; killed at %v after the confirmations", seed, killedAt)

	// Wait until every reader has every step and nothing is queued or leased.
	stepsDone := func() int {
		got := map[string]bool{}
		for _, m := range smtp.Messages() {
			if strings.HasPrefix(m.Subject(), "Step ") {
				got[strings.ToLower(m.To)+"|"+m.Subject()] = true
			}
		}
		return len(got)
	}
	dripJobs := func() int {
		n := 0
		for _, job := range rdb.ZRange(t.Context(), prefix+"queue", 0, -1).Val() {
			if strings.HasPrefix(job, "drip:") {
				n++
			}
		}
		return n
	}
	deadline := time.Now().Add(60 * time.Second)
	for stepsDone() < readers*killSteps || dripJobs() > 0 {
		if time.Now().After(deadline) {
			t.Errorf("after 60s: %d of %d steps delivered, %d drip jobs queued", stepsDone(), readers*killSteps, dripJobs())
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	elapsed := time.Since(confirmed)

	// Progress as the admin API shows it: every reader at step 6.
	req, _ := http.NewRequest("GET", base+"/admin/api/subscribers?status=confirmed", nil)
	req.Header.Set("Authorization", "Bearer admin-secret-for-the-tests")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	var list struct {
		Subscribers []struct {
			Email string
			Step  int
		}
	}
	if err := json.Unmarshal(b, &list); err != nil {
		t.Fatalf("admin API: %v in %s", err, b)
	}
	steps := map[string]int{}
	for _, sub := range list.Subscribers {
		steps[sub.Email] = sub.Step
	}
	s.stop()

	count := map[string]int{}
	for _, m := range smtp.Messages() {
		count[strings.ToLower(m.To)+" | "+m.Subject()]++
	}
	lost, dups := 0, 0
	for _, e := range emails {
		for i := 1; i <= killSteps; i++ {
			if count[fmt.Sprintf("%s | Step %d", e, i)] == 0 {
				lost++
				t.Errorf("lost: %s never got Step %d", e, i)
			}
		}
		if steps[e] != killSteps {
			t.Errorf("admin API: %s at step %d, want %d", e, steps[e], killSteps)
		}
	}
	for k, n := range count {
		if n > 1 {
			dups += n - 1
			t.Logf("duplicate: %s ×%d", k, n)
		}
	}
	t.Logf("kill -9: %d readers × %d steps = %d mails, %d kills, lost %d, duplicates %d (allowed ≤ %d = kills × SEND_CONCURRENCY); done %.1fs after confirming",
		readers, killSteps, readers*killSteps, kills, lost, dups, kills*concurrency, elapsed.Seconds())
	if lost != 0 {
		t.Errorf("%d mails lost", lost)
	}
	if dups > kills*concurrency {
		t.Errorf("%d duplicates, more than the %d that can be in flight at %d kills", dups, kills*concurrency, kills)
	}
}
