package newsletter

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"
)

// LetterStatus is where a letter stands.
type LetterStatus string

// The statuses of a letter.
const (
	// LetterDrafted is a draft: a letter without a send time. It is never
	// queued and never sent until the author schedules it.
	LetterDrafted   LetterStatus = "draft"
	LetterScheduled LetterStatus = "scheduled"
	LetterSending   LetterStatus = "sending"
	LetterSent      LetterStatus = "sent"
	LetterCancelled LetterStatus = "cancelled"
	// LetterHeld is a letter the late-letter guard stopped: it could not
	// start, or go on, within the grace (LATE_LETTER_GRACE) of its time,
	// and waits for the author to send it now or cancel it.
	LetterHeld LetterStatus = "held"
)

// Letter is one piece of writing sent once to every subscriber confirmed at
// SendAt. A draft (LetterDrafted) has no SendAt.
type Letter struct {
	ID       string `json:"id"`
	Subject  string `json:"subject"`
	Markdown string `json:"markdown"`
	// Preheader is the author's preview line, which a mail app shows after
	// the subject; empty: the mail carries no hidden preview text.
	Preheader string       `json:"preheader,omitempty"`
	SendAt    time.Time    `json:"send_at"`
	Status    LetterStatus `json:"status"`
	// Unlisted keeps the letter off the public archive: not on /letters or
	// its feed, and its page /letters/<id> is not found (the API's
	// archive=false). It is sent all the same.
	Unlisted       bool      `json:"unlisted,omitempty"`
	SkipInSequence bool      `json:"skip_in_sequence"`
	CreatedAt      time.Time `json:"created_at"`
	// EditedAt is when a draft was last saved; zero for letters scheduled
	// without being a draft first.
	EditedAt time.Time `json:"edited_at,omitzero"`
	// Recipients is how many subscribers the fan-out queued; -1 until then.
	Recipients int `json:"recipients"`
	Sent       int `json:"sent"`
	Failed     int `json:"failed"`
	Skipped    int `json:"skipped"`
	// ScheduledAt is when the letter was last scheduled or released; the
	// grace of a letter that has not started counts from the later of it
	// and SendAt (see DueAt). Zero for letters stored before it was kept.
	ScheduledAt time.Time `json:"scheduled_at,omitzero"`
	// StartedAt is when its fan-out began; zero before.
	StartedAt time.Time `json:"started_at,omitzero"`
	// ProgressAt is when one of its counters last moved; zero before.
	ProgressAt time.Time `json:"progress_at,omitzero"`
	// Hold says why and when the letter was held; nil unless Status is
	// LetterHeld.
	Hold *LetterHold `json:"hold,omitempty"`
}

// DueAt is the moment a letter is due: its send time, or when it was
// scheduled (or released) when that is later, as for a letter scheduled
// for a time already past. The late-letter guard counts from it.
func (l *Letter) DueAt() time.Time {
	if l.ScheduledAt.After(l.SendAt) {
		return l.ScheduledAt
	}
	return l.SendAt
}

// DefaultLateLetterGrace is LATE_LETTER_GRACE's default: a letter that
// cannot start (or go on) within this long of its time is held.
const DefaultLateLetterGrace = time.Hour

// HoldReason says why a letter was held.
type HoldReason string

// The reasons a letter is held.
const (
	// HeldLate: its fan-out could not start within the grace after it was
	// due (the service was down, or sending was paused). Nothing went out.
	HeldLate HoldReason = "late"
	// HeldStalled: it was sending, but no mail of it was settled for the
	// grace while sends remained.
	HeldStalled HoldReason = "stalled"
)

// LetterHold is what the late-letter guard noted when it held a letter.
type LetterHold struct {
	At     time.Time     `json:"at"`
	Reason HoldReason    `json:"reason"`
	Grace  time.Duration `json:"grace"` // LATE_LETTER_GRACE when it was held
}

// ErrHeld means the late-letter guard held the letter instead of starting
// it: it was too late. The letter waits for the author (LetterHeld).
var ErrHeld = errors.New("letter held: too late to start")

