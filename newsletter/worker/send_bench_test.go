package worker_test

// Benchmarks of the sending path in one process: the real Redis (a prefix
// of its own), the real mailer, a discarding SMTP server over TCP. The
// end-to-end figures, with the worker as its own process, are in bench/
// (go run ./bench); these are for profiling:
//
//	go test -run '^$' -bench LetterSend -cpuprofile cpu.out ./newsletter/worker/

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/mailer"
	"github.com/satina/newsletter/newsletter/metrics"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/newsletter/worker"
	"github.com/satina/newsletter/sequences"
)

type sendBench struct {
	svc  *service.Service
	w    *worker.Worker
	sink *smtptest.Discard
}

func newSendBench(b *testing.B) *sendBench {
	b.Helper()
	rdb, prefix := testkit.Redis(b)
	st := redisstore.New(rdb, prefix)
	set, err := sequences.Load(sequences.Builtin)
	if err != nil {
		b.Fatal(err)
	}
	sink := smtptest.StartDiscard(b)
	transport, err := mailer.New(mailer.Config{URL: sink.URL(), From: "Satina <letters@example.org>"})
	if err != nil {
		b.Fatal(err)
	}
	clock := newsletter.SystemClock{}
	links := &compose.Links{BaseURL: "https://letters.example.org", Signer: token.NewSigner([]byte(testkit.RandomHex(32))), Clock: clock}
	w := &worker.Worker{
		Store: st, Transport: transport, Sequences: set, DefaultTZ: time.UTC, Clock: clock, Metrics: metrics.New(nil),
		Log:      slog.New(slog.NewTextHandler(io.Discard, nil)), // no log lines amid the benchmark's
		Composer: &compose.Composer{Links: links, PostalAddress: "1 Bench Street", CrisisLine: "Crisis? Call 988."},
	}
	svc := &service.Service{Store: st, Sequences: set, DefaultSequence: "guide", DefaultTZ: time.UTC, Clock: clock}
	return &sendBench{svc: svc, w: w, sink: sink}
}

// importConfirmed adds n confirmed subscribers who join no sequence.
func (sb *sendBench) importConfirmed(b *testing.B, from, n int) {
	b.Helper()
	rows := make([]service.ImportRow, 0, n)
	for i := from; i < from+n; i++ {
		rows = append(rows, service.ImportRow{Email: fmt.Sprintf("reader%d@example.org", i), Name: "Anna", Status: "confirmed"})
	}
	if _, err := sb.svc.Import(context.Background(), rows, 1); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkLetterSend is one letter's mail to one subscriber, all of it:
// the share of the fan-out, claim, the checks, composing, SMTP and the
// ledger write. One op is one mail, sent by Drain (one connection).
func BenchmarkLetterSend(b *testing.B) {
	sb := newSendBench(b)
	ctx := context.Background()
	sb.importConfirmed(b, 0, b.N)
	if _, err := sb.svc.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "On rest", Markdown: testkit.SampleLetter, SendAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	n, err := sb.w.Drain(ctx)
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	if got := sb.sink.Accepted(); got != int64(b.N) || n != b.N+1 {
		b.Fatalf("drained %d jobs and the server accepted %d mails, want %d and %d", n, got, b.N+1, b.N)
	}
}

// BenchmarkWorkerRun is BenchmarkLetterSend through the worker's own loop
// (Run, SEND_CONCURRENCY=4 senders), as `newsletter worker` sends a letter.
// One op is one mail.
func BenchmarkWorkerRun(b *testing.B) {
	sb := newSendBench(b)
	sb.w.Concurrency = 4
	ctx := context.Background()
	sb.importConfirmed(b, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	if _, err := sb.svc.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "On rest", Markdown: testkit.SampleLetter, SendAt: time.Now()}); err != nil {
		b.Fatal(err)
	}
	run, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- sb.w.Run(run) }()
	deadline := time.Now().Add(5 * time.Minute)
	for sb.sink.Accepted() < int64(b.N) && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	b.StopTimer()
	stop()
	if err := <-done; err != nil {
		b.Fatal(err)
	}
	if got := sb.sink.Accepted(); got != int64(b.N) {
		b.Fatalf("the server accepted %d mails, want %d", got, b.N)
	}
}
