package markdown

import (
	"regexp"
	"strings"
	"testing"

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
		if m := dangerous.FindString(out); m != "" {
			t.Fatalf("%q renders %q, which holds %q", src, h, m)
		}
		if _, err := Render(src, templates.Mail{Subject: "s"}); err != nil {
			t.Fatalf("Render(%q) failed after HTML succeeded: %v", src, err)
		}
	})
}

// dangerous matches, in lower-cased HTML, a link or source to a script
// URL and an event-handler attribute inside a tag.
var dangerous = regexp.MustCompile(`(href|src)\s*=\s*["']?\s*(javascript|vbscript|data:text/html)|<[a-z][^>]*\son[a-z]+\s*=`)
