package newsletter

import (
	"context"
	"time"
)

// NewSubscriber is a signup or an import about to be stored.
type NewSubscriber struct {
	Email, Name, Sequence, TZ string
	Status                    Status // StatusPending or StatusConfirmed
	Consent                   Consent
	At                        time.Time
	// Limit, when its Max is above 0, is counted in the same write (one
	// round trip for a signup): past Max, CreateSubscriber stores nothing
	// and returns ErrLimited.
	Limit Limit
}

// Limit caps requests per key and window, as Store.Hit counts them: the
// request is counted in the window that holds its time, and refused when
// the count goes past Max. A Max of 0 is no limit.
type Limit struct {
	Key    string
	Max    int
	Window time.Duration
}

// Store keeps subscribers, letters, the job queue and the send ledger.
// redisstore implements it. Every method wraps ErrUnavailable when the
// store cannot be reached.
type Store interface {
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error

	// CreateSubscriber stores n unless its address is known. It returns the
	// new or existing id and whether it was created. A pending subscriber
	// gets a confirmation job due at n.At; a confirmed one is enrolled in
	// its sequence (drip job due at firstDue when the sequence is set).
	// With n.Limit set it counts one hit first (known address or not) and
	// returns ErrLimited, storing nothing, past the limit.
	CreateSubscriber(ctx context.Context, n NewSubscriber, firstDue time.Time) (id string, created bool, err error)
	// CreateSubscribers is CreateSubscriber for many at once (for
	// imports), in order; firstDue[i] belongs to ns[i]. After an error, the
	// results it returns are those of the first subscribers, which were
	// stored.
	CreateSubscribers(ctx context.Context, ns []NewSubscriber, firstDue []time.Time) (ids []string, created []bool, err error)
	// Subscriber loads one subscriber; ErrNotFound when absent.
	Subscriber(ctx context.Context, id string) (*Subscriber, error)
	// SubscriberByEmail loads one subscriber by normalized address.
	SubscriberByEmail(ctx context.Context, email string) (*Subscriber, error)
	// Resignup moves a known subscriber back to pending with a new consent
	// record and queues a confirmation mail.
	Resignup(ctx context.Context, id string, n NewSubscriber) error
	// RequestConfirmMail queues another confirmation mail for a pending
	// subscriber unless one was queued within ConfirmResendInterval of at.
	RequestConfirmMail(ctx context.Context, id string, at time.Time) (queued bool, err error)
	// Confirm marks a pending subscriber confirmed at at and, when the
	// sequence is set, queues its first step at firstDue. It reports
	// whether the status changed.
	Confirm(ctx context.Context, id string, at, firstDue time.Time) (bool, error)
	// SetStatus moves a subscriber to status (unsubscribed, bounced,
	// confirmed, pending) and drops its queued drip and confirmation work
	// unless the new status is confirmed.
	SetStatus(ctx context.Context, id string, status Status, at time.Time) error
	// Erase deletes everything stored about a subscriber.
	Erase(ctx context.Context, id string) error
	// Subscribers lists subscribers with status (all when empty), newest
	// first, from offset.
	Subscribers(ctx context.Context, status Status, offset, limit int) ([]*Subscriber, int, error)
	// SubscriberPage lists up to limit subscribers with status (all when
	// empty), oldest first by when they entered it, after cursor ("" for
	// the start), and the cursor of the next page ("" after the last).
	// Paging leaves out nobody who stays, signs up or changes status
	// meanwhile, and repeats nobody who stays; one who changes status may
	// be listed twice (the later row is current).
	SubscriberPage(ctx context.Context, status Status, cursor string, limit int) ([]*Subscriber, string, error)
	// Sends lists the mail recorded in a subscriber's ledger, oldest first.
	Sends(ctx context.Context, id string) ([]Send, error)
	// Enrolled lists the ids of confirmed subscribers in sequence.
	Enrolled(ctx context.Context, sequence string) ([]string, error)

	// Hit counts one request from key in the window that holds at and
	// returns the count so far and when the window ends.
	Hit(ctx context.Context, key string, at time.Time, window time.Duration) (int64, time.Time, error)
	// SequenceVersion returns the content hash of a sequence recorded by
	// SetSequenceVersion, "" before the first.
	SequenceVersion(ctx context.Context, sequence string) (string, error)
	// SetSequenceVersion records the content hash of a sequence whose
	// schedule now agrees with it.
	SetSequenceVersion(ctx context.Context, sequence, hash string) error

	// SendingState, PauseSending and ResumeSending keep whether letters
	// and steps go out (see Sending). PauseSending keeps an earlier pause
	// and its reason; both report whether they changed the state.
	SendingState(ctx context.Context) (Sending, error)
	PauseSending(ctx context.Context, st Sending) (bool, error)
	ResumeSending(ctx context.Context, at time.Time) (bool, error)

	Queue
	Letters
}

