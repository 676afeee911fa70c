package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/satina/newsletter/internal/apptest"
)

// TestBrowserSequencesAndInsight drives a real headless Chromium through
// the desk's sequences and insight, against the whole service on a real
// listener (real Redis, real SMTP, the worker running):
//
//   - pause the guide sequence and see it marked paused;
//   - change its first step: a mistake is refused with its line and the
//     focus on the field, a correct change is kept and marked changed;
//   - the overview shows the funnel and the signups chart (an SVG image
//     with a name, and its numbers as a table);
//   - the new pages fit a 390 px phone screen.
//
// It uses browser_test.go's helpers (chromium, browser, run, text). With
// SCREENSHOT_DIR set it saves the overview and the changed step there.
func TestBrowserSequencesAndInsight(t *testing.T) {
	exe := chromium(t)
	a := apptest.Start(t, apptest.Options{RealClock: true})
	importCSV(t, a, "email,name,status\nreader@example.org,Rae Reader,confirmed\n")
	status(t, must(a.Client.PostForm(a.URL+"/subscribe", url.Values{"email": {"new@example.org"}, "consent": {"on"}})), http.StatusSeeOther)
	ctx := browser(t, exe)
	shots := os.Getenv("SCREENSHOT_DIR")

	run(t, ctx, "sign in",
		chromedp.Navigate(a.URL+"/admin"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), "admin-secret-for-the-tests"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS("nav.desk")),
	)

	// Pause the sequence.
	run(t, ctx, "pause",
		chromedp.Click(chromedp.CSS(`nav.desk a[href="/admin/sequences"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/sequences/guide/pause"] button`)),
		chromedp.Click(chromedp.CSS(`form[action="/admin/sequences/guide/pause"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/sequences/guide/resume"] button`)),
	)
	if got := text(t, ctx, "#seq-guide h2"); !strings.Contains(strings.ToLower(got), "paused") {
		t.Errorf("the sequence's heading after Pause: %q", got)
	}
	if got := text(t, ctx, ".notice"); !strings.Contains(got, "The sequence is paused") {
		t.Errorf("notice after Pause: %q", got)
	}
	if st, err := a.Service.SequenceState(context.Background(), "guide"); err != nil || !st.Paused {
		t.Fatalf("the store says paused=%v (%v)", st.Paused, err)
	}

	// Change the first step: a mistake first.
	run(t, ctx, "open the step",
		chromedp.Click(chromedp.CSS(`a[href="/admin/sequences/guide/steps/01-guide.md"]`)),
		chromedp.WaitVisible(chromedp.ID("step-form")),
		chromedp.SetValue(chromedp.ID("markdown"), "Dear {{ or .FirstName \"friend\" }},\n\nYour guide: {{ .DownloadURL }\n"),
		chromedp.Click(chromedp.CSS(`button[value="save"]`)),
		chromedp.WaitVisible(chromedp.ID("markdown-error")),
	)
	if got := text(t, ctx, "#markdown-error"); !strings.HasPrefix(got, "line 3:") {
		t.Errorf("the mistake reads %q, want it to start with its line", got)
	}
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.id`))
	if err != nil || focused != "markdown" {
		t.Errorf("focus after the mistake is on %q (%v), want the letter's field", focused, err)
	}
	if v := value(t, ctx, "#markdown"); !strings.Contains(v, "Your guide: {{ .DownloadURL }") {
		t.Errorf("the text was not kept: %q", v)
	}
	run(t, ctx, "save the change",
		chromedp.SetValue(chromedp.ID("subject"), "Your guide is here, {{ or .FirstName \"friend\" }}"),
		chromedp.SetValue(chromedp.ID("markdown"), "Dear {{ or .FirstName \"friend\" }},\n\nHere is [your guide]({{ .DownloadURL }}).\n\nWarmly,\nSatina\n"),
		chromedp.Click(chromedp.CSS(`button[value="save"]`)),
		chromedp.WaitVisible(chromedp.ID("changed-note")),
	)
	if got := text(t, ctx, "#changed-note"); !strings.Contains(got, "changed") || !strings.Contains(got, "changed from the desk") {
		t.Errorf("the changed note: %q", got)
	}
	if got := text(t, ctx, "#preview-subject"); got != "Your guide is here, Ada" {
		t.Errorf("the preview's subject after the change: %q", got)
	}
	if _, changed := a.Service.Sequences.Override("guide", "01-guide.md"); !changed {
		t.Fatalf("the change is not kept")
	}
	if shots != "" {
		shot(t, ctx, filepath.Join(shots, "laptop-step.png"))
	}
	run(t, ctx, "the list marks it", chromedp.Navigate(a.URL+"/admin/sequences"), chromedp.WaitVisible(chromedp.CSS(".badge.changed")))

	// The overview: the funnel and the chart.
	run(t, ctx, "overview", chromedp.Navigate(a.URL+"/admin"), chromedp.WaitVisible(chromedp.CSS("svg.signups")))
	funnel := text(t, ctx, "#funnel")
	for _, want := range []string{"Signed up", "Confirmed their address", "Downloaded the guide", "Still subscribed", "Your guide is here"} {
		if !strings.Contains(funnel, want) {
			t.Errorf("the funnel lacks %q:\n%s", want, funnel)
		}
	}
	chart, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`(() => {
		const s = document.querySelector("svg.signups"), r = s.getBoundingClientRect();
		return {role: s.getAttribute("role"), name: document.getElementById(s.getAttribute("aria-labelledby").split(" ")[0]).textContent,
			bars: s.querySelectorAll("rect.bar").length, width: r.width, height: r.height,
			rows: document.querySelectorAll("figure.chart table tbody tr").length};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	if chart["role"] != "img" || !strings.Contains(chart["name"].(string), "Sign-ups per day") || chart["bars"].(float64) != 14 ||
		chart["rows"].(float64) != 14 || chart["width"].(float64) < 200 || chart["height"].(float64) < 40 {
		t.Errorf("the chart: %v", chart)
	}
	if !strings.Contains(chart["name"].(string), "2 in all") {
		t.Errorf("the chart's name does not count today's 2 signups: %q", chart["name"])
	}
	if shots != "" {
		shot(t, ctx, filepath.Join(shots, "laptop-overview.png"))
	}

	// On a phone: the new pages fit.
	run(t, ctx, "phone screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	for _, p := range []string{"/admin", "/admin/sequences/guide/steps/01-guide.md", "/admin/subscribers/reader@example.org", "/admin/images"} {
		run(t, ctx, p, chromedp.Navigate(a.URL+p), chromedp.WaitVisible(chromedp.CSS("nav.desk")))
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if wide > 0 {
			t.Errorf("%s is %d px wider than a 390 px phone screen", p, wide)
		}
	}

	// Resume.
	run(t, ctx, "resume",
		chromedp.Navigate(a.URL+"/admin/sequences"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/sequences/guide/resume"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/admin/sequences/guide/pause"] button`)),
	)
	if st, _ := a.Service.SequenceState(context.Background(), "guide"); st.Paused {
		t.Errorf("still paused after Resume")
	}
}

// shot saves a screenshot of the viewport.
func shot(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}
