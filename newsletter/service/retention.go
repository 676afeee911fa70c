package service

import (
	"context"
	"time"
)

// DefaultPendingRetention is how long an unconfirmed signup is kept: the
// confirmation mail promises that an address nobody confirms is forgotten
// within a week.
const DefaultPendingRetention = 7 * 24 * time.Hour

// PendingStore is what Purge needs of the store.
type PendingStore interface {
	StalePending(ctx context.Context, before time.Time, limit int) ([]string, error)
	Erase(ctx context.Context, id string) error
}

// PurgePending erases every signup left unconfirmed for longer than
// retention, with its consent record and IP, and returns how many went.
func PurgePending(ctx context.Context, st PendingStore, now time.Time, retention time.Duration) (int, error) {
	n := 0
	for {
		ids, err := st.StalePending(ctx, now.Add(-retention), 500)
		if err != nil || len(ids) == 0 {
			return n, err
		}
		for _, id := range ids {
			if err := st.Erase(ctx, id); err != nil {
				return n, err
			}
			n++
		}
	}
}
