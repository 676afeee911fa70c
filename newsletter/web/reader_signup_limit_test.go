package web_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/satina/newsletter/internal/apptest"
)

// SIGNUP_LIMIT: every POST /subscribe from a client address counts once,
// valid, invalid, repeated or caught by the honeypot; past the limit the
// answer is 429 with Retry-After and nothing is stored. A valid signup is
// counted in the same Redis write that stores it (create.lua), anything
// else by Hit: both count in the same window.
func TestSignupLimit(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true, SignupLimit: 4,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}})
	post := func(ip, body string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(http.MethodPost, a.URL+"/subscribe", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Forwarded-For", ip)
		res, err := a.Client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	valid := func(n int) string { return fmt.Sprintf(`{"email":"limit%d@example.org","consent":true}`, n) }

	status(t, post("10.0.0.1", valid(1)), http.StatusAccepted)
	status(t, post("10.0.0.1", `{"email":"not an address","consent":true}`), http.StatusUnprocessableEntity)
	status(t, post("10.0.0.1", valid(1)), http.StatusAccepted) // known address: counts too
	status(t, post("10.0.0.1", `{"email":"bot@example.org","consent":true,"website":"x"}`), http.StatusAccepted)
	// The fifth request of the hour, valid or not, is refused.
	for _, body := range []string{valid(2), `{"email":"","consent":true}`, `{`} {
		res := post("10.0.0.1", body)
		if s := res.Header.Get("Retry-After"); s == "" {
			t.Errorf("429 without Retry-After")
		} else if n, err := strconv.Atoi(s); err != nil || n < 1 || n > 3601 {
			t.Errorf("Retry-After %q", s)
		}
		status(t, res, http.StatusTooManyRequests)
	}
	if _, err := a.Store.SubscriberByEmail(t.Context(), "limit2@example.org"); err == nil {
		t.Errorf("a signup refused by the limit was stored")
	}
	// Another address is not affected.
	status(t, post("10.0.0.2", valid(3)), http.StatusAccepted)
	if _, err := a.Store.SubscriberByEmail(t.Context(), "limit3@example.org"); err != nil {
		t.Errorf("limit3: %v", err)
	}
}

// With SIGNUP_LIMIT=0 nothing is counted.
func TestSignupLimitOff(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true, SignupLimit: 0})
	for i := 0; i < 30; i++ {
		status(t, postJSON(t, a, "/subscribe", map[string]any{"email": fmt.Sprintf("nolimit%d@example.org", i), "consent": true}), http.StatusAccepted)
	}
	if keys := a.Redis.Keys(t.Context(), a.Prefix+"rl:*").Val(); len(keys) != 0 {
		t.Errorf("rate-limit counters with the limit off: %v", keys)
	}
}
