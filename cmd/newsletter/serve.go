package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/mailer"
	"github.com/satina/newsletter/newsletter/metrics"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/newsletter/web"
	"github.com/satina/newsletter/newsletter/worker"
	"github.com/satina/newsletter/templates"
)

// ShutdownTimeout bounds a graceful stop: requests and sends in flight get
// this long to finish after SIGTERM.
const ShutdownTimeout = 20 * time.Second

// serve runs the web side, the worker or both until ctx ends.
func serve(ctx context.Context, cmd string, stderr io.Writer) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	log := newLogger(cfg.LogFormat, stderr)
	if cfg.PprofAddr != "" {
		go servePprof(ctx, cfg.PprofAddr, log)
	}
	set, err := loadSequences(cfg.SequencesDir)
	if err != nil {
		return fmt.Errorf("sequences are not valid (run `newsletter check`):\n%w", err)
	}
	if _, ok := set.Get(cfg.DefaultSequence); !ok {
		return fmt.Errorf("DEFAULT_SEQUENCE: no sequence called %q (have %v)", cfg.DefaultSequence, set.IDs())
	}
	rdb, closeRedis, err := openRedis(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeRedis()
	store := redisstore.New(rdb, cfg.RedisPrefix)
	if err := upgrade(ctx, store, log); err != nil {
		return err
	}
	secret, err := secretKey(ctx, cfg, store, log)
	if err != nil {
		return err
	}
	if cfg.PostalAddress == "" {
		log.Warn("POSTAL_ADDRESS is empty: bulk mail should carry the sender's postal address in its footer")
	}
	transport, err := mailer.New(cfg.Mail)
	if err != nil {
		return err
	}
	if cfg.Mail.URL == "" {
		log.Warn("SMTP_URL is empty: mail is written as .eml files, not sent", "dir", cfg.OutboxDir)
	}
	clock := newsletter.SystemClock{}
	links := &compose.Links{BaseURL: cfg.BaseURL, Signer: token.NewSigner(secret), Clock: clock}
	m := metrics.New(store)
	composer := &compose.Composer{Links: links, Sequences: set, PostalAddress: cfg.PostalAddress, CrisisLine: cfg.CrisisLine, SubjectPrefix: cfg.SubjectPrefix}
	w := &worker.Worker{
		Store: store, Transport: transport, Sequences: set, DefaultTZ: cfg.DefaultTZ, Clock: clock, Log: log, Metrics: m,
		Composer:    composer,
		Concurrency: cfg.Concurrency,
		Lease:       cfg.Lease,
	}
	if cfg.MailRate > 0 { // MAIL_RATE: one pace shared through Redis by every worker
		limiter, err := redisstore.NewMailLimiter(rdb, cfg.RedisPrefix, cfg.MailRate)
		if err != nil {
			return fmt.Errorf("MAIL_RATE: %w", err)
		}
		w.Limiter = limiter
		if cmd != "web" {
			log.Info("sending is rate limited", "limit", limiter.Limit())
		}
	}
	svc := &service.Service{Store: store, Sequences: set, DefaultSequence: cfg.DefaultSequence,
		DefaultTZ: cfg.DefaultTZ, Clock: clock, Log: log}

	var wg sync.WaitGroup
	errs := make(chan error, 2)
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	if cmd != "web" {
		svc.Wake = w.Wake
		if err := w.Reconcile(ctx); err != nil {
			log.Warn("could not reconcile edited sequences; will try at next start", "err", err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			worker.Housekeep(runCtx, store, clock, cfg.PendingRetention, 10*time.Minute, log)
		}()
		wg.Add(1)
		go func() {
			defer wg.Done()
			log.Info("worker started", "concurrency", cfg.Concurrency, "sequences", set.IDs())
			errs <- w.Run(runCtx)
		}()
	}
	if cmd != "worker" {
		srv := web.New(web.Config{Service: svc, Store: store, Signer: links.Signer, Metrics: m,
			Site: templates.Site{Title: cfg.SiteTitle, BaseURL: cfg.BaseURL}, AdminToken: cfg.AdminToken, WebhookSecret: cfg.WebhookSecret,
			TrustedProxies: cfg.TrustedProxies, SignupLimit: cfg.SignupLimit, Log: log, Clock: clock,
			Composer: composer, TestSender: newsletter.SendOne(transport)})
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-runCtx.Done()
			sctx, scancel := context.WithTimeout(context.Background(), ShutdownTimeout)
			defer scancel()
			_ = srv.Shutdown(sctx)
		}()
		log.Info("listening", "addr", cfg.Addr, "base_url", cfg.BaseURL)
		go func() {
			if err := srv.Listen(cfg.Addr); err != nil {
				errs <- fmt.Errorf("ADDR %s: %w", cfg.Addr, err)
			}
		}()
	}
	var first error
	select {
	case <-ctx.Done():
	case first = <-errs:
	}
	log.Info("shutting down", "timeout", ShutdownTimeout)
	cancel()
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(ShutdownTimeout + 5*time.Second):
		log.Warn("shutdown timed out; claimed work returns when its lease ends")
	}
	return first
}

