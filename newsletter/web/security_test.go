package web_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/newsletter/web"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

// deadRedis is a Redis nobody can use: a closed port (connection refused at
// once) or a listener that accepts and never says a word (every command
// times out).
func deadRedis(t *testing.T, silent bool) *redis.Client {
	t.Helper()
	addr := "127.0.0.1:1"
	if silent {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var conns []net.Conn
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				mu.Lock()
				conns = append(conns, c) // held open, never answered
				mu.Unlock()
			}
		}()
		t.Cleanup(func() {
			ln.Close()
			mu.Lock()
			for _, c := range conns {
				c.Close()
			}
			mu.Unlock()
		})
		addr = ln.Addr().String()
	}
	rdb := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 300 * time.Millisecond,
		ReadTimeout: 200 * time.Millisecond, WriteTimeout: 200 * time.Millisecond, MaxRetries: -1, PoolTimeout: 300 * time.Millisecond,
		DialerRetries: 1})
	t.Cleanup(func() { rdb.Close() })
	return rdb
}

// outageServer is the web side, built by hand, on a Redis that does not
// answer; it returns the base URL and the signer of its links.
func outageServer(t *testing.T, silent bool, signupLimit int) (string, *token.Signer) {
	t.Helper()
	set, err := sequences.Load(sequences.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	store := redisstore.New(deadRedis(t, silent), "outage:")
	clock := newsletter.SystemClock{}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	signer := token.NewSigner([]byte(testkit.RandomHex(32)))
	links := &compose.Links{BaseURL: base, Signer: signer, Clock: clock}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := &service.Service{Store: store, Sequences: set, DefaultSequence: "guide", DefaultTZ: time.UTC,
		Clock: clock, Log: log}
	srv := web.New(web.Config{Service: svc, Store: store, Signer: signer, Composer: &compose.Composer{Links: links, Sequences: set}, Site: templates.Site{Title: "Dear Fellow Humans", BaseURL: base},
		AdminToken: "admin-secret-for-the-tests", SignupLimit: signupLimit, Clock: clock, Log: log})
	go srv.App().Listener(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	return base, signer
}

// TestRedisOutage: with Redis gone the web side answers 503 with a message
// a person can read (JSON for JSON, a page for forms and pages), and
// /healthz says so; never a 500.
func TestRedisOutage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		silent bool
		limit  int
	}{
		{"refused, no rate limit", false, 0},
		{"refused, rate limit on", false, 20},
		{"silent, no rate limit", true, 0},
		{"silent, rate limit on", true, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			base, signer := outageServer(t, tc.silent, tc.limit)
			client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			t.Cleanup(client.CloseIdleConnections) // runs before the server's shutdown
			do := func(method, path, ctype, body string, hdr ...string) (*http.Response, string) {
				t.Helper()
				req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
				if ctype != "" {
					req.Header.Set("Content-Type", ctype)
				}
				for i := 0; i+1 < len(hdr); i += 2 {
					req.Header.Set(hdr[i], hdr[i+1])
				}
				start := time.Now()
				res, err := client.Do(req)
				if err != nil {
					t.Fatalf("%s %s: %v", method, path, err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				if d := time.Since(start); d > 5*time.Second {
					t.Errorf("%s %s took %v with Redis down", method, path, d)
				}
				return res, string(b)
			}
			want503 := func(res *http.Response, body string, asJSON bool) {
				t.Helper()
				if res.StatusCode != http.StatusServiceUnavailable {
					t.Fatalf("%s %s: status %d, want 503; body: %.300s", res.Request.Method, res.Request.URL.Path, res.StatusCode, body)
				}
				ct := res.Header.Get("Content-Type")
				if asJSON {
					var v map[string]any
					if !strings.HasPrefix(ct, "application/json") || json.Unmarshal([]byte(body), &v) != nil {
						t.Fatalf("%s: want a JSON body, got %q: %.200s", res.Request.URL.Path, ct, body)
					}
					if msg, _ := v["error"].(string); msg == "" && v["status"] == nil {
						t.Errorf("%s: JSON 503 without a message: %s", res.Request.URL.Path, body)
					}
				} else if !strings.HasPrefix(ct, "text/html") || !strings.Contains(body, "try again") {
					t.Errorf("%s: want an HTML page saying to try again, got %q: %.300s", res.Request.URL.Path, ct, body)
				}
			}

			res, body := do("POST", "/subscribe", "application/json", `{"email":"a@example.org","consent":true}`)
			want503(res, body, true)
			if !strings.Contains(body, "try again") {
				t.Errorf("JSON 503 does not tell the client what to do: %s", body)
			}
			if res.Header.Get("Retry-After") == "" {
				t.Errorf("503 without Retry-After")
			}
			res, body = do("POST", "/subscribe", "application/x-www-form-urlencoded", url.Values{"email": {"a@example.org"}, "consent": {"on"}}.Encode())
			want503(res, body, false)

			res, body = do("GET", "/healthz", "", "")
			want503(res, body, true)

			id := "some-subscriber"
			confirm := "/confirm/" + signer.Sign(token.Confirm, id, time.Now().Add(time.Hour))
			res, body = do("POST", confirm, "application/x-www-form-urlencoded", "")
			want503(res, body, false)
			// The GET shows the confirm button and needs no storage; it may
			// answer 200 or 503, never anything else.
			if res, body = do("GET", confirm, "", ""); res.StatusCode != 200 && res.StatusCode != 503 {
				t.Errorf("GET confirm: status %d: %.200s", res.StatusCode, body)
			}
			unsub := "/unsubscribe/" + signer.Sign(token.Unsubscribe, id, time.Time{})
			res, body = do("POST", unsub, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click")
			want503(res, body, false)
			me := "/me/" + signer.Sign(token.Me, id, time.Time{})
			res, body = do("GET", me, "", "")
			want503(res, body, false)
			res, body = do("GET", me+"/export", "", "")
			want503(res, body, true)
			res, body = do("POST", me+"/erase", "application/x-www-form-urlencoded", "")
			want503(res, body, false)
			res, body = do("GET", "/download/"+signer.Sign(token.Download, id, time.Now().Add(time.Hour)), "", "")
			want503(res, body, false)
			res, body = do("GET", "/letters", "", "")
			want503(res, body, false)
			res, body = do("GET", "/admin/api/subscribers", "", "", "Authorization", "Bearer admin-secret-for-the-tests")
			want503(res, body, true)
			res, body = do("POST", "/admin/api/subscribers", "text/csv", "email,name,status,sequence\nb@example.org,B,confirmed,guide\n", "Authorization", "Bearer admin-secret-for-the-tests")
			want503(res, body, true)

			// What needs no storage still works, and bad input is still a 4xx.
			if res, body = do("GET", "/", "", ""); res.StatusCode != 200 {
				t.Errorf("landing page: %d: %.200s", res.StatusCode, body)
			}
			if tc.limit == 0 {
				if res, body = do("POST", "/subscribe", "application/json", `{"email":"nope"}`); res.StatusCode != 422 {
					t.Errorf("invalid signup with Redis down: %d, want 422: %.200s", res.StatusCode, body)
				}
			}
			if res, body = do("GET", "/me/not-a-token", "", ""); res.StatusCode != 404 {
				t.Errorf("bad token with Redis down: %d, want 404: %.200s", res.StatusCode, body)
			}
		})
	}
}

// TestSecurityHeaders: every page forbids framing, sniffing and referrers
// and carries a CSP; the signup endpoint answers a CORS preflight.
func TestSecurityHeaders(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	if _, err := a.Service.Signup(t.Context(), service.SignupRequest{Email: "h@example.org", Source: "api"}); err != nil {
		t.Fatal(err)
	}
	id := a.Subscriber(t, "h@example.org").ID
	pages := []string{"/", "/thanks", "/letters", "/admin", "/nope",
		"/confirm/" + a.Links.Signer.Sign(token.Confirm, id, a.Clock.Now().Add(time.Hour)),
		"/unsubscribe/" + a.Links.UnsubscribeToken(id),
		"/me/" + a.Links.Signer.Sign(token.Me, id, time.Time{}),
	}
	for _, p := range pages {
		res := must(a.Client.Get(a.URL + p))
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		h := res.Header
		if res.StatusCode >= 500 {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
		if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("GET %s: X-Content-Type-Options %q", p, got)
		}
		if got := h.Get("Referrer-Policy"); got != "no-referrer" && got != "same-origin" && got != "strict-origin-when-cross-origin" {
			t.Errorf("GET %s: Referrer-Policy %q", p, got)
		}
		csp := h.Get("Content-Security-Policy")
		for _, want := range []string{"default-src 'none'", "frame-ancestors", "base-uri", "form-action"} {
			if !strings.Contains(csp, want) {
				t.Errorf("GET %s: CSP %q lacks %s", p, csp, want)
			}
		}
		if strings.Contains(csp, "'unsafe-eval'") || regexp.MustCompile(`script-src[^;]*'unsafe-inline'`).MatchString(csp) {
			t.Errorf("GET %s: CSP allows unsafe scripts: %q", p, csp)
		}
		if !strings.Contains(csp, "frame-ancestors 'none'") && !strings.Contains(csp, "frame-ancestors 'self'") && h.Get("X-Frame-Options") == "" {
			t.Errorf("GET %s: framing not restricted (CSP %q)", p, csp)
		}
		if strings.HasPrefix(p, "/me/") && !strings.Contains(h.Get("Cache-Control"), "no-store") {
			t.Errorf("GET %s: personal page cacheable: %q", p, h.Get("Cache-Control"))
		}
	}

	// CORS preflight for a form on the author's own site.
	req, _ := http.NewRequest(http.MethodOptions, a.URL+"/subscribe", nil)
	req.Header.Set("Origin", "https://author.example")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "content-type")
	res := must(a.Client.Do(req))
	res.Body.Close()
	if res.StatusCode != http.StatusNoContent && res.StatusCode != http.StatusOK {
		t.Fatalf("preflight: %d", res.StatusCode)
	}
	if o := res.Header.Get("Access-Control-Allow-Origin"); o != "*" && o != "https://author.example" {
		t.Errorf("preflight Allow-Origin %q", o)
	}
	if m := res.Header.Get("Access-Control-Allow-Methods"); !strings.Contains(m, "POST") {
		t.Errorf("preflight Allow-Methods %q", m)
	}
	if hs := strings.ToLower(res.Header.Get("Access-Control-Allow-Headers")); !strings.Contains(hs, "content-type") {
		t.Errorf("preflight Allow-Headers %q", hs)
	}
	if res.Header.Get("Access-Control-Allow-Credentials") == "true" {
		t.Errorf("preflight allows credentials with a wildcard origin")
	}
	// The actual cross-origin POST carries the header too.
	req, _ = http.NewRequest(http.MethodPost, a.URL+"/subscribe", strings.NewReader(`{"email":"cors@example.org","consent":true}`))
	req.Header.Set("Origin", "https://author.example")
	req.Header.Set("Content-Type", "application/json")
	res = must(a.Client.Do(req))
	status(t, res, http.StatusAccepted)
	if res.Header.Get("Access-Control-Allow-Origin") == "" {
		t.Errorf("cross-origin POST without Access-Control-Allow-Origin")
	}
	// The admin API is not open to other origins.
	req, _ = http.NewRequest(http.MethodOptions, a.URL+"/admin/api/subscribers", nil)
	req.Header.Set("Origin", "https://evil.example")
	req.Header.Set("Access-Control-Request-Method", "GET")
	res = must(a.Client.Do(req))
	res.Body.Close()
	if res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("admin API answers CORS preflight from any origin")
	}
}

