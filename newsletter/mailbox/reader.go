package mailbox

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Handler handles one raw message (RFC 5322 bytes, cut at
// Reader.MaxBytes). It returns nil when the message is dealt with and may
// be removed from the folder, or an error to keep it for the next poll (a
// store that is down, say). A message that will never be understood
// should return nil too, or it comes back every poll.
type Handler func(ctx context.Context, raw []byte) error

// Defaults of a Reader's limits.
const (
	DefaultMaxBytes   = 10 << 20
	DefaultMaxPerPoll = 500
	DefaultTimeout    = 30 * time.Second
)

// Reader reads one IMAP folder. Each Poll is its own connection: log in,
// select, fetch, hand over, delete, log out.
type Reader struct {
	cfg Config
	log *slog.Logger

	// MaxBytes is the most of one message fetched; the rest is not read
	// (BODY.PEEK[]<0.MaxBytes>).
	MaxBytes int64
	// MaxPerPoll is the most messages one Poll hands over; the rest wait
	// for the next.
	MaxPerPoll int
	// Timeout bounds each exchange with the server (connecting, logging
	// in, one fetch, …), not the time a Handler takes.
	Timeout time.Duration
	// After waits between polls in Run; nil means time.After.
	After func(time.Duration) <-chan time.Time
}

// New returns a Reader for cfg that logs to log (slog.Default when nil).
func New(cfg Config, log *slog.Logger) *Reader {
	if log == nil {
		log = slog.Default()
	}
	return &Reader{
		cfg:        cfg,
		log:        log.With("mailbox", cfg),
		MaxBytes:   DefaultMaxBytes,
		MaxPerPoll: DefaultMaxPerPoll,
		Timeout:    DefaultTimeout,
	}
}

// session is one logged-in connection.
type session struct {
	c       *imapclient.Client
	raw     net.Conn
	timeout time.Duration
}

// do runs one exchange with the server under the Reader's Timeout; between
// exchanges the connection has no deadline, however long a Handler takes.
// Cancelling ctx breaks off the exchange (the connection is closed); an
// exchange that must finish, such as marking a handled message, is given
// a context that is never cancelled.
func (s *session) do(ctx context.Context, f func() error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { s.c.Close() })
	_ = s.raw.SetDeadline(time.Now().Add(s.timeout))
	err := f()
	_ = s.raw.SetDeadline(time.Time{})
	if !stop() && err != nil {
		err = fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// connect dials, secures, greets and logs in.
func (r *Reader) connect(ctx context.Context) (*session, error) {
	d := net.Dialer{Timeout: r.Timeout}
	raw, err := d.DialContext(ctx, "tcp", r.cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("mailbox: connect: %w", err)
	}
	stop := context.AfterFunc(ctx, func() { raw.Close() })
	defer stop()
	_ = raw.SetDeadline(time.Now().Add(r.Timeout))
	tc := r.tlsConfig()
	var c *imapclient.Client
	switch r.cfg.Security {
	case ImplicitTLS:
		conn := tls.Client(raw, tc)
		if err := conn.HandshakeContext(ctx); err != nil {
			raw.Close()
			return nil, fmt.Errorf("mailbox: TLS handshake: %w", err)
		}
		c = imapclient.New(conn, nil)
	case StartTLS:
		c, err = imapclient.NewStartTLS(raw, &imapclient.Options{TLSConfig: tc})
		if err != nil {
			raw.Close()
			return nil, fmt.Errorf("mailbox: STARTTLS: %w", err)
		}
	default:
		c = imapclient.New(raw, nil)
	}
	err = c.WaitGreeting()
	if err == nil {
		err = c.Login(r.cfg.Username, r.cfg.Password).Wait()
	}
	_ = raw.SetDeadline(time.Time{})
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("mailbox: log in as %s: %w", MaskUser(r.cfg.Username), err)
	}
	return &session{c: c, raw: raw, timeout: r.Timeout}, nil
}

func (r *Reader) tlsConfig() *tls.Config {
	var tc *tls.Config
	if r.cfg.TLS != nil {
		tc = r.cfg.TLS.Clone()
	} else {
		tc = &tls.Config{}
	}
	if tc.ServerName == "" {
		tc.ServerName, _, _ = net.SplitHostPort(r.cfg.Addr)
	}
	if tc.MinVersion == 0 {
		tc.MinVersion = tls.VersionTLS12
	}
	return tc
}

// Poll reads the folder once: every message not yet marked \Deleted (at
// most MaxPerPoll) is fetched and handed to handle; each one handle
// accepts is marked \Deleted at once and expunged at the end (UID EXPUNGE
// where the server has UIDPLUS, so nothing else is touched). A message
// handle refuses stays for the next Poll. n is how many were handled and
// removed. Handler errors are logged, not returned; err is about the
// server or ctx.
func (r *Reader) Poll(ctx context.Context, handle Handler) (n int, err error) {
	if handle == nil {
		return 0, ErrNoHandler
	}
	s, err := r.connect(ctx)
	if err != nil {
		return 0, err
	}
	defer func() {
		_ = s.do(ctx, func() error { return s.c.Logout().Wait() })
		s.c.Close()
	}()

	var todo, leftover []imap.UID
	err = s.do(ctx, func() error {
		if _, err := s.c.Select(r.cfg.Folder, nil).Wait(); err != nil {
			return fmt.Errorf("select: %w", err)
		}
		notDeleted, err := s.c.UIDSearch(&imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}, nil).Wait()
		if err != nil {
			return fmt.Errorf("search: %w", err)
		}
		deleted, err := s.c.UIDSearch(&imap.SearchCriteria{Flag: []imap.Flag{imap.FlagDeleted}}, nil).Wait()
		if err != nil {
			return fmt.Errorf("search: %w", err)
		}
		todo, leftover = notDeleted.AllUIDs(), deleted.AllUIDs()
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("mailbox: %w", err)
	}
	if len(todo) > r.MaxPerPoll && r.MaxPerPoll > 0 {
		todo = todo[:r.MaxPerPoll]
	}

	done := leftover // removed from the folder at the end
	failed := 0
	for _, uid := range todo {
		if ctx.Err() != nil {
			break
		}
		raw, size, err := r.fetch(ctx, s, uid)
		if err != nil {
			return n, fmt.Errorf("mailbox: fetch: %w", err)
		}
		if raw == nil { // expunged meanwhile
			continue
		}
		if size > int64(len(raw)) {
			r.log.Warn("message cut at the size limit", "uid", uid, "size", size, "read", len(raw))
		}
		if herr := handle(ctx, raw); herr != nil {
			failed++
			r.log.Warn("message kept for the next poll", "uid", uid, "error", herr)
			continue
		}
		// The handler has acted: mark the message even when ctx has just
		// ended, or the next poll would act on it again.
		err = s.do(context.WithoutCancel(ctx), func() error {
			return s.c.Store(imap.UIDSetNum(uid), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close()
		})
		if err != nil {
			return n, fmt.Errorf("mailbox: mark handled message deleted: %w", err)
		}
		done = append(done, uid)
		n++
	}
	if ctx.Err() != nil {
		// What was handled is marked \Deleted: the next Poll expunges it.
		return n, ctx.Err()
	}
	if len(done) > 0 {
		err = s.do(ctx, func() error {
			if s.c.Caps().Has(imap.CapUIDPlus) {
				return s.c.UIDExpunge(imap.UIDSetNum(done...)).Close()
			}
			return s.c.Expunge().Close()
		})
		if err != nil {
			return n, fmt.Errorf("mailbox: expunge: %w", err)
		}
	}
	if n > 0 || failed > 0 {
		r.log.Info("mailbox polled", "handled", n, "kept", failed)
	}
	return n, ctx.Err()
}

// fetch reads one message by UID, at most MaxBytes of it, and its full
// size. raw is nil when the message is gone.
func (r *Reader) fetch(ctx context.Context, s *session, uid imap.UID) (raw []byte, size int64, err error) {
	limit := r.MaxBytes
	if limit <= 0 {
		limit = DefaultMaxBytes
	}
	err = s.do(ctx, func() error {
		cmd := s.c.Fetch(imap.UIDSetNum(uid), &imap.FetchOptions{
			UID:         true,
			RFC822Size:  true,
			BodySection: []*imap.FetchItemBodySection{{Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: limit}}},
		})
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch item := item.(type) {
				case imapclient.FetchItemDataRFC822Size:
					size = item.Size
				case imapclient.FetchItemDataBodySection:
					if item.Literal == nil {
						continue
					}
					b, err := io.ReadAll(io.LimitReader(item.Literal, limit))
					if err != nil {
						cmd.Close()
						return err
					}
					raw = b
				}
			}
		}
		return cmd.Close()
	})
	return raw, size, err
}

// Run polls at once and then every interval until ctx ends, and returns
// ctx's error. An interval of zero, below zero or over a minute is a
// minute: the folder is read at least once a minute. Failed polls are
// logged and tried again at the next tick.
func (r *Reader) Run(ctx context.Context, every time.Duration, handle Handler) error {
	if handle == nil {
		return ErrNoHandler
	}
	if every <= 0 || every > time.Minute {
		every = time.Minute
	}
	after := r.After
	if after == nil {
		after = time.After
	}
	for {
		if _, err := r.Poll(ctx, handle); err != nil && ctx.Err() == nil {
			r.log.Error("mailbox poll failed", "error", err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-after(every):
		}
	}
}

// ErrNoHandler is returned by Poll and Run when handle is nil.
var ErrNoHandler = errors.New("mailbox: no handler")
