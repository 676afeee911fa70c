package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/satina/newsletter/internal/app"
	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/newsletter/service"
)

// The author's commands (letter, subscribers) go through the same
// service.Service as the admin API, on the same Redis, with the same
// environment as the service.

// errUsage ends a command whose arguments were wrong; its usage is printed.
var errUsage = errors.New("usage")

// parseArgs parses fs's flags wherever they stand among args (the flag
// package stops at the first argument that is not a flag) and returns the
// other arguments in order.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, errUsage
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil // everything after "--" is an argument
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// newFlagSet returns a flag set that reports to stderr.
func newFlagSet(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {}
	return fs
}

// signalContext ends when the process is interrupted.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}

// desk is the service as the author's commands use it.
type desk struct {
	cfg   *config.Config
	store *redisstore.Store
	svc   *service.Service
	close func()
}

// openDesk reads the environment and connects to REDIS_URL. It refuses to
// run on the embedded in-memory Redis, where the command's work would be
// lost when it ends, and fails at once when Redis does not answer.
func openDesk(ctx context.Context, command string, stderr io.Writer) (*desk, error) {
	cfg, err := config.Load()
	if err != nil {
		return nil, err
	}
	if cfg.Redis == nil {
		return nil, fmt.Errorf("REDIS_URL is empty: `newsletter %s` works on the service's Redis, and an embedded "+
			"in-memory one would lose the work when the command ends. Set REDIS_URL (and REDIS_PREFIX, if the service "+
			"sets one) as the running service has them", command)
	}
	set, err := app.LoadSequences(cfg.SequencesDir)
	if err != nil {
		return nil, fmt.Errorf("sequences are not valid (run `newsletter check`):\n%w", err)
	}
	rdb := redisstore.Open(cfg.Redis)
	store := redisstore.New(rdb, cfg.RedisPrefix)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := store.Ping(pctx); err != nil {
		rdb.Close()
		return nil, fmt.Errorf("REDIS_URL: Redis (%s) does not answer: %w", redisstore.Describe(cfg.Redis), err)
	}
	log := newLogger(cfg.LogFormat, stderr)
	if err := app.Upgrade(ctx, store, log); err != nil {
		rdb.Close()
		return nil, err
	}
	clock := newsletter.SystemClock{}
	svc := &service.Service{Store: store, Sequences: set, DefaultSequence: cfg.DefaultSequence, DefaultTZ: cfg.DefaultTZ,
		Clock: clock, Log: log}
	return &desk{cfg: cfg, store: store, svc: svc, close: func() { rdb.Close() }}, nil
}

// fail prints err for command and returns the exit status: 2 for a usage
// error (with the command's usage), 1 otherwise.
func fail(stderr io.Writer, command, usage string, err error) int {
	if errors.Is(err, errUsage) {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var fe newsletter.FieldErrors
	if errors.As(err, &fe) {
		for _, field := range slices.Sorted(maps.Keys(fe)) {
			fmt.Fprintf(stderr, "newsletter %s: %s: %s\n", command, field, fe[field])
		}
		return 1
	}
	fmt.Fprintf(stderr, "newsletter %s: %v\n", command, err)
	return 1
}
