package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/config"
)

// metricsGet fetches /metrics with the given Authorization header ("" for
// none).
func metricsGet(t *testing.T, a *apptest.App, auth string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", a.URL+"/metrics", nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res := must(a.Client.Do(req))
	body := status(t, res, res.StatusCode)
	return res.StatusCode, body
}

// TestMetricsNeedTheirToken: /metrics tells strangers nothing (404, as if
// there were nothing there) and answers Prometheus text only with
// "Bearer $METRICS_TOKEN"; with METRICS_TOKEN unset it is off altogether.
func TestMetricsNeedTheirToken(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true, Configure: func(c *config.Config) {
		c.MetricsToken = "metrics-token-for-the-tests"
	}})
	for _, auth := range []string{"", "Bearer wrong", "Bearer admin-secret-for-the-tests", "Basic bWV0cmljczp4"} {
		if code, body := metricsGet(t, a, auth); code != http.StatusNotFound || strings.Contains(body, "newsletter_") {
			t.Errorf("/metrics with %q: %d, %.80q; want 404 and no figures", auth, code, body)
		}
	}
	code, body := metricsGet(t, a, "Bearer metrics-token-for-the-tests")
	if code != http.StatusOK || !strings.Contains(body, "newsletter_signups_total") && !strings.Contains(body, "newsletter_sending_paused") {
		t.Errorf("/metrics with its token: %d, %.200q; want 200 and the service's figures", code, body)
	}

	off := apptest.Start(t, apptest.Options{NoWorker: true})
	if code, _ := metricsGet(t, off, "Bearer "); code != http.StatusNotFound {
		t.Errorf("/metrics with METRICS_TOKEN unset and an empty bearer: %d, want 404", code)
	}
}
