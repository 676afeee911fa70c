package mailer

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"

	"github.com/satina/newsletter/newsletter"
)

// quitTimeout bounds the polite QUIT in Close.
const quitTimeout = 5 * time.Second

// smtpTransport opens smtpSenders that share one validated configuration.
type smtpTransport struct {
	settings  SMTPSettings
	b         *builder
	timeout   time.Duration
	tlsConfig *tls.Config
}

// NewSender returns a Sender that connects on its first Send.
func (t *smtpTransport) NewSender() newsletter.Sender {
	return &smtpSender{t: t}
}

// newClient builds a go-mail client for t; dial, when not nil, opens the
// TCP (and, for smtps, TLS) connection.
func (t *smtpTransport) newClient(dial gomail.DialContextFunc) (*gomail.Client, error) {
	opts := []gomail.Option{
		gomail.WithPort(t.settings.Port),
		gomail.WithTimeout(t.timeout),
		gomail.WithTLSConfig(t.tlsConfig),
		// The liveness of a reused connection shows at MAIL FROM, where a
		// failure is safe to retry on a new one: no NOOP round trip per
		// message.
		gomail.WithoutNoop(),
	}
	if dial != nil {
		opts = append(opts, gomail.WithDialContextFunc(dial))
	}
	switch t.settings.Security {
	case StartTLSRequired:
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	case ImplicitTLS, NoTLS:
		// ImplicitTLS: the dial function does the handshake, since go-mail
		// ignores WithSSL when given a dial function.
		opts = append(opts, gomail.WithTLSPolicy(gomail.NoTLS))
	}
	if t.settings.Username != "" {
		// PLAIN or LOGIN, whichever the server offers (SCRAM or CRAM-MD5
		// otherwise). go-mail refuses PLAIN and LOGIN without TLS except
		// to localhost; tls=none allows them.
		mechs := []gomail.SMTPAuthType{gomail.SMTPAuthPlain, gomail.SMTPAuthLogin}
		if t.settings.Security == NoTLS {
			mechs = []gomail.SMTPAuthType{gomail.SMTPAuthPlainNoEnc, gomail.SMTPAuthLoginNoEnc}
		}
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(mechs...),
			gomail.WithUsername(t.settings.Username),
			gomail.WithPassword(t.settings.Password),
		)
	}
	return gomail.NewClient(t.settings.Host, opts...)
}

// smtpSender holds one SMTP connection for many messages. Not safe for
// concurrent use, except that a cancelled context may interrupt a Send from
// another goroutine.
type smtpSender struct {
	t      *smtpTransport
	client *gomail.Client // created on first use, kept for the Sender's life
	conn   *smtp.Client   // the open connection; nil when there is none
	closed bool

	mu  sync.Mutex // guards raw, which interrupt closes from another goroutine
	raw net.Conn   // the TCP connection under conn
}

var errSenderClosed = errors.New("mailer: Send on a closed Sender")

// Send delivers m over the Sender's connection, connecting first when
// there is none. A refusal by the server is a *ReplyError whose verdict
// (see Classify) errors.Is sees as newsletter.ErrRejected (the address is
// bad), ErrBlocked (the sender or the message was refused) or ErrDeferred
// (try later); a server without STARTTLS where SMTP_URL requires it is
// ErrNoStartTLS (ErrBlocked); anything else is temporary. No error text
// holds the recipient's whole address. After a connection-level failure
// the connection is dropped and the next Send dials again. Cancelling ctx
// aborts the exchange by closing the connection.
func (s *smtpSender) Send(ctx context.Context, m *newsletter.Message) error {
	if s.closed {
		return errSenderClosed
	}
	msg, err := s.t.b.build(m)
	if err != nil {
		return err
	}
	// The recipient, and a VERP envelope sender that encodes it, are kept
	// out of every error text.
	hide := []string{m.To}
	if m.EnvelopeFrom != "" {
		hide = append(hide, m.EnvelopeFrom)
	}
	to := maskAddress(m.To)
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mailer: not sent to %s: %w", to, err)
	}
	stop := context.AfterFunc(ctx, s.interrupt)
	defer stop()

	for attempt := 0; ; attempt++ {
		reused := s.conn != nil
		if !reused {
			if err := s.connect(ctx); err != nil {
				if ctx.Err() != nil {
					return fmt.Errorf("mailer: connect to %s: %w (%v)", s.t.settings.Addr(), ctx.Err(), hideIn(err, hide...))
				}
				return fmt.Errorf("mailer: connect to %s: %w", s.t.settings.Addr(), connectFailure(err, hide...))
			}
		}
		err := s.client.SendWithSMTPClient(s.conn, msg)
		if err == nil {
			return nil
		}
		if msg.IsDelivered() {
			// The server took the message; only the RSET after it failed.
			s.drop()
			return nil
		}
		var se *gomail.SendError
		if !errors.As(err, &se) {
			se = nil
		}
		keep, retry := assess(se)
		if !keep || ctx.Err() != nil {
			s.drop()
		}
		if retry && reused && attempt == 0 && ctx.Err() == nil {
			// The server dropped an idle connection, or is closing it
			// (421): nothing of this message was accepted, so try once on
			// a new connection.
			continue
		}
		if ctx.Err() != nil {
			return fmt.Errorf("mailer: send to %s: %w (%v)", to, ctx.Err(), hideIn(err, hide...))
		}
		return fmt.Errorf("mailer: send to %s: %w", to, sendFailure(err, se, hide...))
	}
}

