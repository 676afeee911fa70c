package bounce

import (
	"net/mail"
	"regexp"
	"strings"
)

// maxScan is how much of a text the heuristics below read: a bounce's
// own words come first, and regular expressions over megabytes are slow.
const maxScan = 64 << 10

// bodyMarkers are words that only mail delivery software writes (lower
// case): a text that has one is a bounce, whoever sent it.
var bodyMarkers = []string{
	"this is the qmail-send program",                              // qmail
	"created automatically by mail delivery software",             // Exim
	"sorry, we were unable to deliver your message",               // Yahoo
	"this is the mail system at host",                             // Postfix
	"i'm sorry to have to inform you that your message could not", // Postfix
	"transcript of session follows",                               // Sendmail
	"the following addresses had permanent fatal errors",          // Sendmail
	"delivery to the following recipient failed",                  // Gmail
	"delivery to the following recipient has been delayed",        // Gmail
	"your message wasn't delivered to",                            // Gmail, Microsoft
	"delivery has failed to these recipients",                     // Exchange
	"your message did not reach some or all of the intended",      // Exchange
	"the following recipient(s) cannot be reached",                // Exchange
	"could not be delivered to one or more",
	"could not be delivered to the following",
}

// copyMarkers start a plain-text bounce's copy of the original message
// (lower case; the marker's line ends the notice).
var copyMarkers = []string{
	"below this line is a copy of the message",
	"this is a copy of the message",
	"original message follows",
	"message header follows",
	"headers of the original message",
	"original message headers",
	"----- original message",
	"-----original message",
	"returned message follows",
}

