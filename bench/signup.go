package main

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// ourEnv is the environment of a newsletter subprocess on prefix.
func (e *env) ourEnv(prefix, addr string) map[string]string {
	return map[string]string{
		"ADDR": addr, "BASE_URL": "https://letters.example.org", // a real domain, as in production
		"REDIS_URL": redisURL(e.opt.redis, e.opt.db), "REDIS_PREFIX": prefix,
		"SECRET_KEY": secretKey, "POSTAL_ADDRESS": "1 Bench Street, Benchville",
		"MAIL_FROM": "Satina <letters@example.org>", "TRUSTED_PROXIES": "127.0.0.1/32",
		"SEND_CONCURRENCY": fmt.Sprint(e.opt.sendConc), "LOG_FORMAT": "text",
		"OUTBOX_DIR": filepath.Join(e.dir, "outbox"), // not used (SMTP_URL is set where mail goes out), but created
	}
}

// startWeb runs `newsletter <cmd>` (web or serve) and waits for /healthz.
func (e *env) startOurs(cmd, prefix string, extra map[string]string) (*proc, string, error) {
	addr := freeAddr()
	envv := e.ourEnv(prefix, addr)
	for k, v := range extra {
		envv[k] = v
	}
	p, err := start(e.dir, "ours-"+cmd+"-"+prefixTag(prefix), e.ours, []string{cmd}, envv)
	if err != nil {
		return nil, "", err
	}
	url := "http://" + addr
	if cmd == "worker" {
		err = p.waitLog("worker started", 20*time.Second)
	} else {
		err = p.waitHTTP(url+"/healthz", 20*time.Second)
	}
	if err != nil {
		p.stop(5 * time.Second)
		return nil, "", err
	}
	return p, url, nil
}

// startRef runs the reference signup server on prefix.
func (e *env) startRef(prefix string) (*proc, string, error) {
	addr := freeAddr()
	p, err := start(e.dir, "reference-"+prefixTag(prefix), e.self,
		[]string{"refserver", "-addr", addr, "-redis", redisURL(e.opt.redis, e.opt.db), "-prefix", prefix}, nil)
	if err != nil {
		return nil, "", err
	}
	url := "http://" + addr
	if err := p.waitHTTP(url+"/healthz", 20*time.Second); err != nil {
		p.stop(5 * time.Second)
		return nil, "", err
	}
	return p, url, nil
}

