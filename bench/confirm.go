package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strconv"
	"sync"
	"time"

	gomail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// probeResult is one confirmation-latency sample.
type probeResult struct {
	d       time.Duration
	timeout bool
}

// probeOurs signs up addr at ours and waits for the sink to accept the
// confirmation mail to it.
func probeOurs(k *sink, c *http.Client, url, addr string) probeResult {
	ch := k.Expect(addr)
	t0 := time.Now()
	code, err := postSignup(c, url, fmt.Appendf(nil, `{"email":%q,"consent":true}`, addr))
	if err != nil || code != http.StatusAccepted {
		k.Forget(addr)
		return probeResult{timeout: true}
	}
	select {
	case at := <-ch:
		return probeResult{d: at.Sub(t0)}
	case <-time.After(30 * time.Second):
		k.Forget(addr)
		return probeResult{timeout: true}
	}
}

// refMailer is the reference's confirmation path: a go-mail client on a
// warm connection, sending at once.
type refMailer struct {
	mu     sync.Mutex
	client *gomail.Client
	conn   *smtp.Client
}

func newRefMailer(addr string) (*refMailer, error) {
	host, portStr, _ := net.SplitHostPort(addr)
	port, _ := strconv.Atoi(portStr)
	c, err := gomail.NewClient(host, gomail.WithPort(port), gomail.WithTLSPolicy(gomail.NoTLS), gomail.WithoutNoop())
	if err != nil {
		return nil, err
	}
	conn, err := c.DialToSMTPClientWithContext(context.Background())
	if err != nil {
		return nil, err
	}
	return &refMailer{client: c, conn: conn}, nil
}

func (m *refMailer) send(to string) error {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	_ = msg.From("Satina <letters@example.org>")
	if err := msg.To(to); err != nil {
		return err
	}
	msg.Subject("Please confirm your address")
	msg.SetBodyString(gomail.TypeTextPlain, "Please confirm: http://127.0.0.1/confirm/xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")
	msg.AddAlternativeString(gomail.TypeTextHTML, "<p>Please <a href=\"http://127.0.0.1/confirm/x\">confirm</a>.</p>")
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.client.SendWithSMTPClient(m.conn, msg)
}

func (m *refMailer) close() { _ = m.client.CloseWithSMTPClient(m.conn) }

// probeRef: POST to the reference handler, then one go-mail send on a
// warm connection; the time until the sink accepted it.
func probeRef(k *sink, c *http.Client, url string, m *refMailer, addr string) probeResult {
	ch := k.Expect(addr)
	t0 := time.Now()
	code, err := postSignup(c, url, fmt.Appendf(nil, `{"email":%q,"consent":true}`, addr))
	if err == nil && code == http.StatusAccepted {
		err = m.send(addr)
	}
	if err != nil {
		k.Forget(addr)
		return probeResult{timeout: true}
	}
	select {
	case at := <-ch:
		return probeResult{d: at.Sub(t0)}
	case <-time.After(30 * time.Second):
		k.Forget(addr)
		return probeResult{timeout: true}
	}
}

func summarize(rs []probeResult) (sorted []time.Duration, timeouts int) {
	for _, r := range rs {
		if r.timeout {
			timeouts++
			continue
		}
		sorted = append(sorted, r.d)
	}
	sort.Slice(sorted, func(i, j int) bool { return sorted[i] < sorted[j] })
	return sorted, timeouts
}

