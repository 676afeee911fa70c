package web_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter/web"
	"github.com/satina/newsletter/templates"
)

// deskWith is the same service's desk as another process would serve it
// with ADMIN_TOKEN set to adminToken (a restart with another token).
func deskWith(a *apptest.App, adminToken string) *web.Server {
	return web.New(web.Config{Service: a.Service, Store: a.Store, Signer: a.Links.Signer, Composer: a.App.Composer,
		Site: templates.Site{Title: "T", BaseURL: a.URL}, AdminToken: adminToken, Clock: a.Clock, Log: slog.New(slog.DiscardHandler)})
}

// fetch sends one request to srv with the cookies given (name, value pairs).
func fetch(t *testing.T, srv *web.Server, method, path string, form url.Values, cookies ...string) (*http.Response, string) {
	t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req := httptest.NewRequest(method, path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for i := 0; i+1 < len(cookies); i += 2 {
		req.AddCookie(&http.Cookie{Name: cookies[i], Value: cookies[i+1]})
	}
	res, err := srv.App().Test(req, -1)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// TestSessionBoundToAdminToken (finding 5): a desk session is bound to the
// ADMIN_TOKEN it signed in with: once the token changes (a restart with
// another), its cookie opens nothing; with the same token it still works.
func TestSessionBoundToAdminToken(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	d := signInDesk(t, a)
	cookie := sessionCookie(t, a)

	same := deskWith(a, "admin-secret-for-the-tests")
	if res, body := fetch(t, same, "GET", "/admin", nil, "nl_admin", cookie); res.StatusCode != http.StatusOK || !strings.Contains(body, "Your desk") {
		t.Fatalf("same token, another process: %d %.200s", res.StatusCode, body)
	}
	changed := deskWith(a, "a-new-admin-token-after-the-old-leaked")
	res, body := fetch(t, changed, "GET", "/admin", nil, "nl_admin", cookie)
	if strings.Contains(body, "Your desk") || !strings.Contains(body, `name="token"`) {
		t.Errorf("changed token: the old cookie opens the desk: %d %.300s", res.StatusCode, body)
	}
	if res, _ := fetch(t, changed, "GET", "/admin/compose", nil, "nl_admin", cookie); res.StatusCode != http.StatusSeeOther {
		t.Errorf("changed token: GET /admin/compose with the old cookie: %d, want 303 to the sign-in", res.StatusCode)
	}
	form := url.Values{"csrf": {d.csrf}, "subject": {"s"}, "markdown": {"m"}, "action": {"schedule"}}
	if res, _ := fetch(t, changed, "POST", "/admin/compose", form, "nl_admin", cookie); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("changed token: POST with the old cookie and its CSRF token: %d, want 401", res.StatusCode)
	}
	if ls, _ := a.Store.ListLetters(t.Context(), "", 0); len(ls) != 0 {
		t.Errorf("the old cookie scheduled a letter")
	}
}

// TestCSRFBoundToSession (finding 5): a desk form's CSRF token is a MAC of
// the session's id: the sign-in form's double-submit token opens nothing
// after sign-in, another session's token is refused, and a fresh sign-in
// gets a fresh token.
func TestCSRFBoundToSession(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	page := status(t, must(a.Client.Get(a.URL+"/admin")), http.StatusOK)
	loginCSRF := find(t, `name="csrf" value="([0-9a-f]+)"`, page)
	d := signInDesk(t, a)
	if d.csrf == loginCSRF {
		t.Fatalf("the desk's forms carry the sign-in form's token")
	}
	if len(d.csrf) != 32 {
		t.Errorf("CSRF token %q", d.csrf)
	}
	form := func(csrf string) url.Values {
		return url.Values{"csrf": {csrf}, "subject": {"s"}, "markdown": {"m"}, "action": {"preview"}}
	}
	// The sign-in token, which a cookie planted before sign-in could fix,
	// with its cookie: refused.
	status(t, must(a.Client.PostForm(a.URL+"/admin/compose", form(loginCSRF))), http.StatusForbidden)
	// Another session's token: refused.
	b := apptest.Start(t, apptest.Options{NoWorker: true})
	other := signInDesk(t, b)
	status(t, must(a.Client.PostForm(a.URL+"/admin/compose", form(other.csrf))), http.StatusForbidden)
	// The session's own: accepted.
	status(t, must(a.Client.PostForm(a.URL+"/admin/compose", form(d.csrf))), http.StatusOK)

	// The token needs no cookie of its own: only the session.
	_, body := fetch(t, deskWith(a, "admin-secret-for-the-tests"), "POST", "/admin/compose", form(d.csrf), "nl_admin", sessionCookie(t, a))
	if strings.Contains(body, "The form expired") {
		t.Errorf("the session's token without the CSRF cookie was refused")
	}
	// Signing in again makes a new session with a new token; the old one
	// no longer passes.
	d.post("/admin/logout", url.Values{}, http.StatusSeeOther)
	again := signInDesk(t, a)
	if again.csrf == d.csrf {
		t.Fatalf("a new sign-in kept the old CSRF token")
	}
	status(t, must(a.Client.PostForm(a.URL+"/admin/compose", form(d.csrf))), http.StatusForbidden)
}

// signInDesk signs in through the form and returns the desk with the CSRF
// token its pages carry.
func signInDesk(t *testing.T, a *apptest.App) *desk {
	t.Helper()
	page := status(t, must(a.Client.Get(a.URL+"/admin")), http.StatusOK)
	csrf := find(t, `name="csrf" value="([0-9a-f]+)"`, page)
	res := must(a.Client.PostForm(a.URL+"/admin/login", url.Values{"token": {"admin-secret-for-the-tests"}, "csrf": {csrf}}))
	status(t, res, http.StatusSeeOther)
	page = status(t, must(a.Client.Get(a.URL+"/admin")), http.StatusOK)
	return &desk{t: t, a: a, csrf: find(t, `name="csrf" value="([0-9a-f]+)"`, page)}
}
