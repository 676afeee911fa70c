package service

import (
	"context"
	"errors"
	"log/slog"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/token"
)

// FeedbackStore is what Feedback needs of the store (redisstore.Store).
type FeedbackStore interface {
	Subscriber(ctx context.Context, id string) (*newsletter.Subscriber, error)
	SubscriberByEmail(ctx context.Context, email string) (*newsletter.Subscriber, error)
	SetStatus(ctx context.Context, id string, status newsletter.Status, at time.Time) error
	// Suppress puts email on the suppression list and moves its
	// subscriber, if any, to status with reason; it reports whether a
	// subscriber's status changed.
	Suppress(ctx context.Context, email string, status newsletter.Status, reason string, at time.Time) (bool, error)
	Suppressions(ctx context.Context) ([]newsletter.Suppression, error)
	// Unsuppress takes email off the list; ErrNotFound when it was not on it.
	Unsuppress(ctx context.Context, email string) error
	// CountSoftBounce records a temporary failure of the subscriber's
	// address for mail and returns how many fall within window.
	CountSoftBounce(ctx context.Context, id, mail string, at time.Time, window time.Duration) (int, error)
}

// Feedback acts on what comes back about the mail that went out: bounces,
// complaints and unsubscribes, from the providers' webhooks and the bounce
// mailbox (HandleMail), and the suppression list the author keeps by hand.
//
//   - A permanent failure of the address puts it on the suppression list
//     and bounces its subscriber, with the reason "bounce: <the server's
//     reply>".
//   - A complaint puts it on the list and makes its subscriber complained.
//   - A temporary failure of the address counts; the
//     newsletter.SoftBounceLimit-th within newsletter.SoftBounceWindow
//     (one per mail) bounces it.
//   - An unsubscribe unsubscribes.
//
// Nothing more is sent to a bounced or complained subscriber, and an
// address on the list that signs up again is stored bounced or complained
// and gets no mail.
type Feedback struct {
	Store FeedbackStore
	// Signer verifies the VERP tags of the bounce mailbox's mail.
	Signer *token.Signer
	// ReturnPath is RETURN_PATH, the address whose tagged forms the bounce
	// mailbox receives.
	ReturnPath string
	Clock      newsletter.Clock
	Log        *slog.Logger
}

// Apply acts on one report. A report about an address nobody has (and,
// for a temporary failure or an unsubscribe, one about an address no
// subscriber has) changes nothing else and is not an error; a store
// failure is, and wraps newsletter.ErrUnavailable.
func (f *Feedback) Apply(ctx context.Context, r newsletter.Report) error {
	sub, email, err := f.find(ctx, r)
	if err != nil || email == "" {
		return err
	}
	log := f.log().With("source", r.Source, "kind", string(r.Kind), "email", MaskEmail(email))
	if sub != nil {
		log = log.With("subscriber", sub.ID)
	}
	now := f.now()
	reason := maskAddresses(r.Reason)
	switch r.Kind {
	case newsletter.FeedbackBounce:
		return f.suppress(ctx, log, email, newsletter.StatusBounced, newsletter.BounceReason(reason), now)
	case newsletter.FeedbackComplaint:
		return f.suppress(ctx, log, email, newsletter.StatusComplained, newsletter.ReasonComplaint, now)
	case newsletter.FeedbackSoftBounce:
		if sub == nil || !receiving(sub.Status) {
			return nil
		}
		n, err := f.Store.CountSoftBounce(ctx, sub.ID, r.Mail, now, newsletter.SoftBounceWindow)
		if err != nil {
			return err
		}
		if n < newsletter.SoftBounceLimit {
			log.Info("temporary delivery failure counted", "count", n)
			return nil
		}
		return f.suppress(ctx, log.With("count", n), email, newsletter.StatusBounced, newsletter.BounceReason(reason), now)
	case newsletter.FeedbackUnsubscribe:
		if sub == nil || !receiving(sub.Status) {
			return nil
		}
		if err := f.Store.SetStatus(ctx, sub.ID, newsletter.StatusUnsubscribed, now); err != nil {
			return err
		}
		log.Info("unsubscribed by provider feedback")
		return nil
	}
	return nil
}

// find is the report's subscriber (nil when there is none) and address
// (normalized; "" when not known).
func (f *Feedback) find(ctx context.Context, r newsletter.Report) (*newsletter.Subscriber, string, error) {
	var sub *newsletter.Subscriber
	var err error
	email := newsletter.NormalizeEmail(r.Email)
	switch {
	case r.Subscriber != "":
		sub, err = f.Store.Subscriber(ctx, r.Subscriber)
	case email != "":
		sub, err = f.Store.SubscriberByEmail(ctx, email)
	default:
		return nil, "", nil
	}
	if errors.Is(err, newsletter.ErrNotFound) {
		sub, err = nil, nil
	}
	if err != nil {
		return nil, "", err
	}
	if sub != nil {
		email = sub.Email
	}
	if newsletter.CheckEmail(email) != nil {
		return sub, "", nil
	}
	return sub, email, nil
}

func (f *Feedback) suppress(ctx context.Context, log *slog.Logger, email string, status newsletter.Status, reason string, at time.Time) error {
	changed, err := f.Store.Suppress(ctx, email, status, reason, at)
	if err != nil {
		return err
	}
	log.Info("address suppressed", "status", string(status), "subscriber_changed", changed)
	return nil
}

// receiving reports whether a subscriber in status may still get mail.
func receiving(st newsletter.Status) bool {
	return st == newsletter.StatusPending || st == newsletter.StatusConfirmed
}

func (f *Feedback) now() time.Time {
	if f.Clock == nil {
		return time.Now()
	}
	return f.Clock.Now()
}

func (f *Feedback) log() *slog.Logger {
	if f.Log == nil {
		return slog.Default()
	}
	return f.Log
}

// MaskEmail hides an address for logs: the first character of the local
// part, then ***, then the domain (s***@example.org).
func MaskEmail(email string) string {
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" {
		return "***"
	}
	r, _ := utf8.DecodeRuneInString(local)
	return string(r) + "***@" + domain
}

// emailLike finds address-shaped words in a server's reply.
var emailLike = regexp.MustCompile(`[^\s<>"'(),;:\[\]]+@[A-Za-z0-9.-]+`)

// maskAddresses masks every address in a reason, so that none is kept
// whole in a reply that may reach a log or a screen.
func maskAddresses(s string) string {
	return emailLike.ReplaceAllStringFunc(s, MaskEmail)
}
