package newsletter

import "time"

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
