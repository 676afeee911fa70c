package newsletter

import (
	"fmt"
	"strings"
	"time"
)

// JobKind names what a queued job does.
type JobKind string

// The kinds of queued work.
const (
	// JobConfirm sends the double opt-in mail to a pending subscriber.
	JobConfirm JobKind = "confirm"
	// JobDrip sends the next due step of a subscriber's sequence; one such
	// job exists per enrolment and is moved forward after each step.
	JobDrip JobKind = "drip"
	// JobLetter fans a letter out into one JobLetterSend per recipient.
	JobLetter JobKind = "letter"
	// JobLetterSend sends one letter to one subscriber.
	JobLetterSend JobKind = "lsend"
)

// Job is one unit of queued work. Its ID is derived from what it does, so
// queueing the same work twice leaves one job.
type Job struct {
	Kind       JobKind
	Subscriber string
	Letter     string
	Attempts   int
	Due        time.Time
}

// ID is the job's identity in the queue: kind, then the ids it concerns.
func (j Job) ID() string {
	switch j.Kind {
	case JobConfirm, JobDrip:
		return string(j.Kind) + ":" + j.Subscriber
	case JobLetter:
		return string(j.Kind) + ":" + j.Letter
	default:
		return string(j.Kind) + ":" + j.Letter + ":" + j.Subscriber
	}
}

// ParseJobID is the inverse of Job.ID.
func ParseJobID(id string) (Job, error) {
	parts := strings.Split(id, ":")
	switch {
	case len(parts) == 2 && (parts[0] == string(JobConfirm) || parts[0] == string(JobDrip)):
		return Job{Kind: JobKind(parts[0]), Subscriber: parts[1]}, nil
	case len(parts) == 2 && parts[0] == string(JobLetter):
		return Job{Kind: JobLetter, Letter: parts[1]}, nil
	case len(parts) == 3 && parts[0] == string(JobLetterSend):
		return Job{Kind: JobLetterSend, Letter: parts[1], Subscriber: parts[2]}, nil
	}
	return Job{}, fmt.Errorf("parse job id %q: unknown form", id)
}

// StepLedgerKey names one step of one enrolment in a subscriber's ledger:
// the same key is never sent twice.
func StepLedgerKey(sequence, step string, enrolment int) string {
	return fmt.Sprintf("step:%s/%s@%d", sequence, step, enrolment)
}

// LetterLedgerKey names a letter in a subscriber's ledger.
func LetterLedgerKey(letterID string) string { return "letter:" + letterID }

// ConfirmLedgerKey names one requested confirmation mail.
func ConfirmLedgerKey(requestedAt time.Time) string {
	return fmt.Sprintf("confirm:%d", requestedAt.UnixMilli())
}

// Urgent reports whether j goes in the urgent lane of the queue, which
// workers empty before the rest: a confirmation mail, which a reader is
// waiting for (the contract promises it within two seconds), must not
// wait behind a letter's thousands of sends that are already due. A
// retried confirmation stays in the urgent lane.
func (j Job) Urgent() bool { return j.Kind == JobConfirm }
