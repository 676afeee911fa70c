package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
)

// benchRate: MAIL_RATE shared by several `newsletter worker` processes on
// one Redis, sending one letter into the sink (which answers at once, so
// only the limiter holds them back). After a start-up second it counts
// the sink's acceptances over a window: delivered/s against the set rate.
// The limiter's Redis load comes from INFO commandstats: rate.lua is the
// one script that calls TIME, so TIME's calls are the limiter's calls, each
// EVALSHA + TIME + GET + SET.
func benchRate(e *env) error {
	ctx := context.Background()
	rate, procs, window := e.opt.mailRate, e.opt.rateProcs, e.opt.rateWindow
	n := int(rate*(window.Seconds()+6)) + 1 // enough to keep them busy past the window
	rdb, prefix, st, svc, err := e.audience(ctx, "rate", "rate", n, 8)
	if err != nil {
		return err
	}
	for i := range procs {
		envv := e.ourEnv(prefix, freeAddr())
		envv["SMTP_URL"] = e.sink.URL()
		envv["MAIL_RATE"] = strconv.FormatFloat(rate, 'g', -1, 64)
		p, err := start(e.dir, fmt.Sprintf("ours-rate-worker%d-%s", i+1, prefixTag(prefix)), e.ours, []string{"worker"}, envv)
		if err != nil {
			return err
		}
		defer p.stop(25 * time.Second)
		if err := p.waitLog("worker started", 20*time.Second); err != nil {
			return err
		}
	}
	base := e.sink.Accepted()
	id, err := svc.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "Paced", Markdown: testkit.SampleLetter, SendAt: time.Now()})
	if err != nil {
		return err
	}
	defer st.CancelLetter(ctx, id) // the rest need not go out
	if err := waitAccepted(e.sink, base+1, time.Minute); err != nil {
		return err
	}
	time.Sleep(time.Second) // past the first burst and the fan-out
	c1, t1, s1 := e.sink.Accepted(), time.Now(), commandStats(rdb)
	cpu1 := redisCPU(rdb)
	time.Sleep(window)
	c2, t2, s2 := e.sink.Accepted(), time.Now(), commandStats(rdb)
	cpu2 := redisCPU(rdb)
	if c2-base >= int64(n) {
		return fmt.Errorf("the letter to %d was all sent within the window: the limiter did not hold", n)
	}
	secs := t2.Sub(t1).Seconds()
	got := float64(c2-c1) / secs
	calls := float64(s2["time"].calls - s1["time"].calls)
	var all int64
	for name, a := range s2 {
		all += a.calls - s1[name].calls
	}
	ratio := got / rate
	logf("rate: %d workers at MAIL_RATE=%g delivered %d in %.1f s = %.1f/s (%.3f× the rate); limiter %.0f calls = %.1f/s",
		procs, rate, c2-c1, secs, got, ratio, calls, calls/secs)
	e.rep.add(row{"rate", fmt.Sprintf("%d workers sharing MAIL_RATE=%g, delivered over %v", procs, rate, window),
		fmt.Sprintf("%.1f mail/s", got), fmt.Sprintf("%g mail/s (the rate)", rate), fmt.Sprintf("%.3f×", ratio),
		"1 ± 0.10×", verdict(ratio >= 0.9 && ratio <= 1.1)})
	e.rep.add(row{"rate", "limiter's Redis commands (EVALSHA+TIME+GET+SET)", fmt.Sprintf("%.0f/s", 4*calls/secs),
		fmt.Sprintf("%.0f/s (every command)", float64(all)/secs), fmt.Sprintf("%.2f per mail", 4*calls/float64(c2-c1)), "", ""})
	e.rep.add(row{"rate", "Redis CPU over the window", fmt.Sprintf("%.1f %%", 100*float64(cpu2-cpu1)/float64(t2.Sub(t1))), "", "", "", ""})
	return nil
}
