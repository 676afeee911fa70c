package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
	gomail "github.com/wneessen/go-mail"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/sequences"
)

// service is a service.Service on prefix, in this process, for imports
// and letters.
func (e *env) service(st *redisstore.Store) (*service.Service, error) {
	set, err := sequences.Load(sequences.Builtin)
	if err != nil {
		return nil, err
	}
	clock := newsletter.SystemClock{}
	return &service.Service{Store: st, Sequences: set, DefaultSequence: "guide", DefaultTZ: time.UTC, Clock: clock}, nil
}

// importConfirmed imports n confirmed subscribers who join no sequence
// through Service.Import (the path of POST /admin/api/subscribers), in
// parallel batches.
// audience prepares a scenario: a Redis client with pool connections, a
// key prefix of its own (deleted at the end), the service on it, and n
// confirmed subscribers imported, their addresses tagged with tag.
func (e *env) audience(ctx context.Context, scenario, tag string, n, pool int) (*redis.Client, string, *redisstore.Store, *service.Service, error) {
	rdb := redisClient(e.opt.redis, e.opt.db, pool)
	atCleanup(func() { rdb.Close() })
	prefix := newPrefix(scenario)
	atCleanup(func() { deletePrefix(rdb, prefix) })
	st := redisstore.New(rdb, prefix)
	svc, err := e.service(st)
	if err != nil {
		return nil, "", nil, nil, err
	}
	t := time.Now()
	if err := importConfirmed(ctx, svc, tag+prefixTag(prefix), n); err != nil {
		return nil, "", nil, nil, err
	}
	logf("imported %d confirmed subscribers in %v", n, time.Since(t).Round(time.Millisecond))
	return rdb, prefix, st, svc, nil
}

