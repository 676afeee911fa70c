package service

import (
	"context"
	"strings"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
)

// ScheduleLetter validates and stores a letter; it goes out at SendAt.
func (s *Service) ScheduleLetter(ctx context.Context, d newsletter.LetterDraft) (string, error) {
	if err := compose.Validate(d); err != nil {
		return "", err
	}
	l := &newsletter.Letter{Subject: strings.TrimSpace(d.Subject), Markdown: d.Markdown, SendAt: d.SendAt,
		SkipInSequence: d.SkipInSequence, CreatedAt: s.Clock.Now()}
	id, err := s.Store.CreateLetter(ctx, l)
	if err != nil {
		return "", err
	}
	if !d.SendAt.After(s.Clock.Now()) {
		s.wake()
	}
	return id, nil
}

// UpdateLetter changes a letter still scheduled.
func (s *Service) UpdateLetter(ctx context.Context, id string, d newsletter.LetterDraft) error {
	if err := compose.Validate(d); err != nil {
		return err
	}
	return s.Store.UpdateLetter(ctx, &newsletter.Letter{ID: id, Subject: strings.TrimSpace(d.Subject), Markdown: d.Markdown,
		SendAt: d.SendAt, SkipInSequence: d.SkipInSequence})
}
