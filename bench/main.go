// Command bench measures the newsletter service on the machine it runs on,
// each figure next to a reference measured in the same run (the machines
// are shared and noisy: read the ratios, not the absolute times).
//
//	go run ./bench            # every scenario at the sizes of issue 5 (a few minutes)
//	go run ./bench -quick     # smaller sizes, about a minute
//	go run ./bench -only signup,send
//
// It needs Redis on 127.0.0.1:6379 (-redis) and Go to build
// ./cmd/newsletter, and must run from the module root. Everything goes over
// loopback; every key it writes is under a prefix of its own and deleted
// at the end. See BENCHMARKS.md for the figures and what they mean.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"
)

var stderr io.Writer = os.Stderr

type options struct {
	redis      string
	db, dripDB int
	only       map[string]bool
	keep       bool
	oursBin    string

	conns, signupN, warmup, rounds int
	pacedFrac                      float64
	sendN, sendConc, sendRounds    int
	fanoutN                        int
	clusterN                       int
	dripSizes                      []int
	claimIters                     int
	probes, confirmLoadN           int
	layoutN                        int
	pprofDir                       string

	mailRate       float64 // rate: MAIL_RATE shared by rateProcs workers
	rateProcs      int
	rateWindow     time.Duration
	latencyConcs   []int // latency: SEND_CONCURRENCY values
	latencyDelay   time.Duration
	latencySeconds float64
	fanout1mN      int
	fanout1mSend   time.Duration
}

// env is what every scenario shares.
type env struct {
	opt  options
	dir  string // logs and binaries
	ours string // the newsletter binary
	self string // this program, for the reference server
	sink *sink
	rep  *report
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "refserver" {
		os.Exit(refServerMain(os.Args[2:]))
	}
	if len(os.Args) > 1 && os.Args[1] == "refsend" {
		os.Exit(refSendMain(os.Args[2:]))
	}
	os.Exit(run())
}

