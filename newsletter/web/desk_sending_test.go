package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/satina/newsletter/internal/apptest"
)

// TestDeskPauseAndResume: the author pauses sending from the overview, the
// banner says so on every page with a Resume button, the admin API and
// /healthz agree, and Resume lets mail go again.
func TestDeskPauseAndResume(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	d := signIn(t, a)
	page := d.get("/admin", http.StatusOK)
	mustHave(t, page, "Pause all sending", `name="action" value="pause"`)

	d.post("/admin/sending", url.Values{"action": {"pause"}, "reason": {"Checking a broken link"}}, http.StatusSeeOther)
	for _, path := range []string{"/admin", "/admin/compose", "/admin/subscribers"} {
		page = d.get(path, http.StatusOK)
		mustHave(t, page, "Sending is paused", "You paused sending.", "Checking a broken link", "Resume sending")
	}
	state := status(t, api(t, a, "GET", "/admin/api/sending", "", ""), http.StatusOK)
	mustHave(t, state, `"state":"paused"`, `"reason":"Checking a broken link"`, `"by":"author"`)
	health := status(t, must(a.Client.Get(a.URL+"/healthz")), http.StatusOK)
	mustHave(t, health, `"sending":"paused"`, "Checking a broken link")

	d.post("/admin/sending", url.Values{"action": {"resume"}}, http.StatusSeeOther)
	page = d.get("/admin", http.StatusOK)
	if strings.Contains(page, "Sending is paused") {
		t.Errorf("the banner stays after Resume")
	}
	state = status(t, api(t, a, "GET", "/admin/api/sending", "", ""), http.StatusOK)
	mustHave(t, state, `"state":"running"`)

	// Without the CSRF token nothing changes.
	d.post("/admin/sending", url.Values{"action": {"pause"}, "csrf": {"0123456789abcdef0123456789abcdef"}}, http.StatusForbidden)
	mustHave(t, status(t, api(t, a, "GET", "/admin/api/sending", "", ""), http.StatusOK), `"state":"running"`)
}

// TestAPIPauseAndResume: the admin API's pause takes a reason, refuses a
// reason of the wrong type with 422, and resume answers running.
func TestAPIPauseAndResume(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	mustHave(t, status(t, api(t, a, "POST", "/admin/api/sending/pause", "application/json", `{"reason":"Provider maintenance"}`), http.StatusOK),
		`"state":"paused"`, `"reason":"Provider maintenance"`, `"since":"2026-03-02T09:00:00Z"`)
	status(t, api(t, a, "POST", "/admin/api/sending/pause", "application/json", `{"reason":7}`), http.StatusUnprocessableEntity)
	mustHave(t, status(t, api(t, a, "POST", "/admin/api/sending/resume", "", ""), http.StatusOK), `"state":"running"`)
	status(t, must(a.Client.Post(a.URL+"/admin/api/sending/resume", "", nil)), http.StatusUnauthorized)
}
