package mailer

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/satina/newsletter/newsletter"
)

// ReplyError is a send the SMTP server refused: its reply, the stage it
// came at and the Verdict on it. errors.Is sees newsletter.ErrRejected,
// ErrBlocked or ErrDeferred through it by the verdict, and none of them
// for Temporary.
type ReplyError struct {
	Stage    Stage
	Code     int    // the basic reply code, e.g. 550
	Enhanced string // the enhanced status code as sent, e.g. "5.7.1"; empty when there was none
	// Text is the rest of the reply on one line: continuation lines
	// joined, their repeated codes dropped, control characters removed,
	// the recipient's and the envelope sender's addresses masked
	// (s***@example.org), at most maxReplyText bytes.
	Text    string
	Verdict Verdict
}

// maxReplyText bounds ReplyError.Text, which ends up in logs and in a
// subscriber's bounce reason.
const maxReplyText = 1000

// Reply is the server's reply on one line, as a log or a bounce reason
// shows it: "550 5.1.1 The email account that you tried to reach does not
// exist. …".
func (e *ReplyError) Reply() string {
	var b strings.Builder
	b.Grow(len(e.Enhanced) + len(e.Text) + 8)
	b.WriteString(strconv.Itoa(e.Code))
	if e.Enhanced != "" {
		b.WriteByte(' ')
		b.WriteString(e.Enhanced)
	}
	if e.Text != "" {
		b.WriteByte(' ')
		b.WriteString(e.Text)
	}
	return b.String()
}

// Error reads "<meaning> at <stage>: <reply>", e.g. "sender or message
// refused at RCPT TO: 550 5.7.1 Service unavailable, Client host
// [192.0.2.1] blocked using Spamhaus".
func (e *ReplyError) Error() string {
	meaning := "unexpected reply"
	if s := e.Verdict.sentinel(); s != nil {
		meaning = s.Error()
	}
	return meaning + " at " + e.Stage.String() + ": " + e.Reply()
}

// Unwrap returns the newsletter error for the verdict: ErrRejected,
// ErrBlocked, ErrDeferred, or nil for Temporary.
func (e *ReplyError) Unwrap() error { return e.Verdict.sentinel() }

func (v Verdict) sentinel() error {
	switch v {
	case BadAddress:
		return newsletter.ErrRejected
	case Blocked:
		return newsletter.ErrBlocked
	case Deferred:
		return newsletter.ErrDeferred
	}
	return nil
}

// noStartTLSError is the refusal to send in plaintext to a server that
// offers no STARTTLS while SMTP_URL asks for it.
type noStartTLSError struct{}

func (noStartTLSError) Error() string {
	return "the SMTP server offers no STARTTLS; SMTP_URL needs ?tls=none to send in plaintext"
}

// Unwrap makes it a block: the same will happen to every message until
// SMTP_URL or the server changes, so sending pauses with this as its
// reason rather than retrying each message until it is given up.
func (noStartTLSError) Unwrap() error { return newsletter.ErrBlocked }

// ErrNoStartTLS is returned (wrapped) by Send when SMTP_URL requires
// STARTTLS (smtp:// without tls=none) and the server does not offer it.
// It wraps newsletter.ErrBlocked: nobody is bounced and nothing goes out
// in plaintext.
var ErrNoStartTLS error = noStartTLSError{}

// Reason is the explanation err carries for a person: the server's reply
// on one line for a ReplyError (addresses masked), the text of
// ErrNoStartTLS, or "" for any other error. It is what a pause reason or a
// bounce reason ("bounce: " + Reason(err)) should say.
func Reason(err error) string {
	var re *ReplyError
	if errors.As(err, &re) {
		return re.Reply()
	}
	if errors.Is(err, ErrNoStartTLS) {
		return ErrNoStartTLS.Error()
	}
	return ""
}

// newReplyError classifies a raw reply: code and the text after it, whose
// lines are joined by "\n" as net/textproto gives them. hide holds the
// addresses to take out of the text (the recipient, the envelope sender).
func newReplyError(stage Stage, code int, msg string, hide ...string) *ReplyError {
	lines := strings.Split(msg, "\n")
	enhanced := ""
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if _, n := scanEnhanced(line); n > 0 {
			if i == 0 {
				enhanced = line[:n]
			}
			line = strings.TrimSpace(line[n:])
		}
		lines[i] = line
	}
	text := strings.Join(lines, " ")
	plain := text
	for _, a := range hide {
		plain = replaceFold(plain, a, "")
	}
	e := &ReplyError{Stage: stage, Code: code, Enhanced: enhanced, Text: scrub(text, hide...)}
	e.Verdict = Classify(stage, code, enhanced, plain)
	return e
}

// scrub makes server-given text fit for a log line: the given addresses
// masked, control characters and invalid UTF-8 replaced, runs of spaces
// collapsed, at most maxReplyText bytes.
func scrub(s string, hide ...string) string {
	for _, a := range hide {
		s = replaceFold(s, a, maskAddress(a))
	}
	s = strings.ToValidUTF8(s, "?")
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxReplyText {
		cut := maxReplyText
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	return s
}

// replaceFold replaces every occurrence of old in s, ignoring ASCII case,
// with repl.
func replaceFold(s, old, repl string) string {
	if old == "" || len(old) > len(s) {
		return s
	}
	ls, lo := strings.ToLower(s), strings.ToLower(old)
	if len(ls) != len(s) || len(lo) != len(old) {
		return strings.ReplaceAll(s, old, repl) // case mapping changed lengths
	}
	var b strings.Builder
	last := 0
	for i := strings.Index(ls, lo); i >= 0; {
		b.WriteString(s[last:i])
		b.WriteString(repl)
		last = i + len(lo)
		j := strings.Index(ls[last:], lo)
		if j < 0 {
			break
		}
		i = last + j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// maskAddress hides an address for logs: the first character of the
// local part, then ***, then the domain (s***@example.org). Anything
// without an @ becomes ***.
func maskAddress(addr string) string {
	at := strings.LastIndexByte(addr, '@')
	if at <= 0 {
		return "***"
	}
	_, n := utf8.DecodeRuneInString(addr)
	return addr[:n] + "***" + addr[at:]
}

// ParseReply reads an SMTP reply as it appears on the wire, in a log or in
// a DSN's Diagnostic-Code ("550-5.1.1 first line\r\n550 5.1.1 last line",
// or one line) and classifies it as given at stage. hide lists addresses
// to mask in the text. A reply that does not start with a three-digit code
// has Code 0 and Verdict Temporary.
func ParseReply(stage Stage, reply string, hide ...string) *ReplyError {
	lines := strings.Split(strings.TrimSpace(reply), "\n")
	code := 0
	for i, line := range lines {
		line = strings.TrimRight(line, "\r")
		if c, rest, ok := parseReply(line); ok && (i == 0 || c == code) {
			if i == 0 {
				code = c
			}
			line = rest
		}
		lines[i] = line
	}
	return newReplyError(stage, code, strings.Join(lines, "\n"), hide...)
}
