// Package apptest assembles the whole service in-process for tests: the
// real Redis (a key prefix of its own), a real SMTP server over TCP, the
// real mailer, the worker and the HTTP side on a real listener.
package apptest

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/app"
	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/mailer"
	"github.com/satina/newsletter/newsletter/metrics"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/web"
	"github.com/satina/newsletter/newsletter/worker"
	"github.com/satina/newsletter/sequences"
)

// Options change the assembled service.
type Options struct {
	Sequences      *sequences.Set // default: the built-in set
	AdminToken     string         // default "admin-secret-for-the-tests"
	SignupLimit    int            // default 0 (off)
	TrustedProxies []netip.Prefix
	Start          time.Time // the fake clock's start; default 2026-03-02 09:00 UTC (a Monday)
	RealClock      bool      // use the wall clock instead of a fake one
	NoWorker       bool      // do not run the worker in the background
	Postal         string    // POSTAL_ADDRESS; default "1 Test Street, Testville"
	// Configure and Wire, when set, change the Config and the Deps just
	// before the service is assembled (RETURN_PATH, BOUNCE_MAILBOX, …).
	Configure func(*config.Config)
	Wire      func(*app.Deps)
}

// App is the running service.
type App struct {
	App     *app.App // everything as app.New assembled it
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
		o.AdminToken = "admin-secret-for-the-tests"
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	}
	if o.Postal == "" {
		o.Postal = "1 Test Street, Testville"
	}
	a := &App{}
	a.Redis, a.Prefix = testkit.Redis(t)
	a.SMTP = smtptest.Start(t)
	deps := app.Deps{Sequences: o.Sequences, Redis: a.Redis, Poll: 20 * time.Millisecond, NoDoctor: true,
		Log: slog.New(slog.NewTextHandler(testLog{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	if o.RealClock {
		a.Clock = newsletter.SystemClock{}
	} else {
		a.Fake = testkit.NewClock(o.Start)
		a.Clock = a.Fake
	}
	deps.Clock = a.Clock
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deps.Listener = ln
	a.URL = "http://" + ln.Addr().String()
	cfg := &config.Config{
		BaseURL: a.URL, RedisPrefix: a.Prefix, SecretKey: testkit.RandomHex(32),
		Mail:          mailer.Config{URL: a.SMTP.URL(), From: "Satina <letters@example.org>"},
		PostalAddress: o.Postal, CrisisLine: "Crisis? Call 988.", SiteTitle: "Dear Fellow Humans",
		AdminToken: o.AdminToken, WebhookSecret: "hook-secret", TrustedProxies: o.TrustedProxies,
		SignupLimit: o.SignupLimit, DefaultSequence: defaultSequence(o.Sequences), DefaultTZ: time.UTC,
		Concurrency: 2, Lease: 2 * time.Minute, PendingRetention: service.DefaultPendingRetention,
		LateLetterGrace: newsletter.DefaultLateLetterGrace,
	}
	if o.Configure != nil {
		o.Configure(cfg)
	}
	if o.Wire != nil {
		o.Wire(&deps)
	}
	built, err := app.New(context.Background(), cfg, deps)
	if err != nil {
		t.Fatalf("assemble the service: %v", err)
	}
	a.App = built
	a.Store, a.Service, a.Worker, a.Server, a.Links, a.Metrics = built.Store, built.Service, built.Worker, built.Web, built.Links, built.Metrics
	mode := app.Serve
	if o.NoWorker {
		mode = app.Web
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); _ = built.Run(ctx, mode) }()
	t.Cleanup(func() {
		cancel()
		<-done
		built.Close()
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

// defaultSequence is "guide" when set has it, else set's first sequence.
func defaultSequence(set *sequences.Set) string {
	if _, ok := set.Get("guide"); ok || len(set.IDs()) == 0 {
		return "guide"
	}
	return set.IDs()[0]
}

// testLog writes the service's warnings and errors to the test's log,
// shown when the test fails or runs with -v.
type testLog struct{ t testing.TB }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Admin sends a JSON request to the admin API with the bearer token and
// returns the status and body.
func (a *App) Admin(t testing.TB, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.App.Config.AdminToken)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := a.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}
