package web_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

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

// sessionCookie returns the desk session cookie the client's jar holds.
func sessionCookie(t *testing.T, a *apptest.App) string {
	t.Helper()
	u, _ := url.Parse(a.URL + "/admin")
	for _, c := range a.Client.Jar.Cookies(u) {
		if c.Name == "nl_admin" && c.Value != "" {
			return c.Value
		}
	}
	t.Fatalf("no session cookie in the jar")
	return ""
}

// withCookies sends a request from a browser that holds only the cookies
// given (name, value pairs), as someone who copied them would.
func withCookies(t *testing.T, a *apptest.App, method, path string, form url.Values, cookies ...string) *http.Response {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, a.URL+path, body)
	if err != nil {
		t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(cookies); i += 2 {
		req.AddCookie(&http.Cookie{Name: cookies[i], Value: cookies[i+1]})
	}
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return must(client.Do(req))
}

// TestAdminDeskSignOutRevokesSession: signing out ends the sign-in on the
// server, so a copied cookie (and a renewed one of the same sign-in) no
// longer opens the desk; a fresh sign-in does. Only the sign-in's random
// id is kept, until its last cookie would have expired.
func TestAdminDeskSignOutRevokesSession(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	d := signIn(t, a)
	first := sessionCookie(t, a)
	// Two hours on, using the desk renews the cookie: a second copy.
	a.Fake.Advance(2 * time.Hour)
	mustHave(t, d.get("/admin", http.StatusOK), "Your desk")
	renewed := sessionCookie(t, a)
	if renewed == first {
		t.Fatalf("the session was not renewed")
	}
	// Before signing out, the copies open the desk from another browser.
	for _, c := range []string{first, renewed} {
		mustHave(t, status(t, withCookies(t, a, "GET", "/admin", nil, "nl_admin", c), http.StatusOK), "Your desk")
		status(t, withCookies(t, a, "GET", "/admin/compose", nil, "nl_admin", c), http.StatusOK)
	}

	d.post("/admin/logout", url.Values{}, http.StatusSeeOther)
	for i, c := range []string{first, renewed} {
		page := status(t, withCookies(t, a, "GET", "/admin", nil, "nl_admin", c), http.StatusOK)
		if strings.Contains(page, "Your desk") || !strings.Contains(page, `name="token"`) {
			t.Errorf("copy %d after sign-out: not the sign-in page: %.300s", i, page)
		}
		res := withCookies(t, a, "GET", "/admin/compose", nil, "nl_admin", c)
		status(t, res, http.StatusSeeOther)
		if loc := res.Header.Get("Location"); loc != "/admin" {
			t.Errorf("copy %d: GET /admin/compose → %q", i, loc)
		}
		form := url.Values{"csrf": {d.csrf}, "subject": {"s"}, "markdown": {"m"}, "action": {"schedule"}}
		res = withCookies(t, a, "POST", "/admin/compose", form, "nl_admin", c, "nl_csrf", d.csrf)
		mustHave(t, status(t, res, http.StatusUnauthorized), "You were signed out")
	}
	if ls, err := a.Store.ListLetters(t.Context(), "", 0); err != nil || len(ls) != 0 {
		t.Errorf("a revoked cookie scheduled letters: %v %v", ls, err)
	}

	// Redis holds one marker: the random id, nothing else, for as long as
	// the sign-in's last cookie could live (7 days + 12 hours after signing
	// in, that is 7 days 10 hours from now).
	keys, err := a.Redis.Keys(t.Context(), a.Prefix+"signedout:*").Result()
	if err != nil || len(keys) != 1 {
		t.Fatalf("signed-out keys %v (%v), want one", keys, err)
	}
	id := strings.TrimPrefix(keys[0], a.Prefix+"signedout:")
	if len(id) != 32 || strings.Trim(id, "0123456789abcdef") != "" {
		t.Errorf("key %q does not hold a bare random id", keys[0])
	}
	if v := a.Redis.Get(t.Context(), keys[0]).Val(); v != "1" {
		t.Errorf("stored %q, want a bare marker", v)
	}
	want := 7*24*time.Hour + 10*time.Hour
	if ttl := a.Redis.TTL(t.Context(), keys[0]).Val(); ttl > want || ttl < want-time.Minute {
		t.Errorf("TTL %v, want %v", ttl, want)
	}

	// A fresh sign-in works, with a cookie of a new sign-in.
	d = signIn(t, a)
	mustHave(t, d.get("/admin", http.StatusOK), "Your desk", `action="/admin/logout"`)
	if fresh := sessionCookie(t, a); fresh == first || fresh == renewed {
		t.Errorf("the fresh sign-in reuses a revoked cookie")
	}
	d.get("/admin/compose", http.StatusOK)
	// Signing out with no session (or a revoked one) just clears the cookie.
	d.post("/admin/logout", url.Values{}, http.StatusSeeOther)
	d.post("/admin/logout", url.Values{}, http.StatusSeeOther)
	if n, _ := a.Redis.Keys(t.Context(), a.Prefix+"signedout:*").Result(); len(n) != 2 {
		t.Errorf("%d signed-out ids after two sign-ins, want 2", len(n))
	}
}

