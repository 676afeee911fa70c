package web_test

import (
	"fmt"
	"net/http"
	"net/netip"
	"testing"

	"github.com/satina/newsletter/internal/apptest"
)

// signupFrom posts a valid signup with the given header lines and returns
// the status.
func signupFrom(t *testing.T, a *apptest.App, n int, hdr ...string) int {
	t.Helper()
	body := fmt.Sprintf(`{"email":"ip%d@example.org","consent":true}`, n)
	r := rawRequest{Method: http.MethodPost, Target: "/subscribe", Header: append([]string{"Content-Type: application/json"}, hdr...),
		Body: []byte(body)}.do(t, a)
	if r.Code == http.StatusTooManyRequests && r.Header.Get("Retry-After") == "" {
		t.Errorf("429 without Retry-After")
	}
	return r.Code
}

// TestSignupLimitPerClient (finding 2): SIGNUP_LIMIT counts per IPv4
// address and per IPv6 /64; X-Forwarded-For is read across all its
// header lines, right to left, skipping TRUSTED_PROXIES, and only when the
// peer is one of them.
func TestSignupLimitPerClient(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true, SignupLimit: 2,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32"), netip.MustParsePrefix("10.0.0.0/8")}})
	n := 0
	next := func() int { n++; return n }
	expect := func(what string, want int, hdr ...string) {
		t.Helper()
		if got := signupFrom(t, a, next(), hdr...); got != want {
			t.Errorf("%s: %d, want %d", what, got, want)
		}
	}

	// A client that writes its own X-Forwarded-For line, changed every
	// time, before the one its proxy adds on a line of its own: the proxy's
	// line (the rightmost hop) is the client, so the third is refused.
	for i := 0; i < 2; i++ {
		expect("two lines", http.StatusAccepted, fmt.Sprintf("X-Forwarded-For: 198.51.100.%d", i), "X-Forwarded-For: 203.0.113.7")
	}
	expect("two lines, third", http.StatusTooManyRequests, "X-Forwarded-For: 198.51.100.99", "X-Forwarded-For: 203.0.113.7")
	// The same with a chain of trusted proxies after it, on a third line.
	expect("through two proxies", http.StatusTooManyRequests,
		"X-Forwarded-For: 198.51.100.50, 203.0.113.7", "X-Forwarded-For: 10.1.2.3", "X-Forwarded-For: 10.4.5.6")
	// Another client behind the same proxies is its own.
	expect("another client", http.StatusAccepted, "X-Forwarded-For: 203.0.113.8, 10.1.2.3")
	// With a port, as some proxies write it.
	expect("with a port", http.StatusAccepted, "X-Forwarded-For: 192.0.2.44:5123")
	expect("with a port", http.StatusAccepted, "X-Forwarded-For: 192.0.2.44:6000")
	expect("with a port", http.StatusTooManyRequests, "X-Forwarded-For: 192.0.2.44")

	// IPv6: one /64 is one client, whatever its interface ids.
	expect("IPv6", http.StatusAccepted, "X-Forwarded-For: 2001:db8:1:2::1")
	expect("IPv6", http.StatusAccepted, "X-Forwarded-For: [2001:db8:1:2:aaaa:bbbb:cccc:dddd]:443")
	expect("IPv6, same /64", http.StatusTooManyRequests, "X-Forwarded-For: 2001:db8:1:2:ffff::3")
	expect("IPv6, next /64", http.StatusAccepted, "X-Forwarded-For: 2001:db8:1:3::1")
	// An IPv4 address written as IPv4-mapped IPv6 is the IPv4 address.
	expect("IPv4-mapped", http.StatusTooManyRequests, "X-Forwarded-For: ::ffff:203.0.113.7")

	// Without a trusted peer, X-Forwarded-For is not believed: every
	// request counts for the peer itself, whatever it claims.
	b := apptest.Start(t, apptest.Options{NoWorker: true, SignupLimit: 2})
	for i, want := range []int{http.StatusAccepted, http.StatusAccepted, http.StatusTooManyRequests} {
		if got := signupFrom(t, b, 100+i, fmt.Sprintf("X-Forwarded-For: 198.51.100.%d", i)); got != want {
			t.Errorf("untrusted peer, request %d: %d, want %d", i+1, got, want)
		}
	}
}
