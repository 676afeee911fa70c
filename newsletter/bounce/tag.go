package bounce

import (
	"fmt"
	"net/mail"
	"regexp"
	"strings"
)

// MaxTagLen is the longest tag Parse extracts.
const MaxTagLen = 256

// Parser reads bounce mailbox messages for one return path.
type Parser struct {
	returnPath string
	tagged     *regexp.Regexp // <local>+<tag>@<domain>, tag in group 1
}

// NewParser returns a Parser for the operator's RETURN_PATH, a plain
// address such as bounces@example.org; the tagged addresses it looks for
// are then bounces+<tag>@example.org.
func NewParser(returnPath string) (*Parser, error) {
	a, err := mail.ParseAddress(returnPath)
	if err != nil || a.Name != "" || a.Address != strings.TrimSpace(returnPath) {
		return nil, fmt.Errorf("bounce: return path %q: want a plain address such as bounces@example.org", returnPath)
	}
	at := strings.LastIndexByte(a.Address, '@')
	local, domain := a.Address[:at], a.Address[at+1:]
	if local == "" || domain == "" || strings.ContainsAny(local, "\"\\ ") {
		return nil, fmt.Errorf("bounce: return path %q: want a plain address such as bounces@example.org", returnPath)
	}
	re := regexp.MustCompile(`(?i)(?:^|[^A-Za-z0-9._%+=!#$&'*/?^{|}~-])` + regexp.QuoteMeta(local) +
		`\+([A-Za-z0-9_-]{1,` + fmt.Sprint(MaxTagLen) + `})@` + regexp.QuoteMeta(domain) + `(?:$|[^A-Za-z0-9.-]|\.(?:$|[^A-Za-z0-9-]))`)
	return &Parser{returnPath: a.Address, tagged: re}, nil
}

// tagIn returns the tag of the first tagged address in s, or "".
func (p *Parser) tagIn(s string) string {
	if m := p.tagged.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return ""
}

// envelopeFields are the header fields that name the address a message
// was delivered to, most trustworthy first.
var envelopeFields = []string{"Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "X-Delivered-To", "X-Rcpt-To", "To", "Cc"}

// envelopeTag finds the tag of the address a message was delivered to.
func (p *Parser) envelopeTag(h mail.Header) string {
	for _, f := range envelopeFields {
		for _, v := range h[f] {
			if t := p.tagIn(v); t != "" {
				return t
			}
		}
	}
	return ""
}

// setTag fills r.Tag from, in order: the addresses the message was
// delivered to, the original's envelope sender (ARF Original-Mail-From or
// the original's Return-Path), the original's List-Unsubscribe, and the
// text of a plain-text bounce's copy of the original.
func (p *Parser) setTag(r *Report, h mail.Header, origFrom, copyText string) {
	try := func(source, s string) bool {
		if t := p.tagIn(s); t != "" {
			r.Tag, r.TagSource = t, source
			return true
		}
		return false
	}
	if t := p.envelopeTag(h); t != "" {
		r.Tag, r.TagSource = t, TagFromEnvelope
		return
	}
	if try(TagFromReturnPath, origFrom) {
		return
	}
	if r.Original != nil {
		for _, v := range r.Original["Return-Path"] {
			if try(TagFromReturnPath, v) {
				return
			}
		}
		for _, v := range r.Original["List-Unsubscribe"] {
			if try(TagFromListUnsubscribe, v) {
				return
			}
		}
	}
	try(TagFromText, copyText)
}
