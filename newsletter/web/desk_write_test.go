package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/newsletter"
)

// formOf reads the fields of the form posting to action in page, as a
// browser would send them (inputs with a name, checked boxes, textareas),
// without its buttons.
func formOf(t *testing.T, page, action string) url.Values {
	t.Helper()
	z := html.NewTokenizer(strings.NewReader(page))
	out := url.Values{}
	in, found, area := false, false, ""
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if !found {
				t.Fatalf("no form to %s in the page", action)
			}
			return out
		case html.StartTagToken, html.SelfClosingTagToken:
			tok := z.Token()
			attr := map[string]string{}
			has := map[string]bool{}
			for _, a := range tok.Attr {
				attr[a.Key], has[a.Key] = a.Val, true
			}
			switch tok.Data {
			case "form":
				in = attr["action"] == action && !found
				found = found || in
			case "input":
				if in && attr["name"] != "" && (attr["type"] != "checkbox" || has["checked"]) {
					out.Add(attr["name"], attr["value"])
				}
			case "textarea":
				if in {
					area = attr["name"]
				}
			}
		case html.TextToken:
			if area != "" {
				out.Add(area, strings.TrimPrefix(string(z.Text()), "\n"))
				area = ""
			}
		case html.EndTagToken:
			switch tok, _ := z.TagName(); string(tok) {
			case "form":
				in = false
			case "textarea":
				if area != "" { // empty
					out.Add(area, "")
					area = ""
				}
			}
		}
	}
}

const roses = "Dear {{ or .FirstName \"friend\" }},\n\nThe roses are out.\nWarmly,\nSatina"

