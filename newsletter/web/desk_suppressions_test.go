package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/satina/newsletter/internal/apptest"
)

// TestDeskSuppressionList: the Subscribers page shows the suppression
// list, the author adds an address to it by hand, and downloads it as CSV.
func TestDeskSuppressionList(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	d := signIn(t, a)
	page := d.get("/admin/subscribers", http.StatusOK)
	mustHave(t, page, "Never written to again", "No address is on the list.", `action="/admin/suppressions"`)

	d.post("/admin/suppressions", url.Values{"email": {"Asked@Example.org"}, "reason": {"asked by phone"}}, http.StatusSeeOther)
	page = d.get("/admin/subscribers", http.StatusOK)
	mustHave(t, page, "asked@example.org", "asked by phone")
	mustHave(t, d.get("/admin/subscribers?done=suppressed", http.StatusOK), "The address is on the list")
	if got := suppressions(t, a); got["asked@example.org"] != "asked by phone" {
		t.Errorf("API list after the desk's add: %v", got)
	}
	csv := d.get("/admin/suppressions.csv", http.StatusOK)
	if !strings.HasPrefix(csv, "email,reason,at\n") || !strings.Contains(csv, "asked@example.org,asked by phone,") {
		t.Errorf("desk CSV = %q", csv)
	}
	d.post("/admin/suppressions", url.Values{"email": {"not an address"}}, http.StatusUnprocessableEntity)
}
