package templates

import (
	"bytes"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var site = Site{Title: "Dear Fellow Humans", BaseURL: "https://example.org"}

const consentText = "Yes, send me the guide and a weekly integration tip. I can unsubscribe at any time."

func render(t *testing.T, name string, data any) string {
	t.Helper()
	var b bytes.Buffer
	if err := Page(&b, name, data); err != nil {
		t.Fatalf("Page(%q): %v", name, err)
	}
	return b.String()
}

func mustContain(t *testing.T, page, s string) {
	t.Helper()
	if !strings.Contains(page, s) {
		t.Errorf("missing %q", s)
	}
}

func mustNotContain(t *testing.T, page, s string) {
	t.Helper()
	if strings.Contains(page, s) {
		t.Errorf("unexpected %q", s)
	}
}

func sampleMe() Me {
	at := time.Date(2025, 3, 4, 9, 30, 0, 0, time.UTC)
	return Me{
		Site: site, Token: "tok-me.123", Email: "ann@example.org", Name: "Ann", Status: "confirmed",
		Sequence: "guide", Step: 2, TZ: "Europe/Berlin", CreatedAt: at,
		Consent: MeConsent{Text: consentText, Version: "v3", Source: "form", IP: "203.0.113.0",
			GivenAt: at, ConfirmedAt: at.Add(time.Minute)},
		Sends: []MeSend{
			{Kind: "confirm", Subject: "Please confirm", SentAt: at},
			{Kind: "drip", Subject: "Your preparation guide", SentAt: at.Add(2 * time.Minute)},
		},
		UnsubscribeURL: "https://example.org/unsubscribe/tok-un.456",
	}
}

func TestEveryPageRenders(t *testing.T) {
	at := time.Date(2025, 5, 6, 7, 0, 0, 0, time.UTC)
	cases := map[string]struct {
		data any
		want []string
	}{
		"landing": {Landing{Site: site, ConsentText: consentText, ConsentVersion: "v3", Sequence: "guide"},
			[]string{`action="/subscribe"`, `method="post"`, `name="email"`, `name="name"`, `maxlength="100"`,
				`name="consent" value="yes"`, `<label for="consent">` + html.EscapeString(consentText) + `</label>`,
				`name="consent_version" value="v3"`, `name="sequence" value="guide"`, `name="tz" id="tz"`,
				`name="website"`, `class="hp" aria-hidden="true"`, `tabindex="-1" autocomplete="off"`,
				"Intl.DateTimeFormat().resolvedOptions().timeZone", "Preparation", "Safety", "Integration", "Unsubscribe any time"}},
		"confirm": {Confirm{Site: site, Token: "tok.C-1"},
			[]string{`action="/confirm/tok.C-1"`, `method="post"`, "Yes, send me the guide", "mail programs"}},
		"confirmed": {Confirmed{Site: site, FirstName: "Ann", DownloadURL: "https://example.org/download/d1", MeURL: "https://example.org/me/m1"},
			[]string{"Ann", `href="https://example.org/download/d1"`, `href="https://example.org/me/m1"`}},
		"unsubscribe": {Unsubscribe{Site: site, Token: "tok.U-1", Email: "ann@example.org"},
			[]string{`action="/unsubscribe/tok.U-1"`, `name="List-Unsubscribe" value="One-Click"`, "ann@example.org", `type="submit"`}},
		"me": {sampleMe(),
			[]string{`href="/me/tok-me.123/export"`, "Download as JSON", `action="/me/tok-me.123/erase"`, `method="post"`,
				"cannot be undone", `href="https://example.org/unsubscribe/tok-un.456"`, html.EscapeString(consentText),
				"<table>", "Your preparation guide", "Please confirm", "ann@example.org", "Europe/Berlin", "v3", "203.0.113.0",
				"4 March 2025"}},
		"message": {Message{Site: site, Status: 404, Title: "Not found", Message: "That link has expired.", Link: "/", LinkText: "Back home"},
			[]string{"404", "Not found", "That link has expired.", `href="/"`, "Back home"}},
		"guide": {Guide{Site: site, Title: "Preparation and integration guide", Body: "<h2>Before</h2><p>Breathe.</p>"},
			[]string{"Preparation and integration guide", "<h2>Before</h2><p>Breathe.</p>", "@media print", "Save as PDF"}},
		"letters": {Letters{Site: site, Letters: []LetterItem{{ID: "l1", Subject: "On rest", URL: "/letters/l1", SentAt: at}}},
			[]string{`href="/letters/l1"`, "On rest", "6 May 2025", `href="/letters/feed.xml"`}},
		"letter": {LetterPage{Site: site, Subject: "On rest", SentAt: at, Body: "<p>Rest is work too.</p>"},
			[]string{"<h1>On rest</h1>", "<p>Rest is work too.</p>", "6 May 2025", `href="/letters"`}},
		"admin_login": {AdminLogin{Site: site, Error: "That token did not match.", CSRF: "csrf-xyz"},
			[]string{`action="/admin/login"`, `method="post"`, `type="password" id="token" name="token"`,
				`type="hidden" name="csrf" value="csrf-xyz"`, "That token did not match."}},
	}
	for name, c := range adminPageCases() {
		cases[name] = c
	}
	if got, want := len(PageNames()), len(cases); got != want {
		t.Errorf("PageNames() = %v: %d pages, the test covers %d", PageNames(), got, want)
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			page := render(t, name, c.data)
			if !strings.HasPrefix(page, "<!doctype html>") || !strings.Contains(page, "</html>") {
				t.Errorf("not a complete document: %.80q", page)
			}
			mustContain(t, page, `<meta name="viewport"`)
			mustContain(t, page, "prefers-color-scheme:dark")
			mustContain(t, page, "Dear Fellow Humans")
			for _, w := range c.want {
				mustContain(t, page, w)
			}
			// No third-party assets: every src/href is local, a fragment, or the sample data.
			for _, m := range regexp.MustCompile(`(?:src|href)="([^"]*)"`).FindAllStringSubmatch(page, -1) {
				u := m[1]
				if strings.HasPrefix(u, "http") && !strings.HasPrefix(u, "https://example.org/") {
					t.Errorf("external reference %q", u)
				}
			}
			mustNotContain(t, page, "<script src")
			mustNotContain(t, page, "<link rel=\"stylesheet\"")
		})
	}
}

