package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// redisCost is what Redis did over a stretch of time: every command it ran
// (INFO commandstats; a script's EVALSHA counts once and each command the
// script ran inside counts too) and the CPU it used (INFO cpu, user and
// system). Read it on a Redis of the scenario's own (-redis): the figures
// are the whole server's.
type redisCost struct {
	calls map[string]int64
	cpu   time.Duration
}

// readRedisCost reads the counters now.
func readRedisCost(rdb *redis.Client) redisCost {
	c := redisCost{calls: map[string]int64{}}
	for name, st := range commandStats(rdb) {
		c.calls[name] = st.calls
	}
	s, err := rdb.Info(context.Background(), "cpu").Result()
	if err != nil {
		return c
	}
	for _, line := range strings.Split(s, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if ok && (k == "used_cpu_user" || k == "used_cpu_sys") {
			f, _ := strconv.ParseFloat(v, 64)
			c.cpu += time.Duration(f * float64(time.Second))
		}
	}
	return c
}

// add adds what happened between before and after to c.
func (c *redisCost) add(before, after redisCost) {
	if c.calls == nil {
		c.calls = map[string]int64{}
	}
	for name, n := range after.calls {
		if d := n - before.calls[name]; d > 0 {
			c.calls[name] += d
		}
	}
	c.cpu += after.cpu - before.cpu
}

// total is every command counted.
func (c redisCost) total() int64 {
	var n int64
	for _, v := range c.calls {
		n += v
	}
	return n
}

// perMail lists the commands per mail, most first.
func (c redisCost) perMail(mails int) string {
	type kv struct {
		name string
		n    int64
	}
	var rows []kv
	for name, n := range c.calls {
		rows = append(rows, kv{name, n})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].n > rows[j].n })
	var parts []string
	for i, r := range rows {
		if i == 10 {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %.2f", r.name, float64(r.n)/float64(mails)))
	}
	return strings.Join(parts, ", ")
}