// benchConfirm: from POST /subscribe to the sink's acceptance of the
// confirmation mail, with `newsletter serve` sending to the sink; idle, and
// under the signup load of the signup scenario.
func benchConfirm(e *env) error {
	rdb := redisClient(e.opt.redis, e.opt.db, 4)
	atCleanup(func() { rdb.Close() })
	prefix, refPrefix := newPrefix("confirm"), newPrefix("confirmref")
	atCleanup(func() { deletePrefix(rdb, prefix); deletePrefix(rdb, refPrefix) })
	ours, url, err := e.startOurs("serve", prefix, map[string]string{"SMTP_URL": e.sink.URL()})
	if err != nil {
		return err
	}
	defer ours.stop(25 * time.Second)
	ref, refURL, err := e.startRef(refPrefix)
	if err != nil {
		return err
	}
	defer ref.stop(10 * time.Second)
	mailer, err := newRefMailer(e.sink.Addr)
	if err != nil {
		return err
	}
	defer mailer.close()
	c := newClient(4)
	tag := prefixTag(prefix)

	// Idle: one probe at a time, ours and the reference alternating.
	var oursIdle, refIdle []probeResult
	for i := 0; i < e.opt.probes; i++ {
		oursIdle = append(oursIdle, probeOurs(e.sink, c, url, fmt.Sprintf("probe%d@idle-%s.example.org", i, tag)))
		refIdle = append(refIdle, probeRef(e.sink, c, refURL, mailer, fmt.Sprintf("probe%d@refidle-%s.example.org", i, tag)))
		time.Sleep(5 * time.Millisecond)
	}
	report := func(label string, o, r []probeResult, target bool) {
		os, ot := summarize(o)
		rs, _ := summarize(r)
		if len(os) == 0 || len(rs) == 0 {
			e.rep.note(fmt.Sprintf("confirmation latency %s: no samples (ours timed out %d)", label, ot))
			return
		}
		p50, p99 := quantile(os, 0.5), quantile(os, 0.99)
		logf("confirmation %s: ours p50 %s p99 %s max %s (%d timed out of %d) | ref p50 %s p99 %s", label,
			ms(p50), ms(p99), ms(os[len(os)-1]), ot, len(o), ms(quantile(rs, 0.5)), ms(quantile(rs, 0.99)))
		e.rep.add(row{"confirm", "POST → mail accepted, " + label + " (p50)", ms(p50), ms(quantile(rs, 0.5)),
			fmt.Sprintf("%.2f×", float64(p50)/float64(quantile(rs, 0.5))), "", ""})
		tgt, v := "", ""
		if target {
			tgt, v = "≤ 2 s (contract)", verdict(p99 <= 2*time.Second && ot == 0)
		}
		e.rep.add(row{"confirm", "POST → mail accepted, " + label + " (p99)", ms(p99), ms(quantile(rs, 0.99)),
			fmt.Sprintf("%.2f×", float64(p99)/float64(quantile(rs, 0.99))), tgt, v})
		if ot > 0 {
			e.rep.note(fmt.Sprintf("confirmation latency %s: %d of %d probes got no mail within 30 s", label, ot, len(o)))
		}
	}
	report("idle", oursIdle, refIdle, true)

	// Under load: the signup load runs against ours; probes start every
	// 25 ms, each waiting on its own, ours and the reference alternating.
	base := e.sink.Accepted()
	var mu sync.Mutex
	var oursLoad, refLoad []probeResult
	var wg sync.WaitGroup
	done := make(chan loadResult, 1)
	go func() {
		done <- runLoad(loadSpec{URL: url, Conns: e.opt.conns, Requests: e.opt.confirmLoadN, Tag: "cl" + tag})
	}()
	var res loadResult
	pc := newClient(64)
	for i := 0; ; i++ {
		select {
		case res = <-done:
		case <-time.After(25 * time.Millisecond):
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				if i%2 == 0 {
					r := probeOurs(e.sink, pc, url, fmt.Sprintf("probe%d@load-%s.example.org", i, tag))
					mu.Lock()
					oursLoad = append(oursLoad, r)
					mu.Unlock()
				} else {
					r := probeRef(e.sink, pc, refURL, mailer, fmt.Sprintf("probe%d@refload-%s.example.org", i, tag))
					mu.Lock()
					refLoad = append(refLoad, r)
					mu.Unlock()
				}
			}(i)
			continue
		}
		break
	}
	loadEnd := time.Now()
	wg.Wait()
	// How long the confirmations of the load itself took to drain.
	if err := waitAccepted(e.sink, base+int64(e.opt.confirmLoadN), 2*time.Minute); err != nil {
		e.rep.note("confirmation mails of the load: " + err.Error())
	}
	drain := time.Since(loadEnd)
	logf("load during probes: %.0f req/s, p99 %s, errors %d %v; its %d confirmations drained %v after the load ended",
		res.RPS(), ms(res.P(0.99)), res.Errors, res.Codes, e.opt.confirmLoadN, drain.Round(time.Millisecond))
	report(fmt.Sprintf("under load (%d signups at %.0f/s)", e.opt.confirmLoadN, res.RPS()), oursLoad, refLoad, false)
	e.rep.note(fmt.Sprintf("confirmation under load: `serve` took %d signups at %.0f/s (p99 %s); the worker finished their confirmation mails %v after the load ended",
		e.opt.confirmLoadN, res.RPS(), ms(res.P(0.99)), drain.Round(time.Millisecond)))
	return nil
}
