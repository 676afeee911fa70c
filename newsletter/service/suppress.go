package service

import (
	"context"
	"errors"

	"github.com/satina/newsletter/newsletter"
)

// Suppress stops mail to the address a provider reported: a hard bounce
// marks it bounced, a complaint unsubscribes it. An unknown address is not
// an error (it may have been erased).
func (s *Service) Suppress(ctx context.Context, email string, kind newsletter.Feedback) error {
	sub, err := s.Store.SubscriberByEmail(ctx, newsletter.NormalizeEmail(email))
	if errors.Is(err, newsletter.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	status := newsletter.StatusBounced
	if kind == newsletter.FeedbackComplaint {
		status = newsletter.StatusUnsubscribed
	}
	if sub.Status == status {
		return nil
	}
	s.log().Info("provider feedback stops mail", "subscriber", sub.ID, "kind", kind)
	return s.Store.SetStatus(ctx, sub.ID, status, s.Clock.Now())
}
