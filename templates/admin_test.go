package templates

import (
	"html"
	"strings"
	"testing"
	"time"
)

// The author's desk (admin_desk.html): every page renders, escapes what it
// shows, and carries the CSRF token in every form.

type pageCase = struct {
	data any
	want []string
}

func sampleDesk(page string) AdminDesk {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	letter := AdminLetter{ID: "l1", Subject: "On rest", Status: "sent", SendAt: at, Recipients: 3, Sent: 2, Failed: 1}
	preview := &AdminPreview{Subject: "On rest", To: "Ada Lovelace <ada@example.org>",
		HTML: `<!doctype html><html><body><p style="color:red">Rest & "quiet"</p></body></html>`, Text: "Rest is work too."}
	d := AdminDesk{Site: site, Page: page, CSRF: "csrf-xyz"}
	switch page {
	case "overview":
		days := make([]AdminDay, 14)
		for i := range days {
			days[i] = AdminDay{Date: at.AddDate(0, 0, i-13), N: i % 3, Percent: (i % 3) * 50}
		}
		d.Overview = &AdminOverview{Zone: "Europe/Berlin", Days: days, DaysTotal: 13,
			Counts:   []AdminCount{{"pending", 2}, {"confirmed", 40}, {"unsubscribed", 3}, {"bounced", 1}},
			Upcoming: []AdminLetter{{ID: "l2", Subject: "On spring", Status: "scheduled", SendAt: at.Add(48 * time.Hour), Recipients: -1}},
			Recent:   []AdminLetter{letter}, Failed: []AdminLetter{letter},
			Bounced: []AdminSubscriber{{Email: "gone@example.org", Status: "bounced"}},
			Insight: &AdminInsight{Chart: AdminChart{Title: "Sign-ups per day", Width: 560, Height: 150, Base: 130,
				Bars: []AdminBar{{X: 3, Y: 30, W: 34, H: 100, N: 2, Tick: "2", Name: "2 March 2026"}}},
				Funnel:  []AdminStage{{Label: "Signed up", N: 10, Width: 100}, {Label: "Confirmed their address", N: 8, Percent: "80%", Width: 80}},
				Letters: []AdminLeft{{Label: "On rest", Sent: 40, Left: 2, Percent: "5%"}}}}
	case "compose":
		nameless := *preview
		nameless.HTML = "<p>Dear friend,</p>"
		withNameless := *preview
		withNameless.Nameless = &nameless
		d.Compose = &AdminCompose{Subject: "On rest", Preheader: "A quiet word", Markdown: "Dear {{ .FirstName }}", SendAt: "2026-03-04T08:00",
			TZ: "Europe/Berlin", Archive: true, Errors: map[string]string{"test_to": "Give an address."},
			Preview: &withNameless, Letters: []AdminLetter{letter, {ID: "l2", Subject: "On spring", Status: "scheduled", SendAt: at, Unlisted: true}},
			Drafts: []AdminLetter{{ID: "d1", Subject: "Half done", Status: "draft", Saved: at, Recipients: -1}}}
	case "subscribers":
		d.Subscribers = &AdminSubscribers{Q: "ann", Statuses: []string{"pending", "confirmed"}, Total: 120, From: 51, To: 100,
			PrevURL: "/admin/subscribers?offset=0&q=ann", NextURL: "/admin/subscribers?offset=100&q=ann",
			ExportURL: "/admin/subscribers/export.csv?q=ann",
			Rows:      []AdminSubscriber{{Email: "ann@example.org", Name: "Ann", Status: "confirmed", Sequence: "guide", Step: 2, CreatedAt: at}},
			Import:    &AdminImport{Imported: 3, Skipped: 1, Errors: []AdminImportError{{Row: 4, Error: "email: not a valid address"}}}}
	case "sequences":
		d.Sequences = []AdminSequence{{ID: "guide", Title: "The guide", NotStarted: 2, Steps: []AdminStep{
			{Sequence: "guide", Name: "01-guide.md", Subject: "Your guide", When: "As soon as they confirm", N: 5, URL: "/admin/sequences/guide/steps/01-guide.md"}}}}
	case "step":
		d.Step = &AdminStep{Sequence: "guide", Name: "01-guide.md", Subject: "Your guide", When: "As soon as they confirm", N: 5, Preview: preview}
	}
	return d
}

