package mailer

import (
	"errors"
	"net/textproto"
	"strconv"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// scrubbedError is an error whose text had addresses masked; errors.Is
// and errors.As still reach the original.
type scrubbedError struct {
	text string
	err  error
}

func (e *scrubbedError) Error() string { return e.text }
func (e *scrubbedError) Unwrap() error { return e.err }

// hideIn returns err with the addresses masked in its text.
func hideIn(err error, hide ...string) error {
	return &scrubbedError{text: scrub(err.Error(), hide...), err: err}
}

// stageOf maps go-mail's failure reasons to the session's stages.
func stageOf(r gomail.SendErrReason) (Stage, bool) {
	switch r {
	case gomail.ErrSMTPMailFrom:
		return StageMailFrom, true
	case gomail.ErrSMTPRcptTo:
		return StageRcptTo, true
	case gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
		return StageData, true
	}
	return 0, false
}

// sendFailure turns a failed go-mail send into a *ReplyError when the
// server replied at MAIL FROM, RCPT TO or DATA, and otherwise into a
// temporary error; the text of either has the addresses in hide masked.
func sendFailure(err error, se *gomail.SendError, hide ...string) error {
	if se != nil {
		if stage, ok := stageOf(se.Reason); ok {
			if code, msg, ok := replyIn(se); ok {
				return newReplyError(stage, code, msg, hide...)
			}
		}
	}
	return hideIn(err, hide...)
}

// replyIn digs the server's reply out of a SendError, which keeps the
// underlying *textproto.Error to itself: its text reads "<reason>: <code>
// <reply>[, affected recipient(s): …][, affected message ID: …]".
func replyIn(se *gomail.SendError) (code int, msg string, ok bool) {
	s, found := strings.CutPrefix(se.Error(), se.Reason.String()+": ")
	if !found {
		return 0, "", false
	}
	if i := strings.LastIndex(s, ", affected message ID: "); i >= 0 {
		s = s[:i]
	}
	if i := strings.LastIndex(s, ", affected recipient(s): "); i >= 0 {
		s = s[:i]
	}
	return parseReply(s)
}

// parseReply splits "550 5.1.1 text" into its code and the rest. Since Go
// 1.26 net/textproto renders the rest quoted (550 "5.1.1 text\nmore"):
// then the quoted string is the reply and whatever follows it is not.
func parseReply(s string) (code int, msg string, ok bool) {
	if len(s) < 3 || (len(s) > 3 && s[3] != ' ' && s[3] != '-') {
		return 0, "", false
	}
	code, err := strconv.Atoi(s[:3])
	if err != nil || code < 100 {
		return 0, "", false
	}
	if len(s) > 3 {
		msg = s[4:]
	}
	if q, err := strconv.QuotedPrefix(msg); err == nil && strings.HasPrefix(msg, `"`) {
		if u, err := strconv.Unquote(q); err == nil {
			msg = u
		}
	}
	return code, msg, true
}

// connectFailure turns a failure to set up the session into
// ErrNoStartTLS, a *ReplyError when the server replied, or a temporary
// error (a refused or dropped connection, a timeout, a TLS failure).
func connectFailure(err error, hide ...string) error {
	if noStartTLS(err) {
		return ErrNoStartTLS
	}
	var tp *textproto.Error
	if errors.As(err, &tp) {
		return newReplyError(StageConnect, tp.Code, tp.Msg, hide...)
	}
	return hideIn(err, hide...)
}

// noStartTLS recognises go-mail's refusal under TLSMandatory (it has no
// error value of its own).
func noStartTLS(err error) bool {
	return strings.Contains(err.Error(), "does not support STARTTLS")
}
