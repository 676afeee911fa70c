package bounce

import (
	"bytes"
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
)

// ErrMalformed means the message has no header that could be read: it is
// no mail at all, will never parse, and can be thrown away.
var ErrMalformed = errors.New("bounce: not a mail message")

// Parse reads one raw message from the bounce mailbox for the return path
// returnPath (the operator's RETURN_PATH, such as bounces@example.org). It
// is NewParser followed by Parser.Parse.
func Parse(raw []byte, returnPath string) (*Report, error) {
	p, err := NewParser(returnPath)
	if err != nil {
		return nil, err
	}
	return p.Parse(raw)
}

// Parse reads one raw message (RFC 5322, as fetched from IMAP) and says
// what it is. It reads at most MaxMessageBytes of it. The only error is
// one wrapping ErrMalformed; anything else readable gives a Report, with
// Kind Unknown when there is nothing to act on.
func (p *Parser) Parse(raw []byte) (*Report, error) {
	if len(raw) > MaxMessageBytes {
		raw = raw[:MaxMessageBytes]
	}
	raw = normaliseNewlines(raw)
	h, body, ok := parseHeader(raw)
	if !ok {
		return nil, fmt.Errorf("%w: no header fields", ErrMalformed)
	}
	var w walker
	w.walk(h, body, 0)

	var dsn, arf, orig, text, htmlPart *leaf
	for i := range w.leaves {
		l := &w.leaves[i]
		switch l.ctype {
		case "message/delivery-status", "message/global-delivery-status":
			dsn = first(dsn, l)
		case "message/feedback-report":
			arf = first(arf, l)
		case "message/rfc822", "message/global", "text/rfc822-headers", "message/rfc822-headers", "message/global-headers":
			orig = first(orig, l)
		case "text/plain":
			text = first(text, l)
		case "text/html":
			htmlPart = first(htmlPart, l)
		}
	}
	r := &Report{}
	subject := decodeWords(h.Get("Subject"))
	var bodyText string
	switch {
	case text != nil:
		bodyText = string(text.body)
	case htmlPart != nil:
		bodyText = htmlText(htmlPart.body)
	}
	if orig != nil {
		r.setOriginal(orig.body)
	}

	var origFrom, copied string
	switch {
	case arf != nil:
		origFrom = readARF(r, arf.body)
	case dsn != nil && readDSN(r, dsn.body):
		if r.Recipient == "" {
			r.Recipient = bareAddress(h.Get("X-Failed-Recipients"))
		}
	case looksLikeBounce(h, subject, asciiLower(firstBytes(bodyText, maxScan))):
		var notice string
		notice, copied = splitCopy(bodyText)
		if r.Original == nil && copied != "" {
			r.setOriginal([]byte(copied))
		}
		p.readText(r, h, subject, notice)
	default:
		p.setTag(r, h, "", "")
		p.readOther(r, h, subject, bodyText)
		return r, nil
	}
	p.setTag(r, h, origFrom, firstBytes(copied, maxScan))
	return r, nil
}

// readOther classes mail that is no report and no bounce: mail to one of
// our tagged addresses is a request to unsubscribe unless a machine
// answered automatically; anything else is Unknown.
func (p *Parser) readOther(r *Report, h mail.Header, subject, bodyText string) {
	r.Kind = Unknown
	if r.TagSource != TagFromEnvelope {
		r.Tag, r.TagSource = "", ""
		return
	}
	replied, generated := autoKind(h, subject)
	wantsOut := unsubscribeWords.MatchString(subject) || unsubscribeWords.MatchString(firstBytes(bodyText, 2000))
	switch {
	case replied:
		r.Diagnostic = "automatic reply"
		return
	case generated && !wantsOut:
		r.Diagnostic = "automatic message"
		return
	case isDaemon(h) && !wantsOut:
		r.Diagnostic = "message from a delivery system"
		return
	}
	r.Kind = Unsubscribe
	r.Recipient = bareAddress(h.Get("From"))
	if r.Recipient == "" {
		r.Recipient = bareAddress(h.Get("Sender"))
	}
	r.Diagnostic = oneLine(subject)
}

var unsubscribeWords = regexp.MustCompile(`(?i)unsubscribe|abmelden|austragen|d[ée]sinscri|d[ée]sabonn|darse de baja|cancelar suscripci|annulla iscrizione|afmelden`)

// setOriginal keeps the header of the attached original.
func (r *Report) setOriginal(b []byte) {
	oh, _, ok := parseHeader(bytes.TrimLeft(b, "\r\n \t"))
	if !ok {
		return
	}
	r.Original = oh
	if id := strings.TrimSpace(oh.Get("Message-Id")); id != "" {
		r.OriginalMessageID = strings.Trim(strings.Fields(id)[0], "<>")
	}
}

func first(have, l *leaf) *leaf {
	if have != nil {
		return have
	}
	return l
}

func firstBytes(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// normaliseNewlines turns the bare CR line ends of old Mac mail into LF;
// CRLF and LF are left alone.
func normaliseNewlines(b []byte) []byte {
	head := b
	if len(head) > 4096 {
		head = head[:4096]
	}
	if bytes.IndexByte(head, '\n') >= 0 || bytes.IndexByte(head, '\r') < 0 {
		return b
	}
	return bytes.ReplaceAll(b, []byte("\r"), []byte("\n"))
}