// TestAdminDeskSessionRedisDown: with Redis gone the desk cannot check a
// session, so it lets nobody in: a page saying to try again, 503, never a
// 500 nor the desk. Signing out then keeps the cookie and says so.
func TestAdminDeskSessionRedisDown(t *testing.T) {
	for _, silent := range []bool{false, true} {
		t.Run("silent="+strconv.FormatBool(silent), func(t *testing.T) {
			t.Parallel()
			base, signer := outageServer(t, silent, 0)
			client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			t.Cleanup(client.CloseIdleConnections)
			now := time.Now()
			// A valid cookie, as a sign-in would have made it.
			cookie, csrf := web.SessionCookieForTest(signer, "admin-secret-for-the-tests", testkit.RandomHex(16), now)
			do := func(method, path string, form url.Values) (*http.Response, string) {
				t.Helper()
				var body io.Reader
				if form != nil {
					body = strings.NewReader(form.Encode())
				}
				req, _ := http.NewRequest(method, base+path, body)
				if form != nil {
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				}
				req.AddCookie(&http.Cookie{Name: "nl_admin", Value: cookie})
				req.AddCookie(&http.Cookie{Name: "nl_csrf", Value: csrf})
				res, err := client.Do(req)
				if err != nil {
					t.Fatalf("%s %s: %v", method, path, err)
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				return res, string(b)
			}
			for _, p := range []string{"/admin", "/admin/compose", "/admin/subscribers/export.csv"} {
				res, body := do("GET", p, nil)
				if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "try again") ||
					strings.Contains(body, "Your desk") {
					t.Errorf("GET %s with Redis down: %d: %.300s", p, res.StatusCode, body)
				}
			}
			res, body := do("POST", "/admin/compose", url.Values{"csrf": {csrf}, "subject": {"s"}, "markdown": {"m"}, "action": {"schedule"}})
			if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "try again") {
				t.Errorf("POST /admin/compose with Redis down: %d: %.300s", res.StatusCode, body)
			}
			res, body = do("POST", "/admin/logout", url.Values{"csrf": {csrf}})
			if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "not signed out yet") {
				t.Errorf("sign-out with Redis down: %d: %.300s", res.StatusCode, body)
			}
			for _, c := range res.Cookies() {
				if c.Name == "nl_admin" {
					t.Errorf("sign-out with Redis down touched the cookie: %+v", c)
				}
			}
		})
	}
}

// TestAdminDeskOffWithoutToken: with ADMIN_TOKEN empty the desk says it is
// switched off (404, like the admin API then) instead of offering a
// sign-in that cannot work, and no token, not even an empty one, opens it.
func TestAdminDeskOffWithoutToken(t *testing.T) {
	rdb, prefix := testkit.Redis(t)
	store := redisstore.New(rdb, prefix)
	set, err := sequences.Load(sequences.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	clock := newsletter.SystemClock{}
	signer := token.NewSigner([]byte(testkit.RandomHex(32)))
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := &service.Service{Store: store, Sequences: set, DefaultSequence: "guide", DefaultTZ: time.UTC, Clock: clock, Log: log}
	composer := &compose.Composer{Links: &compose.Links{BaseURL: base, Signer: signer, Clock: clock}, Sequences: set}
	srv := web.New(web.Config{Service: svc, Store: store, Signer: signer, Composer: composer, Site: templates.Site{Title: "Dear Fellow Humans", BaseURL: base},
		AdminToken: "", Clock: clock, Log: log})
	go srv.App().Listener(ln)
	client := &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	t.Cleanup(func() {
		client.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	read := func(res *http.Response, err error) (*http.Response, string) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(b)
	}

	// GET /admin is the sign-in page the contract names, saying why
	// signing in cannot work.
	res, page := read(client.Get(base + "/admin"))
	if res.StatusCode != http.StatusOK {
		t.Errorf("GET /admin: %d, want 200", res.StatusCode)
	}
	mustHave(t, page, "Sign in", "The desk is switched off", "ADMIN_TOKEN", "Dear Fellow Humans")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type %q", ct)
	}
	if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
		t.Errorf("Cache-Control %q", cc)
	}
	// Every other desk page says the same; an empty token signs nobody in.
	for _, p := range []string{"/admin/compose", "/admin/subscribers"} {
		if res, page := read(client.Get(base + p)); res.StatusCode != http.StatusNotFound || !strings.Contains(page, "switched off") {
			t.Errorf("GET %s: %d: %.200s", p, res.StatusCode, page)
		}
	}
	csrf := testkit.RandomHex(16)
	req, _ := http.NewRequest("POST", base+"/admin/login", strings.NewReader(url.Values{"token": {""}, "csrf": {csrf}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "nl_csrf", Value: csrf})
	res, page = read(client.Do(req))
	if res.StatusCode != http.StatusNotFound || !strings.Contains(page, "switched off") {
		t.Errorf("sign-in with the desk off: %d: %.200s", res.StatusCode, page)
	}
	for _, c := range res.Cookies() {
		if c.Name == "nl_admin" && c.Value != "" {
			t.Errorf("sign-in with the desk off set a session cookie")
		}
	}
	// A session cookie signed with the service's key does not open it either.
	now := time.Now()
	forged := signer.Sign("admin-session", "admin:"+testkit.RandomHex(16)+":"+
		strconv.FormatInt(now.Unix(), 10)+":"+strconv.FormatInt(now.Unix(), 10), now.Add(time.Hour))
	req, _ = http.NewRequest("GET", base+"/admin", nil)
	req.AddCookie(&http.Cookie{Name: "nl_admin", Value: forged})
	if res, page := read(client.Do(req)); !strings.Contains(page, "switched off") || strings.Contains(page, "Your desk") {
		t.Errorf("a session cookie with the desk off: %d: %.200s", res.StatusCode, page)
	}
}
