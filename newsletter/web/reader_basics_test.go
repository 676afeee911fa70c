package web_test

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/satina/newsletter/internal/apptest"
)

// pageProblems checks what an accessibility audit checks first: the
// language, one h1, headings that skip no level, a main landmark, a label
// for every form control, an alt for every image and a name for every
// SVG drawn as an image.
func pageProblems(page string) []string {
	var out []string
	z := html.NewTokenizer(strings.NewReader(page))
	labels, ids := map[string]bool{}, map[string]bool{}
	var controls []string
	h1, last, hidden, mains := 0, 0, 0, 0
	var stack []bool // per open element: aria-hidden
	svgImg, svgNamed := 0, 0
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			break
		}
		tok := z.Token()
		attr := map[string]string{}
		for _, a := range tok.Attr {
			attr[a.Key] = a.Val
		}
		switch tt {
		case html.StartTagToken, html.SelfClosingTagToken:
			void := tt == html.SelfClosingTagToken || map[string]bool{"input": true, "img": true, "meta": true, "link": true, "br": true, "hr": true, "rect": true, "line": true}[tok.Data]
			if !void {
				isHidden := attr["aria-hidden"] == "true"
				stack = append(stack, isHidden)
				if isHidden {
					hidden++
				}
			}
			switch tok.Data {
			case "html":
				if attr["lang"] == "" {
					out = append(out, "<html> has no lang")
				}
			case "main":
				mains++
			case "h1", "h2", "h3", "h4", "h5", "h6":
				n := int(tok.Data[1] - '0')
				if n == 1 {
					h1++
				}
				if last > 0 && n > last+1 {
					out = append(out, fmt.Sprintf("<%s> after <h%d>", tok.Data, last))
				}
				last = n
			case "label":
				labels[attr["for"]] = true
			case "input", "select", "textarea":
				if t := attr["type"]; t == "hidden" || t == "submit" || t == "button" || hidden > 0 {
					break
				}
				if attr["aria-label"] == "" && attr["aria-labelledby"] == "" {
					controls = append(controls, attr["id"])
				}
			case "img":
				if _, ok := attr["alt"]; !ok {
					out = append(out, "an image without alt: "+attr["src"])
				}
			case "svg":
				if attr["role"] == "img" {
					svgImg++
					if attr["aria-labelledby"] != "" || attr["aria-label"] != "" {
						svgNamed++
					}
				}
			}
			if id := attr["id"]; id != "" {
				ids[id] = true
			}
		case html.EndTagToken:
			if len(stack) > 0 {
				if stack[len(stack)-1] {
					hidden--
				}
				stack = stack[:len(stack)-1]
			}
		}
	}
	for _, id := range controls {
		if id == "" || !labels[id] {
			out = append(out, fmt.Sprintf("a form control without a label (id %q)", id))
		}
	}
	if h1 != 1 {
		out = append(out, fmt.Sprintf("%d <h1>, want 1", h1))
	}
	if mains != 1 {
		out = append(out, fmt.Sprintf("%d <main>, want 1", mains))
	}
	if svgImg != svgNamed {
		out = append(out, "an SVG image without a name")
	}
	return out
}

// contrast is the WCAG contrast ratio of two #rrggbb colours.
func contrast(a, b string) float64 {
	lum := func(h string) float64 {
		var c [3]float64
		for i := range c {
			v, _ := strconv.ParseUint(h[1+2*i:3+2*i], 16, 8)
			s := float64(v) / 255
			if s <= 0.03928 {
				c[i] = s / 12.92
			} else {
				c[i] = math.Pow((s+0.055)/1.055, 2.4)
			}
		}
		return 0.2126*c[0] + 0.7152*c[1] + 0.0722*c[2]
	}
	la, lb := lum(a), lum(b)
	return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)
}

