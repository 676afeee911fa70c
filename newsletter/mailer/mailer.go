// Package mailer turns newsletter.Messages into MIME mail and delivers them:
// over SMTP when SMTP_URL is set, otherwise as .eml files in OUTBOX_DIR.
//
// Every message is multipart/alternative (text/plain, then text/html;
// UTF-8, quoted-printable) with From, To, Subject, Date, a Message-ID on the
// sender's domain and the message's extra headers, and no header naming the
// mail library. With DKIM_SELECTOR and DKIM_KEY_FILE set, every message is
// DKIM-signed for the From domain.
//
// The SMTP transport keeps one connection per Sender for many messages.
// smtp:// requires STARTTLS (ErrNoStartTLS otherwise; ?tls=none allows
// plaintext), smtps:// speaks TLS from the start. A refusal by the server
// is a *ReplyError judged by Classify: newsletter.ErrRejected only when the
// server refused the recipient's address at RCPT TO, ErrBlocked when it
// refused the sender or the message, ErrDeferred for a 4xx; every other
// failure is temporary. No error text holds a recipient's whole address.
//
// A Message's ID, when set, is its Message-ID on every attempt; its
// EnvelopeFrom, when set, is the MAIL FROM.
package mailer

import (
	"bytes"
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/mail"
	"os"
	"regexp"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/satina/newsletter/newsletter"
)

// Defaults applied by New.
const (
	// DefaultFrom is the sender when MAIL_FROM is empty.
	DefaultFrom = "Newsletter <newsletter@localhost>"
	// DefaultOutboxDir is where mail goes when OUTBOX_DIR is empty.
	DefaultOutboxDir = "./outbox"
	// DefaultTimeout bounds dialing and each SMTP exchange.
	DefaultTimeout = 30 * time.Second
)

// ErrInvalidMessage means a message cannot be built as given: a CR or LF in
// the subject, a name or a header value, a malformed header name, a header
// the mailer sets itself, or an unusable recipient address. Sending it again
// will not help; it never wraps newsletter.ErrRejected.
var ErrInvalidMessage = fmt.Errorf("invalid message: %w", newsletter.ErrUnsendable)

// Config is the mail configuration, read from the environment by the
// caller.
type Config struct {
	// URL is SMTP_URL (see ParseURL). Empty selects the outbox.
	URL string
	// OutboxDir is OUTBOX_DIR, where the outbox writes .eml files;
	// DefaultOutboxDir when empty.
	OutboxDir string
	// From is MAIL_FROM, e.g. `Satina <letters@example.org>`; DefaultFrom
	// when empty. Its domain names the Message-IDs and the DKIM signature.
	From string
	// DKIMSelector is DKIM_SELECTOR. With DKIMKeyFile it turns on signing.
	DKIMSelector string
	// DKIMKeyFile is DKIM_KEY_FILE: a PEM RSA (PKCS#1 or PKCS#8, at least
	// 1024 bits) or Ed25519 (PKCS#8) private key.
	DKIMKeyFile string
	// Timeout bounds dialing and each SMTP exchange; DefaultTimeout when 0.
	Timeout time.Duration
	// InsecureSkipVerify accepts any TLS certificate. For tests only.
	InsecureSkipVerify bool
	// Log, when set, hears of each .eml the outbox writes (its path and
	// subject; never an address or a link).
	Log *slog.Logger
}

// New validates cfg and returns the SMTP transport, or the outbox transport
// when cfg.URL is empty. A bad SMTP_URL or MAIL_FROM, a DKIM selector
// without a key (or the reverse), or an unreadable or unsupported key is an
// error naming the variable. New does not connect: the first Send does.
func New(cfg Config) (newsletter.Transport, error) {
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("mailer: negative timeout %v", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultTimeout
	}
	b, err := newBuilder(cfg)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(cfg.URL) == "" {
		dir := cfg.OutboxDir
		if dir == "" {
			dir = DefaultOutboxDir
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("OUTBOX_DIR: %w", err)
		}
		// 8bit instead of quoted-printable: a text editor shows the links
		// of a dev-mode mail whole, to be copied into a browser.
		ob := *b
		ob.encoding = gomail.NoEncoding
		return &outboxTransport{dir: dir, b: &ob, log: cfg.Log}, nil
	}
	s, err := ParseURL(cfg.URL)
	if err != nil {
		return nil, err
	}
	t := &smtpTransport{
		settings: *s,
		b:        b,
		timeout:  cfg.Timeout,
		tlsConfig: &tls.Config{
			ServerName:         s.Host,
			MinVersion:         tls.VersionTLS12,
			InsecureSkipVerify: cfg.InsecureSkipVerify, //nolint:gosec // opt-in, for tests
		},
	}
	// Building a client once checks the options.
	if _, err := t.newClient(nil); err != nil {
		return nil, fmt.Errorf("SMTP_URL: %w", err)
	}
	return t, nil
}

