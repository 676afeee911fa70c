// Package redistest starts real Redis processes for tests: a
// redis-server, one with TLS, a Sentinel set (master, replica, three
// sentinels) and a Redis Cluster, each on 127.0.0.1 ephemeral ports in
// t.TempDir(), stopped when the test ends. A missing binary fails the test
// with the apt-get command that installs it; nothing here skips.
package redistest

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// packages names the Debian package of each binary.
var packages = map[string]string{
	"redis-server":   "redis-server",
	"redis-sentinel": "redis-sentinel",
	"redis-cli":      "redis-tools",
}

// need returns the path of bin, or fails the test saying how to install it.
func need(t testing.TB, bin string) string {
	t.Helper()
	path, err := exec.LookPath(bin)
	if err != nil {
		t.Fatalf("%s is not installed: apt-get update && apt-get install -y %s", bin, packages[bin])
	}
	return path
}

// Option changes the configuration of the servers a helper starts.
type Option func(*settings)

type settings struct {
	directives      [][]string
	password        string
	clusterReplicas bool
}

// Conf adds a redis.conf directive, e.g. Conf("maxmemory", "1mb").
func Conf(name string, args ...string) Option {
	return func(s *settings) { s.directives = append(s.directives, append([]string{name}, args...)) }
}

// Password makes the servers ask for pw (requirepass); under Sentinel the
// replica and the sentinels use it too (masterauth, and the sentinels'
// requirepass, auth-pass and sentinel-pass).
func Password(pw string) Option {
	return func(s *settings) { s.password = pw }
}

func apply(opts []Option) settings {
	var s settings
	for _, o := range opts {
		o(&s)
	}
	return s
}

// Server is one running redis-server (or redis-sentinel).
type Server struct {
	// Addr is host:port of the plain TCP port (of the TLS port for TLS).
	Addr string
	// Dir holds the server's configuration, log and files.
	Dir string

	password string
	tls      *tls.Config
	cmd      *exec.Cmd
	exited   chan struct{}
}

// Client returns a client on the server (authenticated and over TLS as the
// server needs), closed when the test ends.
func (s *Server) Client(t testing.TB) *redis.Client {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: s.Addr, Password: s.password, TLSConfig: s.tls})
	t.Cleanup(func() { c.Close() })
	return c
}

// Stop kills the server now and waits for it to exit; the test's cleanup
// then has nothing left to do.
func (s *Server) Stop() {
	if s.cmd.Process != nil {
		s.cmd.Process.Kill()
	}
	<-s.exited
}

// Standalone starts a redis-server without persistence, configured by
// opts.
func Standalone(t testing.TB, opts ...Option) *Server {
	t.Helper()
	st := apply(opts)
	return startServer(t, "redis-server", func(port int) [][]string {
		return append(baseConf(port, st.password), st.directives...)
	}, st.password, nil)
}

// baseConf is what every data server started here has: 127.0.0.1 only,
// no snapshots, no AOF, no delay before a replica's full sync.
func baseConf(port int, password string) [][]string {
	c := [][]string{
		{"port", strconv.Itoa(port)}, {"bind", "127.0.0.1"}, {"save", `""`}, {"appendonly", "no"},
		{"repl-diskless-sync-delay", "0"}, {"protected-mode", "no"},
	}
	if password != "" {
		c = append(c, []string{"requirepass", password}, []string{"masterauth", password})
	}
	return c
}

// startServer starts bin with the configuration conf gives for a port,
// in a new directory, and waits until it answers PING. A port taken
// between choosing and binding it is retried with another one. A
// directive "cluster-enabled yes" gets a free cluster bus port.
func startServer(t testing.TB, bin string, conf func(port int) [][]string, password string, tlsConf *tls.Config) *Server {
	t.Helper()
	path := need(t, bin)
	var last string
	for range 5 {
		port := FreePort(t)
		lines := conf(port)
		for _, l := range lines {
			if l[0] == "cluster-enabled" && len(l) > 1 && l[1] == "yes" {
				lines = append(lines, []string{"cluster-port", strconv.Itoa(FreePort(t))})
			}
		}
		dir := t.TempDir()
		lines = append(lines, []string{"dir", dir}, []string{"logfile", filepath.Join(dir, "redis.log")})
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) // TLS's tls-port, when tlsConf is set
		s, err := launch(t, path, dir, lines, addr, password, tlsConf)
		if err == nil {
			return s
		}
		last = err.Error()
		if !strings.Contains(last, "Address already in use") {
			break
		}
	}
	t.Fatalf("%s did not start: %s", bin, last)
	return nil
}

// launch writes the configuration, starts the process and waits for it.
func launch(t testing.TB, path, dir string, lines [][]string, addr, password string, tlsConf *tls.Config) (*Server, error) {
	var b strings.Builder
	for _, l := range lines {
		b.WriteString(strings.Join(l, " ") + "\n")
	}
	confFile := filepath.Join(dir, "redis.conf")
	if err := os.WriteFile(confFile, []byte(b.String()), 0o600); err != nil {
		t.Fatalf("write %s: %v", confFile, err)
	}
	cmd := exec.Command(path, confFile)
	cmd.Dir = dir
	dieWithTest(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", path, err)
	}
	s := &Server{Addr: addr, Dir: dir, password: password, tls: tlsConf, cmd: cmd, exited: make(chan struct{})}
	go func() { cmd.Wait(); close(s.exited) }()
	t.Cleanup(s.Stop)
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := Ping(addr, password, tlsConf)
		if err == nil {
			return s, nil
		}
		select {
		case <-s.exited:
			return nil, fmt.Errorf("it exited: %s", logTail(dir))
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("no PONG on %s within 10s (%v): %s", addr, err, logTail(dir))
		}
	}
}

// logTail is the end of a server's log, to say why it failed.
func logTail(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "redis.log"))
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], " | ")
}

// Ping sends AUTH (when password is set) and PING on a new connection to
// addr, over TLS when tlsConf is set, and wants +PONG.
func Ping(addr, password string, tlsConf *tls.Config) error {
	d := &net.Dialer{Timeout: time.Second}
	var conn net.Conn
	var err error
	if tlsConf != nil {
		conn, err = tls.DialWithDialer(d, "tcp", addr, tlsConf)
	} else {
		conn, err = d.Dial("tcp", addr)
	}
	if err != nil {
		return err
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	r := bufio.NewReader(conn)
	if password != "" {
		fmt.Fprintf(conn, "*2\r\n$4\r\nAUTH\r\n$%d\r\n%s\r\n", len(password), password)
		if line, err := r.ReadString('\n'); err != nil || !strings.HasPrefix(line, "+OK") {
			return fmt.Errorf("AUTH: %q %v", strings.TrimSpace(line), err)
		}
	}
	fmt.Fprint(conn, "*1\r\n$4\r\nPING\r\n")
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	if !strings.HasPrefix(line, "+PONG") {
		return errors.New(strings.TrimSpace(line))
	}
	return nil
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}
