package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/satina/newsletter/internal/apptest"
)

// TestNameIsPlainText (finding 3): a name that is Markdown, HTML or a
// template action reaches the confirmation mail as nothing at all (the
// greeting goes without it): no link, no image, no address; a plain name
// greets its reader.
func TestNameIsPlainText(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	names := []string{"[click](https://evil.example)", "![x](https://evil.example/p.gif)", "{{.ConfirmURL}}",
		"<img src=https://evil.example/p.gif>", "www.evil.example", "Ann"}
	for i, name := range names {
		status(t, postJSON(t, a, "/subscribe", map[string]any{"email": fmt.Sprintf("n%d@example.org", i), "name": name, "consent": true}),
			http.StatusAccepted)
	}
	a.Drain(t)
	for i, name := range names {
		msgs := a.SMTP.To(fmt.Sprintf("n%d@example.org", i))
		if len(msgs) != 1 {
			t.Fatalf("%q: %d mails", name, len(msgs))
		}
		text, html, _ := parts(t, msgs[0])
		for part, body := range map[string]string{"text": text, "html": html} {
			flat := strings.ReplaceAll(body, "=\r\n", "")
			if strings.Contains(flat, "evil") || strings.Count(flat, "/confirm/") != 1 || strings.Contains(flat, "<img") {
				t.Errorf("name %q: the %s part carries it:\n%s", name, part, flat)
			}
		}
		if name == "Ann" && !strings.Contains(text, "and Ann in particular") {
			t.Errorf("a plain name is not greeted:\n%s", text)
		}
	}
}
