package newsletter

import (
	"context"
	"errors"
	"time"
)

// Feedback is what a mail provider or the bounce mailbox reports about an
// address.
type Feedback string

// The kinds of feedback acted on.
const (
	FeedbackBounce      Feedback = "bounce"      // a permanent (hard) bounce
	FeedbackSoftBounce  Feedback = "soft_bounce" // a temporary failure that is the address's own
	FeedbackComplaint   Feedback = "complaint"   // the reader marked a mail as spam
	FeedbackUnsubscribe Feedback = "unsubscribe" // the reader left through the provider or the mailto
)

// Report is one piece of feedback about one address.
type Report struct {
	Kind Feedback
	// Email is the address (any case); empty when Subscriber names it.
	Email string
	// Subscriber is the subscriber's id when a verified tag named it.
	Subscriber string
	// Reason is the receiving server's reply, or the provider's words, on
	// one line; addresses in it masked.
	Reason string
	// Mail names the mail the report is about (a tag's mail hash, a
	// provider's message id), so that a temporary failure of one mail
	// reported twice counts once; empty when unknown.
	Mail string
	// Source is where it came from: "mailbox", "postmark", "ses",
	// "mailgun", "sendgrid" or "smtp".
	Source string
}

// Suppression is an address no mail goes to again: it bounced, complained
// or was suppressed by hand.
type Suppression struct {
	Email  string    `json:"email"`
	Reason string    `json:"reason"`
	At     time.Time `json:"at"`
	// Status is the status a subscriber with this address is given:
	// bounced or complained.
	Status Status `json:"-"`
}

// Temporary failures of an address count: SoftBounceLimit of them (each
// of another mail) within SoftBounceWindow bounce it.
const (
	SoftBounceLimit  = 3
	SoftBounceWindow = 15 * 24 * time.Hour
)

// The reasons a subscriber left, as the admin API shows them.
const (
	ReasonUnsubscribed = "unsubscribed"
	ReasonComplaint    = "complaint"
	ReasonBounce       = "bounce"
)

// BounceReason is the reason of a bounce: "bounce: <the server's reply>",
// or "bounce" when there was no reply.
func BounceReason(reply string) string {
	if reply == "" {
		return ReasonBounce
	}
	return ReasonBounce + ": " + reply
}

// ReplyOf is the server's reply that err carries: the Reply of the first
// error in its chain that has one (the mailer's errors do), or "".
func ReplyOf(err error) string {
	var r interface{ Reply() string }
	if errors.As(err, &r) {
		return r.Reply()
	}
	return ""
}

// LeftReason says why the subscriber no longer gets mail: the recorded
// Reason, or for an unsubscribed, bounced or complained subscriber
// without one, "unsubscribed", "bounce" or "complaint"; "" for a
// subscriber who has not left.
func (s *Subscriber) LeftReason() string {
	switch s.Status {
	case StatusUnsubscribed, StatusBounced, StatusComplained:
	default:
		return ""
	}
	if s.Reason != "" {
		return s.Reason
	}
	switch s.Status {
	case StatusUnsubscribed:
		return ReasonUnsubscribed
	case StatusBounced:
		return ReasonBounce
	default:
		return ReasonComplaint
	}
}

// Bouncer is a store that records a bounce with its reason and puts the
// address on the suppression list (redisstore.Store is one).
type Bouncer interface {
	BounceSubscriber(ctx context.Context, id, reason string, at time.Time) error
}

// MarkBounced stops all mail to the subscriber id, whose address a server
// refused for good with reply: through st's BounceSubscriber when it has
// one (reason "bounce: <reply>", the address suppressed), else its
// SetStatus.
func MarkBounced(ctx context.Context, st interface {
	SetStatus(ctx context.Context, id string, status Status, at time.Time) error
}, id, reply string, at time.Time) error {
	if b, ok := st.(Bouncer); ok {
		return b.BounceSubscriber(ctx, id, BounceReason(reply), at)
	}
	return st.SetStatus(ctx, id, StatusBounced, at)
}