// LetterHolds is the store's side of the late-letter guard: it holds a
// letter that could not start, or go on, within the grace, atomically
// with the state it reads, and sends a held letter on when the author
// releases it. redisstore implements it.
type LetterHolds interface {
	// StartLetter begins a letter's fan-out at now: a scheduled letter
	// becomes sending, unless now is more than grace past its DueAt; a
	// sending letter (a fan-out run again) goes on unless it made no
	// progress for grace. Otherwise the letter becomes held and
	// StartLetter returns ErrHeld, taking no recipients. It returns the
	// letter and the ids of subscribers confirmed at its send time
	// (without those still in a sequence when SkipInSequence). A grace
	// of 0 never holds. ErrConflict for a letter neither scheduled nor
	// sending, ErrNotFound for none.
	StartLetter(ctx context.Context, id string, now time.Time, grace time.Duration) (*Letter, []string, error)
	// HoldLateLetters holds, as of now, every scheduled letter more than
	// grace past its DueAt and every sending letter with sends left and no
	// progress for grace; it returns the ids it held.
	HoldLateLetters(ctx context.Context, now time.Time, grace time.Duration) ([]string, error)
	// ParkLetterSend puts aside a claimed send of a held letter until the
	// letter is released or cancelled, and reports true. When the letter
	// is no longer held it queues the send again, due at now, and reports
	// false.
	ParkLetterSend(ctx context.Context, j Job, now time.Time) (bool, error)
	// ReleaseLetter sends a held letter on at now: one held before its
	// fan-out fans out now (its grace counting from now); one held while
	// sending goes on, its parked sends due now. ErrConflict when the
	// letter is not held, ErrNotFound for none.
	ReleaseLetter(ctx context.Context, id string, now time.Time) error
}

// Done reports whether every queued recipient has been dealt with.
func (l *Letter) Done() bool {
	return l.Recipients >= 0 && l.Sent+l.Failed+l.Skipped >= l.Recipients
}

// LetterDraft is a letter as the author submits it. Without SendAt it is
// stored as a draft (LetterDrafted).
type LetterDraft struct {
	Subject        string
	Markdown       string
	Preheader      string // optional preview line; see Letter.Preheader
	SendAt         time.Time
	Unlisted       bool // see Letter.Unlisted
	SkipInSequence bool
}

// MaxPreheader is the longest preview line a letter or a step may set, in
// characters; mail apps show about 40 to 140 of it.
const MaxPreheader = 150

// CheckPreheader says what is wrong with a preview line ("" when nothing
// is): it is plain text of one line, at most MaxPreheader characters, and
// holds no template action (it goes into the mail as written).
func CheckPreheader(p string) string {
	switch {
	case strings.ContainsAny(p, "\r\n\x00"):
		return "The preview line must be one line."
	case utf8.RuneCountInString(p) > MaxPreheader:
		return "Keep the preview line under 150 characters: mail apps show 40 to 140 of it."
	case strings.Contains(p, "{{"):
		return "The preview line is shown as written: it cannot use {{ … }}."
	}
	return ""
}

// Validate checks a letter's form, send time included, and returns
// FieldErrors naming each problem; whether its template renders is the
// composer's to say (compose.Validate checks both).
func (d LetterDraft) Validate() error {
	fe := d.contentErrors()
	if d.SendAt.IsZero() {
		fe["send_at"] = "Give the send time as RFC 3339, e.g. 2026-12-01T08:00:00+01:00."
	}
	if len(fe) > 0 {
		return fe
	}
	return nil
}

// contentErrors checks everything but the send time.
func (d LetterDraft) contentErrors() FieldErrors {
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
	if msg := CheckPreheader(d.Preheader); msg != "" {
		fe["preheader"] = msg
	}
	return fe
}

// ValidateContent checks a letter as Validate does but for the send time:
// for drafts, previews and test mail, which have none.
func (d LetterDraft) ValidateContent() error {
	if fe := d.contentErrors(); len(fe) > 0 {
		return fe
	}
	return nil
}