// TestAdminSession: the desk's sign-in needs the CSRF cookie and field;
// the session cookie is HttpOnly and SameSite=Strict.
func TestAdminSession(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	res := must(a.Client.Get(a.URL + "/admin"))
	page := status(t, res, http.StatusOK)
	var csrf *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "nl_csrf" {
			csrf = c
		}
	}
	if csrf == nil || !csrf.HttpOnly || csrf.SameSite != http.SameSiteStrictMode {
		t.Fatalf("CSRF cookie %+v: want HttpOnly and SameSite=Strict", csrf)
	}
	field := find(t, `name="csrf" value="([0-9a-f]+)"`, page)
	if field != csrf.Value {
		t.Fatalf("hidden field %q differs from the cookie %q", field, csrf.Value)
	}

	// Without the field (or with another value): 403, and no session.
	for _, form := range []url.Values{{"token": {"admin-secret-for-the-tests"}}, {"token": {"admin-secret-for-the-tests"}, "csrf": {strings.Repeat("0", 32)}}} {
		res = must(a.Client.PostForm(a.URL+"/admin/login", form))
		status(t, res, http.StatusForbidden)
		for _, c := range res.Cookies() {
			if c.Name == "nl_admin" && c.Value != "" {
				t.Fatalf("session cookie without CSRF")
			}
		}
	}
	// A wrong token: 401, no session.
	res = must(a.Client.PostForm(a.URL+"/admin/login", url.Values{"token": {"wrong"}, "csrf": {field}}))
	status(t, res, http.StatusUnauthorized)
	for _, c := range res.Cookies() {
		if c.Name == "nl_admin" && c.Value != "" {
			t.Fatalf("session cookie for a wrong token")
		}
	}
	// The right token and CSRF: a session cookie with the right flags.
	res = must(a.Client.PostForm(a.URL+"/admin/login", url.Values{"token": {"admin-secret-for-the-tests"}, "csrf": {field}}))
	status(t, res, http.StatusSeeOther)
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "nl_admin" {
			session = c
		}
	}
	if session == nil || session.Value == "" {
		t.Fatalf("no session cookie after sign-in")
	}
	if !session.HttpOnly || session.SameSite != http.SameSiteStrictMode {
		t.Errorf("session cookie %q: want HttpOnly and SameSite=Strict", res.Header.Get("Set-Cookie"))
	}
	if session.Secure {
		t.Errorf("session cookie Secure on a plain-http BASE_URL (the browser would drop it)")
	}
	if strings.Contains(session.Value, "admin-secret-for-the-tests") {
		t.Errorf("session cookie holds the admin token")
	}
	// The session works, and a session cookie is no admin API token.
	res = must(a.Client.Get(a.URL + "/admin"))
	if body := status(t, res, http.StatusOK); strings.Contains(body, `name="token"`) {
		t.Errorf("still the sign-in page after signing in")
	}
	res = must(a.Client.Get(a.URL + "/admin/api/subscribers"))
	status(t, res, http.StatusUnauthorized)
}