// TestDeskKeepsTextThroughSignIn: a letter posted after the session ended
// comes back after sign-in, saved as a draft; one posted with an expired
// CSRF token comes back in the form; the autosave answers JSON.
func TestDeskKeepsTextThroughSignIn(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	status(t, must(a.Client.Get(a.URL+"/admin")), http.StatusOK) // the sign-in's CSRF cookie
	form := url.Values{"csrf": {strings.Repeat("0", 32)}, "subject": {"Roses"}, "markdown": {strings.ReplaceAll(roses, "\n", "\r\n")},
		"preheader": {"Out now"}, "archive": {"yes"}, "action": {"send"}}
	page := status(t, must(a.Client.PostForm(a.URL+"/admin/compose", form)), http.StatusUnauthorized)
	mustHave(t, page, `name="token"`, "You were signed out", "Your letter “Roses” is kept", `name="carry_subject" value="Roses"`)
	if ls, _ := a.Store.ListLetters(t.Context(), "", 0); len(ls) != 0 {
		t.Fatalf("a signed-out post stored %d letters", len(ls))
	}
	// She signs in on that page, with the fields it carries.
	login := formOf(t, page, "/admin/login")
	login.Set("token", "admin-secret-for-the-tests")
	res := must(a.Client.PostForm(a.URL+"/admin/login", login))
	status(t, res, http.StatusSeeOther)
	loc := res.Header.Get("Location")
	id := strings.TrimPrefix(loc, "/admin/compose?done=restored&id=")
	if id == loc || id == "" {
		t.Fatalf("after sign-in → %q", loc)
	}
	l, err := a.Store.Letter(t.Context(), id)
	if err != nil || l.Status != newsletter.LetterDrafted || l.Markdown != roses || l.Subject != "Roses" || l.Preheader != "Out now" || l.Unlisted {
		t.Fatalf("the kept letter: %+v %v", l, err)
	}
	page = status(t, must(a.Client.Get(a.URL+loc)), http.StatusOK)
	mustHave(t, page, "You are signed in again", "The roses are out.\nWarmly,\nSatina</textarea>", `name="id" value="`+id+`"`)
	d := &desk{t: t, a: a, csrf: find(t, `name="csrf" value="([0-9a-f]+)"`, page)}

	// Signed in, but the page's token is stale: the form comes back with
	// her text, 403, and nothing is sent or stored.
	form.Set("id", id)
	form.Set("draft", "yes")
	form.Set("markdown", roses+"\n\nP.S. More soon.")
	page, _ = d.post("/admin/compose", withCSRF(form, strings.Repeat("a", 32)), http.StatusForbidden)
	mustHave(t, page, "Your text is all here", "P.S. More soon.</textarea>", `name="csrf" value="`+d.csrf+`"`)
	// Signed out in another tab: the carried id is her draft, which it
	// saves again rather than making a second one.
	d.post("/admin/logout", url.Values{}, http.StatusSeeOther)
	page = status(t, must(a.Client.PostForm(a.URL+"/admin/compose", withCSRF(form, d.csrf))), http.StatusUnauthorized)
	login = formOf(t, page, "/admin/login")
	login.Set("token", "admin-secret-for-the-tests")
	res = must(a.Client.PostForm(a.URL+"/admin/login", login))
	if got := res.Header.Get("Location"); got != loc {
		t.Errorf("the second sign-in → %q, want %q", got, loc)
	}
	if l, _ := a.Store.Letter(t.Context(), id); !strings.HasSuffix(l.Markdown, "P.S. More soon.") {
		t.Errorf("the draft was not saved again: %q", l.Markdown)
	}
	if ls, _ := a.Store.ListLetters(t.Context(), "", 0); len(ls) != 1 {
		t.Errorf("%d letters, want the one draft", len(ls))
	}

	// The autosave, signed out: JSON that says so.
	d.post("/admin/logout", url.Values{"csrf": {find(t, `name="csrf" value="([0-9a-f]+)"`, status(t, must(a.Client.Get(a.URL+"/admin/compose")), http.StatusOK))}}, http.StatusSeeOther)
	res = must(a.Client.PostForm(a.URL+"/admin/drafts/autosave", url.Values{"csrf": {d.csrf}, "subject": {"x"}, "markdown": {"y"}}))
	if body := status(t, res, http.StatusUnauthorized); !strings.Contains(body, `"error":"signed-out"`) {
		t.Errorf("autosave signed out: %s", body)
	}
	// A form that holds no letter (Send it now of a held one) carries nothing.
	res = must(a.Client.PostForm(a.URL+"/admin/compose", url.Values{"csrf": {d.csrf}, "action": {"release"}, "letter": {id}}))
	if page := status(t, res, http.StatusUnauthorized); strings.Contains(page, "carry") {
		t.Error("an empty form was carried into the sign-in")
	}
	// A form from another site is not carried.
	req, _ := http.NewRequest("POST", a.URL+"/admin/compose", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if page := status(t, must(a.Client.Do(req)), http.StatusUnauthorized); strings.Contains(page, "carry_subject") {
		t.Error("a cross-site post was carried into the sign-in")
	}
}

func withCSRF(form url.Values, csrf string) url.Values {
	out := url.Values{}
	for k, v := range form {
		out[k] = v
	}
	out.Set("csrf", csrf)
	return out
}

// TestDeskAutosave: the script's endpoint saves a new draft, then the
// same one; a template mistake reads "line 3: …" in plain words; a
// scheduled letter is not changed by it.
func TestDeskAutosave(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	d := signIn(t, a)
	body, _ := d.post("/admin/drafts/autosave", url.Values{"subject": {"Half"}, "markdown": {roses}, "archive": {"yes"}}, http.StatusOK)
	got := decode[map[string]any](t, body)
	id, _ := got["id"].(string)
	if id == "" || got["saved"] != "09:00" {
		t.Fatalf("autosave answered %s", body)
	}
	body, _ = d.post("/admin/drafts/autosave", url.Values{"id": {id}, "subject": {"Whole"}, "markdown": {roses}}, http.StatusOK)
	if decode[map[string]any](t, body)["id"] != id {
		t.Errorf("the second save made another draft: %s", body)
	}
	if l, _ := a.Store.Letter(t.Context(), id); l.Subject != "Whole" || l.Status != newsletter.LetterDrafted || !l.Unlisted {
		t.Errorf("saved draft %+v", l)
	}
	body, _ = d.post("/admin/drafts/autosave", url.Values{"id": {id}, "subject": {"Whole"}, "markdown": {"Hi,\n\n{{ .Nmae }}"}}, http.StatusUnprocessableEntity)
	mustHave(t, body, "There is a mistake on line 3: there is no {{ .Nmae }}.")
	if strings.Contains(body, "sequences.Data") || strings.Contains(body, "executing") {
		t.Errorf("a raw Go error: %s", body)
	}
	if l, _ := a.Store.Letter(t.Context(), id); l.Markdown != roses {
		t.Errorf("a draft that does not render was saved: %q", l.Markdown)
	}
	// The Write page says it in the same words.
	page, _ := d.post("/admin/compose", url.Values{"subject": {"s"}, "markdown": {"a\nb\n{{ .FirstName "}, "action": {"preview"}}, http.StatusUnprocessableEntity)
	mustHave(t, page, "There is a mistake on line 3: a {{ is not closed with }}.")
	// A scheduled letter: 409, unchanged.
	code, body := a.Admin(t, "POST", "/admin/api/letters", `{"subject":"Later","markdown":"x","send_at":"2026-04-01T08:00:00Z"}`)
	if code != http.StatusCreated {
		t.Fatalf("create: %d %s", code, body)
	}
	sched := decode[map[string]string](t, body)["id"]
	d.post("/admin/drafts/autosave", url.Values{"id": {sched}, "subject": {"Changed"}, "markdown": {"x"}}, http.StatusConflict)
	if l, _ := a.Store.Letter(t.Context(), sched); l.Subject != "Later" {
		t.Errorf("autosave changed a scheduled letter: %q", l.Subject)
	}
	// The page offers the script, the name and autosave for new letters and drafts only.
	mustHave(t, d.get("/admin/compose", http.StatusOK), `<script src="/admin/desk.js" defer></script>`, `data-autosave="new"`, `id="insert-name"`,
		`data-insert="{{ or .FirstName &quot;friend&quot; }}"`)
	if strings.Contains(d.get("/admin/compose?id="+sched, http.StatusOK), "data-autosave") {
		t.Error("a scheduled letter is autosaved")
	}
	res := must(a.Client.Get(a.URL + "/admin/desk.js"))
	if js := status(t, res, http.StatusOK); !strings.Contains(js, "/admin/drafts/autosave") || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/javascript") {
		t.Errorf("desk.js: %s", res.Header.Get("Content-Type"))
	}
	csp := must(a.Client.Get(a.URL + "/admin/compose")).Header.Get("Content-Security-Policy")
	if !strings.Contains(csp, "script-src 'self';") || strings.Contains(csp, "unsafe-inline") {
		t.Errorf("desk CSP %q", csp)
	}
}

