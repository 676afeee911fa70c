package service

import (
	"context"
	"fmt"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/drip"
)

// SetStatus is the author moving a subscriber by hand:
//   - to confirmed: a pending subscriber is confirmed (consent given
//     elsewhere) and joins its sequence; a bounced one gets mail again.
//     Someone who unsubscribed can only come back by signing up again.
//   - to unsubscribed, bounced or complained: nothing more is sent.
//   - to pending: only a pending subscriber stays pending; use a signup or
//     an import to ask someone to confirm.
//
// Moving to the current status changes nothing. FieldErrors name a move
// that is not allowed.
func (s *Service) SetStatus(ctx context.Context, id string, to newsletter.Status) (*newsletter.Subscriber, error) {
	if !to.Valid() {
		return nil, newsletter.FieldErrors{"status": "Use pending, confirmed, unsubscribed, bounced or complained."}
	}
	sub, err := s.Store.Subscriber(ctx, id)
	if err != nil {
		return nil, err
	}
	if sub.Status == to {
		return sub, nil
	}
	switch to {
	case newsletter.StatusConfirmed:
		switch sub.Status {
		case newsletter.StatusPending:
			sub, _, err = s.Confirm(ctx, id)
			return sub, err
		case newsletter.StatusUnsubscribed:
			return nil, newsletter.FieldErrors{"status": "They unsubscribed themselves; only they can come back, by signing up again."}
		}
	case newsletter.StatusPending:
		return nil, newsletter.FieldErrors{"status": fmt.Sprintf("A %s subscriber cannot be made pending; a new signup asks them to confirm.", sub.Status)}
	}
	now := s.Clock.Now()
	if err := s.Store.SetStatus(ctx, id, to, now); err != nil {
		return nil, err
	}
	if to == newsletter.StatusConfirmed { // back from bounced: the rest of the sequence resumes
		if _, due, ok := drip.Next(s.Sequences, sub, s.DefaultTZ); ok {
			if due.Before(now) {
				due = now
			}
			if err := s.Store.Schedule(ctx, newsletter.Job{Kind: newsletter.JobDrip, Subscriber: id}, due); err != nil {
				return nil, err
			}
			s.wake()
		}
	}
	s.log().Info("subscriber status changed by the author", "subscriber", id, "from", sub.Status, "to", to)
	sub.Status = to
	return sub, nil
}
