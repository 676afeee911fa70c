package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// benchAck: what the acknowledgement that survives a failover costs a
// signup. Our `web` runs twice, alternately loaded, each on a Redis of
// its own: one master alone, and one master with a replica, where every
// signup waits (WAIT) until the replica holds it before answering 202.
func benchAck(e *env) error {
	alone, err := e.startRedis("ack-alone")
	if err != nil {
		return err
	}
	master, err := e.startRedis("ack-master")
	if err != nil {
		return err
	}
	_, port, _ := strings.Cut(master.addr, ":")
	if _, err := e.startRedis("ack-replica", "--replicaof", "127.0.0.1", port); err != nil {
		return err
	}
	mc := redis.NewClient(&redis.Options{Addr: master.addr})
	defer mc.Close()
	for i := 0; ; i++ {
		info, _ := mc.Info(context.Background(), "replication").Result()
		if strings.Contains(info, "connected_slaves:1") && strings.Contains(info, "state=online") {
			break
		}
		if i > 200 {
			return fmt.Errorf("the replica did not come online: %s", info)
		}
		time.Sleep(50 * time.Millisecond)
	}
	start := func(addr string) (*proc, string, error) {
		return e.startOurs("web", "ack:", map[string]string{"REDIS_URL": "redis://" + addr + "/0"})
	}
	pa, urlAlone, err := start(alone.addr)
	if err != nil {
		return err
	}
	defer pa.stop(25 * time.Second)
	pr, urlRepl, err := start(master.addr)
	if err != nil {
		return err
	}
	defer pr.stop(25 * time.Second)

	per := e.opt.signupN / 4
	var a, r []loadResult
	unacked := map[string]int{}
	for round := range 4 {
		for _, who := range []string{"alone", "replica"} {
			if round%2 == 1 {
				who = map[string]string{"alone": "replica", "replica": "alone"}[who]
			}
			url := map[string]string{"alone": urlAlone, "replica": urlRepl}[who]
			res := runLoad(loadSpec{URL: url, Conns: e.opt.conns, Requests: per, Warmup: 200, Tag: fmt.Sprintf("ack%s%d", who, round)})
			// A 503 is the promise at work (no replica held it within
			// redisstore.AckTimeout; the client tries again): counted,
			// not a failure. Anything else is.
			if res.Errors > res.Codes[503] {
				return fmt.Errorf("%s answered %v (want 202, or 503 when the replica lags)", who, res.Codes)
			}
			unacked[who] += res.Codes[503]
			if who == "alone" {
				a = append(a, res)
			} else {
				r = append(r, res)
			}
		}
	}
	pa2, pr2 := pool(a), pool(r)
	logf("signups, one master: %.0f req/s p99 %s; with a replica and WAIT: %.0f req/s p99 %s",
		pa2.RPS(), ms(pa2.P(0.99)), pr2.RPS(), ms(pr2.P(0.99)))
	e.rep.add(row{"ack", fmt.Sprintf("signups/s with a replica (WAIT 1) vs one master, %d conns", e.opt.conns),
		fmt.Sprintf("%.0f req/s", pr2.RPS()), fmt.Sprintf("%.0f req/s", pa2.RPS()), fmt.Sprintf("%.2f×", pr2.RPS()/pa2.RPS()), "", ""})
	e.rep.add(row{"ack", "p99 latency, same load", ms(pr2.P(0.99)), ms(pa2.P(0.99)),
		fmt.Sprintf("%.2f×", float64(pr2.P(0.99))/float64(pa2.P(0.99))), "", ""})
	e.rep.add(row{"ack", "503 (no replica in time: retry)", fmt.Sprintf("%d of %d", unacked["replica"], pr2.N),
		fmt.Sprintf("%d of %d", unacked["alone"], pa2.N), "", "", ""})
	return nil
}
