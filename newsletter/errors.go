package newsletter

import (
	"errors"
	"sort"
	"strings"
)

// Error kinds. Callers test for them with errors.Is; the HTTP side maps each
// to a status code.
var (
	// ErrNotFound means the subscriber, letter or token target does not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists means a record with the same identity is already stored.
	ErrExists = errors.New("already exists")
	// ErrUnavailable means the store cannot be reached; the work should be
	// retried later and nothing was changed.
	ErrUnavailable = errors.New("storage unavailable")
	// ErrConflict means the request does not fit the record's state, such as
	// cancelling a letter that was already sent.
	ErrConflict = errors.New("conflict")
	// ErrLimited means a rate limit refused the request; nothing was stored.
	ErrLimited = errors.New("rate limited")
)

// FieldErrors maps an input field to a message a person can act on.
type FieldErrors map[string]string

// Error lists the fields and messages in a stable order.
func (fe FieldErrors) Error() string {
	keys := make([]string, 0, len(fe))
	for k := range fe {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+fe[k])
	}
	return "invalid input: " + strings.Join(parts, "; ")
}