func adminPageCases() map[string]pageCase {
	return map[string]pageCase{
		"admin_desk": {sampleDesk("overview"), []string{`action="/admin/logout"`, `name="csrf" value="csrf-xyz"`,
			`aria-current="page">Overview`, "<b>40</b><span>confirmed</span>", "Europe/Berlin", "On spring",
			`href="/admin/compose?id=l2"`, "gone@example.org", "1 failed", "Sent 2 March 2026, 09:00 UTC to 2 readers"}},
	}
}

func adminPageData(name string) (any, bool) {
	if name == "admin_desk" {
		return sampleDesk("compose"), true
	}
	return nil, false
}

func TestAdminDeskPages(t *testing.T) {
	want := map[string][]string{
		"overview": {"Sign-ups in the last 14 days", `role="img"`, "<title>2 March 2026: 2</title>", `<th scope="row">2 March 2026</th><td>2</td>`,
			"Confirmed their address", "80%", "On rest", "2 (5%)"},
		"compose": {`action="/admin/compose"`, `name="subject" value="On rest"`, "Dear {{ .FirstName }}</textarea>",
			`type="datetime-local" id="send_at" name="send_at" value="2026-03-04T08:00"`, "Your time, Europe/Berlin.",
			`name="preheader" value="A quiet word"`, `id="archive" name="archive" value="yes" checked`, `name="action" value="draft"`,
			`href="/admin/compose?id=d1">Half done</a>`, "Not scheduled; last saved 2 March 2026, 09:00 UTC", `action="/admin/letters/d1/cancel"`,
			"not on your site", `id="preview-nameless"`, "srcdoc=\"&lt;p&gt;Dear friend,&lt;/p&gt;\"",
			`name="action" value="preview"`, `name="action" value="schedule"`, `name="action" value="test"`,
			`<span class="error" id="test_to-error">Give an address.</span>`,
			`sandbox srcdoc="&lt;!doctype html&gt;&lt;html&gt;&lt;body&gt;&lt;p style=&#34;color:red&#34;&gt;Rest &amp; &#34;quiet&#34;`,
			"Ada Lovelace &lt;ada@example.org&gt;", `action="/admin/letters/l2/cancel"`},
		"subscribers": {`action="/admin/subscribers"`, `value="ann"`, "Showing 51–100 of 120", `href="/admin/subscribers/export.csv?q=ann"`,
			`href="/admin/subscribers?offset=0&amp;q=ann"`, `action="/admin/subscribers/erase"`, `action="/admin/subscribers/status"`,
			`name="confirm" value="yes" required`, `enctype="multipart/form-data"`, "Row 4: email: not a valid address", "Imported 3"},
		"sequences": {"The guide", `href="/admin/sequences/guide/steps/01-guide.md"`, "Latest letter for 5 readers", "2 confirmed readers are waiting"},
		"step":      {"Your guide", "(guide/01-guide.md)", "srcdoc=", "Rest is work too."},
	}
	for page, wants := range want {
		t.Run(page, func(t *testing.T) {
			out := render(t, "admin_desk", sampleDesk(page))
			for _, w := range wants {
				mustContain(t, out, w)
			}
			// No inline script: the desk's only script is its own file.
			mustNotContain(t, strings.ReplaceAll(out, deskScript, ""), "<script")
			// Every form posting carries the CSRF token.
			if forms, tokens := strings.Count(out, `method="post"`), strings.Count(out, `name="csrf" value="csrf-xyz"`); forms != tokens {
				t.Errorf("%d POST forms, %d CSRF fields", forms, tokens)
			}
		})
	}
}

func TestAdminDeskEscapes(t *testing.T) {
	evil := `<script>alert("x")</script>`
	d := sampleDesk("subscribers")
	d.Subscribers.Rows[0].Name, d.Subscribers.Q, d.Notice = evil, evil, evil
	out := render(t, "admin_desk", d)
	if strings.Contains(out, "<script>alert") {
		t.Error("user data not escaped")
	}
	mustContain(t, out, html.EscapeString("<script>"))

	d = sampleDesk("compose")
	d.Compose.Preview.HTML = `"><script>alert(1)</script>`
	out = render(t, "admin_desk", d)
	mustNotContain(t, out, "<script>alert")
	mustContain(t, out, `srcdoc="&#34;&gt;&lt;script&gt;`)
}
