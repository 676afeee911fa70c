package smtptest

import (
	"io"
	"log"
	"net"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Discard is an SMTP server over TCP on 127.0.0.1 that accepts every
// message and keeps nothing but a count: for benchmarks, whose message
// counts would make a recording server's memory the thing measured.
type Discard struct {
	Addr     string
	srv      *smtp.Server
	accepted atomic.Int64
}

// StartDiscard runs a Discard server; it stops when the test ends.
func StartDiscard(t testing.TB) *Discard {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: %v", err)
	}
	d := &Discard{Addr: l.Addr().String()}
	d.srv = smtp.NewServer(discardBackend{d})
	d.srv.Domain = "localhost"
	d.srv.ReadTimeout, d.srv.WriteTimeout = 30*time.Second, 30*time.Second
	d.srv.MaxRecipients = 50
	d.srv.ErrorLog = log.New(io.Discard, "", 0)
	go d.srv.Serve(l)
	t.Cleanup(func() { d.srv.Close() })
	return d
}

// URL is an SMTP_URL for the server (plaintext).
func (d *Discard) URL() string { return "smtp://" + d.Addr + "/?tls=none" }

// Accepted counts the recipients of the messages accepted so far.
func (d *Discard) Accepted() int64 { return d.accepted.Load() }

type discardBackend struct{ d *Discard }

func (b discardBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &discardSession{d: b.d}, nil
}

type discardSession struct {
	d  *Discard
	to int64
}

func (s *discardSession) Reset()                               { s.to = 0 }
func (s *discardSession) Logout() error                        { return nil }
func (s *discardSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *discardSession) Rcpt(string, *smtp.RcptOptions) error { s.to++; return nil }
func (s *discardSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	s.d.accepted.Add(s.to)
	return nil
}
