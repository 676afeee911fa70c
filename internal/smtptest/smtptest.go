// Package smtptest runs a real SMTP server over TCP on 127.0.0.1, built on
// github.com/emersion/go-smtp, that records what it accepts. Tests send to
// it through the real mailer; nothing is mocked.
package smtptest

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"log"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/satina/newsletter/internal/testkit"
)

// Message is one accepted message.
type Message struct {
	From string // the envelope sender (MAIL FROM)
	To   string
	Data []byte
	At   time.Time
	TLS  bool // the session ran over TLS (STARTTLS)
}

// Header parses the message and returns its header.
func (m Message) Header() mail.Header {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Data))
	if err != nil {
		return mail.Header{}
	}
	return msg.Header
}

// Subject is the decoded Subject header.
func (m Message) Subject() string {
	s := m.Header().Get("Subject")
	if d, err := new(mimeDecoder).DecodeHeader(s); err == nil {
		return d
	}
	return s
}

// Server is a recording SMTP server.
type Server struct {
	Addr string

	tls *tls.Config // offered through STARTTLS when not nil

	mu         sync.Mutex
	srv        *smtp.Server
	msgs       []Message
	rejects    map[string]*smtp.SMTPError // RCPT TO, by recipient
	rejectAll  *smtp.SMTPError            // RCPT TO, for every recipient
	rejectData map[string]*smtp.SMTPError // end of DATA, by recipient
	rejectMail *smtp.SMTPError            // MAIL FROM
	rcpts      int                        // RCPT TO commands seen, refused or not
	notify     chan struct{}
}

// Attempts counts the RCPT TO commands the server saw, refused or not:
// how many deliveries were tried.
func (s *Server) Attempts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rcpts
}

// Option configures a Server at Start.
type Option func(testing.TB, *Server)

// WithStartTLS makes the server offer STARTTLS with a self-signed
// certificate for 127.0.0.1 (a client needs InsecureSkipVerify).
func WithStartTLS() Option {
	return func(t testing.TB, s *Server) {
		c := testkit.SelfSigned(t)
		s.tls = &tls.Config{Certificates: []tls.Certificate{c.TLS}, MinVersion: tls.VersionTLS12}
	}
}

// Start runs a server on a free port; it stops when the test ends.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	s := &Server{rejects: map[string]*smtp.SMTPError{}, rejectData: map[string]*smtp.SMTPError{}, notify: make(chan struct{}, 1)}
	for _, o := range opts {
		o(t, s)
	}
	if err := s.listen("127.0.0.1:0"); err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

func (s *Server) listen(addr string) error {
	var l net.Listener
	var err error
	for i := 0; i < 50; i++ { // the port may linger briefly after Stop
		if l, err = net.Listen("tcp", addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return err
	}
	srv := smtp.NewServer(backend{s})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxRecipients = 50
	srv.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLSConfig = s.tls
	s.mu.Lock()
	s.srv, s.Addr = srv, l.Addr().String()
	s.mu.Unlock()
	go srv.Serve(l)
	return nil
}

// URL is an SMTP_URL for the server (plaintext).
func (s *Server) URL() string { return "smtp://" + s.Addr + "/?tls=none" }

// StartTLSURL is an SMTP_URL for the server that requires STARTTLS: it
// works with WithStartTLS (and InsecureSkipVerify), and fails without.
func (s *Server) StartTLSURL() string { return "smtp://" + s.Addr + "/" }

// Stop closes the server and its connections.
func (s *Server) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		srv.Close()
	}
}

// Restart starts the server again on the same address.
func (s *Server) Restart() error { return s.listen(s.Addr) }

// Reject makes RCPT TO for addr answer with code (e.g. 550 or 450).
func (s *Server) Reject(addr string, code int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejects[strings.ToLower(addr)] = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 1, 1}, Message: "no such user"}
}

// Messages returns what was accepted so far.
func (s *Server) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// To returns the messages accepted for addr.
func (s *Server) To(addr string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if strings.EqualFold(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

// Wait waits until n messages were accepted in all, or timeout passes, and
// returns the messages.
func (s *Server) Wait(t testing.TB, n int, timeout time.Duration) []Message {
	t.Helper()
	deadline := time.After(timeout)
	for {
		if msgs := s.Messages(); len(msgs) >= n {
			return msgs
		}
		select {
		case <-s.notify:
		case <-time.After(10 * time.Millisecond):
		case <-deadline:
			t.Fatalf("smtptest: %d message(s) after %v, want %d", len(s.Messages()), timeout, n)
		}
	}
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, c: c}, nil
}

type session struct {
	s    *Server
	c    *smtp.Conn
	from string
	to   []string
}

func (ss *session) AuthMechanisms() []string { return nil }

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.s.mu.Lock()
	rej := ss.s.rejectMail
	ss.s.mu.Unlock()
	if rej != nil {
		return rej
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.s.mu.Lock()
	ss.s.rcpts++
	rej := ss.s.rejects[strings.ToLower(to)]
	if rej == nil {
		rej = ss.s.rejectAll
	}
	ss.s.mu.Unlock()
	if rej != nil {
		return rej
	}
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if len(ss.to) == 0 {
		return errors.New("no recipients")
	}
	_, isTLS := ss.c.TLSConnectionState()
	ss.s.mu.Lock()
	for _, to := range ss.to {
		if rej := ss.s.rejectData[strings.ToLower(to)]; rej != nil {
			ss.s.mu.Unlock()
			return rej
		}
	}
	for _, to := range ss.to {
		ss.s.msgs = append(ss.s.msgs, Message{From: ss.from, To: to, Data: b, At: time.Now(), TLS: isTLS})
	}
	ss.s.mu.Unlock()
	select {
	case ss.s.notify <- struct{}{}:
	default:
	}
	return nil
}