func TestPageNameWithSuffix(t *testing.T) {
	a := render(t, "confirm", Confirm{Site: site, Token: "x"})
	b := render(t, "confirm.html", Confirm{Site: site, Token: "x"})
	if a != b {
		t.Error(`"confirm" and "confirm.html" render differently`)
	}
}

func TestUnknownPage(t *testing.T) {
	var b bytes.Buffer
	for _, name := range []string{"nope", "base", "", "../data.go"} {
		if err := Page(&b, name, Message{Site: site}); err == nil {
			t.Errorf("Page(%q) = nil error", name)
		}
	}
	if b.Len() != 0 {
		t.Errorf("unknown pages wrote %d bytes", b.Len())
	}
}

func TestWrongDataErrorsWithoutOutput(t *testing.T) {
	var b bytes.Buffer
	if err := Page(&b, "me", Confirm{Site: site}); err == nil {
		t.Fatal("me with Confirm data: no error")
	}
	if b.Len() != 0 {
		t.Errorf("failed render wrote %d bytes", b.Len())
	}
}

func TestLandingErrorsAndValues(t *testing.T) {
	page := render(t, "landing", Landing{
		Site: site, ConsentText: consentText, ConsentVersion: "v3",
		Email: "not-an-address", Name: "Ann Marie", Redirect: "https://partner.example.org/thanks",
		Errors: map[string]string{"email": "Please check the address.", "consent": "Please tick the box.", "sequence": "Unknown sequence."},
	})
	mustContain(t, page, `role="alert"`)
	mustContain(t, page, `<a href="#email">Please check the address.</a>`)
	mustContain(t, page, `<a href="#signup">Unknown sequence.</a>`) // no field of its own: summary only
	summary, form := strings.Index(page, `class="summary"`), strings.Index(page, "<form")
	if summary < 0 || summary > strings.Index(page, "<h1") || summary > form {
		t.Error("error summary not at the top of the page")
	}
	if e, c, s := strings.Index(page, `href="#email"`), strings.Index(page, `href="#consent"`), strings.Index(page, `href="#signup"`); !(e < c && c < s) {
		t.Errorf("summary not in form order: email %d, consent %d, sequence %d", e, c, s)
	}
	mustContain(t, page, `<span class="error" id="email-error">Please check the address.</span>`)
	mustContain(t, page, `<span class="error" id="consent-error">Please tick the box.</span>`)
	mustContain(t, page, `aria-invalid="true" aria-describedby="email-error"`)
	mustNotContain(t, page, `name-error`)
	mustContain(t, page, `value="not-an-address"`)
	mustContain(t, page, `value="Ann Marie"`)
	mustContain(t, page, `name="redirect" value="https://partner.example.org/thanks"`)

	clean := render(t, "landing", Landing{Site: site, ConsentText: consentText})
	mustNotContain(t, clean, `role="alert"`)
	mustNotContain(t, clean, `aria-invalid="true"`)
	mustNotContain(t, clean, `name="redirect"`)
}

