// Package apptest assembles the whole service in-process for tests: the
// real Redis (a key prefix of its own), a real SMTP server over TCP, the
// real mailer, the worker and the HTTP side on a real listener.
package apptest

import (
	"context"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/mailer"
	"github.com/satina/newsletter/newsletter/metrics"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/newsletter/web"
	"github.com/satina/newsletter/newsletter/worker"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

// Options change the assembled service.
type Options struct {
	Sequences      *sequences.Set // default: the built-in set
	AdminToken     string         // default "admin-secret"
	SignupLimit    int            // default 0 (off)
	TrustedProxies []netip.Prefix
	Start          time.Time // the fake clock's start; default 2026-03-02 09:00 UTC (a Monday)
	RealClock      bool      // use the wall clock instead of a fake one
	NoWorker       bool      // do not run the worker in the background
	Postal         string    // POSTAL_ADDRESS; default "1 Test Street, Testville"
}

// App is the running service.
type App struct {
	Redis   *redis.Client
	Prefix  string
	Store   *redisstore.Store
	SMTP    *smtptest.Server
	Clock   newsletter.Clock
	Fake    *testkit.Clock // nil with RealClock
	Service *service.Service
	Worker  *worker.Worker
	Server  *web.Server
	Links   *compose.Links
	Metrics *metrics.Metrics
	URL     string // http://127.0.0.1:port, also BASE_URL
	Client  *http.Client
}

// Start assembles and starts the service; everything stops when the test ends.
func Start(t testing.TB, o Options) *App {
	t.Helper()
	if o.Sequences == nil {
		set, err := sequences.Load(sequences.Builtin)
		if err != nil {
			t.Fatalf("built-in sequences: %v", err)
		}
		o.Sequences = set
	}
	if o.AdminToken == "" {
		o.AdminToken = "admin-secret"
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	}
	if o.Postal == "" {
		o.Postal = "1 Test Street, Testville"
	}
	a := &App{}
	a.Redis, a.Prefix = testkit.Redis(t)
	a.Store = redisstore.New(a.Redis, a.Prefix)
	a.SMTP = smtptest.Start(t)
	if o.RealClock {
		a.Clock = newsletter.SystemClock{}
	} else {
		a.Fake = testkit.NewClock(o.Start)
		a.Clock = a.Fake
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	a.URL = "http://" + ln.Addr().String()
	transport, err := mailer.New(mailer.Config{URL: a.SMTP.URL(), From: "Satina <letters@example.org>"})
	if err != nil {
		t.Fatal(err)
	}
	a.Links = &compose.Links{BaseURL: a.URL, Signer: token.NewSigner([]byte(testkit.RandomHex(32))), Clock: a.Clock}
	a.Metrics = metrics.New(a.Store)
	a.Worker = &worker.Worker{
		Store: a.Store, Transport: transport, Sequences: o.Sequences, DefaultTZ: time.UTC, Clock: a.Clock, Metrics: a.Metrics,
		Composer: &compose.Composer{Links: a.Links, PostalAddress: o.Postal, CrisisLine: "Crisis? Call 988."},
		Poll:     20 * time.Millisecond, Concurrency: 2,
	}
	a.Service = &service.Service{Store: a.Store, Sequences: o.Sequences, DefaultSequence: "guide", DefaultTZ: time.UTC,
		Clock: a.Clock, Log: a.Worker.Log, Wake: a.Worker.Wake}
	a.Server = web.New(web.Config{Service: a.Service, Store: a.Store, Signer: a.Links.Signer, Metrics: a.Metrics,
		Site: templates.Site{Title: "Dear Fellow Humans", BaseURL: a.URL}, AdminToken: o.AdminToken, WebhookSecret: "hook-secret",
		TrustedProxies: o.TrustedProxies, SignupLimit: o.SignupLimit, Clock: a.Clock,
		Composer: a.Worker.Composer, TestSender: newsletter.SendOne(transport)})
	go a.Server.App().Listener(ln)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	if !o.NoWorker {
		go func() { defer close(done); _ = a.Worker.Run(ctx) }()
	} else {
		close(done)
	}
	t.Cleanup(func() {
		cancel()
		<-done
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = a.Server.Shutdown(sctx)
	})
	jar, _ := cookiejar.New(nil)
	a.Client = &http.Client{Timeout: 10 * time.Second, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return a
}

// Subscriber loads a subscriber by address, failing the test when absent.
func (a *App) Subscriber(t testing.TB, email string) *newsletter.Subscriber {
	t.Helper()
	sub, err := a.Store.SubscriberByEmail(context.Background(), newsletter.NormalizeEmail(email))
	if err != nil {
		t.Fatalf("subscriber %s: %v", email, err)
	}
	return sub
}

// Drain runs every job due at the clock's time, as the worker would.
func (a *App) Drain(t testing.TB) int {
	t.Helper()
	n, err := a.Worker.Drain(context.Background())
	if err != nil {
		t.Fatalf("drain: %v", err)
	}
	return n
}
