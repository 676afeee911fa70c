package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/satina/newsletter/internal/apptest"
)

// TestBrowser drives a real headless Chromium through the author's desk and
// the reader's signup, against the whole service on a real listener (real
// Redis, real SMTP, the worker running on the wall clock):
//
//   - sign in, write a letter, preview it, schedule it for now (confirmed),
//     and see it sent on the overview (browser_write_test.go drives
//     drafts, Undo and Stop);
//   - every desk page fits a 390 px wide phone screen without sideways
//     scrolling;
//   - sign up on the landing page and reach the thanks page.
//
// Chromium is /usr/bin/chromium (Debian's package) or $CHROMIUM. Without
// it the test fails when CI=true and is skipped otherwise. With
// SCREENSHOT_DIR set, it saves phone-sized screenshots of the desk there.
func TestBrowser(t *testing.T) {
	exe := chromium(t)
	began := time.Now()
	a := apptest.Start(t, apptest.Options{RealClock: true})
	importCSV(t, a, "email,name,status\nreader@example.org,Rae Reader,confirmed\n")
	ctx := browser(t, exe)
	started := time.Now()

	// Sign in.
	run(t, ctx, "sign in",
		chromedp.Navigate(a.URL+"/admin"),
		chromedp.WaitVisible(chromedp.ID("token")),
		chromedp.SendKeys(chromedp.ID("token"), "admin-secret-for-the-tests"),
		chromedp.Click(chromedp.CSS(`form[action="/admin/login"] button`)),
		chromedp.WaitVisible(chromedp.CSS("nav.desk")),
	)
	if h1 := text(t, ctx, "h1"); h1 != "Your desk" {
		t.Fatalf("after sign-in the heading is %q", h1)
	}

	// Compose and preview: the exact mail in the sandboxed frame.
	const subject = "A letter from the browser"
	run(t, ctx, "compose",
		chromedp.Click(chromedp.CSS(`nav.desk a[href="/admin/compose"]`)),
		chromedp.WaitVisible(chromedp.ID("subject")),
		chromedp.SendKeys(chromedp.ID("subject"), subject),
		chromedp.SetValue(chromedp.ID("markdown"), "Dear {{ .FirstName }},\n\nThe garden is *quiet* today.\n\nSatina"),
		chromedp.Click(chromedp.CSS(`button[value="preview"]`)),
		chromedp.WaitVisible(chromedp.CSS("iframe.mail")),
	)
	if got := text(t, ctx, "#preview-subject"); got != subject {
		t.Errorf("preview subject %q", got)
	}
	inFrame := previewText(t, ctx)
	for _, want := range []string{"Dear Ada,", "The garden is quiet today.", "1 Test Street, Testville", "Unsubscribe"} {
		if !strings.Contains(inFrame, want) {
			t.Errorf("the preview frame lacks %q:\n%s", want, inFrame)
		}
	}
	if v := value(t, ctx, "#subject"); v != subject {
		t.Errorf("the form lost the subject after preview: %q", v)
	}

	// Schedule it for now (this minute, in AUTHOR_TZ: here UTC), then
	// watch the overview.
	run(t, ctx, "schedule",
		chromedp.SetValue(chromedp.ID("send_at"), time.Now().UTC().Format("2006-01-02T15:04")),
		chromedp.Click(chromedp.CSS(`button[value="schedule"]`)),
		chromedp.WaitVisible(chromedp.ID("confirm-send")), // "Yes, schedule it for 1 reader"
		chromedp.Click(chromedp.ID("confirm-send")),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	deadline := time.Now().Add(15 * time.Second)
	for {
		recent, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.getElementById("recent")||{}).innerText||""`))
		if err != nil {
			t.Fatalf("read the overview: %v", err)
		}
		if strings.Contains(recent, subject) && strings.Contains(recent, "to 1 reader") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the letter is not shown as sent on the overview: %q", recent)
		}
		time.Sleep(200 * time.Millisecond)
		run(t, ctx, "reload the overview", chromedp.Navigate(a.URL+"/admin"), chromedp.WaitVisible(chromedp.CSS("nav.desk")))
	}
	if got := a.SMTP.To("reader@example.org"); len(got) != 1 || got[0].Subject() != subject {
		t.Fatalf("the reader got %d mails", len(got))
	}

	// On a phone: nothing is wider than the screen.
	run(t, ctx, "phone screen", chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile))
	shots := os.Getenv("SCREENSHOT_DIR")
	sent, err := a.Store.ListLetters(t.Context(), "sent", 1)
	if err != nil || len(sent) != 1 {
		t.Fatalf("the sent letter: %v %v", sent, err)
	}
	for _, p := range []struct{ name, path string }{
		{"overview", "/admin"}, {"compose", "/admin/compose"}, {"subscribers", "/admin/subscribers"},
		{"sequences", "/admin/sequences"}, {"step", "/admin/sequences/guide/steps/01-guide.md"},
		{"letter", "/admin/letters/" + sent[0].ID},
	} {
		run(t, ctx, p.name, chromedp.Navigate(a.URL+p.path), chromedp.WaitVisible(chromedp.CSS("nav.desk")))
		if p.name == "compose" {
			run(t, ctx, "preview on a phone",
				chromedp.SetValue(chromedp.ID("subject"), subject),
				chromedp.SetValue(chromedp.ID("markdown"), "Dear {{ .FirstName }},\n\nThe garden is *quiet* today.\n\nSatina"),
				chromedp.Click(chromedp.CSS(`button[value="preview"]`)),
				chromedp.WaitVisible(chromedp.CSS("iframe.mail")),
			)
		}
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth - window.innerWidth`))
		if err != nil {
			t.Fatal(err)
		}
		if wide > 0 {
			t.Errorf("%s is %d px wider than a 390 px phone screen", p.name, wide)
		}
		if shots != "" {
			screenshots(t, ctx, filepath.Join(shots, "desk-"+p.name))
		}
	}
	run(t, ctx, "laptop screen", chromedp.EmulateViewport(1280, 900))
	if shots != "" {
		run(t, ctx, "preview on a laptop",
			chromedp.Navigate(a.URL+"/admin/compose"),
			chromedp.SetValue(chromedp.ID("subject"), subject),
			chromedp.SetValue(chromedp.ID("markdown"), "Dear {{ .FirstName }},\n\nThe garden is *quiet* today.\n\nSatina"),
			chromedp.Click(chromedp.CSS(`button[value="preview"]`)),
			chromedp.WaitVisible(chromedp.CSS("iframe.mail")),
		)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(shots, "laptop-compose.png"), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// A reader signs up on the landing page.
	run(t, ctx, "sign up",
		chromedp.Navigate(a.URL+"/"),
		chromedp.WaitVisible(chromedp.ID("email")),
		chromedp.SendKeys(chromedp.ID("email"), "new.reader@example.org"),
		chromedp.SendKeys(chromedp.ID("name"), "Nova"),
		chromedp.Click(chromedp.ID("consent")),
		chromedp.Click(chromedp.CSS(`form[action="/subscribe"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("h1")),
	)
	deadline = time.Now().Add(5 * time.Second)
	for {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(loc, "/thanks") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after signing up the browser is at %s", loc)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if sub := a.Subscriber(t, "new.reader@example.org"); sub.Status != "pending" || sub.Name != "Nova" || sub.TZ == "" {
		t.Errorf("signed up as %+v", sub)
	}
	a.SMTP.Wait(t, 2, 2*time.Second) // the letter and the confirmation
	t.Logf("browser test: %v in all, %v after Chromium started", time.Since(began).Round(time.Millisecond), time.Since(started).Round(time.Millisecond))
}

// screenshots saves the page a screen at a time, as prefix-1.png, -2.png, …
// (at most four screens).
func screenshots(t *testing.T, ctx context.Context, prefix string) {
	t.Helper()
	height, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.documentElement.scrollHeight`))
	if err != nil {
		t.Fatal(err)
	}
	for i, y := 1, 0; i <= 4 && y < height; i, y = i+1, y+844 {
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](fmt.Sprintf(`window.scrollTo(0, %d), true`, y))); err != nil {
			t.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
		png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(fmt.Sprintf("%s-%d.png", prefix, i), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// chromium finds the browser, or fails (CI=true) or skips the test.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM"), "/usr/bin/chromium", "chromium", "chromium-browser"} {
		if p == "" {
			continue
		}
		if exe, err := exec.LookPath(p); err == nil {
			return exe
		}
	}
	const msg = "Chromium is not installed: the browser test needs it (apt-get install -y chromium, or set CHROMIUM to its path)"
	if os.Getenv("CI") == "true" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// browser starts a headless Chromium with a fresh profile for the test.
func browser(t *testing.T, exe string) context.Context {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil { // start the browser, bound to ctx
		t.Fatalf("start %s: %v", exe, err)
	}
	return ctx
}

// previewText reads the text of the mail in the preview frame. Chromium
// runs a sandboxed frame in a process of its own, as a target of its own,
// so the test attaches to that target.
func previewText(t *testing.T, ctx context.Context) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatalf("list targets: %v", err)
		}
		for _, info := range infos {
			if info.Type != "iframe" || info.URL != "about:srcdoc" {
				continue
			}
			frameCtx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID), chromedp.WithDetachOnCancel())
			tctx, cancelT := context.WithTimeout(frameCtx, 10*time.Second)
			s, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS("body")))
			cancelT()
			cancel()
			if err != nil {
				t.Fatalf("read the preview frame: %v", err)
			}
			return s
		}
		if time.Now().After(deadline) {
			// No frame of its own: the frame lives in the page's process.
			tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
			defer cancel()
			frames, err := chromedp.Run(tctx, chromedp.Nodes(chromedp.CSS("iframe.mail"), chromedp.Populate(-1, true)))
			if err != nil || len(frames) != 1 {
				t.Fatalf("preview frame: %v", err)
			}
			s, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS("body"), chromedp.FromNode(frames[0])))
			if err != nil {
				t.Fatalf("read the preview frame: %v", err)
			}
			return s
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// run runs browser steps with a time limit, failing the test on an error.
func run(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	start := time.Now()
	if err := chromedp.Do(tctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if d := time.Since(start); d > time.Second {
		t.Logf("%s took %v", what, d.Round(time.Millisecond))
	}
}

// text reads the text of the first element css matches.
func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(tctx, chromedp.Text(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("text of %s: %v", css, err)
	}
	return strings.TrimSpace(s)
}

// value reads the value of the form field css matches.
func value(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(tctx, chromedp.Value(chromedp.CSS(css)))
	if err != nil {
		t.Fatalf("value of %s: %v", css, err)
	}
	return s
}
