// Package webhook reads the bounce and complaint webhooks of mail
// providers (Postmark, Amazon SES through SNS, Mailgun, SendGrid): it
// checks each provider's signature and turns the payload into Events.
//
// It knows nothing of HTTP frameworks: callers hand it header values and
// the raw body, and map its errors to a status with Status.
package webhook

import (
	"errors"
	"log/slog"
	"net/http"
	"net/mail"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Kind says what a provider reported about an address.
type Kind string

// The kinds of Event.
const (
	// Bounce is a permanent failure: the address will never take mail.
	Bounce Kind = "bounce"
	// SoftBounce is a temporary failure that is the address's own (a full
	// mailbox, say). Callers count them: three within 15 days bounce it.
	SoftBounce Kind = "soft_bounce"
	// Complaint means the reader marked a mail as spam.
	Complaint Kind = "complaint"
	// Unsubscribe means the reader left through the provider (its own
	// unsubscribe link or list, or an unsubscribe reply it recognised).
	Unsubscribe Kind = "unsubscribe"
	// Ignore is an event that asks nothing of us: a delivery, an open, a
	// deferral still being retried, a block that is the sender's fault, a
	// confirmed SNS subscription. Reason says which.
	Ignore Kind = "ignore"
)

// Event is one thing a provider reported about one address.
type Event struct {
	Kind Kind
	// Email is the address, trimmed and lower-cased; empty when the
	// provider named none (then Kind is Ignore).
	Email string
	// Reason is a short, single-line human text: the provider's
	// diagnostic (the remote server's reply for a bounce) or what kind of
	// complaint it was. At most maxReason bytes; addresses in it are masked.
	Reason string
	// At is when the provider says it happened; zero when it did not say.
	At time.Time
	// Provider is "postmark", "ses", "mailgun" or "sendgrid".
	Provider string
	// MessageID is the provider's identifier of the mail the event is
	// about (Postmark MessageID, SES mail.messageId, Mailgun's Message-ID
	// header, SendGrid sg_message_id); empty when not given. Good for
	// logs and for counting one soft bounce per mail.
	MessageID string
}

// LogValue logs an Event with its address masked (s***@example.org), so
// that passing an Event to slog never writes a whole address.
func (e Event) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("kind", string(e.Kind)),
		slog.String("email", MaskEmail(e.Email)),
		slog.String("reason", e.Reason),
		slog.String("provider", e.Provider),
		slog.String("message_id", e.MessageID),
	)
}

// ErrSignature means the request does not prove it comes from the
// provider: a missing, malformed or wrong signature or password, a
// timestamp outside the accepted window, a signing certificate URL that
// is not Amazon's, an SNS topic that is not ours. HTTP 401.
var ErrSignature = errors.New("webhook: bad or missing signature")

// ErrMalformed means the body (or a signed SNS envelope) could not be
// read. HTTP 400.
var ErrMalformed = errors.New("webhook: malformed body")

// ErrUpstream means a request we had to make failed: fetching Amazon's
// signing certificate or visiting an SNS SubscribeURL. The provider
// should try again later. HTTP 502.
var ErrUpstream = errors.New("webhook: provider unreachable")

// Status maps the error of any function in this package to the HTTP
// status a webhook handler should answer: 200 for nil (processed or
// ignored), 401, 400 or 502 for the errors above, 500 otherwise.
func Status(err error) int {
	switch {
	case err == nil:
		return http.StatusOK
	case errors.Is(err, ErrSignature):
		return http.StatusUnauthorized
	case errors.Is(err, ErrMalformed):
		return http.StatusBadRequest
	case errors.Is(err, ErrUpstream):
		return http.StatusBadGateway
	default:
		return http.StatusInternalServerError
	}
}

// MaxSkew is how far a signed timestamp (Mailgun, SendGrid) may be from
// our clock, either way.
const MaxSkew = 15 * time.Minute

// maxReason bounds Event.Reason, in bytes.
const maxReason = 200

// event builds an Event, cleaning the address and the reason. An event
// without an address becomes Ignore.
func event(provider string, kind Kind, email, reason string, at time.Time, messageID string) Event {
	e := Event{Kind: kind, Email: cleanEmail(email), Reason: shorten(reason), At: at, Provider: provider, MessageID: oneLine(messageID)}
	if e.Email == "" && kind != Ignore {
		e.Kind, e.Reason = Ignore, shorten("no recipient address: "+reason)
	}
	return e
}

// cleanEmail trims and lower-cases an address, taking the bare address
// out of a `"Name" <addr>` form. It returns "" for anything without an @
// or longer than 254 bytes; callers still check the address themselves.
func cleanEmail(s string) string {
	s = strings.TrimSpace(s)
	if strings.ContainsAny(s, "<>") {
		a, err := mail.ParseAddress(s)
		if err != nil {
			return ""
		}
		s = a.Address
	}
	s = strings.ToLower(s)
	if len(s) > 254 || !utf8.ValidString(s) || !strings.Contains(s, "@") || strings.IndexFunc(s, unicode.IsSpace) >= 0 {
		return ""
	}
	return s
}

// emailLike finds address-shaped words in a diagnostic text.
var emailLike = regexp.MustCompile(`[^\s<>"'(),;:\[\]]+@[A-Za-z0-9.-]+`)

// shorten makes a provider's text fit for a one-line admin note:
// addresses in it masked, then oneLine.
func shorten(s string) string {
	return oneLine(emailLike.ReplaceAllStringFunc(s, MaskEmail))
}

// oneLine makes a provider's text valid UTF-8 on one line, without
// control characters, runs of blanks made one space, at most maxReason
// bytes (cut on a rune boundary, ending in …).
func oneLine(s string) string {
	s = strings.ToValidUTF8(s, "?")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= maxReason {
		return s
	}
	cut := maxReason - len("…")
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut]) + "…"
}

// firstOf returns the first of its arguments that is not blank.
func firstOf(ss ...string) string {
	for _, s := range ss {
		if strings.TrimSpace(s) != "" {
			return s
		}
	}
	return ""
}

// MaskEmail hides an address for logs: the first character of the local
// part, then ***, then the domain (s***@example.org). Anything without
// an @ becomes ***.
func MaskEmail(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" {
		return "***"
	}
	r, _ := utf8.DecodeRuneInString(local)
	return string(r) + "***@" + domain
}
