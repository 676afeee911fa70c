package mailer

import (
	"crypto"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/satina/newsletter/newsletter"
)

// reservedHeaders are set by the mailer; a Message may not set them.
var reservedHeaders = map[string]bool{
	"from": true, "sender": true, "to": true, "cc": true, "bcc": true,
	"subject": true, "date": true, "message-id": true, "mime-version": true,
	"content-type": true, "content-transfer-encoding": true,
	"dkim-signature": true, "return-path": true,
	"user-agent": true, "x-mailer": true,
}

// maxLine is the longest header line RFC 5322 allows, without CRLF.
const maxLine = 998

// builder renders newsletter.Messages as go-mail messages. It is read-only
// after New, so every Sender may share it.
type builder struct {
	from         *mail.Address
	domain       string // From's domain, lower case: Message-IDs and DKIM d=
	dkimSelector string
	dkimKey      crypto.Signer   // nil: no DKIM
	encoding     gomail.Encoding // of the bodies; "" is quoted-printable
}

// invalid wraps ErrInvalidMessage.
func invalid(format string, args ...any) error {
	return fmt.Errorf("mailer: %w: %s", ErrInvalidMessage, fmt.Sprintf(format, args...))
}

// checkText refuses line breaks and NULs, the way out of a header field.
func checkText(what, s string) error {
	if i := strings.IndexAny(s, "\r\n\x00"); i >= 0 {
		return invalid("%s contains a %s", what, map[byte]string{'\r': "CR", '\n': "LF", 0: "NUL"}[s[i]])
	}
	return nil
}

// validFieldName reports whether name is an RFC 5322 field name: printable
// ASCII without colon or space.
func validFieldName(name string) bool {
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 33 || c > 126 || c == ':' {
			return false
		}
	}
	return true
}

// build validates m and renders it. Every error wraps ErrInvalidMessage.
func (b *builder) build(m *newsletter.Message) (*gomail.Msg, error) {
	if m == nil {
		return nil, invalid("nil message")
	}
	if err := checkText("recipient address", m.To); err != nil {
		return nil, err
	}
	to, err := mail.ParseAddress(m.To)
	if err != nil || to.Name != "" {
		return nil, invalid("recipient %q is not a bare address", m.To)
	}
	if err := checkText("recipient name", m.ToName); err != nil {
		return nil, err
	}
	if err := checkText("subject", m.Subject); err != nil {
		return nil, err
	}
	if m.ID != "" && !validMessageID(m.ID) {
		return nil, invalid("Message-ID %q is not id-left@id-right without angle brackets", m.ID)
	}
	var envFrom string
	if m.EnvelopeFrom != "" {
		if err := checkText("envelope sender", m.EnvelopeFrom); err != nil {
			return nil, err
		}
		a, err := mail.ParseAddress(m.EnvelopeFrom)
		if err != nil || a.Name != "" || a.Address != m.EnvelopeFrom {
			return nil, invalid("envelope sender is not a bare address")
		}
		envFrom = a.Address
	}
	for name, value := range m.Headers {
		if !validFieldName(name) {
			return nil, invalid("header name %q", name)
		}
		if reservedHeaders[strings.ToLower(name)] {
			return nil, invalid("header %s is set by the mailer", name)
		}
		if err := checkText("header "+name, value); err != nil {
			return nil, err
		}
	}

	enc := b.encoding
	if enc == "" {
		enc = gomail.EncodingQP
	}
	msg := gomail.NewMsg(
		gomail.WithNoDefaultUserAgent(), // no User-Agent / X-Mailer naming go-mail
		gomail.WithCharset(gomail.CharsetUTF8),
		gomail.WithEncoding(enc),
		gomail.WithMIMEVersion(gomail.MIME10),
		// Fixed, so that every rendering of the message is the same bytes
		// (the DKIM signature covers one rendering, the wire gets another).
		gomail.WithBoundary(randomHex(24)),
	)
	from := *b.from
	msg.FromMailAddress(&from)
	// A *mail.Address renders its name quoted or RFC 2047-encoded as
	// needed (go-mail's AddToFormat would not quote a '"' in the name).
	msg.AddToMailAddress(&mail.Address{Name: m.ToName, Address: to.Address})
	msg.Subject(m.Subject) // RFC 2047 Q-encoded when not plain ASCII
	msg.SetDateWithValue(time.Now())
	if m.ID != "" {
		msg.SetMessageIDWithValue(m.ID) // the same on every attempt
	} else {
		msg.SetMessageIDWithValue(b.newMessageID())
	}
	if envFrom != "" {
		if err := msg.EnvelopeFrom(envFrom); err != nil {
			return nil, invalid("envelope sender: %v", err)
		}
	}
	for name, value := range m.Headers {
		if isPrintableASCII(value) && len(name)+2+len(value) <= maxLine {
			// Exactly as given, on one line (List-Unsubscribe stays
			// byte-exact, however long the URL).
			msg.SetGenHeaderPreformatted(gomail.Header(name), value)
		} else {
			// Encoded (RFC 2047) and folded by go-mail.
			msg.SetGenHeader(gomail.Header(name), value)
		}
	}
	switch {
	case m.HTML == "":
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
	case m.Text == "":
		msg.SetBodyString(gomail.TypeTextHTML, m.HTML)
	default:
		msg.SetBodyString(gomail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
	}
	if b.dkimKey != nil {
		if err := b.sign(msg); err != nil {
			return nil, err
		}
	}
	return msg, nil
}

// newMessageID returns a random id on the sender's domain, without the
// angle brackets go-mail adds.
func (b *builder) newMessageID() string {
	return randomHex(16) + "@" + b.domain
}

// maxMessageID bounds a Message-ID so that its header line stays within
// RFC 5322's 998 characters.
const maxMessageID = 900

// validMessageID reports whether id can go between the angle brackets of a
// Message-ID: dot-atom text (RFC 5322 atext and dots) on either side of
// one @.
func validMessageID(id string) bool {
	if len(id) > maxMessageID {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		alnum := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
		if !alnum && strings.IndexByte("!#$%&'*+-/=?^_`{|}~.@", c) < 0 {
			return false
		}
	}
	at := strings.IndexByte(id, '@')
	return at > 0 && at < len(id)-1 && strings.Count(id, "@") == 1
}

// randomHex returns n random bytes in hex.
func randomHex(n int) string {
	r := make([]byte, n)
	_, _ = rand.Read(r) // crypto/rand.Read never fails
	return hex.EncodeToString(r)
}

func isPrintableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < ' ' || c > '~') && c != '\t' {
			return false
		}
	}
	return true
}
