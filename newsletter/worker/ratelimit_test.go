package worker_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/mailer"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/worker"
)

// admissionLog records when a limiter let a message go, per worker.
type admissionLog struct {
	mu       sync.Mutex
	at       []time.Time
	byWorker map[string]int
}

// recordingLimiter is the real MailLimiter, noting each admission.
type recordingLimiter struct {
	worker.Limiter
	name string
	log  *admissionLog
}

func (r recordingLimiter) Wait(ctx context.Context) error {
	if err := r.Limiter.Wait(ctx); err != nil {
		return err
	}
	r.log.mu.Lock()
	r.log.at = append(r.log.at, time.Now())
	r.log.byWorker[r.name]++
	r.log.mu.Unlock()
	return nil
}

// maxInWindow is the most times in any window [t, t+w) that starts at one
// of the (sorted) times.
func maxInWindow(times []time.Time, w time.Duration) int {
	most, j := 0, 0
	for i := range times {
		for j < len(times) && times[j].Sub(times[i]) < w {
			j++
		}
		most = max(most, j-i)
	}
	return most
}

// MAIL_RATE holds across processes: two workers, each with its own Redis
// connection and its own limiter on the same Redis, send a letter to 60
// subscribers at 20 messages per second between them.
func TestMailRateHoldsAcrossTwoWorkers(t *testing.T) {
	const rate, recipients = 20, 60
	a := apptest.Start(t, apptest.Options{RealClock: true, NoWorker: true})
	ctx := context.Background()

	rows := make([]service.ImportRow, recipients)
	for i := range rows {
		rows[i] = service.ImportRow{Email: fmt.Sprintf("reader%02d@example.org", i), Status: "confirmed"}
	}
	if res, err := a.Service.Import(ctx, rows, 1); err != nil || res.Imported != recipients {
		t.Fatalf("import: %+v %v", res, err)
	}
	id, err := a.Service.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "Paced", Markdown: "Dear {{ .FirstName }}, slowly.", SendAt: time.Now()})
	if err != nil {
		t.Fatal(err)
	}

	log := &admissionLog{byWorker: map[string]int{}}
	burst := 0
	runCtx, stop := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { stop(); wg.Wait() }()
	for _, name := range []string{"one", "two"} {
		rdb := redis.NewClient(&redis.Options{Addr: testkit.RedisAddr()}) // a process of its own
		t.Cleanup(func() { rdb.Close() })
		store := redisstore.New(rdb, a.Prefix)
		lim, err := redisstore.NewMailLimiter(rdb, a.Prefix, rate)
		if err != nil {
			t.Fatal(err)
		}
		burst = lim.Burst()
		transport, err := mailer.New(mailer.Config{URL: a.SMTP.URL(), From: "Satina <letters@example.org>"})
		if err != nil {
			t.Fatal(err)
		}
		w := &worker.Worker{
			Store: store, Transport: transport, Sequences: a.Worker.Sequences, DefaultTZ: time.UTC, Clock: a.Clock,
			Composer: a.Worker.Composer, Metrics: a.Metrics, Limiter: recordingLimiter{lim, name, log},
			Concurrency: 4, Poll: 20 * time.Millisecond,
		}
		wg.Add(1)
		go func() { defer wg.Done(); _ = w.Run(runCtx) }()
	}

	start := time.Now()
	msgs := a.SMTP.Wait(t, recipients, 15*time.Second)
	took := time.Since(start)
	deadline := time.Now().Add(5 * time.Second)
	for {
		l, err := a.Store.Letter(ctx, id)
		if err == nil && l.Sent == recipients {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("letter counts: %+v, %v", l, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	wg.Wait()
	if len(a.SMTP.Messages()) != recipients {
		t.Errorf("%d messages, want %d", len(a.SMTP.Messages()), recipients)
	}

	log.mu.Lock()
	admitted := slices.SortedFunc(slices.Values(log.at), func(x, y time.Time) int { return x.Compare(y) })
	byWorker := log.byWorker
	log.mu.Unlock()
	if len(admitted) != recipients {
		t.Fatalf("%d admissions, want %d", len(admitted), recipients)
	}
	if byWorker["one"] == 0 || byWorker["two"] == 0 {
		t.Errorf("one worker did all the sending (%v): the test shows nothing about sharing", byWorker)
	}
	// The limiter's decisions: at most rate×1s + two bursts in any
	// one-second window (one batch saved up while idle, one spent early).
	if most := maxInWindow(admitted, time.Second); most > rate+2*burst {
		t.Errorf("%d admissions within one second, want at most %d", most, rate+2*burst)
	}
	// And the pace overall: 60 messages at 20/s, less the first burst,
	// span at least 60-burst intervals.
	minSpan := time.Duration(recipients-burst) * time.Second / rate
	if span := admitted[len(admitted)-1].Sub(admitted[0]); span < minSpan-50*time.Millisecond {
		t.Errorf("admissions spanned %v, want at least %v", span, minSpan)
	}
	received := make([]time.Time, len(msgs))
	for i, m := range msgs {
		received[i] = m.At
	}
	slices.SortFunc(received, func(x, y time.Time) int { return x.Compare(y) })
	if span := received[len(received)-1].Sub(received[0]); span < minSpan-100*time.Millisecond {
		t.Errorf("the SMTP server received the letters within %v, want at least %v", span, minSpan)
	}
	t.Logf("%d letters in %v; by worker %v; most admitted in one second %d, most received %d",
		recipients, took.Round(time.Millisecond), byWorker, maxInWindow(admitted, time.Second), maxInWindow(received, time.Second))
}
