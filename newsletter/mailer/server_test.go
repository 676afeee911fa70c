package mailer_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// received is one message as the test server got it.
type received struct {
	From string
	To   []string
	Data []byte
	TLS  bool   // the session ran over TLS
	User string // the authenticated user, if any
}

// testServer is a real SMTP server on 127.0.0.1 (emersion/go-smtp) that
// records what it receives. It can reject recipients, require AUTH PLAIN,
// offer STARTTLS or speak implicit TLS, be stopped and started again on the
// same address, and drop its connections.
type testServer struct {
	t    *testing.T
	addr string

	mu       sync.Mutex
	srv      *smtp.Server
	msgs     []received
	conns    int                        // TCP connections accepted
	rejects  map[string]*smtp.SMTPError // recipient → reply to RCPT TO
	authUser string                     // non-empty: AUTH PLAIN required
	authPass string
	startTLS *tls.Config // offered via STARTTLS
	implicit *tls.Config // spoken from the first byte
	sessions map[*smtp.Conn]bool
}

type serverOption func(*testServer)

func withAuth(user, pass string) serverOption {
	return func(s *testServer) { s.authUser, s.authPass = user, pass }
}

func withStartTLS() serverOption {
	return func(s *testServer) { s.startTLS = selfSignedTLS(s.t) }
}

func withImplicitTLS() serverOption {
	return func(s *testServer) { s.implicit = selfSignedTLS(s.t) }
}

func newTestServer(t *testing.T, opts ...serverOption) *testServer {
	t.Helper()
	s := &testServer{t: t, rejects: map[string]*smtp.SMTPError{}, sessions: map[*smtp.Conn]bool{}}
	for _, o := range opts {
		o(s)
	}
	s.start("127.0.0.1:0")
	t.Cleanup(s.stop)
	return s
}

// start listens on addr (the previous address after a stop).
func (s *testServer) start(addr string) {
	s.t.Helper()
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger a moment after stop
		ln, err = net.Listen("tcp", addr)
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("listen: %v", err)
	}
	s.addr = ln.Addr().String()
	counted := &countingListener{Listener: ln, s: s}
	var l net.Listener = counted
	if s.implicit != nil {
		l = tls.NewListener(counted, s.implicit)
	}
	srv := smtp.NewServer(s)
	srv.Domain = "mx.test"
	srv.AllowInsecureAuth = true
	srv.TLSConfig = s.startTLS
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
}

// stop closes the listener and every connection.
func (s *testServer) stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// dropConns closes the open connections and keeps listening, like a server
// timing out idle clients.
func (s *testServer) dropConns() {
	s.mu.Lock()
	var conns []*smtp.Conn
	for c := range s.sessions {
		conns = append(conns, c)
	}
	s.mu.Unlock()
	for _, c := range conns {
		_ = c.Close() // calls Logout, which takes s.mu
	}
}

func (s *testServer) reject(rcpt string, code int, enhanced smtp.EnhancedCode, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejects[rcpt] = &smtp.SMTPError{Code: code, EnhancedCode: enhanced, Message: text}
}

func (s *testServer) clearRejects() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejects = map[string]*smtp.SMTPError{}
}

func (s *testServer) messages() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *testServer) connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conns
}

// url is an smtp:// URL for the server with the given suffix (e.g. "?tls=none").
func (s *testServer) url(userinfo, suffix string) string {
	scheme := "smtp"
	if s.implicit != nil {
		scheme = "smtps"
	}
	if userinfo != "" {
		userinfo += "@"
	}
	return scheme + "://" + userinfo + s.addr + suffix
}

// NewSession implements smtp.Backend.
func (s *testServer) NewSession(c *smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.sessions[c] = true
	s.mu.Unlock()
	_, isTLS := c.TLSConnectionState()
	return &session{s: s, c: c, tls: isTLS}, nil
}

type countingListener struct {
	net.Listener
	s *testServer
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.s.mu.Lock()
		l.s.conns++
		l.s.mu.Unlock()
	}
	return c, err
}

type session struct {
	s    *testServer
	c    *smtp.Conn
	tls  bool
	user string
	cur  received
}

func (ss *session) AuthMechanisms() []string {
	if ss.s.authUser == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(identity, user, pass string) error {
		if user != ss.s.authUser || pass != ss.s.authPass {
			return smtp.ErrAuthFailed
		}
		ss.user = user
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.authUser != "" && ss.user == "" {
		return smtp.ErrAuthRequired
	}
	ss.cur = received{From: from, TLS: ss.tls, User: ss.user}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	rej := ss.s.rejects[to]
	ss.s.mu.Unlock()
	if rej != nil {
		return rej
	}
	ss.cur.To = append(ss.cur.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(ss.cur.To) == 0 {
		return errors.New("no recipients")
	}
	ss.cur.Data = b
	ss.s.mu.Lock()
	ss.s.msgs = append(ss.s.msgs, ss.cur)
	ss.s.mu.Unlock()
	ss.cur = received{}
	return nil
}

func (ss *session) Reset() { ss.cur = received{} }

func (ss *session) Logout() error {
	ss.s.mu.Lock()
	delete(ss.s.sessions, ss.c)
	ss.s.mu.Unlock()
	return nil
}

// selfSignedTLS makes a server certificate for 127.0.0.1.
func selfSignedTLS(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "127.0.0.1"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1")},
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return &tls.Config{
		Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}},
		MinVersion:   tls.VersionTLS12,
	}
}

// silentListener accepts TCP connections and never says a word: a server
// that hangs.
func silentListener(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		mu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		mu.Unlock()
	})
	return ln.Addr().String()
}

// headerBlock returns the raw header section of a message, unfolded lines
// kept as sent.
func headerBlock(data []byte) string {
	s := string(data)
	if i := strings.Index(s, "\r\n\r\n"); i >= 0 {
		return s[:i+2]
	}
	return s
}