// assess tells whether the connection survives a failed send, and whether
// the failure came before anything of the message was accepted on a
// connection that turned out dead (then a new connection may be tried).
func assess(se *gomail.SendError) (keep, retry bool) {
	if se == nil {
		return false, false
	}
	code := se.ErrorCode()
	switch se.Reason {
	case gomail.ErrConnCheck:
		return false, true
	case gomail.ErrSMTPMailFrom:
		if code == 0 || code == 421 {
			return false, true
		}
		return true, false // go-mail sent RSET
	case gomail.ErrSMTPRcptTo:
		return code != 0 && code != 421, false // go-mail sent RSET
	}
	// DATA, the message body, RSET: the state is unclear, start afresh.
	return false, false
}

// connect dials, greets, upgrades to TLS and authenticates.
func (s *smtpSender) connect(ctx context.Context) error {
	if s.client == nil {
		c, err := s.t.newClient(s.dial)
		if err != nil {
			return err
		}
		s.client = c
	}
	conn, err := s.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		// go-mail leaves the connection open when the greeting, EHLO,
		// STARTTLS or AUTH fails.
		s.closeRaw()
		return err
	}
	s.conn = conn
	return nil
}

// dial opens the TCP connection, remembers it for interrupt, and does the
// TLS handshake for smtps://.
func (s *smtpSender) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	raw, err := d.DialContext(ctx, network, addr)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.raw = raw
	s.mu.Unlock()
	if err := ctx.Err(); err != nil { // cancelled before s.raw was set
		s.closeRaw()
		return nil, err
	}
	if s.t.settings.Security != ImplicitTLS {
		return raw, nil
	}
	tc := tls.Client(raw, s.t.tlsConfig)
	if err := tc.HandshakeContext(ctx); err != nil {
		s.closeRaw()
		return nil, fmt.Errorf("TLS handshake: %w", err)
	}
	return tc, nil
}

// interrupt closes the connection under a running Send, from the context's
// AfterFunc goroutine.
func (s *smtpSender) interrupt() {
	s.mu.Lock()
	if s.raw != nil {
		_ = s.raw.Close()
	}
	s.mu.Unlock()
}

func (s *smtpSender) closeRaw() {
	s.mu.Lock()
	if s.raw != nil {
		_ = s.raw.Close()
		s.raw = nil
	}
	s.mu.Unlock()
}

// drop forgets the connection without QUIT.
func (s *smtpSender) drop() {
	if s.conn != nil {
		_ = s.conn.Close()
		s.conn = nil
	}
	s.closeRaw()
}

// Close says QUIT and closes the connection, if there is one. A connection
// the server already dropped is no error. Send fails after Close.
func (s *smtpSender) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	if s.conn != nil {
		_ = s.conn.UpdateDeadline(min(s.t.timeout, quitTimeout))
		_ = s.client.CloseWithSMTPClient(s.conn) // QUIT
	}
	s.drop()
	return nil
}