func run() int {
	var o options
	var only, dripSizes, latencyConcs string
	quick := flag.Bool("quick", false, "smaller sizes: a smoke run of about a minute")
	flag.StringVar(&o.redis, "redis", "127.0.0.1:6379", "Redis address (loopback)")
	flag.IntVar(&o.db, "db", 0, "Redis database for the signup, send, fan-out and confirmation scenarios")
	flag.IntVar(&o.dripDB, "drip-db", 9, "Redis database for the drip-at-scale scenario (its keys are big)")
	flag.StringVar(&only, "only", "signup,send,fanout,drip,confirm,layouts", "scenarios to run, comma-separated (also rate, latency, fanout1m, cluster, ack)")
	flag.BoolVar(&o.keep, "keep", false, "keep the work directory with the subprocess logs")
	flag.StringVar(&o.oursBin, "ours", "", "a newsletter binary to measure instead of building ./cmd/newsletter (e.g. an older commit's, for before/after)")
	flag.IntVar(&o.conns, "conns", 50, "concurrent connections of the signup load")
	flag.IntVar(&o.signupN, "signup-n", 20000, "measured signups per round and server")
	flag.IntVar(&o.warmup, "warmup", 2000, "signups before measuring")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds of the signup load (ours and the reference alternate)")
	flag.Float64Var(&o.pacedFrac, "paced", 0.25, "offered rate of the signup latency run, as a fraction of the reference's throughput")
	flag.IntVar(&o.sendN, "send-n", 10000, "subscribers a letter goes to")
	flag.IntVar(&o.sendConc, "send-conc", 4, "SEND_CONCURRENCY of the worker and connections of the go-mail reference")
	flag.IntVar(&o.sendRounds, "send-rounds", 3, "letters sent (each to every subscriber), alternating with the reference")
	flag.IntVar(&o.fanoutN, "fanout-n", 100000, "subscribers of the fanned-out letter")
	flag.IntVar(&o.clusterN, "cluster-n", 100000, "subscribers of the letter sent through a 3-master Redis Cluster (scenario cluster, not in the default set)")
	flag.StringVar(&dripSizes, "drip-sizes", "10000,100000,1000000", "enrolment counts at which a scheduler tick is timed")
	flag.IntVar(&o.claimIters, "claim-iters", 400, "timed ticks per size and case")
	flag.IntVar(&o.probes, "probes", 200, "confirmation-latency probes when idle")
	flag.IntVar(&o.confirmLoadN, "confirm-load-n", 10000, "signups of the load during the confirmation-latency probes")
	flag.StringVar(&o.pprofDir, "pprof", "", "a folder for CPU profiles of ours under an extra load per scenario (signup, send), with Redis's time per command")
	flag.IntVar(&o.layoutN, "layout-n", 1000000, "subscribers of each layout piece whose memory is measured (in -drip-db)")
	flag.Float64Var(&o.mailRate, "rate", 150, "MAIL_RATE of the rate scenario")
	flag.IntVar(&o.rateProcs, "rate-procs", 3, "worker processes sharing MAIL_RATE in the rate scenario")
	flag.DurationVar(&o.rateWindow, "rate-window", 20*time.Second, "how long the rate scenario counts deliveries")
	flag.StringVar(&latencyConcs, "latency-concs", "1,2,4,8,16,32,64", "SEND_CONCURRENCY values of the latency scenario")
	flag.DurationVar(&o.latencyDelay, "latency-delay", 50*time.Millisecond, "how long the sink takes to answer each message in the latency scenario")
	flag.Float64Var(&o.latencySeconds, "latency-seconds", 4, "seconds of ideal sending per concurrency in the latency scenario (sets the letter's size)")
	flag.IntVar(&o.fanout1mN, "fanout1m-n", 1000000, "subscribers of the fanout1m scenario's letter (in -drip-db)")
	flag.DurationVar(&o.fanout1mSend, "fanout1m-send", 15*time.Second, "how long fanout1m lets the letter send after the fan-out before cancelling it")
	flag.Parse()
	if *quick {
		setDefault := func(name, v string) {
			set := false
			flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
			if !set {
				_ = flag.Set(name, v)
			}
		}
		setDefault("signup-n", "5000")
		setDefault("warmup", "1000")
		setDefault("rounds", "1")
		setDefault("send-n", "2000")
		setDefault("send-rounds", "1")
		setDefault("fanout-n", "20000")
		setDefault("cluster-n", "10000")
		setDefault("drip-sizes", "10000,100000")
		setDefault("claim-iters", "200")
		setDefault("probes", "100")
		setDefault("confirm-load-n", "3000")
		setDefault("layout-n", "100000")
		setDefault("rate-window", "8s")
		setDefault("latency-seconds", "2")
		setDefault("fanout1m-n", "100000")
		setDefault("fanout1m-send", "5s")
		dripSizes = flag.Lookup("drip-sizes").Value.String()
	}
	o.only = map[string]bool{}
	for _, s := range strings.Split(only, ",") {
		if s = strings.TrimSpace(s); s != "" {
			o.only[s] = true
		}
	}
	for _, s := range strings.Split(dripSizes, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(s), &n); err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "bench: -drip-sizes: %q is not a number\n", s)
			return 2
		}
		o.dripSizes = append(o.dripSizes, n)
	}

	for _, s := range strings.Split(latencyConcs, ",") {
		var n int
		if _, err := fmt.Sscan(strings.TrimSpace(s), &n); err != nil || n < 1 || n > 256 {
			fmt.Fprintf(os.Stderr, "bench: -latency-concs: %q is not a number from 1 to 256\n", s)
			return 2
		}
		o.latencyConcs = append(o.latencyConcs, n)
	}

	dir, err := os.MkdirTemp("", "newsletter-bench-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	if o.keep {
		logf("work directory (kept): %s", dir)
	} else {
		defer os.RemoveAll(dir)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		logf("interrupted: cleaning up")
		runCleanups()
		if !o.keep {
			os.RemoveAll(dir)
		}
		os.Exit(130)
	}()
	defer runCleanups()

	e := &env{opt: o, dir: dir, rep: &report{}}
	if e.self, err = os.Executable(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	rdb := redisClient(o.redis, o.db, 4)
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		fmt.Fprintf(os.Stderr, "bench: Redis at %s does not answer: %v\n", o.redis, err)
		return 1
	}
	e.rep.machine = machine(rdb.InfoMap(context.Background(), "server").Val()["Server"]["redis_version"])
	rdb.Close()
	if o.oursBin != "" {
		e.ours = o.oursBin
		logf("measuring %s", o.oursBin)
	} else {
		logf("building ./cmd/newsletter")
		if e.ours, err = buildOurs(dir); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			return 1
		}
	}
	if e.sink, err = startSink(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		return 1
	}
	defer e.sink.Close()

	scenarios := []struct {
		name string
		run  func(*env) error
	}{
		{"signup", benchSignup},
		{"send", benchSend},
		{"fanout", benchFanOut},
		{"drip", benchDrip},
		{"confirm", benchConfirm},
		{"layouts", benchLayouts},
		{"rate", benchRate},
		{"latency", benchLatency},
		{"fanout1m", benchFanOut1M},
		{"cluster", benchCluster},
		{"ack", benchAck},
	}
	failed := false
	start := time.Now()
	for _, s := range scenarios {
		if !o.only[s.name] {
			continue
		}
		logf("== %s", s.name)
		t := time.Now()
		if err := s.run(e); err != nil {
			logf("%s failed: %v", s.name, err)
			e.rep.note(s.name + " FAILED: " + err.Error())
			failed = true
		}
		runCleanups()
		logf("== %s done in %v", s.name, time.Since(t).Round(time.Second))
	}
	e.rep.print(os.Stdout, time.Since(start))
	if failed {
		return 1
	}
	return 0
}

// machine describes where the run happened.
func machine(redisVersion string) string {
	cpu := "unknown"
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				cpu = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				break
			}
		}
	}
	goVersion := runtime.Version()
	if out, err := exec.Command("go", "env", "GOVERSION").Output(); err == nil {
		goVersion = strings.TrimSpace(string(out))
	}
	return fmt.Sprintf("%d CPUs (nproc), %s, %s %s/%s, redis %s", runtime.NumCPU(), cpu, goVersion, runtime.GOOS, runtime.GOARCH, redisVersion)
}

// report gathers the figures.
type report struct {
	machine string
	rows    []row
	notes   []string
}

type row struct {
	scenario, figure, ours, ref, ratio, target, verdict string
}

func (r *report) add(x row) {
	r.rows = append(r.rows, x)
	logf("%-8s %-44s ours %-14s ref %-14s %s %s %s", x.scenario, x.figure, x.ours, x.ref, x.ratio, x.target, x.verdict)
}

func (r *report) note(s string) { r.notes = append(r.notes, s) }

func (r *report) print(w io.Writer, took time.Duration) {
	fmt.Fprintf(w, "\nnewsletter benchmark, %s\nmachine: %s\nran in %v\n\n", time.Now().UTC().Format(time.RFC3339), r.machine, took.Round(time.Second))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tfigure\tours\treference\tratio\ttarget\t")
	for _, x := range r.rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", x.scenario, x.figure, x.ours, x.ref, x.ratio, x.target, x.verdict)
	}
	tw.Flush()
	if len(r.notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range r.notes {
			fmt.Fprintln(w, "- "+n)
		}
	}
}

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "NOT MET"
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func us(d time.Duration) string { return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond)) }
