package newsletter

import (
	"strings"
	"time"
)

// Status is where a subscriber stands.
type Status string

// The statuses a subscriber moves through.
const (
	StatusPending      Status = "pending"      // signed up, not yet confirmed
	StatusConfirmed    Status = "confirmed"    // double opt-in done: mail may go out
	StatusUnsubscribed Status = "unsubscribed" // left; nothing more is sent
	StatusBounced      Status = "bounced"      // the mail server refused the address for good
	StatusComplained   Status = "complained"   // the reader marked a mail as spam
)

// Statuses lists every status, in the order the admin shows them.
var Statuses = []Status{StatusPending, StatusConfirmed, StatusUnsubscribed, StatusBounced, StatusComplained}

// Valid reports whether s is a known status.
func (s Status) Valid() bool {
	for _, v := range Statuses {
		if s == v {
			return true
		}
	}
	return false
}

// Consent is the record of what a subscriber agreed to and when: the exact
// wording shown next to the checkbox, its version, and the times of signup
// and confirmation. The IP is kept truncated (see TruncateIP).
type Consent struct {
	Text        string    `json:"text"`
	Version     string    `json:"version"`
	Source      string    `json:"source"` // "form", "api" or "import"
	IP          string    `json:"ip,omitempty"`
	GivenAt     time.Time `json:"given_at"`
	ConfirmedAt time.Time `json:"confirmed_at,omitzero"`
}

// Subscriber is one address and everything kept about it.
type Subscriber struct {
	ID       string `json:"-"`
	Email    string `json:"email"`
	Name     string `json:"name"`
	Status   Status `json:"status"`
	Sequence string `json:"sequence"`
	Step     int    `json:"step"`      // steps of the sequence sent so far
	LastStep string `json:"last_step"` // file name of the last step sent
	TZ       string `json:"tz"`
	// Enrolment counts confirmations: a subscriber who leaves and comes
	// back starts the sequence again, with ledger keys of a new enrolment.
	Enrolment int `json:"-"`
	// LastSentAt starts the clock of the next step: the time the last step
	// was sent, or of confirmation before the first.
	LastSentAt time.Time `json:"-"`
	Consent    Consent   `json:"consent"`
	CreatedAt  time.Time `json:"created_at"`
	UpdatedAt  time.Time `json:"updated_at"`
	// ConfirmMailAt is when the last confirmation mail was queued; a repeated
	// signup re-sends it at most once per ConfirmResendInterval.
	ConfirmMailAt time.Time `json:"-"`
	// Reason is why the subscriber left, as recorded with the status it
	// belongs to ("bounce: <the server's reply>", "complaint"); empty when
	// none was recorded. LeftReason fills in the rest.
	Reason string `json:"-"`
}

// ConfirmResendInterval is the least time between two confirmation mails to
// one pending address.
const ConfirmResendInterval = 10 * time.Minute

// FirstName is the first word of the name, for greetings.
func (s *Subscriber) FirstName() string {
	f := strings.Fields(s.Name)
	if len(f) == 0 {
		return ""
	}
	return strings.TrimRight(f[0], ",;:.!?")
}

// Location is the subscriber's time zone, or fallback when unset or unknown.
func (s *Subscriber) Location(fallback *time.Location) *time.Location {
	if s.TZ == "" {
		return fallback
	}
	loc, err := loadLocation(s.TZ)
	if err != nil {
		return fallback
	}
	return loc
}

// NormalizeEmail lower-cases and trims an address so that one person has
// one record whatever case they type.
func NormalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}

// Send is one mail that went out to a subscriber, as shown on their own
// page and in their export.
type Send struct {
	Kind    string    `json:"kind"` // "confirm", "step" or "letter"
	Subject string    `json:"subject"`
	SentAt  time.Time `json:"sent_at"`
}
