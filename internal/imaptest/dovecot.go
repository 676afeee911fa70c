// Package imaptest starts a real Dovecot IMAP server for tests: on
// 127.0.0.1 only, one user whose mail is a maildir under a temporary
// directory, plain (or STARTTLS) and, when asked, implicit TLS with a
// certificate made for the test. A machine without Dovecot 2.3 fails the
// test with a message saying what to install; it never skips.
package imaptest

import (
	"bufio"
	"bytes"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/testkit"
)

// The one user of every server, and its password (which has characters
// a URL must percent-encode).
const (
	User     = "bounces@example.org"
	Password = "pw-Zq8#s/ecret%"
)

// Server is a real Dovecot IMAP server started by a test, listening on
// 127.0.0.1 only, with one user (User) whose mail is a maildir under a
// temporary directory.
type Server struct {
	PlainAddr string         // imap: no TLS, or STARTTLS when started with TLS
	TLSAddr   string         // imaps, when started with TLS
	Roots     *x509.CertPool // trusts the server's certificate, when started with TLS
	Dir       string         // Dovecot's configuration, state, log and mail
}

// Start runs `dovecot -F -c <config>` for the test and stops it at the
// end. withTLS makes TLS required, with a certificate made here, and adds
// an imaps listener.
func Start(t testing.TB, withTLS bool) *Server {
	t.Helper()
	bin, err := exec.LookPath("dovecot")
	if err != nil {
		bin = "/usr/sbin/dovecot"
		if _, serr := os.Stat(bin); serr != nil {
			t.Fatalf("dovecot is not installed: apt-get install dovecot-imapd (.ci/run installs it): %v", err)
		}
	}
	if out, err := exec.Command(bin, "--version").Output(); err != nil || !strings.HasPrefix(string(out), "2.3.") {
		t.Fatalf("these tests write a Dovecot 2.3 config (Debian 12's dovecot-imapd); dovecot --version says %q (%v)", out, err)
	}
	// A short path: Dovecot's unix sockets live under it.
	dir, err := os.MkdirTemp("", "nlimap")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	for _, d := range []string{"run", "state", "mail"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// Dovecot runs its login processes and the mail process as users other
	// than root: give them a way in.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	internal, login, mailUser, mailGroup := currentUser(t)
	if os.Getuid() == 0 {
		login, mailUser, mailGroup = "nobody", "nobody", nogroup()
		u, err := user.Lookup("nobody")
		if err != nil {
			t.Fatalf("no user nobody for Dovecot's unprivileged processes: %v", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(filepath.Join(dir, "mail"), uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	d := &Server{Dir: dir, PlainAddr: FreeAddr(t)}
	imapsPort, ssl := "0", "ssl = no"
	if withTLS {
		d.TLSAddr = FreeAddr(t)
		d.Roots = writeCert(t, dir)
		imapsPort = port(d.TLSAddr)
		ssl = "ssl = required\nssl_cert = <" + dir + "/cert.pem\nssl_key = <" + dir + "/key.pem"
	}
	conf := fmt.Sprintf(`base_dir = %[1]s/run
state_dir = %[1]s/state
instance_name = nltest-%[2]s
protocols = imap
listen = 127.0.0.1
log_path = %[1]s/dovecot.log
default_internal_user = %[3]s
default_internal_group = %[8]s
default_login_user = %[4]s
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
mail_location = maildir:%[1]s/mail/%%u
mail_fsync = never
passdb {
  driver = passwd-file
  args = scheme=PLAIN %[1]s/passwd
}
userdb {
  driver = static
  args = uid=%[5]s gid=%[6]s home=%[1]s/mail/%%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = %[7]s
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = %[9]s
    ssl = yes
  }
}
service anvil {
  chroot =
}
service stats {
  unix_listener stats-writer {
    mode = 0666
  }
}
%[10]s
`, dir, filepath.Base(dir), internal, login, mailUser, mailGroup, port(d.PlainAddr), groupOf(internal), imapsPort, ssl)
	write(t, filepath.Join(dir, "dovecot.conf"), conf, 0o644)
	write(t, filepath.Join(dir, "passwd"), User+":{PLAIN}"+Password+"\n", 0o644)

	cmd := exec.Command(bin, "-F", "-c", filepath.Join(dir, "dovecot.conf"))
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start dovecot: %v", err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		// The master stops its own children on SIGTERM; the group is ours.
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
	})
	for _, addr := range []string{d.PlainAddr, d.TLSAddr} {
		if addr == "" {
			continue
		}
		if err := waitListening(addr, exited); err != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "dovecot.log"))
			t.Fatalf("dovecot did not start on %s: %v\n%s\n%s", addr, err, out.String(), log)
		}
	}
	return d
}

// waitListening waits until a connection to addr is accepted, or the
// server exits, or five seconds pass.
func waitListening(addr string, exited <-chan struct{}) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-exited:
			return fmt.Errorf("dovecot exited")
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return err
		}
	}
}

func currentUser(t testing.TB) (internal, login, mailUser, mailGroup string) {
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		t.Fatal(err)
	}
	return u.Username, u.Username, u.Username, g.Name
}

func groupOf(name string) string {
	u, err := user.Lookup(name)
	if err != nil {
		return name
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		return name
	}
	return g.Name
}

// nogroup is nobody's group: nogroup on Debian, nobody elsewhere.
func nogroup() string {
	if _, err := user.LookupGroup("nogroup"); err == nil {
		return "nogroup"
	}
	return "nobody"
}

// FreeAddr finds a free port on 127.0.0.1 (for a server to listen on, or
// to find nobody listening).
func FreeAddr(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}

func write(t testing.TB, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
}

// writeCert makes a self-signed certificate for 127.0.0.1, writes it and
// its key for Dovecot, and returns a pool that trusts it.
func writeCert(t testing.TB, dir string) *x509.CertPool {
	c := testkit.SelfSigned(t)
	write(t, filepath.Join(dir, "cert.pem"), string(c.CertPEM), 0o644)
	write(t, filepath.Join(dir, "key.pem"), string(c.KeyPEM), 0o600)
	return c.Roots
}

// Log returns the last lines of Dovecot's log, for failure messages.
func (d *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(d.Dir, "dovecot.log"))
	var lines []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	if len(lines) > 30 {
		lines = lines[len(lines)-30:]
	}
	return strings.Join(lines, "\n")
}
