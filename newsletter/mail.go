package newsletter

import (
	"context"
	"errors"
)

// Message is one mail ready to go: the layout is already applied.
type Message struct {
	To      string // bare address
	ToName  string // display name; may be empty
	Subject string
	Text    string // text/plain part
	HTML    string // text/html part
	// Headers are extra header fields, such as List-Unsubscribe.
	Headers map[string]string
	// ID is the Message-ID without its angle brackets. The same mail keeps
	// the same ID on every attempt, so a retry after an unclear failure is
	// recognisably the same message. Empty: the mailer makes one.
	ID string
	// EnvelopeFrom is the envelope sender (MAIL FROM) for this message, a
	// VERP address when bounces are read; empty: the transport's default.
	EnvelopeFrom string
}

// ErrRejected means the receiving mail server refused the address for good
// (a 5xx reply to RCPT TO): no more mail should go to it.
var ErrRejected = errors.New("address rejected")

// ErrBlocked means the receiving server refused the sender or the message
// rather than the address (a policy block such as 5.7.1, another 5.x.x
// class, or 554 at DATA): nobody's address is at fault, so nobody is
// bounced, but the same mail will be refused again. A run of these pauses
// all sending.
var ErrBlocked = errors.New("sender or message refused")

// ErrDeferred means the server asked to try again later (a 4xx reply such
// as 421, 450, 451, 452 or 454): the message is retried with its own
// Message-ID and the whole sender slows down.
var ErrDeferred = errors.New("server asked to try later")

// ErrUnsendable means the message itself cannot be sent (a header with a
// line break, say): trying again will not help.
var ErrUnsendable = errors.New("message cannot be sent")

// Sender sends messages over one connection. It is not safe for concurrent
// use: each sending goroutine holds its own. An error that wraps
// ErrRejected is permanent for that address; any other error is temporary
// and the message should be tried again later.
type Sender interface {
	Send(ctx context.Context, m *Message) error
	Close() error
}

// Transport opens Senders. The SMTP transport dials one connection per
// Sender and keeps it for many messages; the outbox transport writes .eml
// files.
type Transport interface {
	NewSender() Sender
}

// SendOne returns a function that sends one message on a fresh Sender of
// t, for test mail from the desk: the same transport, From and DKIM as
// every other mail, and nothing recorded in any ledger.
func SendOne(t Transport) func(ctx context.Context, m *Message) error {
	return func(ctx context.Context, m *Message) error {
		s := t.NewSender()
		defer s.Close() // the message was accepted or not; a failing QUIT changes nothing
		return s.Send(ctx, m)
	}
}