// benchSignup: POST /subscribe at 50 connections, ours (`newsletter web`)
// against the reference handler, alternating, in rounds.
func benchSignup(e *env) error {
	rdb := redisClient(e.opt.redis, e.opt.db, 4)
	atCleanup(func() { rdb.Close() })
	ourPrefix, refPrefix := newPrefix("signup"), newPrefix("signupref")
	atCleanup(func() { deletePrefix(rdb, ourPrefix); deletePrefix(rdb, refPrefix) })

	oursEnv, pprofAddr := e.pprofEnv(nil)
	ours, ourURL, err := e.startOurs("web", ourPrefix, oursEnv)
	if err != nil {
		return err
	}
	defer ours.stop(25 * time.Second)
	ref, refURL, err := e.startRef(refPrefix)
	if err != nil {
		return err
	}
	defer ref.stop(10 * time.Second)

	// Each round: a warm-up of each, then the closed loop (throughput at
	// saturation) in slices that alternate ours and the reference (ABBA),
	// so that both meet the machine's moods alike; then the open loop at a
	// steady rate (latency below saturation), again alternating. The
	// paced rate is a fraction of the reference's throughput in the first
	// round.
	const slices = 4
	var oursAll, refAll []loadResult
	var roundRatios []float64
	var oursP99, refP99, oursP50, refP50 []time.Duration
	var oursCPU, refCPU, oursRedis, refRedis time.Duration
	rate := 0.0
	tag := prefixTag(ourPrefix)
	target := func(who string) (string, *proc) {
		if who == "ours" {
			return ourURL, ours
		}
		return refURL, ref
	}
	for r := 0; r < e.opt.rounds; r++ {
		for _, who := range []string{"ref", "ours"} {
			url, _ := target(who)
			runLoad(loadSpec{URL: url, Conns: e.opt.conns, Requests: e.opt.warmup, Tag: fmt.Sprintf("w%s%d-%s", who, r, tag)})
		}
		var o, f []loadResult
		for k := 0; k < slices; k++ {
			order := []string{"ref", "ours"}
			if k%2 == 1 {
				order = []string{"ours", "ref"}
			}
			for _, who := range order {
				url, p := target(who)
				cpu0, redis0 := p.cpuTime(), redisCPU(rdb)
				res := runLoad(loadSpec{URL: url, Conns: e.opt.conns, Requests: e.opt.signupN / slices,
					Tag: fmt.Sprintf("s%s%d.%d-%s", who, r, k, tag)})
				if who == "ours" {
					o, oursCPU, oursRedis = append(o, res), oursCPU+p.cpuTime()-cpu0, oursRedis+redisCPU(rdb)-redis0
				} else {
					f, refCPU, refRedis = append(f, res), refCPU+p.cpuTime()-cpu0, refRedis+redisCPU(rdb)-redis0
				}
				if res.Errors > 0 {
					return fmt.Errorf("%s answered %v (want only 202); log %s", who, res.Codes, p.log)
				}
			}
		}
		oursAll, refAll = append(oursAll, o...), append(refAll, f...)
		roundRatios = append(roundRatios, pool(o).RPS()/pool(f).RPS())
		logf("round %d closed loop: ours %.0f req/s (p99 %s), reference %.0f req/s (p99 %s): %.2f×", r+1,
			pool(o).RPS(), ms(pool(o).P(0.99)), pool(f).RPS(), ms(pool(f).P(0.99)), pool(o).RPS()/pool(f).RPS())
		if rate == 0 {
			rate = e.opt.pacedFrac * pool(refAll).RPS()
		}
		order := []string{"ref", "ours"}
		if r%2 == 1 {
			order = []string{"ours", "ref"}
		}
		for _, who := range order {
			url, p := target(who)
			res := runLoad(loadSpec{URL: url, Conns: e.opt.conns, Requests: e.opt.signupN / 4, Warmup: 100, Rate: rate,
				Tag: fmt.Sprintf("p%s%d-%s", who, r, tag)})
			logf("round %d paced at %.0f/s %-4s: p50 %s  p99 %s  max %s", r+1, rate, who, ms(res.P(0.5)), ms(res.P(0.99)), ms(res.P(1)))
			if res.Errors > 0 {
				return fmt.Errorf("%s answered %v (want only 202); log %s", who, res.Codes, p.log)
			}
			if who == "ours" {
				oursP99, oursP50 = append(oursP99, res.P(0.99)), append(oursP50, res.P(0.5))
			} else {
				refP99, refP50 = append(refP99, res.P(0.99)), append(refP50, res.P(0.5))
			}
		}
	}
	o, f := pool(oursAll), pool(refAll)
	ratio := median(roundRatios) // each round interleaves both: a noisy minute spoils one round
	e.rep.note(fmt.Sprintf("signup throughput ratio by round: %.2f", roundRatios))
	e.rep.add(row{"signup", fmt.Sprintf("POST /subscribe throughput, %d conns, closed loop (median of %d rounds)", e.opt.conns, len(roundRatios)),
		fmt.Sprintf("%.0f req/s", o.RPS()), fmt.Sprintf("%.0f req/s", f.RPS()), fmt.Sprintf("%.2f×", ratio), "≥ 0.70×", verdict(ratio >= 0.7)})
	e.rep.add(row{"signup", "p99 latency at that saturation (closed loop)", ms(o.P(0.99)), ms(f.P(0.99)),
		fmt.Sprintf("%.2f×", float64(o.P(0.99))/float64(f.P(0.99))), "", ""})
	n := time.Duration(o.N)
	e.rep.add(row{"signup", "server CPU per signup (closed loop)", us(oursCPU / n), us(refCPU / time.Duration(f.N)),
		fmt.Sprintf("%.2f×", float64(oursCPU/n)/float64(refCPU/time.Duration(f.N))), "", ""})
	e.rep.add(row{"signup", "Redis CPU per signup (INFO cpu; Redis is shared)", us(oursRedis / n), us(refRedis / time.Duration(f.N)),
		fmt.Sprintf("%.2f×", float64(oursRedis/n)/float64(refRedis/time.Duration(f.N))), "", ""})
	// Latency at a steady offered rate below saturation: the median over
	// the rounds of each round's p99 (one noisy moment spoils one round).
	med := func(ds []time.Duration) time.Duration { sortD(ds); return ds[(len(ds)-1)/2] }
	label := fmt.Sprintf("at %.0f req/s (%.0f%% of the reference's), median of %d rounds", rate, 100*e.opt.pacedFrac, e.opt.rounds)
	op99, rp99 := med(oursP99), med(refP99)
	e.rep.add(row{"signup", "p99 latency " + label, ms(op99), ms(rp99),
		fmt.Sprintf("%.2f×", float64(op99)/float64(rp99)), "≤ 10 ms", verdict(op99 <= 10*time.Millisecond)})
	e.rep.add(row{"signup", "p50 latency " + label, ms(med(oursP50)), ms(med(refP50)),
		fmt.Sprintf("%.2f×", float64(med(oursP50))/float64(med(refP50))), "", ""})
	e.rep.note(fmt.Sprintf("signup p99 at %.0f req/s by round: ours %v, reference %v", rate, fmtDs(oursP99), fmtDs(refP99)))
	if pprofAddr != "" {
		e.profileWhile("signup", pprofAddr, rdb, 5, func() {
			runLoad(loadSpec{URL: ourURL, Conns: e.opt.conns, Requests: 1 << 30, MaxTime: 5 * time.Second, Tag: "prof-" + tag})
		})
	}
	return nil
}

func fmtDs(ds []time.Duration) string {
	var out []string
	for _, d := range ds {
		out = append(out, ms(d))
	}
	return "[" + strings.Join(out, ", ") + "]"
}

// pool merges rounds: throughput over the summed time, latencies together.
func pool(rs []loadResult) loadResult {
	var out loadResult
	for _, r := range rs {
		out.N += r.N
		out.Elapsed += r.Elapsed
		out.Errors += r.Errors
		out.lat = append(out.lat, r.lat...)
	}
	sort.Slice(out.lat, func(i, j int) bool { return out.lat[i] < out.lat[j] })
	return out
}