func TestEscaping(t *testing.T) {
	evil := `<script>alert("x")</script>`
	pages := map[string]any{
		"landing":     Landing{Site: site, Name: evil, Email: evil, ConsentText: evil, Errors: map[string]string{"name": evil}},
		"confirmed":   Confirmed{Site: site, FirstName: evil},
		"unsubscribe": Unsubscribe{Site: site, Email: evil, Token: "t"},
		"me":          Me{Site: site, Name: evil, Email: evil, Consent: MeConsent{Text: evil}, Sends: []MeSend{{Subject: evil}}},
		"message":     Message{Site: site, Title: evil, Message: evil},
		"letters":     Letters{Site: Site{Title: evil}, Letters: []LetterItem{{Subject: evil, URL: "/x"}}},
		"admin_login": AdminLogin{Site: site, Error: evil, CSRF: `"><script>`},
	}
	for name, data := range pages {
		page := render(t, name, data)
		if strings.Contains(page, "<script>alert") || strings.Contains(page, `"><script>`) {
			t.Errorf("%s: user data not escaped", name)
		}
		if !strings.Contains(page, "&lt;script&gt;") {
			t.Errorf("%s: escaped data missing", name)
		}
	}
	// A hostile token stays inside its attribute.
	page := render(t, "confirm", Confirm{Site: site, Token: `a"onclick="x`})
	mustNotContain(t, page, `onclick="x`)
	// javascript: URLs in link fields are neutralised.
	page = render(t, "message", Message{Site: site, Title: "t", Link: "javascript:alert(1)", LinkText: "go"})
	mustNotContain(t, page, `href="javascript:`)
}

// deskScript is how a desk page loads the desk's one script, a file of
// its own (static/desk.js): never inline.
const deskScript = `<script src="/admin/desk.js" defer></script>`

func TestInlineScriptHash(t *testing.T) {
	page := render(t, "landing", Landing{Site: site})
	mustContain(t, page, "<script>"+tzScript+"</script>")
	if n := strings.Count(page, "<script"); n != 1 {
		t.Errorf("%d scripts on the landing page, want 1", n)
	}
	if h := ScriptHash(); !regexp.MustCompile(`^'sha256-[A-Za-z0-9+/]{43}='$`).MatchString(h) {
		t.Errorf("ScriptHash() = %q", h)
	}
	for _, name := range PageNames() {
		if name == "landing" {
			continue
		}
		// The desk loads its one script from its own file (deskScript).
		if p := render(t, name, pageData(name)); strings.Contains(strings.ReplaceAll(p, deskScript, ""), "<script") {
			t.Errorf("%s has an inline script", name)
		}
	}
}

