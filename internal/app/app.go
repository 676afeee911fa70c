// Package app wires the service together: from a config.Config to a
// store, a composer, a worker and the web server, and runs them. It is the
// one place that assembles the parts, used by `newsletter serve` and by the
// tests' harness (internal/apptest) alike, so the two cannot drift apart.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/mail"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/mailer"
	"github.com/satina/newsletter/newsletter/metrics"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/newsletter/web"
	"github.com/satina/newsletter/newsletter/webhook"
	"github.com/satina/newsletter/newsletter/worker"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

// Deps are what a caller may hand in instead of what the Config would
// make; tests use them for a fake clock, a Redis of their own and a quick
// poll. Every field is optional.
type Deps struct {
	Log       *slog.Logger          // default: a discarding logger
	Clock     newsletter.Clock      // default: the system clock
	Redis     redis.UniversalClient // default: opened from REDIS_URL, or the embedded Redis
	Sequences *sequences.Set        // default: loaded from SEQUENCES_DIR
	Listener  net.Listener          // default: Run listens on ADDR
	Poll      time.Duration         // how often the worker looks for due work; default the worker's
	// NoDoctor leaves out the doctor's checks at start (DNS lookups),
	// for tests.
	NoDoctor bool
	// SNS checks the messages of POST /webhooks/ses; default: Amazon's
	// certificates and SES_TOPIC_ARNS. MailboxEvery is how often
	// BOUNCE_MAILBOX is read; default (and at most) a minute.
	SNS          *webhook.SNS
	MailboxEvery time.Duration
}

// App is the assembled service.
type App struct {
	Config    *config.Config
	Log       *slog.Logger
	Clock     newsletter.Clock
	Redis     redis.UniversalClient
	Store     *redisstore.Store
	Sequences *sequences.Set
	Links     *compose.Links
	Composer  *compose.Composer
	Transport newsletter.Transport
	Metrics   *metrics.Metrics
	Service   *service.Service
	Worker    *worker.Worker
	Guard     *worker.Guard // notices when Redis loses data; Run checks every worker.GuardEvery
	Web       *web.Server
	Feedback  *service.Feedback // bounces, complaints and the suppression list
	// Transactional sends the confirmation mail when
	// SMTP_URL_TRANSACTIONAL is set; nil: Transport sends it.
	Transactional newsletter.Transport

	listener net.Listener
	noDoctor bool
	closers  []func()

	mailboxEvery time.Duration // Deps.MailboxEvery
}

