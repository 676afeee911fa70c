package bounce

import (
	"net/mail"
	"regexp"
	"strconv"
	"strings"
)

// numberRun matches a run of digits and dots, so that "192.0.2.1" or
// "4.72" stay whole and are not mistaken for a status or a reply code.
var numberRun = regexp.MustCompile(`[0-9][0-9.]*`)

// findStatus returns the first enhanced status code (RFC 3463: class 2, 4
// or 5, then two numbers of up to three digits) in s, or "".
func findStatus(s string) string {
	for _, loc := range numberRun.FindAllStringIndex(s, -1) {
		tok := strings.TrimSuffix(s[loc[0]:loc[1]], ".")
		if isStatus(tok) {
			return tok
		}
	}
	return ""
}

func isStatus(tok string) bool {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || (parts[0] != "2" && parts[0] != "4" && parts[0] != "5") {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) == 0 || len(p) > 3 {
			return false
		}
	}
	return true
}

// findCode returns the first SMTP reply code (4xx or 5xx, standing alone
// and followed by a space, a hyphen, a colon or the end) in s, or 0.
func findCode(s string) int {
	for _, loc := range numberRun.FindAllStringIndex(s, -1) {
		if loc[1]-loc[0] != 3 || (s[loc[0]] != '4' && s[loc[0]] != '5') {
			continue
		}
		if loc[0] > 0 && !strings.ContainsRune(" \t\r\n#(:\"'[=<", rune(s[loc[0]-1])) {
			continue
		}
		if loc[1] < len(s) && !strings.ContainsRune(" \t-:", rune(s[loc[1]])) {
			continue
		}
		n, _ := strconv.Atoi(s[loc[0]:loc[1]])
		return n
	}
	return 0
}

// oneLine collapses white space and cuts s to MaxDiagnostic bytes, on a
// rune boundary.
func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ToValidUTF8(s, "?")
	if len(s) <= MaxDiagnostic {
		return s
	}
	cut := MaxDiagnostic
	for cut > 0 && (s[cut]&0xC0) == 0x80 {
		cut--
	}
	return s[:cut]
}

// addrPattern finds addresses in free text.
var addrPattern = regexp.MustCompile(`[A-Za-z0-9._%+=!#$&'*/?^{|}~-]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+`)

// bareAddress reads one address from a header value or a DSN field such as
// "rfc822; a@example.org": the address alone, or "" when there is none.
func bareAddress(v string) string {
	v = strings.TrimSpace(v)
	if typ, rest, ok := strings.Cut(v, ";"); ok && !strings.ContainsAny(typ, "@<\"") {
		v = strings.TrimSpace(rest)
	}
	if a, err := mail.ParseAddress(v); err == nil {
		return a.Address
	}
	return addrPattern.FindString(v)
}

// replyStart matches the code and status that begin an SMTP reply line.
var replyStart = regexp.MustCompile(`([45][0-9][0-9])[- ]([245]\.[0-9]{1,3}\.[0-9]{1,3}) `)

// joinReply drops the code and status that a multi-line SMTP reply repeats
// at the start of each line ("550-5.1.1 … 550-5.1.1 … 550 5.1.1 …"),
// keeping the first.
func joinReply(s string) string {
	m := replyStart.FindStringSubmatchIndex(s)
	if m == nil {
		return s
	}
	code, status := s[m[2]:m[3]], s[m[4]:m[5]]
	head, tail := s[:m[1]], s[m[1]:]
	for _, sep := range []string{"-", " "} {
		tail = strings.ReplaceAll(tail, code+sep+status+" ", "")
	}
	return head + tail
}
