package newsletter

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"
)

// LetterDraft is a letter as the author submits it.
type LetterDraft struct {
	Subject        string
	Markdown       string
	SendAt         time.Time
	SkipInSequence bool
}

// Validate checks a draft and returns FieldErrors naming each problem.
func (d LetterDraft) Validate() error {
	fe := FieldErrors{}
	switch {
	case strings.TrimSpace(d.Subject) == "":
		fe["subject"] = "A letter needs a subject."
	case utf8.RuneCountInString(d.Subject) > 200:
		fe["subject"] = "Keep the subject under 200 characters."
	case strings.ContainsAny(d.Subject, "\r\n\x00"):
		fe["subject"] = "The subject must be one line."
	}
	if strings.TrimSpace(d.Markdown) == "" {
		fe["markdown"] = "A letter needs a body."
	} else if len(d.Markdown) > 1<<20 {
		fe["markdown"] = "The body is over 1 MiB."
	} else if err := CheckLetter(d.Markdown); err != nil {
		fe["markdown"] = "The body's template does not render: " + err.Error()
	}
	if d.SendAt.IsZero() {
		fe["send_at"] = "Give the send time as RFC 3339, e.g. 2026-12-01T08:00:00+01:00."
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// ScheduleLetter validates and stores a letter; it goes out at SendAt.
func (s *Service) ScheduleLetter(ctx context.Context, d LetterDraft) (string, error) {
	if err := d.Validate(); err != nil {
		return "", err
	}
	l := &Letter{Subject: strings.TrimSpace(d.Subject), Markdown: d.Markdown, SendAt: d.SendAt,
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
func (s *Service) UpdateLetter(ctx context.Context, id string, d LetterDraft) error {
	if err := d.Validate(); err != nil {
		return err
	}
	return s.Store.UpdateLetter(ctx, &Letter{ID: id, Subject: strings.TrimSpace(d.Subject), Markdown: d.Markdown,
		SendAt: d.SendAt, SkipInSequence: d.SkipInSequence})
}

// PublicMarkdown is a letter as the archive shows it: its template run
// with neutral data, so that no reader's name or links appear.
func (s *Service) PublicMarkdown(l *Letter) (string, error) {
	return execute("letter "+l.ID, l.Markdown, struct {
		FirstName, Name, Email, DownloadURL, UnsubscribeURL, MeURL string
	}{})
}