// Queue is the schedule of work. A job is claimed for a lease; a worker
// that dies lets the lease run out and another worker takes the job again
// (at-least-once). The ledger turns that into once per mail, up to the
// messages in flight when a process is killed.
type Queue interface {
	// Schedule puts a job in the queue at due, moving it when present.
	Schedule(ctx context.Context, j Job, due time.Time) error
	// Claim takes up to n jobs due at now and hides them until now+lease.
	Claim(ctx context.Context, now time.Time, lease time.Duration, n int) ([]Job, error)
	// Extend moves the lease of held jobs (held[i] is job i's lease end)
	// to until, for each that still sits where its lease put it, and
	// reports which moved: the heartbeat of a living worker.
	Extend(ctx context.Context, jobs []Job, held []time.Time, until time.Time) ([]bool, error)
	// Retry puts a claimed job back at due with one more attempt counted.
	Retry(ctx context.Context, j Job, due time.Time) error
	// Drop removes a job.
	Drop(ctx context.Context, j Job) error
	// Depth counts queued jobs, and those due at now.
	Depth(ctx context.Context, now time.Time) (total, due int64, err error)
	// Recorded reports whether key is in the subscriber's ledger.
	Recorded(ctx context.Context, subscriber, key string) (bool, error)
	// Record writes a sent mail to the ledger and settles its job in one
	// atomic step; see Outcome.
	Record(ctx context.Context, o Outcome) error
}

// Outcome is what happened to one claimed job, written atomically: the
// ledger entry, the subscriber's progress, the letter's counters and the
// job's next place in the queue.
type Outcome struct {
	Job Job
	// LedgerKey and Send are set when a mail went out.
	LedgerKey string
	Send      *Send
	// Step is the step just sent, for drip jobs; its send time becomes the
	// start of the next step's clock.
	Step string
	// NextDue moves the job (drip); zero removes it.
	NextDue time.Time
	// Counter is the letter counter to increase: "sent", "failed" or
	// "skipped"; empty for none.
	Counter string
}

// Letters keeps letters, with the late-letter guard (LetterHolds).
type Letters interface {
	LetterHolds
	// CreateLetter stores l with a new id and schedules its fan-out.
	CreateLetter(ctx context.Context, l *Letter) (string, error)
	// Letter loads one letter.
	Letter(ctx context.Context, id string) (*Letter, error)
	// UpdateLetter changes a draft or a scheduled letter: its content and
	// send time; a draft given a send time is scheduled, as CreateLetter
	// schedules.
	UpdateLetter(ctx context.Context, l *Letter) error
	// CancelLetter cancels a letter not yet sending (and stops one that
	// is), and deletes a draft; ErrConflict when it was sent.
	CancelLetter(ctx context.Context, id string) error
	// ListLetters lists letters, drafts first, then by send time, newest
	// first; status filters when non-empty.
	ListLetters(ctx context.Context, status LetterStatus, limit int) ([]*Letter, error)
	// StartFanOut marks a letter sending and returns the ids of subscribers
	// confirmed at its send time, skipping those with a drip job when
	// skipInSequence.
	StartFanOut(ctx context.Context, id string) (*Letter, []string, error)
	// FinishFanOut queues one send per recipient (idempotent), removes the
	// fan-out job and records the recipient count.
	FinishFanOut(ctx context.Context, id string, recipients []string, now time.Time) error
}