// TestDeskSendConfirm: Schedule and Send now show the exact number of
// readers and when (in AUTHOR_TZ), and schedule nothing until confirmed;
// the confirmation's form carries the letter unchanged.
func TestDeskSendConfirm(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	a := apptest.Start(t, apptest.Options{NoWorker: true, Configure: func(c *config.Config) { c.AuthorTZ = berlin }})
	importCSV(t, a, "email,name,status,sequence\nann@example.org,Ann,confirmed,\nbo@example.org,Bo,confirmed,\n"+
		"cy@example.org,Cy,confirmed,guide\ndi@example.org,Di,pending,\n")
	d := signIn(t, a)
	form := url.Values{"subject": {"Roses"}, "markdown": {roses}, "archive": {"yes"}, "action": {"schedule"}}
	page, _ := d.post("/admin/compose", form, http.StatusUnprocessableEntity)
	mustHave(t, page, "Choose the day and time it goes out, or press Send now.")

	form.Set("send_at", "2026-03-05T08:30")
	page, _ = d.post("/admin/compose", form, http.StatusOK)
	mustHave(t, page, "Schedule it?", `id="confirm-count">It goes to <strong>3 readers</strong> on Thursday 5 March 2026 at 08:30 CET.`,
		"<strong>Public:</strong>", "Yes, schedule it for 3 readers", "Times are in Europe/Berlin.")
	if ls, _ := a.Store.ListLetters(t.Context(), "", 0); len(ls) != 0 {
		t.Fatalf("the confirmation stored %d letters", len(ls))
	}
	confirm := formOf(t, page, "/admin/compose")
	if confirm.Get("markdown") != roses || confirm.Get("confirmed") != "yes" {
		t.Fatalf("the confirmation carries %q", confirm)
	}
	// Back to the letter: the form with her text.
	confirm.Set("action", "edit")
	page, _ = d.post("/admin/compose", confirm, http.StatusOK)
	mustHave(t, page, "Warmly,\nSatina</textarea>", `value="2026-03-05T08:30"`)
	// Confirmed: scheduled, at 08:30 in Berlin.
	confirm.Set("action", "schedule")
	_, res := d.post("/admin/compose", confirm, http.StatusSeeOther)
	id := strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/admin/letters/"), "?done=scheduled")
	l, err := a.Store.Letter(t.Context(), id)
	if err != nil || l.Status != newsletter.LetterScheduled || l.Markdown != roses || !l.SendAt.Equal(time.Date(2026, 3, 5, 7, 30, 0, 0, time.UTC)) {
		t.Fatalf("scheduled %+v %v", l, err)
	}
	page = d.get("/admin/letters/"+id+"?done=scheduled", http.StatusOK)
	mustHave(t, page, "The letter is scheduled for Thursday 5 March at 08:30 CET.", "Edit the letter")
	if strings.Contains(page, `id="undo"`) {
		t.Error("a letter due in three days offers Undo")
	}

	// Send now, leaving out readers still in a sequence: 2 readers, in a minute.
	form = url.Values{"subject": {"Now"}, "markdown": {"Hello."}, "skip_in_sequence": {"yes"}, "action": {"send"}}
	page, _ = d.post("/admin/compose", form, http.StatusOK)
	mustHave(t, page, "Send it now?", "<strong>2 readers</strong> in a minute, at Monday 2 March 2026 at 10:01 CET.",
		"1 reader who is still receiving a welcome sequence is left out", "<strong>Private:</strong>", "Yes, send it for 2 readers")
	confirm = formOf(t, page, "/admin/compose")
	confirm.Set("action", "send")
	_, res = d.post("/admin/compose", confirm, http.StatusSeeOther)
	id = strings.TrimSuffix(strings.TrimPrefix(res.Header.Get("Location"), "/admin/letters/"), "?done=scheduled")
	if l, _ := a.Store.Letter(t.Context(), id); l == nil || !l.SendAt.Equal(a.Clock.Now().Add(time.Minute)) || !l.Unlisted {
		t.Fatalf("sent now: %+v", l)
	}
	mustHave(t, d.get("/admin/letters/"+id+"?done=scheduled", http.StatusOK),
		"The letter goes out at 10:01 CET. Until then you can take it back with Undo.", `id="undo"`)
	mustHave(t, d.get("/admin/compose", http.StatusOK), `action="/admin/letters/`+id+`/undo"`)
}
