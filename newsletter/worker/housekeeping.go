package worker

import (
	"context"
	"log/slog"
	"time"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
)

// Housekeep erases unconfirmed signups older than retention, at start and
// then every interval, until ctx ends. Several workers may run it at once:
// erasing twice is harmless.
func Housekeep(ctx context.Context, st service.PendingStore, clock newsletter.Clock, retention, interval time.Duration, log *slog.Logger) {
	for {
		n, err := service.PurgePending(ctx, st, clock.Now(), retention)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("purging old unconfirmed signups failed; will retry", "err", err)
		case n > 0:
			log.Info("erased unconfirmed signups past retention", "count", n, "retention", retention)
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(interval):
		}
	}
}