func pageData(name string) any {
	if d, ok := adminPageData(name); ok {
		return d
	}
	switch name {
	case "confirm":
		return Confirm{Site: site}
	case "confirmed":
		return Confirmed{Site: site}
	case "unsubscribe":
		return Unsubscribe{Site: site}
	case "me":
		return sampleMe()
	case "guide":
		return Guide{Site: site}
	case "letters":
		return Letters{Site: site}
	case "letter":
		return LetterPage{Site: site}
	case "admin_login":
		return AdminLogin{Site: site}
	}
	return Message{Site: site}
}

func TestMeEmpty(t *testing.T) {
	page := render(t, "me", Me{Site: site, Token: "t1", Email: "a@example.org"})
	mustContain(t, page, "Nothing yet.")
	mustNotContain(t, page, "<table>")
	mustContain(t, page, `action="/me/t1/erase"`)
	mustContain(t, page, "—") // zero times and empty fields
	mustNotContain(t, page, "0001")
}

func TestStatic(t *testing.T) {
	b, ok := Static("favicon.svg")
	if !ok || !bytes.Contains(b, []byte("<svg")) {
		t.Errorf("favicon.svg: %v %q", ok, b)
	}
	for _, name := range []string{"", "nope.txt", "../templates.go", "static/favicon.svg"} {
		if _, ok := Static(name); ok {
			t.Errorf("Static(%q) found", name)
		}
	}
}

func sampleMail() Mail {
	return Mail{
		Subject:        "Your guide",
		Preheader:      "Everything you need before your first session",
		HTML:           `<p>Dear Fellow Humans,</p><p>Read <a href="https://example.org/g?a=1&amp;b=2">the guide</a>.</p><blockquote><p>Breathe</p></blockquote>`,
		Text:           "Dear Fellow Humans,\n\nRead the guide (https://example.org/g?a=1&b=2).",
		UnsubscribeURL: "https://example.org/unsubscribe/U.tok",
		MeURL:          "https://example.org/me/M.tok",
		WebURL:         "https://example.org/letters/l1",
		PostalAddress:  "Satina Conforti, 1 Main St, Springfield",
		CrisisLine:     "In crisis? Call or text 988 (US).",
	}
}

