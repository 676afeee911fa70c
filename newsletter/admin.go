package newsletter

import (
	"context"
	"fmt"
	"time"

	"github.com/satina/newsletter/sequences"
)

// The author's desk: previews, test mail and status changes made by hand.

// PreviewID is the subscriber and letter id of previews and test mail: its
// signed links lead nowhere (no subscriber or letter has that id).
const PreviewID = "preview"

// SampleSubscriber is the made-up reader a preview is addressed to: the
// names of sequences.SampleData, with links signed for PreviewID.
func SampleSubscriber() *Subscriber {
	d := sequences.SampleData()
	return &Subscriber{ID: PreviewID, Email: d.Email, Name: d.Name, Status: StatusConfirmed}
}

// ValidateContent checks a draft's subject and body only, for previews and
// test mail, which have no send time.
func (d LetterDraft) ValidateContent() error {
	if d.SendAt.IsZero() {
		d.SendAt = time.Unix(1, 0)
	}
	return d.Validate()
}

// PreviewLetter is the exact mail a letter becomes, addressed to to (the
// sample reader when nil): layout, footer and list headers included.
// FieldErrors name a missing subject or a body that does not render.
func (c *Composer) PreviewLetter(d LetterDraft, to *Subscriber) (*Message, error) {
	if err := d.ValidateContent(); err != nil {
		return nil, err
	}
	if to == nil {
		to = SampleSubscriber()
	}
	return c.Letter(to, &Letter{ID: PreviewID, Subject: d.Subject, Markdown: d.Markdown})
}

// PreviewStep is the exact mail a sequence step becomes for the sample reader.
func (c *Composer) PreviewStep(step *sequences.Step) (*Message, error) {
	return c.Step(SampleSubscriber(), step)
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

// SetStatus is the author moving a subscriber by hand:
//   - to confirmed: a pending subscriber is confirmed (consent given
//     elsewhere) and joins its sequence; a bounced one gets mail again.
//     Someone who unsubscribed can only come back by signing up again.
//   - to unsubscribed or bounced: nothing more is sent.
//   - to pending: only a pending subscriber stays pending; use a signup or
//     an import to ask someone to confirm.
//
// Moving to the current status changes nothing. FieldErrors name a move
// that is not allowed.
func (s *Service) SetStatus(ctx context.Context, id string, to Status) (*Subscriber, error) {
	if !to.Valid() {
		return nil, FieldErrors{"status": "Use pending, confirmed, unsubscribed or bounced."}
	}
	sub, err := s.Store.Subscriber(ctx, id)
	if err != nil {
		return nil, err
	}
	if sub.Status == to {
		return sub, nil
	}
	switch to {
	case StatusConfirmed:
		switch sub.Status {
		case StatusPending:
			sub, _, err = s.Confirm(ctx, id)
			return sub, err
		case StatusUnsubscribed:
			return nil, FieldErrors{"status": "They unsubscribed themselves; only they can come back, by signing up again."}
		}
	case StatusPending:
		return nil, FieldErrors{"status": fmt.Sprintf("A %s subscriber cannot be made pending; a new signup asks them to confirm.", sub.Status)}
	}
	now := s.Clock.Now()
	if err := s.Store.SetStatus(ctx, id, to, now); err != nil {
		return nil, err
	}
	if to == StatusConfirmed { // back from bounced: the rest of the sequence resumes
		if _, due, ok := NextStep(s.Sequences, sub, s.DefaultTZ); ok {
			if due.Before(now) {
				due = now
			}
			if err := s.Store.Schedule(ctx, Job{Kind: JobDrip, Subscriber: id}, due); err != nil {
				return nil, err
			}
			s.wake()
		}
	}
	s.log().Info("subscriber status changed by the author", "subscriber", id, "from", sub.Status, "to", to)
	sub.Status = to
	return sub, nil
}
