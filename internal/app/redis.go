package app

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"
	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// OpenRedis connects to REDIS_URL, or starts the embedded in-memory Redis.
func OpenRedis(ctx context.Context, cfg *config.Config, log *slog.Logger) (redis.UniversalClient, func(), error) {
	if cfg.Redis == nil {
		mr, err := miniredis.Run()
		if err != nil {
			return nil, nil, fmt.Errorf("start embedded redis: %w", err)
		}
		log.Warn("DEV MODE: REDIS_URL is empty, using an embedded in-memory Redis. NOTHING PERSISTS: every subscriber and queued mail is lost when this process stops.")
		stop := make(chan struct{})
		go func() { // miniredis ages keys only when told to
			t := time.NewTicker(time.Second)
			defer t.Stop()
			for {
				select {
				case <-t.C:
					mr.FastForward(time.Second)
				case <-stop:
					return
				}
			}
		}()
		rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
		return rdb, func() { close(stop); rdb.Close(); mr.Close() }, nil
	}
	opts := *cfg.Redis
	if opts.PoolSize == 0 {
		// Each sending goroutine holds a connection for the check before
		// a mail and the record after it: on top of go-redis's default
		// (10 per CPU), one per sending goroutine, so that a high
		// SEND_CONCURRENCY does not queue for connections.
		opts.PoolSize = 10*runtime.GOMAXPROCS(0) + cfg.Concurrency
	}
	rdb := redisstore.Open(&opts)
	log.Info("Redis", "at", redisstore.Describe(cfg.Redis))
	checkPersistence(ctx, rdb, log)
	return rdb, func() { rdb.Close() }, nil
}

// checkPersistence warns when Redis would lose subscribers on restart.
func checkPersistence(ctx context.Context, rdb redis.UniversalClient, log *slog.Logger) {
	c, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	p, err := redisstore.Persistence(c, rdb)
	switch {
	case err != nil:
		log.Warn("could not read Redis persistence settings (CONFIG GET and INFO persistence); make sure the append-only file is on (appendonly yes, appendfsync everysec)", "err", err)
	case !p.AppendOnly:
		log.Warn("Redis keeps no append-only file: a Redis restart can lose recent signups, unsubscribes and the record of what was sent. Set appendonly yes and appendfsync everysec (on a managed Redis: turn on AOF persistence).")
	}
}

// SecretKey is SECRET_KEY. Without it (only allowed with the embedded
// Redis, config.Load refuses it otherwise) a key is made for this run:
// its links die with the process, as everything else in dev mode does.
func SecretKey(cfg *config.Config) ([]byte, error) {
	if cfg.SecretKey != "" {
		return config.ParseSecretKey(cfg.SecretKey)
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	return key, nil
}

// WaitForRedis waits, with a growing pause, until Redis answers: a service
// started before its Redis comes up by itself once Redis does.
func WaitForRedis(ctx context.Context, store *redisstore.Store, log *slog.Logger) error {
	wait := time.Second
	for {
		err := store.Ping(ctx)
		if err == nil {
			return nil
		}
		if !errors.Is(err, newsletter.ErrUnavailable) || ctx.Err() != nil {
			return fmt.Errorf("REDIS_URL: %w", err)
		}
		log.Warn("waiting for Redis", "err", strings.TrimSpace(err.Error()), "retry_in", wait)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// Upgrade brings the data in Redis to the store's key layout before
// anything reads it (redisstore.Store.Upgrade).
func Upgrade(ctx context.Context, store *redisstore.Store, log *slog.Logger) error {
	moved, err := store.Upgrade(ctx)
	if err != nil {
		return fmt.Errorf("upgrade the data in Redis to layout %s: %w", redisstore.Layout, err)
	}
	if moved > 0 {
		log.Info("upgraded the data in Redis", "layout", redisstore.Layout, "addresses", moved)
	}
	return nil
}
