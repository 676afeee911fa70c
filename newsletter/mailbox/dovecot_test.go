package mailbox

import (
	"crypto/tls"
	"crypto/x509"
	"testing"

	"github.com/satina/newsletter/internal/imaptest"
)

// The test server's one user (internal/imaptest starts Dovecot).
const (
	testUser     = imaptest.User
	testPassword = imaptest.Password
)

// dovecot is a real Dovecot IMAP server started by a test (imaptest.Start).
type dovecot struct {
	*imaptest.Server
	plainAddr string // imap: no TLS, or STARTTLS when withTLS
	tlsAddr   string // imaps, when withTLS
	roots     *x509.CertPool
}

// startDovecot starts the server for the test and stops it at the end.
// withTLS makes TLS required and adds an imaps listener.
func startDovecot(t *testing.T, withTLS bool) *dovecot {
	t.Helper()
	s := imaptest.Start(t, withTLS)
	return &dovecot{Server: s, plainAddr: s.PlainAddr, tlsAddr: s.TLSAddr, roots: s.Roots}
}

// config returns the Config that reaches this server's folder in the
// given mode.
func (d *dovecot) config(sec Security, folder string) Config {
	c := Config{Addr: d.plainAddr, Username: testUser, Password: testPassword, Folder: folder, Security: sec}
	if sec == ImplicitTLS {
		c.Addr = d.tlsAddr
	}
	if d.roots != nil {
		c.TLS = &tls.Config{RootCAs: d.roots}
	}
	return c
}

// log returns Dovecot's log so far, for failure messages.
func (d *dovecot) log() string { return d.Log() }

// freeAddr is a free port on 127.0.0.1.
func freeAddr(t *testing.T) string { return imaptest.FreeAddr(t) }
