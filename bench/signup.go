package main

import (
	"fmt"
	"sort"
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
	}
}

// startWeb runs `newsletter <cmd>` (web or serve) and waits for /healthz.
func (e *env) startOurs(cmd, prefix string, extra map[string]string) (*proc, string, error) {
	addr := freeAddr()
	envv := e.ourEnv(prefix, addr)
	for k, v := range extra {
		envv[k] = v
	}
	p, err := start(e.dir, "ours-"+cmd+"-"+prefix[len(prefix)-9:len(prefix)-1], e.ours, []string{cmd}, envv)
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
	p, err := start(e.dir, "reference-"+prefix[len(prefix)-9:len(prefix)-1], e.self,
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

	ours, ourURL, err := e.startOurs("web", ourPrefix, nil)
	if err != nil {
		return err
	}
	defer ours.stop(25 * time.Second)
	ref, refURL, err := e.startRef(refPrefix)
	if err != nil {
		return err
	}
	defer ref.stop(10 * time.Second)

	var oursAll, refAll []loadResult
	for r := 0; r < e.opt.rounds; r++ {
		order := []string{"ref", "ours"}
		if r%2 == 1 {
			order = []string{"ours", "ref"}
		}
		for _, who := range order {
			url, cpu0 := refURL, ref.cpuTime()
			p := ref
			if who == "ours" {
				url, cpu0, p = ourURL, ours.cpuTime(), ours
			}
			res := runLoad(loadSpec{URL: url, Conns: e.opt.conns, Requests: e.opt.signupN, Warmup: e.opt.warmup,
				Tag: fmt.Sprintf("s%s%d-%s", who, r, ourPrefix[len(ourPrefix)-9:len(ourPrefix)-1])})
			cpu := p.cpuTime() - cpu0
			logf("round %d %-4s: %6.0f req/s  p50 %s  p99 %s  errors %d %v  server CPU %.0f µs/req",
				r+1, who, res.RPS(), ms(res.P(0.5)), ms(res.P(0.99)), res.Errors, res.Codes,
				float64(cpu.Microseconds())/float64(e.opt.signupN+e.opt.warmup))
			if res.Errors > 0 {
				return fmt.Errorf("%s answered %v (want only 202); log %s", who, res.Codes, p.log)
			}
			if who == "ours" {
				oursAll = append(oursAll, res)
			} else {
				refAll = append(refAll, res)
			}
		}
	}
	o, f := pool(oursAll), pool(refAll)
	ratio := o.RPS() / f.RPS()
	e.rep.add(row{"signup", fmt.Sprintf("POST /subscribe throughput, %d conns, closed loop", e.opt.conns),
		fmt.Sprintf("%.0f req/s", o.RPS()), fmt.Sprintf("%.0f req/s", f.RPS()), fmt.Sprintf("%.2f×", ratio), "≥ 0.70×", verdict(ratio >= 0.7)})
	e.rep.add(row{"signup", "p99 latency at that saturation (closed loop)", ms(o.P(0.99)), ms(f.P(0.99)),
		fmt.Sprintf("%.2f×", float64(o.P(0.99))/float64(f.P(0.99))), "", ""})

	// Latency at a steady offered rate below saturation: an open loop over
	// the same 50 connections at a fraction of the reference's throughput.
	rate := e.opt.pacedFrac * f.RPS()
	var oursPaced, refPaced loadResult
	for _, who := range []string{"ref", "ours"} {
		url, p := refURL, ref
		if who == "ours" {
			url, p = ourURL, ours
		}
		res := runLoad(loadSpec{URL: url, Conns: e.opt.conns, Requests: e.opt.signupN / 2, Warmup: 500, Rate: rate,
			Tag: fmt.Sprintf("p%s-%s", who, ourPrefix[len(ourPrefix)-9:len(ourPrefix)-1])})
		logf("paced %-4s at %.0f/s: p50 %s  p99 %s  max %s  errors %d %v", who, rate, ms(res.P(0.5)), ms(res.P(0.99)), ms(res.P(1)), res.Errors, res.Codes)
		if res.Errors > 0 {
			return fmt.Errorf("%s answered %v (want only 202); log %s", who, res.Codes, p.log)
		}
		if who == "ours" {
			oursPaced = res
		} else {
			refPaced = res
		}
	}
	label := fmt.Sprintf("at %.0f req/s (%.0f%% of the reference's)", rate, 100*e.opt.pacedFrac)
	e.rep.add(row{"signup", "p99 latency " + label, ms(oursPaced.P(0.99)), ms(refPaced.P(0.99)),
		fmt.Sprintf("%.2f×", float64(oursPaced.P(0.99))/float64(refPaced.P(0.99))), "≤ 10 ms", verdict(oursPaced.P(0.99) <= 10*time.Millisecond)})
	e.rep.add(row{"signup", "p50 latency " + label, ms(oursPaced.P(0.5)), ms(refPaced.P(0.5)),
		fmt.Sprintf("%.2f×", float64(oursPaced.P(0.5))/float64(refPaced.P(0.5))), "", ""})
	return nil
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
