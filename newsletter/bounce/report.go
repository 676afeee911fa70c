package bounce

import (
	"net/mail"
	"regexp"
	"strings"
)

// Kind says what a message read from the bounce mailbox means.
type Kind int

// The kinds of message Parse tells apart.
const (
	// Unknown is anything to ignore: an auto-reply or out-of-office note,
	// a report of successful delivery, an abuse report that is no
	// complaint (not-spam, auth-failure), mail that is none of the others.
	Unknown Kind = iota
	// Permanent is a delivery failure the sending server gave up on
	// (Action: failed with a 5.x.x status, or a plain-text bounce with a
	// 5xx code or the words of a permanent error). Check AddressFault
	// before bouncing the subscriber: a 5.7.x policy refusal of our sender
	// is permanent too, but not the address's fault.
	Permanent
	// Temporary is a delay or a 4.x.x failure: the server is still trying,
	// or gave up for a reason that may pass.
	Temporary
	// Complaint is an abuse report (RFC 5965 Feedback-Type abuse, fraud or
	// other): the reader marked the mail as spam.
	Complaint
	// Unsubscribe is plain mail (no report, no auto-reply) sent to one of
	// our tagged addresses: someone used the List-Unsubscribe mailto.
	Unsubscribe
)

// String names the kind in lower case, for logs and metrics.
func (k Kind) String() string {
	switch k {
	case Permanent:
		return "permanent"
	case Temporary:
		return "temporary"
	case Complaint:
		return "complaint"
	case Unsubscribe:
		return "unsubscribe"
	default:
		return "unknown"
	}
}

// Where a Report's Tag was found (Report.TagSource).
const (
	// TagFromEnvelope: an address the message was delivered to
	// (Delivered-To, X-Original-To, Envelope-To, To, Cc). For a bounce this
	// is the tag of the envelope sender we used; for an Unsubscribe it is
	// the tag of the List-Unsubscribe mailto.
	TagFromEnvelope = "envelope"
	// TagFromReturnPath: the Return-Path of the attached original.
	TagFromReturnPath = "return-path"
	// TagFromListUnsubscribe: the mailto in the List-Unsubscribe header of
	// the attached original (the unsubscribe tag, not the bounce tag).
	TagFromListUnsubscribe = "list-unsubscribe"
	// TagFromText: a tagged address found only in the text of a
	// plain-text bounce's copy of the original.
	TagFromText = "text"
)

// MaxDiagnostic is the most bytes of Report.Diagnostic.
const MaxDiagnostic = 300

// Report is what Parse read from one message.
type Report struct {
	Kind Kind
	// Tag is the opaque, unverified tag of our tagged address
	// (<local>+<tag>@<domain>), or "" when none was found.
	Tag string
	// TagSource says where Tag was found: one of the TagFrom constants.
	TagSource string
	// Recipient is the address the report is about: the failed recipient
	// of a bounce, the complaining reader of an abuse report when the
	// provider did not redact it, the sender of an unsubscribe mail. It
	// may be empty, and it proves nothing on its own: anyone can send a
	// report naming any address.
	Recipient string
	// Status is the enhanced status code, such as "5.1.1", when one was
	// given; Code is the bare SMTP reply code, such as 550, when one was.
	Status string
	Code   int
	// Diagnostic is the receiving server's reply (or the report's own
	// words) on one line, at most MaxDiagnostic bytes.
	Diagnostic string
	// FeedbackType is the Feedback-Type of an abuse report ("abuse", …).
	FeedbackType string
	// OriginalMessageID is the Message-ID of the attached original,
	// without angle brackets, or "".
	OriginalMessageID string
	// Original holds the attached original's header fields, when the
	// report carries them, so a caller can match on them (Message-ID,
	// List-Unsubscribe, List-Id, …) when there is no Tag.
	Original mail.Header
}

// aboutSender matches replies that are about the sender, its IP address,
// relaying, authentication, policy, spam or a block list rather than the
// recipient's address (the words newsletter/mailer weighs for SMTP
// replies, in short).
var aboutSender = regexp.MustCompile(`(?i)\b(spam|unsolicited|(black|block|deny) ?list|block|banned|reputation|polic|barracuda|sorbs|dnsbl|uceprotect|dmarc|authenticat|unauthenticat|virus|malware|phish|throttl|sender|helo|ehlo|rdns|reverse dns|prohibit|rate limit|too many|message rejected|content rejected|client host|mail from|not allowed to send)|\b(spf|dkim|rbl|ip|ptr|auth)\b|\brelay|unable to relay|(not|no|cannot) (permitted to |allowed to )?relay`)

// unknownUser matches the words servers use for an address that does not
// exist, for bounces that give only a bare 5xx code (Yahoo's "554
// delivery error: dd This user doesn't have a … account").
var unknownUser = regexp.MustCompile(`(?i)user unknown|unknown (user|recipient)|no such (user|mailbox|recipient)|(user|mailbox|recipient|address|account) (does not|doesn't) exist|doesn't have an? [^ ]+ account|(recipient|address|mailbox) not found|invalid (recipient|mailbox)`)

// AddressFault reports whether the failure is the recipient address's own
// fault, so that no mail should go to it again. It follows the rule for
// SMTP replies to RCPT TO: a permanent report whose enhanced status is
// 5.1.x (bad mailbox, bad domain, bad syntax, moved; not 5.1.7, 5.1.8 or
// 5.1.90, which are about our sender) or 5.2.1 (mailbox disabled), or,
// when no specific enhanced status was given, a bare 550, 551 or 553;
// never when the server's words are about the sender, its IP, relaying,
// policy, spam or a block list. Beyond that rule, a bare 5xx whose text
// says the user does not exist (Yahoo's "554 delivery error: dd This user
// doesn't have a … account") counts too. A 5.7.x refusal never does.
func (r *Report) AddressFault() bool {
	if r == nil || r.Kind != Permanent {
		return false
	}
	diag := r.Diagnostic
	if r.Recipient != "" { // an address such as policy@… is no policy block
		diag = strings.ReplaceAll(diag, r.Recipient, "")
	}
	if aboutSender.MatchString(diag) {
		return false
	}
	if s := r.Status; s != "" && !isGeneric(s) {
		if s == "5.2.1" {
			return true
		}
		return strings.HasPrefix(s, "5.1.") && s != "5.1.7" && s != "5.1.8" && s != "5.1.90"
	}
	switch r.Code {
	case 550, 551, 553:
		return true
	}
	return r.Code >= 500 && unknownUser.MatchString(diag)
}

// isGeneric reports whether an enhanced status says no more than its class
// (x.0.0), as MTAs write when the remote server gave only a bare code.
func isGeneric(status string) bool {
	return strings.HasSuffix(status, ".0.0")
}
