package markdown

import (
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/satina/newsletter/templates"
)

// FuzzRender feeds arbitrary Markdown to the renderer: it never panics,
// raw HTML in the source never reaches the mail (no <script>, no event
// handler, no <iframe>), and no link keeps a javascript: target.
func FuzzRender(f *testing.F) {
	for _, seed := range []string{
		"Dear Fellow Humans,\n\nWarmly,\nSatina",
		"<script>alert(1)</script>",
		"[x](javascript:alert(1))",
		"<img src=x onerror=alert(1)>",
		"![a](https://example.org/a.png \"t\")",
		"```\n<script>\n```",
		"<iframe src=https://evil.example></iframe>",
		"[x](JaVaScRiPt:alert(1)) <a href=\"javascript:x\">y</a>",
		"# h\n\n> q\n\n- a\n- b\n\n| a | b |\n|---|---|\n| 1 | 2 |",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 1<<16 {
			return
		}
		h, err := HTML(src)
		if err != nil {
			return
		}
		out := strings.ToLower(string(h))
		for _, bad := range []string{"<script", "<iframe", "<object", "<embed"} {
			if strings.Contains(out, bad) {
				t.Fatalf("%q renders %q, which holds %q", src, h, bad)
			}
		}
		if bad := dangerous(string(h)); bad != "" {
			t.Fatalf("%q renders %q, which holds %s", src, h, bad)
		}
		if _, err := Render(src, templates.Mail{Subject: "s"}); err != nil {
			t.Fatalf("Render(%q) failed after HTML succeeded: %v", src, err)
		}
	})
}

// dangerous returns, of the tags in h, the first attribute that could run
// a script: an event handler (on…), or a link or source to a script URL.
// Text that merely reads like one is escaped and harmless.
func dangerous(h string) string {
	z := html.NewTokenizer(strings.NewReader(h))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return ""
		case html.StartTagToken, html.SelfClosingTagToken:
			for _, a := range z.Token().Attr {
				key, val := strings.ToLower(a.Key), strings.ToLower(strings.TrimSpace(a.Val))
				if strings.HasPrefix(key, "on") {
					return "the attribute " + a.Key
				}
				if (key == "href" || key == "src") && (strings.HasPrefix(val, "javascript:") ||
					strings.HasPrefix(val, "vbscript:") || strings.HasPrefix(val, "data:text/html")) {
					return key + "=" + a.Val
				}
			}
		}
	}
}

// TestDangerousDetects keeps FuzzRender's check honest: it finds what it
// looks for, and leaves text alone.
func TestDangerousDetects(t *testing.T) {
	for h, want := range map[string]bool{
		`<a href=" JavaScript:alert(1)">x</a>`:    true,
		`<img src="x" onerror="alert(1)">`:        true,
		`<p>href=javascript: and onload=</p>`:     false,
		`<a href="jAvAsCript" title="on=x">0</a>`: false,
	} {
		if got := dangerous(h) != ""; got != want {
			t.Errorf("dangerous(%q) = %v, want %v", h, got, want)
		}
	}
}
