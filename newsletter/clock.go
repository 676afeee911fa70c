package newsletter

import "time"

// Clock tells the time. Production code uses SystemClock; tests inject a
// clock they move by hand so that weekly schedules run in milliseconds.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns the current time.
func (SystemClock) Now() time.Time { return time.Now() }
