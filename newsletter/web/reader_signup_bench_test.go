package web_test

// BenchmarkSignupHandler is one POST /subscribe through the Fiber app,
// with the real Redis (a prefix of its own), the per-IP limit on and the
// client address from X-Forwarded-For: the handler's cost, for profiling.
// The end-to-end figures over loopback, against a reference handler, are
// in bench/ (go run ./bench -only signup).
//
//	go test -run '^$' -bench SignupHandler -cpuprofile cpu.out ./newsletter/web/

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/satina/newsletter/internal/apptest"
)

func BenchmarkSignupHandler(b *testing.B) {
	// Fiber's Test connection comes from 0.0.0.0: trust it as the proxy.
	a := apptest.Start(b, apptest.Options{NoWorker: true, RealClock: true, SignupLimit: 20,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("0.0.0.0/32")}})
	app := a.Server.App()
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		body := fmt.Sprintf(`{"email":"reader%d@example.org","name":"Reader %d","consent":true,"tz":"Europe/Berlin"}`, i, i)
		req := httptest.NewRequest(http.MethodPost, "/subscribe", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		n := i / 10 // ten signups per client address, under the limit of 20
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("10.%d.%d.%d", byte(n>>16), byte(n>>8), byte(n)))
		res, err := app.Test(req, -1)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusAccepted {
			b.Fatalf("signup %d: %d", i, res.StatusCode)
		}
	}
}
