package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// redisNode is a redis-server this program started, for the scenarios
// that need a topology of their own (cluster, replica).
type redisNode struct {
	addr string
	p    *proc
}

// startRedis runs redis-server on a free port with conf lines (plus no
// persistence), in a folder of its own under the work directory.
func (e *env) startRedis(name string, conf ...string) (*redisNode, error) {
	addr := freeAddr()
	_, port, _ := strings.Cut(addr, ":")
	dir := filepath.Join(e.dir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	args := append([]string{"--port", port, "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"}, conf...)
	p, err := start(e.dir, name, "redis-server", args, nil)
	if err != nil {
		return nil, fmt.Errorf("redis-server (apt-get install redis-server): %w", err)
	}
	atCleanup(func() { p.stop(5 * time.Second) })
	c := redis.NewClient(&redis.Options{Addr: addr})
	defer c.Close()
	for i := 0; ; i++ {
		if c.Ping(context.Background()).Err() == nil {
			return &redisNode{addr: addr, p: p}, nil
		}
		if i > 200 {
			return nil, fmt.Errorf("%s did not answer; log %s", name, p.log)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// startCluster starts three cluster-enabled nodes and joins them as three
// masters with redis-cli --cluster create.
func (e *env) startCluster() ([]string, error) {
	var addrs []string
	for i := range 3 {
		n, err := e.startRedis(fmt.Sprintf("cluster%d", i), "--cluster-enabled", "yes",
			"--cluster-config-file", filepath.Join(e.dir, fmt.Sprintf("cluster%d", i), "nodes.conf"))
		if err != nil {
			return nil, err
		}
		addrs = append(addrs, n.addr)
	}
	args := append(append([]string{"--cluster", "create"}, addrs...), "--cluster-replicas", "0", "--cluster-yes")
	if out, err := exec.Command("redis-cli", args...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("redis-cli --cluster create: %v\n%s", err, out)
	}
	for _, a := range addrs {
		c := redis.NewClient(&redis.Options{Addr: a})
		ok := false
		for range 200 {
			info, _ := c.ClusterInfo(context.Background()).Result()
			if ok = strings.Contains(info, "cluster_state:ok"); ok {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
		c.Close()
		if !ok {
			return nil, fmt.Errorf("cluster node %s not ok after 10 s", a)
		}
	}
	return addrs, nil
}

// benchCluster: a letter to -cluster-n subscribers through three
// `newsletter worker` processes on a three-master Redis Cluster. It
// checks that every address got the letter once, and reports the share
// of keys and of commands each master holds (the goal: none above 40%).
func benchCluster(e *env) error {
	ctx := context.Background()
	n := e.opt.clusterN
	addrs, err := e.startCluster()
	if err != nil {
		return err
	}
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs[:1], PoolSize: 40})
	atCleanup(func() { cc.Close() })
	st := redisstore.New(cc, "nl:")
	svc, err := e.service(st)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := importConfirmed(ctx, svc, "cluster", n); err != nil {
		return err
	}
	logf("imported %d confirmed subscribers through the cluster in %v", n, time.Since(t0).Round(time.Millisecond))
	if err := cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error { return m.ConfigResetStat(ctx).Err() }); err != nil {
		return err
	}
	seen := make([]<-chan time.Time, n)
	for i := range n {
		seen[i] = e.sink.Expect(fmt.Sprintf("reader%d@cluster.example.org", i))
	}
	accepted0 := e.sink.Accepted()
	var workers []*proc
	for range 3 {
		w, _, err := e.startOurs("worker", "nl:", map[string]string{"SMTP_URL": e.sink.URL(), "REDIS_URL": "redis+cluster://" + addrs[0]})
		if err != nil {
			return err
		}
		workers = append(workers, w)
		defer w.stop(25 * time.Second)
	}
	sendAt := time.Now().Add(500 * time.Millisecond).Truncate(time.Millisecond)
	id, err := st.CreateLetter(ctx, &newsletter.Letter{Subject: "Through the cluster", Markdown: "Dear {{ .FirstName }},\n\nA letter.", SendAt: sendAt, CreatedAt: time.Now()})
	if err != nil {
		return err
	}
	l, err := waitLetterSent(ctx, st, id, 10*time.Minute)
	if err != nil {
		return fmt.Errorf("%w; logs %s", err, workers[0].log)
	}
	took := time.Since(sendAt)
	distinct := 0
	for _, ch := range seen {
		select {
		case <-ch:
			distinct++
		default:
		}
	}
	dups := int(e.sink.Accepted()-accepted0) - distinct
	keys, cmds, err := masterShares(ctx, cc)
	if err != nil {
		return err
	}
	logf("cluster letter to %d: sent %d in %v; %d lost, %d twice; keys per master %s; commands per master %s",
		n, l.Sent, took.Round(time.Millisecond), n-distinct, dups, fmtShares(keys), fmtShares(cmds))
	e.rep.add(row{"cluster", fmt.Sprintf("letter to %d, 3 workers: lost / twice", n), fmt.Sprintf("%d / %d", n-distinct, dups), "", "", "0 / 0",
		verdict(distinct == n && dups == 0)})
	e.rep.add(row{"cluster", "largest share of keys on one master", pct(maxShare(keys)), "", fmtShares(keys), "≤ 40%", verdict(maxShare(keys) <= 0.4)})
	e.rep.add(row{"cluster", "largest share of commands on one master", pct(maxShare(cmds)), "", fmtShares(cmds), "≤ 40%", verdict(maxShare(cmds) <= 0.4)})
	if distinct != n || dups != 0 {
		return errors.New("the letter lost mail or sent some twice through the cluster")
	}
	return nil
}

// masterShares is the share of the keys (DBSIZE) and of the commands
// (INFO stats total_commands_processed since CONFIG RESETSTAT) of each
// master, largest first.
func masterShares(ctx context.Context, cc *redis.ClusterClient) (keys, cmds []float64, err error) {
	var mu sync.Mutex
	var k, c []int64
	err = cc.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error {
		size, err := m.DBSize(ctx).Result()
		if err != nil {
			return err
		}
		info, err := m.Info(ctx, "stats").Result()
		if err != nil {
			return err
		}
		var done int64
		for _, line := range strings.Split(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), "total_commands_processed:"); ok {
				fmt.Sscan(v, &done)
			}
		}
		mu.Lock()
		k, c = append(k, size), append(c, done)
		mu.Unlock()
		return nil
	})
	return shares(k), shares(c), err
}

func shares(xs []int64) []float64 {
	var all int64
	for _, x := range xs {
		all += x
	}
	out := make([]float64, len(xs))
	for i, x := range xs {
		if all > 0 {
			out[i] = float64(x) / float64(all)
		}
	}
	sort.Sort(sort.Reverse(sort.Float64Slice(out)))
	return out
}

func maxShare(xs []float64) float64 {
	if len(xs) == 0 {
		return 1
	}
	return xs[0]
}

func pct(f float64) string { return fmt.Sprintf("%.0f%%", 100*f) }

func fmtShares(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = pct(x)
	}
	return strings.Join(parts, "/")
}