// selectorRE matches a DKIM selector: dot-separated DNS labels.
var selectorRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)

// newBuilder checks the sender and the DKIM settings.
func newBuilder(cfg Config) (*builder, error) {
	from := cfg.From
	if strings.TrimSpace(from) == "" {
		from = DefaultFrom
	}
	if strings.ContainsAny(from, "\r\n") {
		return nil, errors.New("MAIL_FROM: contains a line break")
	}
	addr, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("MAIL_FROM: %q is not an address like `Name <user@example.org>`: %v", from, err)
	}
	at := strings.LastIndexByte(addr.Address, '@')
	if at < 1 || at == len(addr.Address)-1 {
		return nil, fmt.Errorf("MAIL_FROM: %q has no domain", from)
	}
	domain := strings.ToLower(addr.Address[at+1:])
	if !isASCII(domain) {
		return nil, fmt.Errorf("MAIL_FROM: write the domain %q in its ASCII (xn--) form", domain)
	}
	if strings.ContainsAny(domain, "[]") {
		return nil, fmt.Errorf("MAIL_FROM: %q: an address literal cannot name Message-IDs or a DKIM domain", from)
	}
	b := &builder{from: addr, domain: domain}

	switch {
	case cfg.DKIMSelector == "" && cfg.DKIMKeyFile == "":
		return b, nil
	case cfg.DKIMSelector == "":
		return nil, errors.New("DKIM_SELECTOR: must be set together with DKIM_KEY_FILE")
	case cfg.DKIMKeyFile == "":
		return nil, errors.New("DKIM_KEY_FILE: must be set together with DKIM_SELECTOR")
	}
	if !selectorRE.MatchString(cfg.DKIMSelector) {
		return nil, fmt.Errorf("DKIM_SELECTOR: %q is not a DNS label", cfg.DKIMSelector)
	}
	pemBytes, err := os.ReadFile(cfg.DKIMKeyFile)
	if err != nil {
		return nil, fmt.Errorf("DKIM_KEY_FILE: %w", err)
	}
	key, err := gomail.PrivKeyFromPEM(pemBytes)
	if err != nil {
		return nil, fmt.Errorf("DKIM_KEY_FILE: %s: want a PEM RSA or Ed25519 private key: %v", cfg.DKIMKeyFile, err)
	}
	if err := checkDKIMKey(key); err != nil {
		return nil, fmt.Errorf("DKIM_KEY_FILE: %s: %v", cfg.DKIMKeyFile, err)
	}
	b.dkimSelector = cfg.DKIMSelector
	b.dkimKey = key
	// One signature now, so that a key the signer cannot use fails here.
	if _, err := b.signature(bytes.NewBufferString("From: <a@b>\r\n\r\nx\r\n")); err != nil {
		return nil, fmt.Errorf("DKIM_KEY_FILE: %s: %v", cfg.DKIMKeyFile, err)
	}
	return b, nil
}

// checkDKIMKey rejects keys that verifiers refuse (RFC 8301: RSA keys
// below 1024 bits).
func checkDKIMKey(key crypto.Signer) error {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < 1024 {
			return fmt.Errorf("RSA key of %d bits, DKIM needs at least 1024 (2048 recommended)", k.N.BitLen())
		}
		return k.Validate()
	case ed25519.PrivateKey:
		return nil
	}
	return fmt.Errorf("unsupported key type %T", key)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
