package newsletter

import "time"

// Sending says whether letters and sequence steps go out. While it is
// paused no letter and no step is handed to the SMTP server; nothing is
// lost, and resuming sends what waited, once. Confirmation mails keep
// going: a reader who just signed up is waiting for one.
type Sending struct {
	Paused bool
	// Reason says why, in words the author can act on (for a pause by
	// the breaker, the server's reply).
	Reason string
	// Since is when sending paused or last resumed.
	Since time.Time
	// By is who paused it: PausedByAuthor, PausedByBreaker or
	// PausedByDataLoss.
	By string
}

// Who pauses sending.
const (
	PausedByAuthor   = "author"    // by hand, in the desk or the admin API
	PausedByBreaker  = "breaker"   // refusals of the sender or the message in a row
	PausedByDataLoss = "data-loss" // Redis lost data while the service ran
)

// BreakerLimit is how many refusals of the sender or the message in a row
// (ErrBlocked, across every worker) pause all sending: a provider that
// blocks the sender would otherwise see the whole list tried, and nobody
// would learn of it.
const BreakerLimit = 20