func mailHTMLString(t *testing.T, m Mail) string {
	t.Helper()
	var b bytes.Buffer
	if err := MailHTML(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func mailTextString(t *testing.T, m Mail) string {
	t.Helper()
	var b bytes.Buffer
	if err := MailText(&b, m); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestMailHTML(t *testing.T) {
	h := mailHTMLString(t, sampleMail())
	if !strings.HasPrefix(h, "<!doctype html>") {
		t.Errorf("no doctype: %.40q", h)
	}
	for _, w := range []string{
		`href="https://example.org/unsubscribe/U.tok"`, ">Unsubscribe</a>",
		`href="https://example.org/me/M.tok"`, ">Your data</a>",
		`href="https://example.org/letters/l1"`, ">Read on the web</a>",
		"Satina Conforti, 1 Main St, Springfield", "In crisis? Call or text 988 (US).",
		"You get this because you asked for the guide",
		"Everything you need before your first session", "display:none",
		"max-width:600px", `role="presentation"`, "prefers-color-scheme:dark",
		`<a style="color:#2f6f68;text-decoration:underline" href="https://example.org/g?a=1&amp;b=2">`,
		`<p style="font-family:Georgia`, `<blockquote style="`, "<!--[if mso]>",
	} {
		mustContain(t, h, w)
	}
	if n := strings.Count(h, "<img"); n != 0 {
		t.Errorf("%d images in the layout (tracking pixel?)", n)
	}
}

func TestMailHTMLOptionalFooterParts(t *testing.T) {
	m := sampleMail()
	m.WebURL, m.CrisisLine, m.PostalAddress, m.Preheader = "", "", "", ""
	h := mailHTMLString(t, m)
	mustContain(t, h, "Unsubscribe</a>")
	mustNotContain(t, h, "Read on the web")
	mustNotContain(t, h, "988")
	mustNotContain(t, h, "Springfield")
	mustNotContain(t, h, "&#847;") // no preheader filler without a preheader
}

func TestMailWithoutFooter(t *testing.T) {
	m := sampleMail()
	m.UnsubscribeURL, m.MeURL, m.WebURL = "", "", ""
	h := mailHTMLString(t, m)
	txt := mailTextString(t, m)
	for _, s := range []string{"Unsubscribe", "Your data", "You get this because", "Springfield", "988"} {
		mustNotContain(t, h, s)
		mustNotContain(t, txt, s)
	}
	mustContain(t, h, "the guide</a>")
	mustContain(t, txt, "Read the guide (https://example.org/g?a=1&b=2).")
}

func TestMailText(t *testing.T) {
	txt := mailTextString(t, sampleMail())
	for _, w := range []string{
		"Dear Fellow Humans,\n\nRead the guide (https://example.org/g?a=1&b=2).",
		"You get this because you asked for the guide",
		"Unsubscribe: https://example.org/unsubscribe/U.tok",
		"Your data: https://example.org/me/M.tok",
		"Read on the web: https://example.org/letters/l1",
		"Satina Conforti, 1 Main St, Springfield", "In crisis? Call or text 988 (US).",
	} {
		mustContain(t, txt, w)
	}
	mustNotContain(t, txt, "&amp;")
	mustNotContain(t, txt, "<")
}

func TestMailEscapesFields(t *testing.T) {
	m := sampleMail()
	m.Subject = "<b>hi</b>"
	m.PostalAddress = "<script>x</script>"
	m.UnsubscribeURL = "javascript:alert(1)"
	h := mailHTMLString(t, m)
	mustNotContain(t, h, "<script>x")
	mustNotContain(t, h, "<b>hi</b>")
	mustNotContain(t, h, `href="javascript:`)
}

func TestInlineStyles(t *testing.T) {
	in := `<p>a <code>x</code></p><th style="text-align:center">h</th><a href="x>y" title='q'>l</a><pre><code class="language-go">1 &lt; 2</code></pre><span>s</span></p><hr>`
	out := inlineStyles(in)
	for _, w := range []string{
		`<p style="` + mailStyles["p"] + `">a <code style="`,
		`<th style="` + mailStyles["th"] + `;text-align:center">h</th>`,
		`<a style="` + mailStyles["a"] + `" href="x>y" title='q'>l</a>`,
		`<code style="` + mailStyles["code"] + `" class="language-go">1 &lt; 2</code>`,
		`<span>s</span></p>`, `<hr style="`,
	} {
		if !strings.Contains(out, w) {
			t.Errorf("inlineStyles: missing %q in\n%s", w, out)
		}
	}
	if inlineStyles("plain < text") != "plain < text" {
		t.Error("stray < altered")
	}
}

// TestWritePreview writes sample pages to $TEMPLATES_PREVIEW_DIR for a look
// in a browser; skipped unless set.
func TestWritePreview(t *testing.T) {
	dir := os.Getenv("TEMPLATES_PREVIEW_DIR")
	if dir == "" {
		t.Skip("TEMPLATES_PREVIEW_DIR not set")
	}
	write := func(name, s string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("landing.html", render(t, "landing", Landing{Site: site, ConsentText: consentText, ConsentVersion: "v1"}))
	write("landing-errors.html", render(t, "landing", Landing{Site: site, ConsentText: consentText, Email: "ann@", Name: "Ann",
		Errors: map[string]string{"email": "Please enter a whole email address, like name@example.org.", "consent": "Please tick the box so I may write to you."}}))
	write("me.html", render(t, "me", sampleMe()))
	write("confirm.html", render(t, "confirm", Confirm{Site: site, Token: "abc"}))
	write("mail.html", mailHTMLString(t, sampleMail()))
}