func importConfirmed(ctx context.Context, svc *service.Service, tag string, n int) error {
	const batch, workers = 500, 8
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				from := int(next.Add(batch)) - batch
				if from >= n {
					return
				}
				rows := make([]service.ImportRow, 0, batch)
				for i := from; i < min(from+batch, n); i++ {
					rows = append(rows, service.ImportRow{Email: fmt.Sprintf("reader%d@%s.example.org", i, tag),
						Name: firstNames[i%len(firstNames)], Status: "confirmed"})
				}
				res, err := svc.Import(ctx, rows, from+1)
				if err == nil && len(res.Errors) > 0 {
					err = fmt.Errorf("import: %v", res.Errors[0])
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// benchSend: one letter to N imported subscribers, sent by `newsletter
// worker` into the discard sink, against a plain go-mail loop with the
// same number of connections into the same sink.
func benchSend(e *env) error {
	ctx := context.Background()
	n := e.opt.sendN
	rdb, prefix, st, svc, err := e.audience(ctx, "send", "send", n, 16)
	if err != nil {
		return err
	}

	// The reference sends the same mail, rendered once by the same code.
	sample, err := (&compose.Composer{Links: benchLinks(), PostalAddress: "1 Bench Street, Benchville",
		CrisisLine: "If you are in crisis, call or text 988 in the US, or your local emergency number."}).
		Letter(&newsletter.Subscriber{ID: "0123456789abcdef", Email: "reader@example.org", Name: "Anna", Status: newsletter.StatusConfirmed},
			&newsletter.Letter{ID: "fedcba9876543210", Subject: "On rest", Markdown: testkit.SampleLetter})
	if err != nil {
		return err
	}

	msgFile := filepath.Join(e.dir, "reference-message.json")
	if b, err := json.Marshal(sample); err != nil {
		return err
	} else if err := os.WriteFile(msgFile, b, 0o644); err != nil {
		return err
	}

	workerEnv, pprofAddr := e.pprofEnv(map[string]string{"SMTP_URL": e.sink.URL()})
	worker, _, err := e.startOurs("worker", prefix, workerEnv)
	if err != nil {
		return err
	}
	defer worker.stop(25 * time.Second)

	var oursRates, refRates []float64
	var oursTime, refTime time.Duration
	var oursCPU, refCPU time.Duration // the worker's; the go-mail loop's
	var cost redisCost                // Redis over ours' rounds
	for r := 0; r < e.opt.sendRounds; r++ {
		// Ours: a letter due now; the idle worker finds it at its next poll.
		base := e.sink.Accepted()
		cpu0 := worker.cpuTime()
		cost0 := readRedisCost(rdb)
		sendAt := time.Now()
		id, err := svc.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: fmt.Sprintf("On rest (%d)", r+1), Markdown: testkit.SampleLetter, SendAt: sendAt})
		if err != nil {
			return err
		}
		if err := waitAccepted(e.sink, base+int64(n), 5*time.Minute); err != nil {
			return fmt.Errorf("ours: %w; log %s", err, worker.log)
		}
		d := time.Since(sendAt)
		oursCPU += worker.cpuTime() - cpu0
		oursTime += d
		oursRates = append(oursRates, float64(n)/d.Seconds())
		l, err := waitLetterSent(ctx, st, id, 10*time.Second)
		if err != nil {
			return err
		}
		cost.add(cost0, readRedisCost(rdb))
		logf("round %d ours: %d mails in %v = %.0f/s (letter %s: sent %d failed %d skipped %d)",
			r+1, n, d.Round(time.Millisecond), float64(n)/d.Seconds(), l.Status, l.Sent, l.Failed, l.Skipped)

		// Reference: go-mail, e.opt.sendConc connections, the same mail,
		// as a process of its own like the worker.
		base = e.sink.Accepted()
		t0 := time.Now()
		refProcCPU, err := e.runRefSend(msgFile, n)
		if err != nil {
			return fmt.Errorf("reference: %w", err)
		}
		if err := waitAccepted(e.sink, base+int64(n), time.Minute); err != nil {
			return fmt.Errorf("reference: %w", err)
		}
		rd := time.Since(t0)
		refCPU += refProcCPU
		refTime += rd
		refRates = append(refRates, float64(n)/rd.Seconds())
		logf("round %d ref:  %d mails in %v = %.0f/s", r+1, n, rd.Round(time.Millisecond), float64(n)/rd.Seconds())
	}
	if pprofAddr != "" {
		// One more letter, outside the figures, under the profiler.
		seconds := int(float64(n)/median(oursRates)) + 2
		e.profileWhile("send", pprofAddr, rdb, seconds, func() {
			base := e.sink.Accepted()
			if _, err := svc.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "On rest (profiled)", Markdown: testkit.SampleLetter, SendAt: time.Now()}); err != nil {
				logf("profiled letter: %v", err)
				return
			}
			_ = waitAccepted(e.sink, base+int64(n), 5*time.Minute)
		})
	}
	rss, err := worker.peakRSS()
	if err != nil {
		return err
	}
	total := float64(n * e.opt.sendRounds)
	ours, ref := total/oursTime.Seconds(), total/refTime.Seconds()
	// The ratio is the median of the rounds' ratios: each round pairs
	// ours with the reference right after it, so a noisy minute spoils
	// one pair, not the figure.
	ratios := make([]float64, len(oursRates))
	for i := range ratios {
		ratios[i] = oursRates[i] / refRates[i]
	}
	ratio := median(ratios)
	e.rep.add(row{"send", fmt.Sprintf("letter to %d subscribers, %d connections (median of %d rounds)", n, e.opt.sendConc, len(ratios)),
		fmt.Sprintf("%.0f mail/s", ours), fmt.Sprintf("%.0f mail/s", ref), fmt.Sprintf("%.2f×", ratio), "≥ 0.80×", verdict(ratio >= 0.8)})
	e.rep.add(row{"send", "worker peak RSS (VmHWM)", fmt.Sprintf("%.1f MB", float64(rss)/1e6), "", "", "≤ 100 MB", verdict(rss <= 100e6)})
	mails := time.Duration(n * e.opt.sendRounds)
	e.rep.add(row{"send", "sender CPU per mail", us(oursCPU / mails), us(refCPU/mails) + " (go-mail loop)",
		fmt.Sprintf("%.2f×", float64(oursCPU)/float64(refCPU)), "", ""})
	e.rep.add(row{"send", "Redis commands per mail (scripts' own counted)", fmt.Sprintf("%.2f", float64(cost.total())/float64(mails)),
		"", "", "≤ 4", verdict(float64(cost.total())/float64(mails) <= 4)})
	e.rep.add(row{"send", "Redis CPU per mail", fmt.Sprintf("%.1f µs", float64(cost.cpu)/float64(time.Microsecond)/float64(mails)),
		"", "", "≤ 25 µs", verdict(cost.cpu/mails <= 25*time.Microsecond)})
	e.rep.note("send: Redis commands per mail over ours' rounds (from send_at to the letter sent, fan-out included): " + cost.perMail(int(mails)))
	if len(oursRates) > 1 {
		e.rep.note(fmt.Sprintf("send rounds, mail/s: ours %.0f, reference %.0f; ratios %.2f", oursRates, refRates, ratios))
	}
	return nil
}