// asciiLower lower-cases ASCII letters only, so that offsets stay valid.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func containsAny(lower string, words []string) bool {
	for _, w := range words {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// bounceSubject matches the subjects of bounces; it counts only for mail
// from a delivery system (null sender, MAILER-DAEMON, postmaster).
var bounceSubject = regexp.MustCompile(`(?i)undeliver|delivery status notification|failure notice|returned mail|delivery fail|mail delivery|non-?delivery|could not be delivered|not delivered|delivery (has )?failed|delivery delayed|delayed mail|warning: message|rejected|unzustellbar|nicht zustellbar|non remis|non distribuable|impossible de remettre|no se pudo entregar|non recapitabile`)

// daemonFrom matches the local parts delivery systems send from.
var daemonFrom = regexp.MustCompile(`(?i)^(mailer-daemon|postmaster|mail-daemon|mailer_daemon|mdaemon)@`)

// delayWords say a plain-text bounce is only a warning: the server is
// still trying.
var delayWords = regexp.MustCompile(`(?i)has not yet been delivered|not been delivered yet|delivery (to the following recipients? )?has been delayed|delivery delayed|will (continue|keep) (to )?try|will be retried|will retry|this is a warning message only|warning: (could not send|message .* delayed)|temporar(y|ily) (failure|error|unavailable|deferred)|status notification \(delay\)`)

// permanentWords say a plain-text bounce is final when it has no code.
var permanentWords = regexp.MustCompile(`(?i)permanent (fatal )?(error|failure)|failed permanently|i've given up|user unknown|unknown user|no such (user|mailbox)|does not exist|address couldn't be found|mailbox unavailable|recipient rejected`)

// isDaemon reports whether the message comes from a delivery system.
func isDaemon(h mail.Header) bool {
	if rp := strings.TrimSpace(h.Get("Return-Path")); rp == "<>" || rp == "" && len(h["Return-Path"]) > 0 {
		return true
	}
	if h.Get("X-Failed-Recipients") != "" {
		return true
	}
	if a, err := mail.ParseAddress(h.Get("From")); err == nil {
		return daemonFrom.MatchString(a.Address) || strings.Contains(strings.ToLower(a.Name), "mail delivery")
	}
	return false
}

// looksLikeBounce reports whether a message that is no report is a
// plain-text bounce; lower is the start of its text in lower case.
func looksLikeBounce(h mail.Header, subject, lower string) bool {
	return containsAny(lower, bodyMarkers) || isDaemon(h) && bounceSubject.MatchString(subject)
}

// splitCopy splits a plain-text bounce into its own words (from the first
// maxScan bytes) and the copy of the original message that follows a
// marker line ("" when none).
func splitCopy(text string) (notice, copied string) {
	scan := asciiLower(firstBytes(text, maxScan))
	at := -1
	for _, m := range copyMarkers {
		if i := strings.Index(scan, m); i >= 0 && (at < 0 || i < at) {
			at = i
		}
	}
	if at < 0 {
		return firstBytes(text, maxScan), ""
	}
	lineStart := strings.LastIndexByte(text[:at], '\n') + 1
	rest := text[at:]
	if i := strings.IndexByte(rest, '\n'); i >= 0 {
		rest = rest[i+1:]
	} else {
		rest = ""
	}
	return text[:lineStart], strings.TrimLeft(rest, "\r\n")
}

// readText fills r from a plain-text bounce's notice.
func (p *Parser) readText(r *Report, h mail.Header, subject, notice string) {
	r.Status = findStatus(notice)
	r.Code = findCode(notice)
	lines := strings.Split(notice, "\n")
	for i, line := range lines {
		if (r.Status != "" && strings.Contains(line, r.Status)) || (r.Status == "" && r.Code != 0 && findCode(line) == r.Code) {
			// Take the indented lines that continue the reply too.
			for j := i + 1; j < len(lines) && j <= i+3; j++ {
				next := strings.TrimRight(lines[j], "\r")
				if strings.TrimSpace(next) == "" || (next[0] != ' ' && next[0] != '\t') {
					break
				}
				line += " " + next
			}
			r.Diagnostic = oneLine(joinReply(line))
			break
		}
	}
	for _, v := range h["X-Failed-Recipients"] {
		if a := bareAddress(strings.SplitN(v, ",", 2)[0]); a != "" {
			r.Recipient = a
			break
		}
	}
	if r.Recipient == "" {
		r.Recipient = p.failedAddress(h, notice)
	}
	class := byte(0)
	switch {
	case r.Status != "" && r.Status[0] != '2':
		class = r.Status[0]
	case r.Code != 0:
		class = byte('0' + r.Code/100)
	}
	switch {
	case delayWords.MatchString(subject) || delayWords.MatchString(notice):
		r.Kind = Temporary
	case class == '5':
		r.Kind = Permanent
	case class == '4':
		r.Kind = Temporary
	case permanentWords.MatchString(notice):
		r.Kind = Permanent
	default:
		// A bounce that says nothing clear counts as a temporary one:
		// three of them still stop the mail.
		r.Kind = Temporary
	}
	if r.Diagnostic == "" {
		if m := permanentWords.FindString(notice); m != "" {
			r.Diagnostic = oneLine(m)
		} else {
			r.Diagnostic = oneLine(subject)
		}
	}
}

// failedAddress picks the first address in a bounce's notice that is
// neither ours nor the delivery system's nor the bounce's own recipient.
func (p *Parser) failedAddress(h mail.Header, notice string) string {
	skip := map[string]bool{strings.ToLower(p.returnPath): true}
	for _, f := range []string{"From", "To", "Delivered-To", "X-Original-To"} {
		if a := bareAddress(h.Get(f)); a != "" {
			skip[strings.ToLower(a)] = true
		}
	}
	for _, a := range addrPattern.FindAllString(notice, 50) {
		la := strings.ToLower(a)
		if skip[la] || p.tagIn(a) != "" || daemonFrom.MatchString(la) {
			continue
		}
		return a
	}
	return ""
}

// autoReplySubject matches the subjects of out-of-office and vacation
// replies in the common languages.
var autoReplySubject = regexp.MustCompile(`(?i)^(auto:|automatic reply|auto-?reply|autoreply|auto response|out of (the )?office|abwesenheitsnotiz|automatische antwort|r[ée]ponse automatique|respuesta autom[áa]tica|risposta automatica|resposta autom[áa]tica|automatisch antwoord|afwezig)|\b(out of (the )?office|on vacation|away from (my|the) (office|desk)|vacation reply|autoreply)\b`)

// autoKind tells an automatic reply (vacation, out of office) from other
// machine-made mail (bulk, list, auto-generated). Both are false for mail
// a person sent.
func autoKind(h mail.Header, subject string) (replied, generated bool) {
	as := strings.ToLower(strings.TrimSpace(h.Get("Auto-Submitted")))
	switch {
	case strings.HasPrefix(as, "auto-replied"):
		replied = true
	case as != "" && as != "no":
		generated = true
	}
	for _, f := range []string{"X-Autoreply", "X-Autorespond", "X-Autoresponder", "X-Autogenerated", "X-Vacation"} {
		if h.Get(f) != "" || len(h[f]) > 0 {
			replied = true
		}
	}
	if strings.EqualFold(h.Get("X-Auto-Response-Suppress"), "All") && h.Get("In-Reply-To") != "" {
		replied = true // Exchange marks its out-of-office replies so
	}
	switch strings.ToLower(strings.TrimSpace(h.Get("Precedence"))) {
	case "auto_reply":
		replied = true
	case "bulk", "junk", "list":
		generated = true
	}
	if autoReplySubject.MatchString(subject) {
		replied = true
	}
	return replied, generated
}