// TestReaderPagesBasics: every reader page and every desk page passes the
// basic checks; the kicker's colour contrasts at least 4.5:1 in light
// and dark mode; each reader page has a description; the guide shows its
// title once; a form error puts the focus on the first field with one.
func TestReaderPagesBasics(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	importCSV(t, a, "email,name,status,sequence\nrae@example.org,Rae,confirmed,guide\n")
	res := must(a.Client.PostForm(a.URL+"/subscribe", url.Values{"email": {"new@example.org"}, "consent": {"on"}, "tz": {"Asia/Tokyo"}}))
	status(t, res, http.StatusSeeOther)
	rae, pending := a.Subscriber(t, "rae@example.org").ID, a.Subscriber(t, "new@example.org").ID
	status(t, api(t, a, "POST", "/admin/api/letters", "application/json",
		fmt.Sprintf(`{"subject":"On rest","markdown":"Dear {{ or .FirstName \"friend\" }},\n\nRest is *work* too.","send_at":%q}`, a.Fake.Now().Format(time.RFC3339))), http.StatusCreated)
	a.Drain(t)
	a.Drain(t)
	a.Drain(t)
	letters := status(t, must(a.Client.Get(a.URL+"/letters")), http.StatusOK)
	letter := find(t, `href="(/letters/[0-9a-z]+)"`, letters)

	pages := map[string]string{
		"/": "", "/letters": "", letter: "", "/thanks": "",
		strings.TrimPrefix(a.Links.Confirm(pending), a.URL): "",
		strings.TrimPrefix(a.Links.Unsubscribe(rae), a.URL): "",
		strings.TrimPrefix(a.Links.Me(rae), a.URL):          "",
		strings.TrimPrefix(a.Links.Download(rae), a.URL):    "",
		"/admin": "",
	}
	for p := range pages {
		pages[p] = status(t, must(a.Client.Get(a.URL+p)), http.StatusOK)
	}
	res = must(a.Client.PostForm(a.URL+"/subscribe", url.Values{"email": {"not an address"}}))
	pages["/subscribe (errors)"] = status(t, res, http.StatusUnprocessableEntity)
	d := signIn(t, a)
	for _, p := range []string{"/admin", "/admin/compose", "/admin/subscribers", "/admin/subscribers/rae@example.org",
		"/admin/sequences", "/admin/sequences/guide/steps/01-guide.md", "/admin/images"} {
		pages["desk "+p] = d.get(p, http.StatusOK)
	}
	for p, page := range pages {
		for _, problem := range pageProblems(page) {
			t.Errorf("%s: %s", p, problem)
		}
		if !strings.HasPrefix(p, "desk ") && !regexp.MustCompile(`<meta name="description" content="[^"]{40,}">`).MatchString(page) {
			t.Errorf("%s has no description", p)
		}
	}

	// The kicker's colour on the page's background, light and dark.
	landing := pages["/"]
	for _, scheme := range []string{`:root{`, `@media (prefers-color-scheme:dark){:root{`} {
		i := strings.Index(landing, scheme)
		if i < 0 {
			t.Fatalf("no %s in the styles", scheme)
		}
		block := landing[i:]
		warm, bg := find(t, `--warm:(#[0-9a-f]{6})`, block), find(t, `--bg:(#[0-9a-f]{6})`, block)
		if c := contrast(warm, bg); c < 4.5 {
			t.Errorf("%s the kicker's %s on %s contrasts %.2f:1, want at least 4.5", scheme, warm, bg, c)
		}
	}
	mustHave(t, landing, `.kicker{`, `color:var(--warm)`)

	// The guide's title, once.
	guide := pages[strings.TrimPrefix(a.Links.Download(rae), a.URL)]
	if n := strings.Count(guide, "Preparing for and Integrating Ketamine-Assisted Psychotherapy</h1>"); n != 1 {
		t.Errorf("the guide shows its title as a heading %d times", n)
	}

	// The first field with an error takes the focus.
	mustHave(t, pages["/subscribe (errors)"], `aria-describedby="email-error" autofocus>`)
	if n := strings.Count(pages["/subscribe (errors)"], "autofocus"); n != 1 {
		t.Errorf("%d fields take the focus, want 1", n)
	}
	res = must(a.Client.PostForm(a.URL+"/subscribe", url.Values{"email": {"ok@example.org"}}))
	consentOnly := status(t, res, http.StatusUnprocessableEntity)
	mustHave(t, consentOnly, `aria-describedby="consent-error" autofocus>`)
}

