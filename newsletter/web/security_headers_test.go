package web_test

import (
	"crypto/sha256"
	"encoding/base64"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/newsletter/web"
	"github.com/satina/newsletter/templates"
)

// styleHashes lists the CSP hashes of a page's <style> elements and style
// attributes (also in srcdoc documents), as a browser would check them.
func styleHashes(page string) (elems, attrs []string) {
	hash := func(s string) string {
		sum := sha256.Sum256([]byte(s))
		return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
	}
	var walk func(string)
	walk = func(doc string) {
		z := html.NewTokenizer(strings.NewReader(doc))
		style := false
		for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
			tok := z.Token()
			switch tt {
			case html.TextToken:
				if style {
					elems = append(elems, hash(tok.Data))
				}
			case html.StartTagToken, html.SelfClosingTagToken:
				style = tok.Data == "style"
				for _, at := range tok.Attr {
					switch at.Key {
					case "style":
						attrs = append(attrs, hash(at.Val))
					case "srcdoc":
						walk(at.Val)
					}
				}
			default:
				style = false
			}
		}
	}
	walk(page)
	return elems, attrs
}

// checkCSP checks a page's policy: no 'unsafe-inline' anywhere, framing
// refused, and every inline style the page holds allowed by its hash.
func checkCSP(t *testing.T, what, csp, page string) {
	t.Helper()
	if strings.Contains(csp, "'unsafe-inline'") || strings.Contains(csp, "'unsafe-eval'") {
		t.Errorf("%s: CSP %q allows inline code", what, csp)
	}
	for _, want := range []string{"default-src 'none'", "frame-ancestors 'none'", "base-uri 'none'", "form-action 'self'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("%s: CSP %q lacks %s", what, csp, want)
		}
	}
	styleSrc := regexp.MustCompile(`style-src ([^;]*)`).FindStringSubmatch(csp)
	if styleSrc == nil {
		t.Errorf("%s: no style-src in %q", what, csp)
		return
	}
	elems, attrs := styleHashes(page)
	for _, h := range append(elems, attrs...) {
		if !strings.Contains(styleSrc[1], h) {
			t.Errorf("%s: an inline style (%s) is not allowed by %q", what, h, styleSrc[1])
			break
		}
	}
	if len(attrs) > 0 && !strings.Contains(styleSrc[1], "'unsafe-hashes'") {
		t.Errorf("%s: style attributes without 'unsafe-hashes'", what)
	}
}

// TestHeadersOnEveryPage (finding 8): every page, public, token and desk
// (the mail preview included), has a CSP without 'unsafe-inline' that
// still allows each of its own inline styles by hash, refuses framing,
// sends no referrer (the token pages' links would carry the token), and
// keeps personal pages out of caches; /robots.txt keeps crawlers off the
// token paths and the desk.
func TestHeadersOnEveryPage(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	if _, err := a.Service.Signup(t.Context(), service.SignupRequest{Email: "h@example.org", Source: "api"}); err != nil {
		t.Fatal(err)
	}
	id := a.Subscriber(t, "h@example.org").ID
	tokenPages := []string{
		"/confirm/" + a.Links.Signer.Sign(token.Confirm, id, a.Clock.Now().Add(time.Hour)),
		"/unsubscribe/" + a.Links.UnsubscribeToken(id),
		"/me/" + a.Links.Signer.Sign(token.Me, id, time.Time{}),
		"/download/" + a.Links.Signer.Sign(token.Download, id, a.Clock.Now().Add(time.Hour)),
		"/confirm/not-a-token",
	}
	for _, p := range append([]string{"/", "/thanks", "/letters", "/admin", "/nope", "/?sequence=x"}, tokenPages...) {
		res := must(a.Client.Get(a.URL + p))
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		checkCSP(t, "GET "+p, res.Header.Get("Content-Security-Policy"), string(body))
		if got := res.Header.Get("Referrer-Policy"); got != "no-referrer" {
			t.Errorf("GET %s: Referrer-Policy %q", p, got)
		}
		if res.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("GET %s: HSTS on http", p)
		}
	}
	// The landing page's one script is allowed by its hash, and no other.
	res := must(a.Client.Get(a.URL + "/"))
	res.Body.Close()
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "script-src "+templates.ScriptHash()+";") {
		t.Errorf("script-src: %q", csp)
	}

	// The desk: overview, compose with a preview (a mail in a srcdoc
	// frame), subscribers, the sign-in page and an error page.
	d := signInDesk(t, a)
	for _, p := range []string{"/admin", "/admin/subscribers", "/admin/sequences", "/admin/compose", "/admin/letters/x/nope"} {
		res := must(a.Client.Get(a.URL + p))
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		checkCSP(t, "GET "+p, res.Header.Get("Content-Security-Policy"), string(body))
	}
	form := url.Values{"csrf": {d.csrf}, "subject": {"A preview"}, "markdown": {"Hello *there*, {{ .FirstName }}.\n\n| a | b |\n|:--|--:|\n| 1 | 2 |\n\n> quoted"}, "action": {"preview"}}
	res = must(a.Client.PostForm(a.URL+"/admin/compose", form))
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), "srcdoc=") {
		t.Fatalf("the compose preview has no srcdoc frame: %.300s", body)
	}
	checkCSP(t, "the compose preview", res.Header.Get("Content-Security-Policy"), string(body))
	if _, attrs := styleHashes(string(body)); len(attrs) < 3 {
		t.Errorf("the preview's mail carries %d inline styles: the test would test nothing", len(attrs))
	}

	// robots.txt.
	res = must(a.Client.Get(a.URL + "/robots.txt"))
	robots, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/plain") {
		t.Errorf("robots.txt: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	for _, want := range []string{"User-agent: *", "Disallow: /confirm/", "Disallow: /unsubscribe/", "Disallow: /me/",
		"Disallow: /download/", "Disallow: /admin"} {
		if !strings.Contains(string(robots), want+"\n") {
			t.Errorf("robots.txt lacks %q:\n%s", want, robots)
		}
	}

	// HSTS when BASE_URL is https.
	srv := web.New(web.Config{Service: a.Service, Store: a.Store, Signer: a.Links.Signer, Composer: a.App.Composer,
		Site: templates.Site{Title: "T", BaseURL: "https://letters.example.org"}, AdminToken: "admin-secret-for-the-tests",
		Clock: a.Clock, Log: slog.New(slog.DiscardHandler)})
	for _, p := range []string{"/", "/admin", tokenPages[2]} {
		res, err := srv.App().Test(httptest.NewRequest(http.MethodGet, p, nil), -1)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if h := res.Header.Get("Strict-Transport-Security"); !strings.Contains(h, "max-age=") {
			t.Errorf("https, GET %.20s: HSTS %q", p, h)
		}
	}
}
