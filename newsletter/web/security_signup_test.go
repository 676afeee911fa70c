package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter"
)

// commandLog records the Redis commands a client sends while on.
type commandLog struct {
	mu   sync.Mutex
	on   bool
	cmds []string
}

func (l *commandLog) DialHook(next redis.DialHook) redis.DialHook { return next }

func (l *commandLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		l.add(cmd)
		return next(ctx, cmd)
	}
}

func (l *commandLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		for _, c := range cmds {
			l.add(c)
		}
		return next(ctx, cmds)
	}
}

func (l *commandLog) add(cmd redis.Cmder) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.on {
		l.cmds = append(l.cmds, cmd.Name())
	}
}

// during returns the commands sent while f ran.
func (l *commandLog) during(f func()) []string {
	l.mu.Lock()
	l.on, l.cmds = true, nil
	l.mu.Unlock()
	f()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.on = false
	return l.cmds
}

// answer is a response without what differs between any two (its date).
type answer struct {
	code   int
	header string
	body   string
}

func signupAnswer(t *testing.T, a *apptest.App, email string, asForm bool) answer {
	t.Helper()
	req := rawRequest{Method: http.MethodPost, Target: "/subscribe"}
	if asForm {
		req.Header = []string{"Content-Type: application/x-www-form-urlencoded"}
		req.Body = []byte(url.Values{"email": {email}, "name": {"Sam"}, "consent": {"on"}}.Encode())
	} else {
		req.Header = []string{"Content-Type: application/json"}
		req.Body = []byte(fmt.Sprintf(`{"email":%q,"name":"Sam","consent":true}`, email))
	}
	r := req.do(t, a)
	var hdr []string
	for k, vs := range r.Header {
		if k != "Date" {
			hdr = append(hdr, k+": "+strings.Join(vs, ", "))
		}
	}
	sort.Strings(hdr)
	return answer{r.Code, strings.Join(hdr, "\n"), string(r.Body)}
}

// TestSignupSameForEveryAddress (finding 6): POST /subscribe gets the same
// answer, byte for byte, and makes the store do the same work (one script
// run, nothing else) whether the address is new, pending, confirmed,
// unsubscribed, bounced or complained; bounced and complained addresses
// get no mail.
func TestSignupSameForEveryAddress(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	log := &commandLog{}
	a.Redis.AddHook(log)
	ctx := t.Context()
	states := []newsletter.Status{newsletter.StatusPending, newsletter.StatusConfirmed, newsletter.StatusUnsubscribed,
		newsletter.StatusBounced, newsletter.StatusComplained}
	for _, st := range states {
		signupAnswer(t, a, string(st)+"@example.org", false)
		if st != newsletter.StatusPending {
			if err := a.Store.SetStatus(ctx, a.Subscriber(t, string(st)+"@example.org").ID, st, a.Clock.Now()); err != nil {
				t.Fatal(err)
			}
		}
	}
	a.Drain(t)
	before := len(a.SMTP.Messages())
	a.Fake.Advance(11 * time.Minute) // past the resend interval: the most work a known address can cause

	for _, asForm := range []bool{false, true} {
		want := signupAnswer(t, a, fmt.Sprintf("warm-up-%v@example.org", asForm), asForm)
		var wantCmds []string
		for i, email := range append([]string{fmt.Sprintf("new-%v@example.org", asForm)}, func() []string {
			var out []string
			for _, st := range states {
				out = append(out, string(st)+"@example.org")
			}
			return out
		}()...) {
			var got answer
			cmds := log.during(func() { got = signupAnswer(t, a, email, asForm) })
			if got != want {
				t.Errorf("form=%v %s: answer differs from a new address's:\n%+v\nwant\n%+v", asForm, email, got, want)
			}
			if i == 0 {
				wantCmds = cmds
				if len(cmds) != 1 {
					t.Errorf("form=%v: a new signup sent %v to Redis, want one script run", asForm, cmds)
				}
			} else if !slices.Equal(cmds, wantCmds) {
				t.Errorf("form=%v %s: Redis commands %v, a new address's %v", asForm, email, cmds, wantCmds)
			}
		}
	}
	a.Drain(t)
	for _, m := range a.SMTP.Messages()[before:] {
		if strings.HasPrefix(m.To, "bounced@") || strings.HasPrefix(m.To, "complained@") || strings.HasPrefix(m.To, "confirmed@") {
			t.Errorf("a signup mailed %s", m.To)
		}
	}
	for _, st := range []newsletter.Status{newsletter.StatusBounced, newsletter.StatusComplained, newsletter.StatusConfirmed} {
		if got := a.Subscriber(t, string(st)+"@example.org").Status; got != st {
			t.Errorf("%s address became %s", st, got)
		}
	}
	// The pending address got its first confirmation and one more; the
	// unsubscribed one (whose first was dropped when it left) one on coming back.
	if len(a.SMTP.To("pending@example.org")) != 2 || len(a.SMTP.To("unsubscribed@example.org")) != 1 {
		t.Errorf("pending got %d mails, unsubscribed %d; want 2 and 1",
			len(a.SMTP.To("pending@example.org")), len(a.SMTP.To("unsubscribed@example.org")))
	}
}

// TestConfirmationMailsCapped (finding 6): a pending address that keeps
// signing up gets the confirmation at most once per 10 minutes and three
// times in all.
func TestConfirmationMailsCapped(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	for i := 0; i < 8; i++ {
		for j := 0; j < 3; j++ {
			status(t, postJSON(t, a, "/subscribe", map[string]any{"email": "again@example.org", "consent": true}), http.StatusAccepted)
		}
		a.Drain(t)
		a.Fake.Advance(11 * time.Minute)
	}
	if n := len(a.SMTP.To("again@example.org")); n != 3 {
		t.Errorf("%d confirmation mails after 24 signups over 88 minutes, want 3", n)
	}
}