// TestMePlainWordsAndZone: /me shows times in the reader's own zone and
// says what each mail was in plain words; the export keeps the codes.
func TestMePlainWordsAndZone(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	res := must(a.Client.PostForm(a.URL+"/subscribe", url.Values{"email": {"kai@example.org"}, "consent": {"on"}, "tz": {"Asia/Tokyo"}}))
	status(t, res, http.StatusSeeOther)
	id := a.Subscriber(t, "kai@example.org").ID
	a.Drain(t)
	status(t, must(a.Client.Post(a.Links.Confirm(id), "application/x-www-form-urlencoded", nil)), http.StatusOK)
	a.Drain(t)
	page := status(t, must(a.Client.Get(a.Links.Me(id))), http.StatusOK)
	mustHave(t, page, "2 March 2026, 18:00 JST", "Asking you to confirm", "Welcome letter", "Subscribed", "the signup form on this site",
		"1 letter sent so far")
	for _, jargon := range []string{"sequence", "step", "UTC", ">confirmed<", ">form<"} {
		if strings.Contains(strings.ToLower(page[strings.Index(page, "<main"):]), strings.ToLower(jargon)) {
			t.Errorf("/me says %q", jargon)
		}
	}
	ex := status(t, must(a.Client.Get(a.Links.Me(id)+"/export")), http.StatusOK)
	mustHave(t, ex, `"kind":"step"`, `"status":"confirmed"`)
}

// TestCompressedAnswers: pages, JSON and the feed go out compressed to a
// client that accepts it; images and the sequences' .tar.gz as they are.
func TestCompressedAnswers(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	get := func(path string, hdr ...string) *http.Response {
		req, _ := http.NewRequest("GET", a.URL+path, nil)
		req.Header.Set("Accept-Encoding", "gzip")
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		// A transport of its own: it does not undo the compression.
		res, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	for _, p := range []string{"/", "/letters", "/admin/api/stats"} {
		res := get(p, "Authorization", "Bearer admin-secret-for-the-tests")
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(res.Header.Get("Vary"), "Accept-Encoding") {
			t.Errorf("%s: Content-Encoding %q, Vary %q", p, res.Header.Get("Content-Encoding"), res.Header.Get("Vary"))
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(body))
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil || len(plain) <= len(body) {
			t.Errorf("%s: %d bytes compressed to %d (%v)", p, len(plain), len(body), err)
		}
	}
	res := get("/admin/api/sequences/guide/export", "Authorization", "Bearer admin-secret-for-the-tests")
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Encoding") != "" {
		t.Errorf("the .tar.gz: %d, Content-Encoding %q", res.StatusCode, res.Header.Get("Content-Encoding"))
	}
}

// TestFeedCarriesText: a feed item carries the letter's summary (its
// preview line) and its whole text, as the archive shows it.
func TestFeedCarriesText(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	importCSV(t, a, "email,name,status\nrae@example.org,Rae,confirmed\n")
	for _, l := range []string{
		`{"subject":"On rest","preheader":"Why resting is work","markdown":"Dear {{ or .FirstName \"friend\" }},\n\nRest is *work* too.","send_at":%q}`,
		`{"subject":"On walks","markdown":"Walk **slowly** today.\n\nSatina","send_at":%q}`,
	} {
		status(t, api(t, a, "POST", "/admin/api/letters", "application/json", fmt.Sprintf(l, a.Fake.Now().Format(time.RFC3339))), http.StatusCreated)
	}
	a.Drain(t)
	a.Drain(t)
	a.Drain(t)
	var feed struct {
		Items []struct {
			Title       string `xml:"title"`
			Description string `xml:"description"`
			Encoded     string `xml:"http://purl.org/rss/1.0/modules/content/ encoded"`
		} `xml:"channel>item"`
	}
	body := status(t, must(a.Client.Get(a.URL+"/letters/feed.xml")), http.StatusOK)
	if err := xml.Unmarshal([]byte(body), &feed); err != nil {
		t.Fatalf("the feed does not parse: %v", err)
	}
	got := map[string][2]string{}
	for _, it := range feed.Items {
		got[it.Title] = [2]string{it.Description, it.Encoded}
	}
	if v := got["On rest"]; v[0] != "Why resting is work" || !strings.Contains(v[1], "Rest is <em>work</em> too.") || strings.Contains(v[1], "Rae") {
		t.Errorf("On rest: %q", v)
	}
	if v := got["On walks"]; v[0] != "Walk slowly today. Satina" || !strings.Contains(v[1], "<strong>slowly</strong>") {
		t.Errorf("On walks: %q", v)
	}
}
