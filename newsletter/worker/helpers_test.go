package worker_test

// Helpers for the drip-engine tests: they run the whole service in-process
// (internal/apptest) on the real Redis and a real SMTP server over TCP, and
// move a fake clock instead of sleeping through schedules.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/worker"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

// step is the text of one step file.
func step(subject, after string, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "---\nsubject: %s\nafter: %s\n", subject, after)
	for _, e := range extra {
		b.WriteString(e + "\n")
	}
	fmt.Fprintf(&b, "---\nHello{{ if .FirstName }} {{ .FirstName }}{{ end }}, this is %s.\n\nTo leave: {{ .UnsubscribeURL }}\n", subject)
	return b.String()
}

// writeSet writes sequences (id -> file name -> text) into dir and loads them.
func writeSet(t *testing.T, dir string, seqs map[string]map[string]string) *sequences.Set {
	t.Helper()
	for id, files := range seqs {
		if err := os.MkdirAll(filepath.Join(dir, id), 0o755); err != nil {
			t.Fatal(err)
		}
		for name, text := range files {
			if err := os.WriteFile(filepath.Join(dir, id, name), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	set, err := sequences.LoadDir(dir)
	if err != nil {
		t.Fatalf("load sequences: %v", err)
	}
	return set
}

// signup signs email up to seq (as the web side would) and returns its id.
func signup(t *testing.T, a *apptest.App, email, seq, tz string) string {
	t.Helper()
	res, err := a.Service.Signup(context.Background(), service.SignupRequest{
		Email: email, Name: "Reader " + strings.Split(email, "@")[0], Sequence: seq, TZ: tz, Source: "api",
	})
	if err != nil || res != service.SignupCreated {
		t.Fatalf("signup %s: %v, %v", email, res, err)
	}
	return a.Subscriber(t, email).ID
}

// confirm confirms the subscriber id at the clock's time.
func confirm(t *testing.T, a *apptest.App, id string) {
	t.Helper()
	if _, changed, err := a.Service.Confirm(context.Background(), id); err != nil || !changed {
		t.Fatalf("confirm %s: changed=%v err=%v", id, changed, err)
	}
}

// sent is one mail the SMTP server accepted, stamped with the fake time of
// the drain that sent it.
type sent struct {
	To, Subject string
	At          time.Time
}

// mailLog drives a worker with Drain under the fake clock and keeps every
// accepted mail with the fake time it went out.
type mailLog struct {
	a      *apptest.App
	w      *worker.Worker
	seen   int
	mails  []sent
	onMail func(sent)
}

func newLog(a *apptest.App) *mailLog { return &mailLog{a: a, w: a.Worker} }

// drain runs every job due now and returns the mails it sent.
func (l *mailLog) drain(t *testing.T) []sent {
	t.Helper()
	if _, err := l.w.Drain(context.Background()); err != nil {
		t.Fatalf("drain: %v", err)
	}
	msgs := l.a.SMTP.Messages()
	var out []sent
	for _, m := range msgs[l.seen:] {
		s := sent{To: m.To, Subject: m.Subject(), At: l.a.Fake.Now()}
		out = append(out, s)
		l.mails = append(l.mails, s)
		if l.onMail != nil {
			l.onMail(s)
		}
	}
	l.seen = len(msgs)
	return out
}

// runUntil moves the clock by tick and drains, until the clock reaches end.
func (l *mailLog) runUntil(t *testing.T, end time.Time, tick time.Duration) {
	t.Helper()
	for l.a.Fake.Now().Before(end) {
		next := l.a.Fake.Now().Add(tick)
		if next.After(end) {
			next = end
		}
		l.a.Fake.Set(next)
		l.drain(t)
	}
}

// to returns the mails to addr, in the order sent.
func (l *mailLog) to(addr string) []sent {
	var out []sent
	for _, m := range l.mails {
		if strings.EqualFold(m.To, addr) {
			out = append(out, m)
		}
	}
	return out
}

func subjects(ms []sent) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Subject
	}
	return out
}

// confirmSubject is the subject of the double opt-in mail for the
// sequences of these tests, which have no guide to promise.
var confirmSubject = templates.ConfirmLettersSubject

// queued returns the due time of a job, and whether it is queued at all.
func queued(t *testing.T, a *apptest.App, job newsletter.Job) (time.Time, bool) {
	t.Helper()
	lane := a.Prefix + "queue"
	if job.Urgent() {
		lane = a.Prefix + "urgent"
	}
	score, err := a.Redis.ZScore(context.Background(), lane, job.ID()).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return time.UnixMilli(int64(score)).UTC(), true
}

func dripJob(id string) newsletter.Job {
	return newsletter.Job{Kind: newsletter.JobDrip, Subscriber: id}
}

// admin calls the admin API and decodes the JSON answer into v.
func admin(t *testing.T, a *apptest.App, method, path string, v any) int {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer admin-secret-for-the-tests")
	res, err := a.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if v != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(body, v); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, body)
		}
	}
	return res.StatusCode
}

type adminSubscriber struct {
	Email, Status, Sequence string
	Step                    int
}

// adminSubscribers lists subscribers through the admin API.
func adminSubscribers(t *testing.T, a *apptest.App, status string) map[string]adminSubscriber {
	t.Helper()
	var out struct{ Subscribers []adminSubscriber }
	if code := admin(t, a, "GET", "/admin/api/subscribers?status="+status, &out); code != http.StatusOK {
		t.Fatalf("list subscribers: status %d", code)
	}
	m := map[string]adminSubscriber{}
	for _, s := range out.Subscribers {
		m[s.Email] = s
	}
	return m
}

// counter reads a counter of a metrics registry; labels are name=value pairs.
func counter(t *testing.T, reg *prometheus.Registry, name string, labels ...string) float64 {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	total := 0.0
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	metric:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, lp := range m.GetLabel() {
				have[lp.GetName()] = lp.GetValue()
			}
			for i := 0; i+1 < len(labels); i += 2 {
				if have[labels[i]] != labels[i+1] {
					continue metric
				}
			}
			total += m.GetCounter().GetValue()
		}
	}
	return total
}

// at is a wall time in loc.
func at(loc *time.Location, y int, m time.Month, d, hh, mm int) time.Time {
	return time.Date(y, m, d, hh, mm, 0, 0, loc)
}

func mustLoad(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}
