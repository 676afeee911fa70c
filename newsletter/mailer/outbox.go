package mailer

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// outboxTransport writes each message as an .eml file: the development
// stand-in for an SMTP server.
type outboxTransport struct {
	dir string
	b   *builder
	log *slog.Logger // nil: silent
}

// NewSender returns a Sender writing into the outbox directory. Outbox
// senders, unlike SMTP ones, are safe for concurrent use.
func (o *outboxTransport) NewSender() newsletter.Sender {
	return outboxSender{o}
}

type outboxSender struct{ o *outboxTransport }

// Send writes m as <dir>/<UTC timestamp>-<random>.eml. The file appears
// whole or not at all: it is written under a temporary name, synced and
// renamed. Errors are temporary, except invalid messages (ErrInvalidMessage).
func (s outboxSender) Send(ctx context.Context, m *newsletter.Message) error {
	msg, err := s.o.b.build(m)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mailer: not written: %w", err)
	}
	dir := s.o.dir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("mailer: outbox: %w", err)
	}
	var r [6]byte
	_, _ = rand.Read(r[:])
	name := time.Now().UTC().Format("20060102T150405.000000000Z") + "-" + hex.EncodeToString(r[:]) + ".eml"

	f, err := os.CreateTemp(dir, ".tmp-*.eml.part")
	if err != nil {
		return fmt.Errorf("mailer: outbox: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) error {
		_ = f.Close()
		_ = os.Remove(tmp)
		return fmt.Errorf("mailer: outbox: %w", err)
	}
	if _, err := msg.WriteTo(f); err != nil {
		return fail(err)
	}
	if err := f.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("mailer: outbox: %w", err)
	}
	path := filepath.Join(dir, name)
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("mailer: outbox: %w", err)
	}
	if s.o.log != nil {
		s.o.log.Info("mail written to the outbox", "path", path, "subject", m.Subject)
	}
	return nil
}

// Close does nothing: the outbox holds no resources.
func (outboxSender) Close() error { return nil }
