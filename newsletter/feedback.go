package newsletter

import (
	"context"
	"errors"
)

// Feedback is what a mail provider reports about an address.
type Feedback string

// The kinds of provider feedback that stop mail.
const (
	FeedbackBounce    Feedback = "bounce"    // a permanent (hard) bounce
	FeedbackComplaint Feedback = "complaint" // the reader marked a mail as spam
)

// Suppress stops mail to the address a provider reported: a hard bounce
// marks it bounced, a complaint unsubscribes it. An unknown address is not
// an error (it may have been erased).
func (s *Service) Suppress(ctx context.Context, email string, kind Feedback) error {
	sub, err := s.Store.SubscriberByEmail(ctx, NormalizeEmail(email))
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	status := StatusBounced
	if kind == FeedbackComplaint {
		status = StatusUnsubscribed
	}
	if sub.Status == status {
		return nil
	}
	s.log().Info("provider feedback stops mail", "subscriber", sub.ID, "kind", kind)
	return s.Store.SetStatus(ctx, sub.ID, status, s.Clock.Now())
}