// New assembles the service from cfg: it connects to Redis (waiting for it
// to answer), brings its data to the current layout, and builds every part.
// Nothing is sent or served until Run; New only starts following the
// steps changed from the desk (followSteps). Close releases what New
// opened.
func New(ctx context.Context, cfg *config.Config, d Deps) (_ *App, err error) {
	a := &App{Config: cfg, Log: d.Log, Clock: d.Clock, Redis: d.Redis, Sequences: d.Sequences, listener: d.Listener, noDoctor: d.NoDoctor}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if a.Log == nil {
		a.Log = slog.New(slog.DiscardHandler)
	}
	// No log line holds a whole address, a token or a signed link, from
	// whichever part it comes.
	a.Log = slog.New(web.RedactingHandler(a.Log.Handler()))
	if a.Clock == nil {
		a.Clock = newsletter.SystemClock{}
	}
	if a.Sequences == nil {
		if a.Sequences, err = LoadSequences(cfg.SequencesDir); err != nil {
			return nil, fmt.Errorf("sequences are not valid (run `newsletter check`):\n%w", err)
		}
	}
	if _, ok := a.Sequences.Get(cfg.DefaultSequence); !ok {
		return nil, fmt.Errorf("DEFAULT_SEQUENCE: no sequence called %q (have %v)", cfg.DefaultSequence, a.Sequences.IDs())
	}
	if a.Redis == nil {
		rdb, closeRedis, err := OpenRedis(ctx, cfg, a.Log)
		if err != nil {
			return nil, err
		}
		a.Redis = rdb
		a.closers = append(a.closers, closeRedis)
	}
	a.Store = redisstore.New(a.Redis, cfg.RedisPrefix)
	if err := WaitForRedis(ctx, a.Store, a.Log); err != nil {
		return nil, err
	}
	if err := Upgrade(ctx, a.Store, a.Log); err != nil {
		return nil, err
	}
	secret, err := SecretKey(cfg)
	if err != nil {
		return nil, err
	}
	mailCfg := cfg.Mail
	mailCfg.Log = a.Log
	if a.Transport, err = mailer.New(mailCfg); err != nil {
		return nil, err
	}
	if cfg.TransactionalURL != "" {
		txCfg := mailCfg
		txCfg.URL = cfg.TransactionalURL
		if a.Transactional, err = mailer.New(txCfg); err != nil {
			return nil, fmt.Errorf("SMTP_URL_TRANSACTIONAL: %w", err)
		}
	}
	if cfg.Mail.URL == "" {
		a.Log.Warn("SMTP_URL is empty: mail is written as .eml files, not sent", "dir", cfg.OutboxDir)
	}
	if cfg.PostalAddress == "" {
		a.Log.Warn("POSTAL_ADDRESS is empty: bulk mail should carry the sender's postal address in its footer")
	}
	a.Links = &compose.Links{BaseURL: cfg.BaseURL, Signer: token.NewSigner(secret), Clock: a.Clock}
	a.Metrics = metrics.New(a.Store)
	a.Composer = &compose.Composer{Links: a.Links, Sequences: a.Sequences, PostalAddress: cfg.PostalAddress,
		CrisisLine: cfg.CrisisLine, SubjectPrefix: cfg.SubjectPrefix}
	a.Worker = &worker.Worker{
		Store: a.Store, Transport: a.Transport, Transactional: a.Transactional, Sequences: a.Sequences, DefaultTZ: cfg.DefaultTZ, Clock: a.Clock,
		Log: a.Log, Metrics: a.Metrics, Composer: a.Composer,
		Concurrency: cfg.Concurrency, Lease: cfg.Lease, Poll: d.Poll, MessageIDDomain: fromDomain(cfg.Mail.From),
		LateLetterGrace: cfg.LateLetterGrace,
	}
	if cfg.MailRate > 0 { // MAIL_RATE: one pace shared through Redis by every worker
		limiter, err := redisstore.NewMailLimiter(a.Redis, cfg.RedisPrefix, cfg.MailRate)
		if err != nil {
			return nil, fmt.Errorf("MAIL_RATE: %w", err)
		}
		a.Worker.Limiter = limiter
	}
	a.Guard = &worker.Guard{Store: a.Store, Clock: a.Clock, Log: a.Log,
		Paused: func() { a.Metrics.Pauses.WithLabelValues(newsletter.PausedByDataLoss).Inc() }}
	a.Service = &service.Service{Store: a.Store, Sequences: a.Sequences, DefaultSequence: cfg.DefaultSequence,
		DefaultTZ: cfg.DefaultTZ, Clock: a.Clock, Log: a.Log,
		Wake: a.Worker.Wake} // waking a worker that does not run (newsletter web) costs nothing
	hooks := a.wireFeedback(d)
	a.Web = web.New(web.Config{Feedback: hooks, Service: a.Service, Store: a.Store, Signer: a.Links.Signer, Metrics: a.Metrics,
		Site: templates.Site{Title: cfg.SiteTitle, BaseURL: cfg.BaseURL}, AdminToken: cfg.AdminToken,
		WebhookSecret: cfg.WebhookSecret, MetricsToken: cfg.MetricsToken, AuthorTZ: cfg.AuthorTZ, TrustedProxies: cfg.TrustedProxies, SignupLimit: cfg.SignupLimit,
		Log: a.Log, Clock: a.Clock, Composer: a.Composer, TestSender: newsletter.SendOne(a.Transport), AuthorEmail: authorEmail(cfg)})
	if err := a.followSteps(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// followSteps lays the steps changed from the desk (kept in Redis) over
// the loaded sequences, and keeps them in step with changes made by any
// process (within service.FollowEvery) until Close; a change re-plans the
// schedule (Worker.Reconcile), as a changed file does at start.
func (a *App) followSteps(ctx context.Context) error {
	known, err := a.Service.LoadStepOverrides(ctx)
	var ps sequences.Problems
	switch {
	case errors.As(err, &ps):
		a.Log.Warn("some steps changed from the desk are not used (run `newsletter check`)", "problems", ps.Error())
	case err != nil:
		return fmt.Errorf("read the steps changed from the desk: %w", err)
	}
	a.closers = append(a.closers, a.Service.StartFollowing(known, func(ctx context.Context) {
		if err := a.Worker.Reconcile(ctx); err != nil {
			a.Log.Warn("could not re-plan after a step changed from the desk; will try at next start", "err", err)
		}
	}))
	return nil
}

// Close releases what New opened (the Redis connection, the embedded
// Redis). Run must have returned first.
func (a *App) Close() {
	for i := len(a.closers) - 1; i >= 0; i-- {
		a.closers[i]()
	}
	a.closers = nil
}

// fromDomain is the domain of the address in from ("Name <a@b>"), or ""
// when it has none.
func fromDomain(from string) string {
	a, err := mail.ParseAddress(from)
	if err != nil {
		return ""
	}
	_, domain, _ := strings.Cut(a.Address, "@")
	return domain
}
