package main

import (
	"io"
	"log"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// sink is an SMTP server on 127.0.0.1, built on go-smtp, that accepts every
// message and throws it away. It counts what it accepted, and tells a
// waiting probe the moment a message to its address was accepted.
type sink struct {
	Addr     string
	srv      *smtp.Server
	accepted atomic.Int64
	delay    atomic.Int64 // ns each message's final reply waits (SetDelay)

	mu      sync.Mutex
	waiters map[string]chan time.Time // lower-case address -> acceptance time
}

func startSink() (*sink, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	k := &sink{Addr: l.Addr().String(), waiters: map[string]chan time.Time{}}
	srv := smtp.NewServer(sinkBackend{k})
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.MaxRecipients = 50
	srv.MaxMessageBytes = 10 << 20
	srv.ErrorLog = log.New(io.Discard, "", 0)
	k.srv = srv
	go srv.Serve(l)
	return k, nil
}

// URL is an SMTP_URL for the sink (plaintext).
func (k *sink) URL() string { return "smtp://" + k.Addr + "/?tls=none" }

func (k *sink) Close() { k.srv.Close() }

// SetDelay makes the sink answer each message d after its data arrived,
// as a distant server does (0: at once). Each connection waits on its own.
func (k *sink) SetDelay(d time.Duration) { k.delay.Store(int64(d)) }

// Accepted counts the messages accepted so far.
func (k *sink) Accepted() int64 { return k.accepted.Load() }

// Expect registers addr; the returned channel receives the time the first
// message to it is accepted.
func (k *sink) Expect(addr string) <-chan time.Time {
	ch := make(chan time.Time, 1)
	k.mu.Lock()
	k.waiters[strings.ToLower(addr)] = ch
	k.mu.Unlock()
	return ch
}

// Forget drops a registration that timed out.
func (k *sink) Forget(addr string) {
	k.mu.Lock()
	delete(k.waiters, strings.ToLower(addr))
	k.mu.Unlock()
}

type sinkBackend struct{ k *sink }

func (b sinkBackend) NewSession(*smtp.Conn) (smtp.Session, error) {
	return &sinkSession{k: b.k}, nil
}

type sinkSession struct {
	k  *sink
	to []string
}

func (s *sinkSession) Reset()        { s.to = s.to[:0] }
func (s *sinkSession) Logout() error { return nil }

func (s *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }

func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	if _, err := io.Copy(io.Discard, r); err != nil {
		return err
	}
	if d := s.k.delay.Load(); d > 0 {
		time.Sleep(time.Duration(d))
	}
	at := time.Now()
	s.k.accepted.Add(int64(len(s.to)))
	s.k.mu.Lock()
	if len(s.k.waiters) > 0 {
		for _, to := range s.to {
			key := strings.ToLower(to)
			if ch, ok := s.k.waiters[key]; ok {
				ch <- at
				delete(s.k.waiters, key)
			}
		}
	}
	s.k.mu.Unlock()
	return nil
}
