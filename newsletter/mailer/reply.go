package mailer

import (
	"strconv"
	"strings"
)

// Stage is the point of an SMTP session at which the server replied.
type Stage int

const (
	// StageConnect is the setting up of the session: the greeting, EHLO or
	// HELO, STARTTLS and AUTH. Nothing said here is about a recipient.
	StageConnect Stage = iota
	// StageMailFrom is the reply to MAIL FROM: about our sender.
	StageMailFrom
	// StageRcptTo is the reply to RCPT TO: the only stage at which a
	// reply can be about the recipient's address.
	StageRcptTo
	// StageData is the reply to DATA or to the end of the message: about
	// the message.
	StageData
)

// String names the stage as a log line would.
func (s Stage) String() string {
	switch s {
	case StageConnect:
		return "connection setup"
	case StageMailFrom:
		return "MAIL FROM"
	case StageRcptTo:
		return "RCPT TO"
	case StageData:
		return "DATA"
	}
	return "Stage(" + strconv.Itoa(int(s)) + ")"
}

// Verdict is what a failed send means for the subscriber and the sender.
type Verdict int

const (
	// Temporary: nothing is known to be wrong with the address, the sender
	// or the message (a dropped connection, a timeout, an unknown or
	// malformed reply); try again later. The zero Verdict.
	Temporary Verdict = iota
	// Deferred: the server asked to try later (a 4xx reply); nothing is
	// lost, and the whole sender slows down.
	Deferred
	// Blocked: the server refused the sender or the message, not the
	// address; nobody is bounced, and a run of these pauses sending.
	Blocked
	// BadAddress: the server refused the recipient's address for good;
	// the subscriber bounces.
	BadAddress
)

// String names the verdict.
func (v Verdict) String() string {
	switch v {
	case Temporary:
		return "temporary"
	case Deferred:
		return "deferred"
	case Blocked:
		return "blocked"
	case BadAddress:
		return "bad address"
	}
	return "Verdict(" + strconv.Itoa(int(v)) + ")"
}

// Classify judges a refusal by an SMTP server: the stage it came at, the
// basic reply code (e.g. 550), the enhanced status code of RFC 3463 (e.g.
// "5.1.1"; may be empty) and the reply text. When enhanced is empty, a
// code at the start of text ("5.1.1 User unknown") or in qmail's trailer
// form ("(#5.7.1)") is used. The rules:
//
//   - A code outside 400–599 (no reply, a malformed one, a positive one)
//     is Temporary: never a bad address.
//   - Any 4xx is Deferred, at every stage.
//   - A 5xx before RCPT TO or at DATA is Blocked: it is about the sender,
//     the connection or the message.
//   - At RCPT TO, a 5xx is BadAddress only when its enhanced code is
//     5.1.x (but not 5.1.7 or 5.1.8, the sender's address, nor Microsoft's
//     5.1.90, the sender's daily limit) or 5.2.1, or when a bare 550, 551
//     or 553 carries no enhanced code; and never when the text says the
//     refusal is about the sender, its IP, relaying, authentication,
//     policy, spam or a block list. Every other 5xx is Blocked.
//
// The text should have the recipient's address taken out first: an
// address such as policy@example.org must not read as a policy block.
func Classify(stage Stage, code int, enhanced, text string) Verdict {
	if code < 400 || code > 599 {
		return Temporary
	}
	class := code / 100
	enh, found := parseEnhanced(enhanced)
	if !found && enhanced == "" {
		enh, found = leadingEnhanced(text)
		if !found {
			enh, found = trailingEnhanced(text)
		}
	}
	malformed := !found && (enhanced != "" || looksLikeEnhanced(text))
	if found && enh.class != class {
		// The two codes disagree. A temporary one on either side wins: a
		// retry loses nothing. A 2.x.x on a 5xx makes no sense.
		if class == 4 || enh.class == 4 {
			return Deferred
		}
		return Temporary
	}
	if class == 4 {
		return Deferred
	}
	if stage != StageRcptTo {
		return Blocked
	}
	if aboutSender(text) {
		return Blocked
	}
	switch {
	case found:
		if enh.subject == 1 && enh.detail != 7 && enh.detail != 8 && enh.detail != 90 {
			return BadAddress
		}
		if enh.subject == 2 && enh.detail == 1 {
			return BadAddress
		}
	case malformed:
		// "550 5.1 …": a code was meant but cannot be read.
	case code == 550 || code == 551 || code == 553:
		return BadAddress
	}
	return Blocked
}

// enhancedCode is a parsed RFC 3463 status code class.subject.detail.
type enhancedCode struct{ class, subject, detail int }

// String renders the code as "5.1.1".
func (e enhancedCode) String() string {
	return strconv.Itoa(e.class) + "." + strconv.Itoa(e.subject) + "." + strconv.Itoa(e.detail)
}

// parseEnhanced reads a whole enhanced status code: class 2, 4 or 5, and
// a subject and a detail of one to three digits.
func parseEnhanced(s string) (enhancedCode, bool) {
	e, n := scanEnhanced(s)
	return e, n > 0 && n == len(s)
}

// scanEnhanced reads an enhanced status code at the start of s and
// returns it with its length, or a length of 0.
func scanEnhanced(s string) (enhancedCode, int) {
	if len(s) < 5 || (s[0] != '2' && s[0] != '4' && s[0] != '5') || s[1] != '.' {
		return enhancedCode{}, 0
	}
	e := enhancedCode{class: int(s[0] - '0')}
	i := 2
	for part := 0; part < 2; part++ {
		start, v := i, 0
		for i < len(s) && i-start < 4 && s[i] >= '0' && s[i] <= '9' {
			v = v*10 + int(s[i]-'0')
			i++
		}
		if i == start || i-start > 3 {
			return enhancedCode{}, 0
		}
		if part == 0 {
			e.subject = v
			if i >= len(s) || s[i] != '.' {
				return enhancedCode{}, 0
			}
			i++
		} else {
			e.detail = v
		}
	}
	if i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		return enhancedCode{}, 0 // 4.16.55.1 and the like: not RFC 3463
	}
	return e, i
}

// leadingEnhanced reads the enhanced code that starts a reply text.
func leadingEnhanced(text string) (enhancedCode, bool) {
	e, n := scanEnhanced(strings.TrimLeft(text, " \t"))
	return e, n > 0
}

// trailingEnhanced finds qmail's "(#5.7.1)" form anywhere in the text.
func trailingEnhanced(text string) (enhancedCode, bool) {
	for i := strings.Index(text, "(#"); i >= 0; {
		if e, n := scanEnhanced(text[i+2:]); n > 0 && strings.HasPrefix(text[i+2+n:], ")") {
			return e, true
		}
		j := strings.Index(text[i+2:], "(#")
		if j < 0 {
			break
		}
		i += 2 + j
	}
	return enhancedCode{}, false
}

// looksLikeEnhanced reports whether the text starts like an enhanced
// code that did not parse ("5.1 …", "5.7.x").
func looksLikeEnhanced(text string) bool {
	t := strings.TrimLeft(text, " \t")
	return len(t) >= 2 && (t[0] == '4' || t[0] == '5') && t[1] == '.'
}