// waitAccepted waits until the sink has accepted want messages in all.
func waitAccepted(k *sink, want int64, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for k.Accepted() < want {
		if time.Now().After(deadline) {
			return fmt.Errorf("the sink reached %d of %d accepted messages within %v", k.Accepted(), want, timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
	return nil
}

func waitLetterSent(ctx context.Context, st *redisstore.Store, id string, timeout time.Duration) (*newsletter.Letter, error) {
	deadline := time.Now().Add(timeout)
	for {
		l, err := st.Letter(ctx, id)
		if err != nil {
			return nil, err
		}
		if l.Status == newsletter.LetterSent || time.Now().After(deadline) {
			return l, nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// runRefSend runs the go-mail loop as a process ("refsend") and returns
// the CPU it used.
func (e *env) runRefSend(msgFile string, n int) (time.Duration, error) {
	cmd := exec.Command(e.self, "refsend", "-addr", e.sink.Addr, "-conns", strconv.Itoa(e.opt.sendConc), "-n", strconv.Itoa(n), "-msg", msgFile)
	cmd.Env = baseEnv()
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("%v: %s", err, out)
	}
	return cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
}

// refSendMain is the reference sender's process: it sends n copies of a
// message over conns connections and exits.
func refSendMain(args []string) int {
	fs := flag.NewFlagSet("refsend", flag.ExitOnError)
	addr := fs.String("addr", "", "SMTP address")
	conns := fs.Int("conns", 4, "connections")
	n := fs.Int("n", 1000, "messages")
	msgFile := fs.String("msg", "", "message as JSON (newsletter.Message)")
	_ = fs.Parse(args)
	b, err := os.ReadFile(*msgFile)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	var m newsletter.Message
	if err := json.Unmarshal(b, &m); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := goMailLoop(*addr, *conns, *n, &m); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// goMailLoop sends n copies of m (one per address) over conns go-mail
// connections: the plain loop a sending service cannot beat.
func goMailLoop(addr string, conns, n int, m *newsletter.Message) error {
	host, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client, err := gomail.NewClient(host, gomail.WithPort(port), gomail.WithTLSPolicy(gomail.NoTLS),
				gomail.WithoutNoop(), gomail.WithTimeout(30*time.Second))
			if err != nil {
				errs <- err
				return
			}
			conn, err := client.DialToSMTPClientWithContext(context.Background())
			if err != nil {
				errs <- err
				return
			}
			defer client.CloseWithSMTPClient(conn)
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
				if err := msg.From("Satina <letters@example.org>"); err != nil {
					errs <- err
					return
				}
				if err := msg.To(fmt.Sprintf("reader%d@ref.example.org", i)); err != nil {
					errs <- err
					return
				}
				msg.Subject(m.Subject)
				for k, v := range m.Headers {
					msg.SetGenHeader(gomail.Header(k), v)
				}
				msg.SetBodyString(gomail.TypeTextPlain, m.Text)
				msg.AddAlternativeString(gomail.TypeTextHTML, m.HTML)
				if err := client.SendWithSMTPClient(conn, msg); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// benchLinks signs links as the service would, with the bench's key.
func benchLinks() *compose.Links {
	return &compose.Links{BaseURL: "https://letters.example.org", Signer: token.NewSigner([]byte(secretKey)), Clock: newsletter.SystemClock{}}
}
