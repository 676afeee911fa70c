package mailer

import "strings"

// Words in a reply to RCPT TO that say the refusal is about the sender,
// its IP address, the connection or the message rather than the
// recipient's address. Matched in lower case at the start of a word; the
// whole word for senderWords, anywhere from a word start for the rest.
var (
	// senderPrefixes match at the start of a word: "block" matches
	// "blocked" and "blocklist", "polic" matches "policy" and "policies".
	senderPrefixes = []string{
		"spam", "unsolicited", "blacklist", "blocklist", "denylist", "block",
		"banned", "reputation", "polic", "barracuda", "sorbs", "dnsbl",
		"uceprotect", "dmarc", "authenticat", "unauthenticat", "virus",
		"malware", "phish", "throttl", "sender", "helo", "ehlo", "rdns",
		"prohibit",
	}
	// senderWords match whole words only ("ip" is not "recipient").
	senderWords = []string{"spf", "dkim", "rbl", "ip", "ptr", "auth"}
	// senderPhrases match from a word start.
	senderPhrases = []string{
		"black list", "block list", "deny list", "rate limit", "too many",
		"reverse dns", "message rejected", "content rejected", "client host",
		"mail from", "not allowed to send",
		// Relaying: the server will not take mail from us for that domain.
		"relay access", "relaying denied", "relay denied", "unable to relay",
		"relay not permitted", "not permitted to relay", "relaying not allowed",
		"relay not allowed", "not allowed to relay", "relaying is not allowed",
		"relaying disallowed", "no relaying", "cannot relay", "open relay",
	}
)

// aboutSender reports whether a reply text says the refusal is about the
// sender, its IP, relaying, authentication, policy, spam or a block list.
func aboutSender(text string) bool {
	t := strings.ToLower(text)
	for _, p := range senderPrefixes {
		if hasWord(t, p, true) {
			return true
		}
	}
	for _, w := range senderWords {
		if hasWord(t, w, false) {
			return true
		}
	}
	for _, p := range senderPhrases {
		if hasWord(t, p, true) {
			return true
		}
	}
	// "550 1.2.3.4 is listed at bl.example": an address on a list.
	return hasWord(t, "listed", false) && hasIPv4(t)
}

// hasWord reports whether w occurs in s at the start of a word and, unless
// prefix, also ending one. s and w are lower case.
func hasWord(s, w string, prefix bool) bool {
	for from := 0; ; {
		i := strings.Index(s[from:], w)
		if i < 0 {
			return false
		}
		i += from
		end := i + len(w)
		if (i == 0 || !isWordByte(s[i-1])) && (prefix || end == len(s) || !isWordByte(s[end])) {
			return true
		}
		from = i + 1
	}
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c >= 0x80
}

// hasIPv4 reports whether s holds a dotted quad such as 192.0.2.1.
func hasIPv4(s string) bool {
	for i := 0; i < len(s); i++ {
		if i > 0 && (isWordByte(s[i-1]) || s[i-1] == '.') {
			continue
		}
		j, ok := i, true
		for part := 0; part < 4 && ok; part++ {
			start := j
			for j < len(s) && j-start < 3 && isDigit(s[j]) {
				j++
			}
			ok = j > start
			if ok && part < 3 {
				ok = j < len(s) && s[j] == '.'
				j++
			}
		}
		if ok && (j == len(s) || !isWordByte(s[j]) && !(s[j] == '.' && j+1 < len(s) && isDigit(s[j+1]))) {
			return true
		}
	}
	return false
}
