package newsletter

import (
	"errors"
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckEmail reports whether email is a plain, deliverable-looking address:
// one @, visible characters only, no display name or quoting, a domain of
// dot-separated labels (letters, digits, inner hyphens; no IP literals),
// at most 254 bytes.
func CheckEmail(email string) error {
	bad := errors.New("email: not a valid address")
	if email == "" {
		return errors.New("email: required")
	}
	if len(email) > 254 || !utf8.ValidString(email) || strings.ContainsAny(email, "<>,;\"()[]\\") {
		return bad
	}
	for _, r := range email {
		// From U+FFF0 on: the specials (U+FFFD stands where a decoder met
		// bytes that were not UTF-8) and the planes of emoji and rare
		// scripts, which mail systems seldom take in an address.
		if !unicode.IsGraphic(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || r >= 0xFFF0 {
			return bad
		}
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return bad
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || len(local) > 64 || strings.Contains(domain, "@") {
		return bad
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return bad
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return bad
		}
		for _, r := range l {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' {
				return bad
			}
		}
	}
	// A top-level domain begins and ends with a letter (1.2.3.4 is an IP
	// address, not a domain), unless it is punycode (xn--p1ai).
	tld := labels[len(labels)-1]
	first, _ := utf8.DecodeRuneInString(tld)
	last, _ := utf8.DecodeLastRuneInString(tld)
	if punycode, ok := strings.CutPrefix(tld, "xn--"); ok {
		if strings.IndexFunc(punycode, unicode.IsLetter) < 0 {
			return bad
		}
	} else if !unicode.IsLetter(first) || !unicode.IsLetter(last) {
		return bad
	}
	return nil
}