func newLogger(format string, w io.Writer) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(w, nil))
	}
	return slog.New(slog.NewTextHandler(w, nil))
}

// openRedis connects to REDIS_URL, or starts the embedded in-memory Redis.
func openRedis(ctx context.Context, cfg *config, log *slog.Logger) (redis.UniversalClient, func(), error) {
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
	rdb := redis.NewClient(cfg.Redis)
	checkPersistence(ctx, rdb, log)
	return rdb, func() { rdb.Close() }, nil
}

// checkPersistence warns when Redis would lose subscribers on restart.
func checkPersistence(ctx context.Context, rdb *redis.Client, log *slog.Logger) {
	c, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	v, err := rdb.ConfigGet(c, "appendonly").Result()
	switch {
	case err != nil:
		log.Warn("could not read Redis persistence settings (CONFIG GET appendonly); make sure appendonly is yes", "err", err)
	case v["appendonly"] != "yes":
		log.Warn("Redis has appendonly off: a Redis restart can lose recent signups and sends. Set appendonly yes.")
	}
}

// parseSecretKey reads SECRET_KEY: hex of 32 bytes or more, or else at
// least 32 characters taken as they are.
func parseSecretKey(v string) ([]byte, error) {
	if b, err := hex.DecodeString(v); err == nil && len(b) >= 32 {
		return b, nil
	}
	if len(v) < 32 {
		return nil, errors.New("SECRET_KEY: use at least 32 characters (e.g. openssl rand -hex 32)")
	}
	return []byte(v), nil
}

// secretKey is SECRET_KEY, or a key kept in Redis (waiting for Redis to
// answer at start).
func secretKey(ctx context.Context, cfg *config, store *redisstore.Store, log *slog.Logger) ([]byte, error) {
	if cfg.SecretKey != "" {
		return parseSecretKey(cfg.SecretKey)
	}
	wait := time.Second
	for {
		key, err := store.Secret(ctx)
		if err == nil {
			return key, nil
		}
		if !errors.Is(err, newsletter.ErrUnavailable) || ctx.Err() != nil {
			return nil, fmt.Errorf("REDIS_URL: %w", err)
		}
		log.Warn("waiting for Redis", "err", strings.TrimSpace(err.Error()), "retry_in", wait)
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 30*time.Second)
	}
}

// upgrade brings the data in Redis to the store's key layout before
// anything reads it (redisstore.Store.Upgrade).
func upgrade(ctx context.Context, store *redisstore.Store, log *slog.Logger) error {
	moved, err := store.Upgrade(ctx)
	if err != nil {
		return fmt.Errorf("upgrade the data in Redis to layout %s: %w", redisstore.Layout, err)
	}
	if moved > 0 {
		log.Info("upgraded the data in Redis", "layout", redisstore.Layout, "addresses", moved)
	}
	return nil
}