// TestThanksRedirectIsNoOpenRedirect: the form's redirect field only ever
// goes back to the posting page's own origin.
func TestThanksRedirectIsNoOpenRedirect(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	for i, target := range []string{"https://evil.example/x", "//evil.example/x", "javascript:alert(1)", "/\\evil.example",
		"https://author.example\r\nSet-Cookie: x=1", "https://author.example@evil.example/"} {
		form := url.Values{"email": {"r" + string(rune('a'+i)) + "@example.org"}, "consent": {"on"}, "redirect": {target}}
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/subscribe", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", "https://author.example")
		res := must(a.Client.Do(req))
		status(t, res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/thanks" {
			t.Errorf("redirect %q → Location %q, want /thanks", target, loc)
		}
	}
}

// TestAdminCookiesSecureOnHTTPS: with an https BASE_URL the desk's cookies
// are Secure as well (in-process, on the dev-mode in-memory Redis).
func TestAdminCookiesSecureOnHTTPS(t *testing.T) {
	mr := miniredis.RunT(t)
	rdb := redis.NewClient(&redis.Options{Addr: mr.Addr()})
	t.Cleanup(func() { rdb.Close() })
	store := redisstore.New(rdb, "")
	set, err := sequences.Load(sequences.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	const base = "https://news.example.org"
	clock := newsletter.SystemClock{}
	signer := token.NewSigner([]byte(testkit.RandomHex(32)))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := &service.Service{Store: store, Sequences: set, DefaultSequence: "guide", DefaultTZ: time.UTC, Clock: clock, Log: log}
	composer := &compose.Composer{Links: &compose.Links{BaseURL: base, Signer: signer, Clock: clock}, Sequences: set}
	app := web.New(web.Config{Service: svc, Store: store, Signer: signer, Composer: composer, Site: templates.Site{Title: "T", BaseURL: base},
		AdminToken: "admin-secret-for-the-tests", Clock: clock, Log: log}).App()

	res, err := app.Test(httptest.NewRequest(http.MethodGet, "/admin", nil), -1)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	var csrf *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "nl_csrf" {
			csrf = c
		}
	}
	if csrf == nil || !csrf.Secure || !csrf.HttpOnly || csrf.SameSite != http.SameSiteStrictMode {
		t.Fatalf("CSRF cookie on https: %+v", csrf)
	}
	field := find(t, `name="csrf" value="([0-9a-f]+)"`, string(page))
	req := httptest.NewRequest(http.MethodPost, "/admin/login", strings.NewReader(url.Values{"token": {"admin-secret-for-the-tests"}, "csrf": {field}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "nl_csrf", Value: csrf.Value})
	if res, err = app.Test(req, -1); err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", res.StatusCode)
	}
	var session *http.Cookie
	for _, c := range res.Cookies() {
		if c.Name == "nl_admin" {
			session = c
		}
	}
	if session == nil || !session.Secure || !session.HttpOnly || session.SameSite != http.SameSiteStrictMode {
		t.Fatalf("session cookie on https: %q", res.Header.Values("Set-Cookie"))
	}
}
