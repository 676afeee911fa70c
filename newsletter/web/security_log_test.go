package web_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/app"
	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/newsletter/web"
)

// syncBuffer is a bytes.Buffer for several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// outage makes every Redis command fail while on.
type outage struct{ on atomic.Bool }

func (o *outage) DialHook(next redis.DialHook) redis.DialHook { return next }

func (o *outage) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if o.on.Load() {
			cmd.SetErr(errors.New("injected outage"))
			return cmd.Err()
		}
		return next(ctx, cmd)
	}
}

func (o *outage) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		if o.on.Load() {
			return errors.New("injected outage")
		}
		return next(ctx, cmds)
	}
}

// TestLogsHoldNoAddressNorToken (finding 7): the whole flow (signup,
// confirmation mail, confirm, download, the subscriber's page and export,
// the admin API, unsubscribe) and then the same token pages while Redis
// fails (which logs the paths and errors) leave in the service's log
// neither the subscriber's address nor any token, signed link or the
// admin token; the token paths are there as /confirm/… and the like.
func TestLogsHoldNoAddressNorToken(t *testing.T) {
	logs := &syncBuffer{}
	a := apptest.Start(t, apptest.Options{NoWorker: true, Wire: func(d *app.Deps) {
		d.Log = slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}})
	down := &outage{}
	a.Redis.AddHook(down)
	const email = "Private.Reader@example.org"
	const admin = "admin-secret-for-the-tests"
	do := func(method, path string, body io.Reader, hdr ...string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, a.URL+path, body)
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		res := must(a.Client.Do(req))
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	bearerHdr := []string{"Authorization", "Bearer " + admin}

	status(t, postJSON(t, a, "/subscribe", map[string]any{"email": email, "name": "Robin", "consent": true}), http.StatusAccepted)
	a.Drain(t)
	msgs := a.SMTP.To("private.reader@example.org")
	if len(msgs) != 1 {
		t.Fatalf("%d confirmation mails", len(msgs))
	}
	text, _, _ := parts(t, msgs[0])
	confirmURL := find(t, `(`+regexp.QuoteMeta(a.URL)+`/confirm/[A-Za-z0-9_.-]+)`, strings.ReplaceAll(text, "=\r\n", ""))
	confirmPath := strings.TrimPrefix(confirmURL, a.URL)
	id := a.Subscriber(t, email).ID
	tokens := map[string]string{
		"confirm":     strings.TrimPrefix(confirmPath, "/confirm/"),
		"me":          a.Links.Signer.Sign(token.Me, id, time.Time{}),
		"unsubscribe": a.Links.UnsubscribeToken(id),
		"download":    a.Links.Signer.Sign(token.Download, id, a.Clock.Now().Add(time.Hour)),
	}
	paths := []string{confirmPath, "/me/" + tokens["me"], "/me/" + tokens["me"] + "/export",
		"/unsubscribe/" + tokens["unsubscribe"], "/download/" + tokens["download"]}

	do("GET", confirmPath, nil)
	if code, _ := do("POST", confirmPath, nil); code != http.StatusOK {
		t.Fatalf("confirm: %d", code)
	}
	a.Drain(t)
	for _, p := range paths[1:4] {
		do("GET", p, nil)
	}
	do("GET", paths[4], nil)
	do("GET", "/admin/api/subscribers?q=private", nil, bearerHdr...)
	do("GET", "/admin/api/subscribers/export", nil, bearerHdr...)
	do("PATCH", "/admin/api/subscribers/"+url.PathEscape(email), strings.NewReader(`{"status":"confirmed"}`),
		append(bearerHdr, "Content-Type", "application/json")...)
	do("GET", "/admin/api/subscribers", nil, "Authorization", "Bearer a-wrong-token-"+admin)
	do("POST", "/unsubscribe/"+tokens["unsubscribe"], nil)

	// With Redis failing, every token page logs its path and the error.
	down.on.Store(true)
	for _, p := range paths {
		do("GET", p, nil)
		do("POST", p, nil)
	}
	do("PATCH", "/admin/api/subscribers/"+url.PathEscape(email), strings.NewReader(`{"status":"unsubscribed"}`),
		append(bearerHdr, "Content-Type", "application/json")...)
	do("DELETE", "/admin/api/subscribers/"+email, nil, bearerHdr...)
	postJSON(t, a, "/subscribe", map[string]any{"email": email, "consent": true}).Body.Close()
	down.on.Store(false)

	got := logs.String()
	if !strings.Contains(got, "/confirm/…") || !strings.Contains(got, "/me/…") || !strings.Contains(got, "/unsubscribe/…") {
		t.Fatalf("the log lacks the redacted token paths, so the test tests nothing:\n%s", got)
	}
	lower := strings.ToLower(got)
	for _, leak := range []string{strings.ToLower(email), "private.reader%40", admin, a.URL + "/confirm/", a.URL + "/me/"} {
		if strings.Contains(lower, strings.ToLower(leak)) {
			t.Errorf("the log holds %q", leak)
		}
	}
	for kind, tok := range tokens {
		mac := tok[strings.LastIndexByte(tok, '.')+1:]
		if strings.Contains(got, mac) || strings.Contains(got, tok[:strings.LastIndexByte(tok, '.')]) {
			t.Errorf("the log holds the %s token", kind)
		}
	}
	if !strings.Contains(got, "P***@example.org") && !strings.Contains(got, "p***@example.org") && !strings.Contains(got, "P***%40example.org") {
		t.Logf("note: no masked address in the log")
	}
	t.Logf("%d log lines", strings.Count(got, "\n"))
}

// TestRedact: the redactor's rules, one by one.
func TestRedact(t *testing.T) {
	for in, want := range map[string]string{
		"path=/confirm/MDAw.abcdefghijklmnopqrstuv":                    "path=/confirm/…",
		"/me/eyJhYmMi.abcdefghijklmnopqrstuv/export":                   "/me/…/export",
		"/unsubscribe/x /download/y?z=1":                               "/unsubscribe/… /download/…?z=1",
		"to sam.reader@example.org failed":                             "to s***@example.org failed",
		"/admin/api/subscribers/sam%40example.org":                     "/admin/api/subscribers/s***%40example.org",
		"link https://l.example/x/MDAwMDAw.abcdefghijklmnopqrstuv end": "link https://l.example/x/… end",
		"Authorization: Bearer s3cr3t-token":                           "Authorization: Bearer …",
		"nothing to hide here":                                         "nothing to hide here",
	} {
		if got := web.Redact(in); got != want {
			t.Errorf("Redact(%q) = %q, want %q", in, got, want)
		}
	}
	var b bytes.Buffer
	log := slog.New(web.RedactingHandler(slog.NewTextHandler(&b, nil)))
	log.With("who", "ann@example.org").Warn("failed for /me/abc", "err", errors.New("mail to bob@example.org refused"),
		slog.Group("req", "path", "/download/tok"))
	for _, leak := range []string{"ann@", "bob@", "/me/abc", "/download/tok"} {
		if strings.Contains(b.String(), leak) {
			t.Errorf("the redacting handler let %q through: %s", leak, b.String())
		}
	}
}
