package service

import (
	"context"
	"fmt"
	"strings"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
)

// ScheduleLetter validates and stores a letter; it goes out at SendAt.
func (s *Service) ScheduleLetter(ctx context.Context, d newsletter.LetterDraft) (string, error) {
	if err := compose.Validate(d); err != nil {
		return "", err
	}
	now := s.Clock.Now()
	l := &newsletter.Letter{Subject: strings.TrimSpace(d.Subject), Markdown: d.Markdown, SendAt: d.SendAt,
		SkipInSequence: d.SkipInSequence, CreatedAt: now, ScheduledAt: now}
	id, err := s.Store.CreateLetter(ctx, l)
	if err != nil {
		return "", err
	}
	if !d.SendAt.After(s.Clock.Now()) {
		s.wake()
	}
	return id, nil
}

// UpdateLetter changes a letter still scheduled; it counts as scheduled
// now, so a send time moved into the past is not late.
func (s *Service) UpdateLetter(ctx context.Context, id string, d newsletter.LetterDraft) error {
	if err := compose.Validate(d); err != nil {
		return err
	}
	now := s.Clock.Now()
	err := s.Store.UpdateLetter(ctx, &newsletter.Letter{ID: id, Subject: strings.TrimSpace(d.Subject), Markdown: d.Markdown,
		SendAt: d.SendAt, SkipInSequence: d.SkipInSequence, ScheduledAt: now})
	if err == nil && !d.SendAt.After(now) {
		s.wake()
	}
	return err
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
