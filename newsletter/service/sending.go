package service

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/satina/newsletter/newsletter"
)

// Sending reports whether letters and steps go out.
func (s *Service) Sending(ctx context.Context) (newsletter.Sending, error) {
	return s.Store.SendingState(ctx)
}

// PauseSending stops letters and steps from going out until ResumeSending;
// nothing queued is lost, and confirmation mails keep going. An earlier
// pause and its reason stand.
func (s *Service) PauseSending(ctx context.Context, reason string) (newsletter.Sending, error) {
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 500 || strings.ContainsAny(reason, "\x00") {
		return newsletter.Sending{}, newsletter.FieldErrors{"reason": "Keep the reason to one short paragraph (500 characters)."}
	}
	if reason == "" {
		reason = "Paused by the author."
	}
	st := newsletter.Sending{Paused: true, Reason: reason, Since: s.Clock.Now(), By: newsletter.PausedByAuthor}
	paused, err := s.Store.PauseSending(ctx, st)
	if err != nil {
		return newsletter.Sending{}, err
	}
	if paused {
		s.log().Info("sending paused by the author")
	}
	return s.Store.SendingState(ctx)
}

// ResumeSending lets letters and steps go out again: what waited goes out
// once, paced by MAIL_RATE.
func (s *Service) ResumeSending(ctx context.Context) (newsletter.Sending, error) {
	resumed, err := s.Store.ResumeSending(ctx, s.Clock.Now())
	if err != nil {
		return newsletter.Sending{}, err
	}
	if resumed {
		s.log().Info("sending resumed by the author")
		s.wake()
	}
	return s.Store.SendingState(ctx)
}
