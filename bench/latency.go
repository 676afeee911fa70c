package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
)

// benchLatency: the sink answers each message after -latency-delay (50 ms,
// a realistic SMTP round trip), so a send is bound by latency, not CPU:
// SEND_CONCURRENCY connections can at best carry concurrency/delay mails a
// second. For each concurrency a `newsletter worker` with that
// SEND_CONCURRENCY sends a letter sized for -latency-seconds of ideal
// sending; the rate is taken between the 10th and the 90th percent of the
// sink's acceptances (past the fan-out and the first claim), against the
// ideal and against the go-mail loop with as many connections.
func benchLatency(e *env) error {
	ctx := context.Background()
	delay := e.opt.latencyDelay
	e.sink.SetDelay(delay)
	defer e.sink.SetDelay(0)

	sample, err := (&compose.Composer{Links: benchLinks(), PostalAddress: "1 Bench Street, Benchville"}).
		Letter(&newsletter.Subscriber{ID: "0123456789abcdef", Email: "reader@example.org", Name: "Anna", Status: newsletter.StatusConfirmed},
			&newsletter.Letter{ID: "fedcba9876543210", Subject: "On rest", Markdown: testkit.SampleLetter})
	if err != nil {
		return err
	}
	msgFile := filepath.Join(e.dir, "latency-message.json")
	if b, err := json.Marshal(sample); err != nil {
		return err
	} else if err := os.WriteFile(msgFile, b, 0o644); err != nil {
		return err
	}

	var ratios []string
	for _, c := range e.opt.latencyConcs {
		ideal := float64(c) / delay.Seconds()
		n := max(50, int(ideal*e.opt.latencySeconds))
		rdb, prefix, _, svc, err := e.audience(ctx, "latency", fmt.Sprintf("lat%d-", c), n, 8)
		if err != nil {
			return err
		}
		envv := e.ourEnv(prefix, freeAddr())
		pprofAddr := ""
		if c == e.opt.latencyConcs[len(e.opt.latencyConcs)-1] {
			envv, pprofAddr = e.pprofEnv(envv) // the last, and busiest, under the profiler
		}
		envv["SMTP_URL"], envv["SEND_CONCURRENCY"] = e.sink.URL(), strconv.Itoa(c)
		worker, err := start(e.dir, fmt.Sprintf("ours-latency-worker-c%d-%s", c, prefixTag(prefix)), e.ours, []string{"worker"}, envv)
		if err != nil {
			return err
		}
		if err := worker.waitLog("worker started", 20*time.Second); err != nil {
			worker.stop(5 * time.Second)
			return err
		}
		base := e.sink.Accepted()
		if _, err := svc.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "Far away", Markdown: testkit.SampleLetter, SendAt: time.Now()}); err != nil {
			worker.stop(5 * time.Second)
			return err
		}
		busy0, cpu0 := machineBusy(), worker.cpuTime()
		var ours float64
		measure := func() {
			ours, err = steadyRate(e.sink, base, n, 2*time.Minute)
			_ = waitAccepted(e.sink, base+int64(n), time.Minute)
		}
		if pprofAddr != "" {
			e.profileWhile(fmt.Sprintf("latency-c%d", c), pprofAddr, rdb, int(e.opt.latencySeconds)+1, measure)
		} else {
			measure()
		}
		oursCPU, oursBusy := (worker.cpuTime()-cpu0)/time.Duration(n), machineBusy().since(busy0)
		worker.stop(25 * time.Second)
		if err != nil {
			return fmt.Errorf("ours at SEND_CONCURRENCY=%d: %w; log %s", c, err, worker.log)
		}

		// The go-mail loop, c connections, the same mail and sink.
		base = e.sink.Accepted()
		refErr := make(chan error, 1)
		var refCPU time.Duration
		busy0 = machineBusy()
		go func() {
			e2 := *e
			e2.opt.sendConc = c
			cpu, err := e2.runRefSend(msgFile, n)
			refCPU = cpu / time.Duration(n)
			refErr <- err
		}()
		ref, err := steadyRate(e.sink, base, n, 2*time.Minute)
		if err == nil {
			err = <-refErr
		}
		refBusy := machineBusy().since(busy0)
		if err != nil {
			return fmt.Errorf("reference at %d connections: %w", c, err)
		}
		r := ours / ideal
		logf("latency c=%d: ours %.0f mail/s, go-mail loop %.0f, ideal %.0f: %.2f× the ideal (loop %.2f×); sender CPU per mail %v / %v; machine busy %.0f%% / %.0f%%",
			c, ours, ref, ideal, r, ref/ideal, oursCPU, refCPU, 100*oursBusy, 100*refBusy)
		e.rep.add(row{"latency", fmt.Sprintf("SEND_CONCURRENCY=%d, sink answers in %v (ideal %.0f/s)", c, delay, ideal),
			fmt.Sprintf("%.0f mail/s", ours), fmt.Sprintf("%.0f mail/s (go-mail loop, %.2f×)", ref, ref/ideal),
			fmt.Sprintf("%.2f× ideal", r), "≥ 0.90×", verdict(r >= 0.9)})
		ratios = append(ratios, fmt.Sprintf("%d: %.2f", c, r))
		e.rep.note(fmt.Sprintf("latency c=%d: sender CPU per mail ours %v, go-mail loop %v; both cores busy %.0f%% / %.0f%% of the time (/proc/stat)",
			c, oursCPU.Round(time.Microsecond), refCPU.Round(time.Microsecond), 100*oursBusy, 100*refBusy))
	}
	e.rep.note(fmt.Sprintf("latency, ours / ideal by SEND_CONCURRENCY: %v", ratios))
	return nil
}

// steadyRate waits until the sink has accepted n more than base and
// returns the rate between the 10th and the 90th percent of them.
func steadyRate(k *sink, base int64, n int, timeout time.Duration) (float64, error) {
	lo, hi := base+int64(n/10), base+int64(n*9/10)
	deadline := time.Now().Add(timeout)
	var tLo time.Time
	for {
		got := k.Accepted()
		now := time.Now()
		if tLo.IsZero() && got >= lo {
			tLo = now
		}
		if got >= hi {
			if d := now.Sub(tLo); d > 0 {
				return float64(hi-lo) / d.Seconds(), nil
			}
			return 0, fmt.Errorf("no time between the 10th and 90th percent")
		}
		if now.After(deadline) {
			return 0, fmt.Errorf("the sink accepted %d of %d within %v", got-base, n, timeout)
		}
		time.Sleep(time.Millisecond)
	}
}

// busyReading is the machine's CPU time from /proc/stat: busy and total jiffies.
type busyReading struct{ busy, total int64 }

func machineBusy() busyReading {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return busyReading{}
	}
	line, _, _ := strings.Cut(string(b), "\n")
	var r busyReading
	for i, f := range strings.Fields(line)[1:] {
		v, _ := strconv.ParseInt(f, 10, 64)
		r.total += v
		if i != 3 && i != 4 { // idle, iowait
			r.busy += v
		}
	}
	return r
}

// since is the share of CPU time that was busy between r0 and r.
func (r busyReading) since(r0 busyReading) float64 {
	if r.total <= r0.total {
		return 0
	}
	return float64(r.busy-r0.busy) / float64(r.total-r0.total)
}
