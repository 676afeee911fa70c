package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// profiling: with -pprof DIR, the scenarios start ours with PPROF_ADDR and
// take a CPU profile of it under an extra load of their own, written to
// DIR/<scenario>.pprof (read it with `go tool pprof -top DIR/signup.pprof`),
// and note Redis's time per command over that load (INFO commandstats).

// pprofEnv adds PPROF_ADDR to env when profiles are asked for, and returns
// the address ("" when not).
func (e *env) pprofEnv(env map[string]string) (map[string]string, string) {
	if e.opt.pprofDir == "" {
		return env, ""
	}
	if env == nil {
		env = map[string]string{}
	}
	addr := freeAddr()
	env["PPROF_ADDR"] = addr
	return env, addr
}

// profileWhile takes a CPU profile of the process at addr for as long as
// load runs (seconds, rounded up) and saves it as DIR/name.pprof; it notes
// Redis's commands over the same time.
func (e *env) profileWhile(name, addr string, rdb *redis.Client, seconds int, load func()) {
	before := commandStats(rdb)
	got := make(chan error, 1)
	path := filepath.Join(e.opt.pprofDir, name+".pprof")
	go func() {
		res, err := http.Get(fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, seconds))
		if err != nil {
			got <- err
			return
		}
		defer res.Body.Close()
		f, err := os.Create(path)
		if err != nil {
			got <- err
			return
		}
		_, err = io.Copy(f, res.Body)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		got <- err
	}()
	time.Sleep(100 * time.Millisecond) // the profile has started
	load()
	if err := <-got; err != nil {
		logf("profile %s: %v", name, err)
		return
	}
	logf("profile of %s written to %s", name, path)
	e.rep.note(fmt.Sprintf("%s profile: %s; Redis over it: %s", name, path, statsDelta(before, commandStats(rdb))))
}

// cmdStat is one line of INFO commandstats.
type cmdStat struct{ calls, usec int64 }

func commandStats(rdb *redis.Client) map[string]cmdStat {
	s, err := rdb.Info(context.Background(), "commandstats").Result()
	out := map[string]cmdStat{}
	if err != nil {
		return out
	}
	for _, line := range strings.Split(s, "\n") {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok || !strings.HasPrefix(name, "cmdstat_") {
			continue
		}
		var st cmdStat
		for _, kv := range strings.Split(rest, ",") {
			k, v, _ := strings.Cut(kv, "=")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "calls":
				st.calls = n
			case "usec":
				st.usec = n
			}
		}
		out[strings.TrimPrefix(name, "cmdstat_")] = st
	}
	return out
}

// statsDelta lists the commands run between two readings, busiest first:
// calls and µs per call.
func statsDelta(before, after map[string]cmdStat) string {
	type row struct {
		name        string
		calls, usec int64
	}
	var rows []row
	for name, a := range after {
		b := before[name]
		if a.calls > b.calls {
			rows = append(rows, row{name, a.calls - b.calls, a.usec - b.usec})
		}
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].usec > rows[j].usec })
	var parts []string
	for i, r := range rows {
		if i == 8 {
			break
		}
		parts = append(parts, fmt.Sprintf("%s %d calls %.1f µs each", r.name, r.calls, float64(r.usec)/float64(r.calls)))
	}
	return strings.Join(parts, ", ")
}
