package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// benchFanOut1M: a letter to -fanout1m-n (1,000,000) lifelike confirmed
// subscribers, written through the store's own code into -drip-db, with
// `newsletter worker` (SEND_CONCURRENCY=-send-conc) sending into the sink:
// the time from send_at until every recipient is queued, the worker's peak
// resident set (VmHWM, goal ≤ 100 MB), and Redis's used_memory before the
// letter and at its peak while the fan-out runs and the letter sends for
// -fanout1m-send; then the letter is cancelled.
func benchFanOut1M(e *env) error {
	ctx := context.Background()
	n := e.opt.fanout1mN
	rdb := redisClient(e.opt.redis, e.opt.dripDB, 16)
	atCleanup(func() { rdb.Close() })
	prefix := newPrefix("fanout1m")
	atCleanup(func() { deletePrefix(rdb, prefix); settle(rdb) })
	st := redisstore.New(rdb, prefix)
	settle(rdb)
	mem0 := usedMemory(rdb)
	t := time.Now()
	at := time.Now().Add(-time.Hour)
	if _, err := loadSubscribers(ctx, st, subLoad{Tag: prefixTag(prefix), From: 0, To: n, At: func(int) time.Time { return at }}); err != nil {
		return err
	}
	mem1 := usedMemory(rdb)
	logf("loaded %d subscribers in %v: %.0f B each", n, time.Since(t).Round(time.Second), float64(mem1-mem0)/float64(n))

	envv := e.ourEnv(prefix, freeAddr())
	envv["SMTP_URL"], envv["REDIS_URL"] = e.sink.URL(), redisURL(e.opt.redis, e.opt.dripDB)
	envv, pprofAddr := e.pprofEnv(envv)
	worker, err := start(e.dir, "ours-fanout1m-worker-"+prefixTag(prefix), e.ours, []string{"worker"}, envv)
	if err != nil {
		return err
	}
	defer worker.stop(25 * time.Second)
	if err := worker.waitLog("worker started", 20*time.Second); err != nil {
		return err
	}
	rss0, _ := worker.peakRSS()

	// Redis's memory, sampled until the end.
	var peakMem atomic.Int64
	stopSampling := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if m := usedMemory(rdb); m > peakMem.Load() {
				peakMem.Store(m)
			}
			select {
			case <-stopSampling:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	defer func() { close(stopSampling); wg.Wait() }()

	sendAt := time.Now().Add(time.Second).Truncate(time.Millisecond)
	base := e.sink.Accepted()
	id, err := st.CreateLetter(ctx, &newsletter.Letter{Subject: "To a million", Markdown: testkit.SampleLetter, SendAt: sendAt, CreatedAt: time.Now()})
	if err != nil {
		return err
	}
	defer st.CancelLetter(ctx, id)
	deadline := sendAt.Add(5 * time.Minute)
	var queued time.Time
	for {
		l, err := st.Letter(ctx, id)
		if err != nil {
			return err
		}
		if l.Recipients >= 0 {
			queued = time.Now()
			if l.Recipients != n {
				return fmt.Errorf("letter fanned out to %d, want %d", l.Recipients, n)
			}
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not fanned out 5 minutes after send_at; log %s", worker.log)
		}
		time.Sleep(5 * time.Millisecond)
	}
	d := queued.Sub(sendAt)
	rssFan, _ := worker.peakRSS()
	if pprofAddr != "" {
		// Every allocation so far (go tool pprof -sample_index=alloc_space).
		e.saveHeapProfile("fanout1m-heap", pprofAddr)
	}
	memFan := peakMem.Load()
	logf("fan-out of %d: %v after send_at; worker VmHWM %.1f MB; Redis peak %.1f MB", n, d.Round(time.Millisecond), float64(rssFan)/1e6, float64(memFan)/1e6)
	s0 := e.sink.Accepted()
	time.Sleep(e.opt.fanout1mSend)
	sent := e.sink.Accepted() - s0
	rss, err := worker.peakRSS()
	if err != nil {
		return err
	}
	memEnd := peakMem.Load()
	logf("then %d mails in %v (%.0f/s), %d in all; worker VmHWM %.1f MB (%.1f MB idle); Redis peak %.1f MB",
		sent, e.opt.fanout1mSend, float64(sent)/e.opt.fanout1mSend.Seconds(), e.sink.Accepted()-base, float64(rss)/1e6, float64(rss0)/1e6, float64(memEnd)/1e6)

	e.rep.add(row{"fan-out 1M", fmt.Sprintf("send_at → %d recipients queued", n), ms(d), "", "", "", ""})
	e.rep.add(row{"fan-out 1M", fmt.Sprintf("worker peak RSS (VmHWM), fan-out and %v of sending", e.opt.fanout1mSend),
		fmt.Sprintf("%.1f MB", float64(rss)/1e6), fmt.Sprintf("%.1f MB (idle worker)", float64(rss0)/1e6), "", "≤ 100 MB", verdict(rss <= 100e6)})
	e.rep.add(row{"fan-out 1M", "Redis used_memory: subscribers / peak during the send",
		fmt.Sprintf("%.1f / %.1f MB", float64(mem1-mem0)/1e6, float64(memEnd-mem0)/1e6),
		fmt.Sprintf("%.0f B per subscriber, +%.0f B per queued send", float64(mem1-mem0)/float64(n), float64(memEnd-mem1)/float64(n)), "", "", ""})
	e.rep.add(row{"fan-out 1M", fmt.Sprintf("mails sent in the %v after the fan-out", e.opt.fanout1mSend),
		fmt.Sprintf("%.0f mail/s", float64(sent)/e.opt.fanout1mSend.Seconds()), "", "", "", ""})
	return nil
}

// saveHeapProfile saves the heap profile of the process at addr as
// DIR/name.pprof.
func (e *env) saveHeapProfile(name, addr string) {
	path := filepath.Join(e.opt.pprofDir, name+".pprof")
	res, err := http.Get("http://" + addr + "/debug/pprof/heap")
	if err != nil {
		logf("heap profile: %v", err)
		return
	}
	defer res.Body.Close()
	f, err := os.Create(path)
	if err == nil {
		_, err = io.Copy(f, res.Body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	if err != nil {
		logf("heap profile: %v", err)
		return
	}
	logf("heap profile written to %s", path)
	e.rep.note(fmt.Sprintf("%s profile: %s (go tool pprof -sample_index=alloc_space -top %s)", name, path, path))
}
