package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter/web"
	"github.com/satina/newsletter/templates"
)

// apiAs calls GET /admin/api/subscribers as client ip with the given
// Authorization ("" for none).
func apiAs(t *testing.T, a *apptest.App, ip, auth string) rawResponse {
	t.Helper()
	hdr := []string{"X-Forwarded-For: " + ip}
	if auth != "" {
		hdr = append(hdr, "Authorization: "+auth)
	}
	return rawRequest{Method: http.MethodGet, Target: "/admin/api/subscribers", Header: hdr}.do(t, a)
}

// signInAs posts the desk's sign-in form as client ip with tok.
func signInAs(t *testing.T, a *apptest.App, ip, tok string) rawResponse {
	t.Helper()
	csrf := strings.Repeat("ab", 16)
	return rawRequest{Method: http.MethodPost, Target: "/admin/login", Header: []string{"X-Forwarded-For: " + ip,
		"Content-Type: application/x-www-form-urlencoded", "Cookie: nl_csrf=" + csrf},
		Body: []byte(url.Values{"token": {tok}, "csrf": {csrf}}.Encode())}.do(t, a)
}

func wantLockedOut(t *testing.T, what string, r rawResponse) {
	t.Helper()
	if r.Code != http.StatusTooManyRequests {
		t.Errorf("%s: %d, want 429: %.200s", what, r.Code, r.Body)
		return
	}
	if n, err := strconv.Atoi(r.Header.Get("Retry-After")); err != nil || n < 1 {
		t.Errorf("%s: Retry-After %q", what, r.Header.Get("Retry-After"))
	}
}

// TestAdminGuessLimiter (finding 4): ten wrong admin tokens from one
// client (an IPv6 /64 is one) within ten minutes, on the admin API or the
// desk's sign-in, get that client 429 with Retry-After of at least ten
// minutes on both, the right token included; other clients go on; the
// count is in Redis under the store's prefix, so another process on the
// same Redis refuses the client too; ten minutes on it may try again.
func TestAdminGuessLimiter(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true, TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	const right = "Bearer admin-secret-for-the-tests"

	// Nine wrong tokens on the API and one at the sign-in: ten failures.
	for i := 0; i < 9; i++ {
		if r := apiAs(t, a, "203.0.113.9", "Bearer wrong-"+strconv.Itoa(i)); r.Code != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d", i+1, r.Code)
		}
	}
	// Requests without any Authorization guess nothing and do not count.
	for i := 0; i < 5; i++ {
		if r := apiAs(t, a, "203.0.113.9", ""); r.Code != http.StatusUnauthorized {
			t.Fatalf("no token: %d", r.Code)
		}
	}
	if r := apiAs(t, a, "203.0.113.9", right); r.Code != http.StatusOK {
		t.Fatalf("right token after nine failures: %d", r.Code)
	}
	if r := signInAs(t, a, "203.0.113.9", "not-the-admin-token-at-all"); r.Code != http.StatusUnauthorized {
		t.Fatalf("tenth failure, at the sign-in: %d", r.Code)
	}
	r := apiAs(t, a, "203.0.113.9", right)
	wantLockedOut(t, "API, right token, after ten failures", r)
	if n, _ := strconv.Atoi(r.Header.Get("Retry-After")); n < 600 {
		t.Errorf("Retry-After %d, want at least 600", n)
	}
	wantLockedOut(t, "sign-in, right token", signInAs(t, a, "203.0.113.9", "admin-secret-for-the-tests"))
	if r := apiAs(t, a, "203.0.113.10", right); r.Code != http.StatusOK {
		t.Errorf("another client: %d", r.Code)
	}

	// Another process on the same Redis knows the lock-out.
	other := web.New(web.Config{Service: a.Service, Store: a.Store, Signer: a.Links.Signer, Composer: a.App.Composer,
		Site: templates.Site{Title: "T", BaseURL: a.URL}, AdminToken: "admin-secret-for-the-tests", Clock: a.Clock,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")}, Log: slog.New(slog.DiscardHandler)})
	req := httptest.NewRequest(http.MethodGet, "/admin/api/subscribers", nil)
	req.Header.Set("Authorization", right)
	req.Header.Set("X-Forwarded-For", "203.0.113.9")
	res, err := other.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	if res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("another process: %d, want 429", res.StatusCode)
	}
	keys := a.Redis.Keys(t.Context(), "*guess*").Val()
	if len(keys) == 0 {
		t.Errorf("no guess keys in Redis")
	}
	for _, k := range keys {
		if !strings.HasPrefix(k, a.Prefix) && strings.Contains(k, "203.0.113.9") {
			t.Errorf("key %q outside the prefix", k)
		}
	}

	// Ten minutes and a second on, the right token works again.
	a.Fake.Advance(10*time.Minute + time.Second)
	if r := apiAs(t, a, "203.0.113.9", right); r.Code != http.StatusOK {
		t.Errorf("after the lock-out: %d", r.Code)
	}

	// IPv6: failures spread over one /64 lock the whole /64 out.
	for i := 1; i <= 10; i++ {
		apiAs(t, a, "2001:db8:5:6::"+strconv.Itoa(i), "Bearer wrong")
	}
	wantLockedOut(t, "same /64, right token", apiAs(t, a, "2001:db8:5:6:ffff::1", right))
	if r := apiAs(t, a, "2001:db8:5:7::1", right); r.Code != http.StatusOK {
		t.Errorf("next /64: %d", r.Code)
	}

	// The desk's sign-in alone locks out too.
	for i := 0; i < 10; i++ {
		signInAs(t, a, "198.51.100.20", "wrong")
	}
	wantLockedOut(t, "sign-in after ten wrong tokens there", signInAs(t, a, "198.51.100.20", "admin-secret-for-the-tests"))
	wantLockedOut(t, "API after ten wrong sign-ins", apiAs(t, a, "198.51.100.20", right))
}
