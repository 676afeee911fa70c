package service

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
)

// ScheduleLetter validates and stores a letter; it goes out at SendAt.
func (s *Service) ScheduleLetter(ctx context.Context, d newsletter.LetterDraft) (string, error) {
	if err := compose.Validate(d); err != nil {
		return "", err
	}
	now := s.Clock.Now()
	l := letterOf(d)
	l.CreatedAt, l.ScheduledAt = now, now
	id, err := s.Store.CreateLetter(ctx, l)
	if err != nil {
		return "", err
	}
	if !d.SendAt.After(s.Clock.Now()) {
		s.wake()
	}
	return id, nil
}

// SaveDraft validates and stores a draft: a letter without a send time,
// never queued and never sent until UpdateLetter gives it one. d.SendAt is
// ignored. It is validated as a letter is, but for the send time.
func (s *Service) SaveDraft(ctx context.Context, d newsletter.LetterDraft) (string, error) {
	if err := compose.ValidateContent(d); err != nil {
		return "", err
	}
	now := s.Clock.Now()
	l := letterOf(d)
	l.SendAt = time.Time{}
	l.Status, l.CreatedAt, l.EditedAt = newsletter.LetterDrafted, now, now
	return s.Store.CreateLetter(ctx, l)
}

// UpdateLetter changes a draft or a letter still scheduled. Without a send
// time it saves a draft, which stays one (FieldErrors naming send_at for a
// scheduled letter, ErrConflict for a letter sending, sent, cancelled or
// held). With one it schedules a draft, or changes a scheduled
// letter, which counts as scheduled now, so a send time moved into the
// past is not late: the fan-out is queued as ScheduleLetter queues it.
func (s *Service) UpdateLetter(ctx context.Context, id string, d newsletter.LetterDraft) error {
	now := s.Clock.Now()
	l := letterOf(d)
	l.ID = id
	if d.SendAt.IsZero() {
		if err := compose.ValidateContent(d); err != nil {
			return err
		}
		l.Status, l.EditedAt = newsletter.LetterDrafted, now
		err := s.Store.UpdateLetter(ctx, l)
		if errors.Is(err, newsletter.ErrConflict) {
			if cur, lerr := s.Store.Letter(ctx, id); lerr == nil && cur.Status == newsletter.LetterScheduled {
				return newsletter.FieldErrors{"send_at": "This letter is scheduled: give its send time. (A scheduled letter does not go back to being a draft; cancel it and save it again as a draft.)"}
			}
		}
		return err
	}
	if err := compose.Validate(d); err != nil {
		return err
	}
	l.ScheduledAt = now
	err := s.Store.UpdateLetter(ctx, l)
	if err == nil && !d.SendAt.After(now) {
		s.wake()
	}
	return err
}

// letterOf is the letter the author wrote in d, its subject trimmed.
func letterOf(d newsletter.LetterDraft) *newsletter.Letter {
	return &newsletter.Letter{Subject: strings.TrimSpace(d.Subject), Markdown: d.Markdown, Preheader: strings.TrimSpace(d.Preheader),
		SendAt: d.SendAt, Unlisted: d.Unlisted, SkipInSequence: d.SkipInSequence}
}

// ReleaseLetter sends a held letter now, at the author's word: one held
// before it started fans out now (the late-letter guard's grace counting
// from now); one held while sending goes on where it stopped. Every
// recipient still gets it once: the ledger knows who has it. It returns
// the letter as it stands after the release; ErrConflict when the letter
// is not held, ErrNotFound when there is none.
func (s *Service) ReleaseLetter(ctx context.Context, id string) (*newsletter.Letter, error) {
	if err := s.Store.ReleaseLetter(ctx, id, s.Clock.Now()); err != nil {
		return nil, fmt.Errorf("release letter: %w", err)
	}
	s.wake()
	if s.Log != nil {
		s.Log.Info("held letter released by the author", "letter", id)
	}
	return s.Store.Letter(ctx, id)
}
