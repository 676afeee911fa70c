package newsletter

import (
	"strings"
	"time"
	"unicode/utf8"
)

// LetterStatus is where a letter stands.
type LetterStatus string

// The statuses of a letter.
const (
	LetterScheduled LetterStatus = "scheduled"
	LetterSending   LetterStatus = "sending"
	LetterSent      LetterStatus = "sent"
	LetterCancelled LetterStatus = "cancelled"
)

// Letter is one piece of writing sent once to every subscriber confirmed at
// SendAt.
type Letter struct {
	ID             string       `json:"id"`
	Subject        string       `json:"subject"`
	Markdown       string       `json:"markdown"`
	SendAt         time.Time    `json:"send_at"`
	Status         LetterStatus `json:"status"`
	SkipInSequence bool         `json:"skip_in_sequence"`
	CreatedAt      time.Time    `json:"created_at"`
	// Recipients is how many subscribers the fan-out queued; -1 until then.
	Recipients int `json:"recipients"`
	Sent       int `json:"sent"`
	Failed     int `json:"failed"`
	Skipped    int `json:"skipped"`
}

// Done reports whether every queued recipient has been dealt with.
func (l *Letter) Done() bool {
	return l.Recipients >= 0 && l.Sent+l.Failed+l.Skipped >= l.Recipients
}

// LetterDraft is a letter as the author submits it.
type LetterDraft struct {
	Subject        string
	Markdown       string
	SendAt         time.Time
	SkipInSequence bool
}

// Validate checks a draft's form and returns FieldErrors naming each
// problem; whether its template renders is the composer's to say
// (compose.Validate checks both).
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
	}
	if d.SendAt.IsZero() {
		fe["send_at"] = "Give the send time as RFC 3339, e.g. 2026-12-01T08:00:00+01:00."
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// ValidateContent checks a draft's subject and body only, for previews and
// test mail, which have no send time.
func (d LetterDraft) ValidateContent() error {
	if d.SendAt.IsZero() {
		d.SendAt = time.Unix(1, 0)
	}
	return d.Validate()
}
