package worker_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
)

// adminJSON sends a JSON body to the admin API and decodes a 2xx answer
// into v; it returns the status and the body.
func adminJSON(t *testing.T, a *apptest.App, method, path, body string, v any) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, a.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer admin-secret-for-the-tests")
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := a.Client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if v != nil && res.StatusCode < 300 && len(b) > 0 {
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
	return res.StatusCode, string(b)
}

// apiLetter is a letter as GET /admin/api/letters/<id> answers.
type apiLetter struct {
	ID, Subject, Status, Preheader    string
	SendAt                            *string `json:"send_at"`
	Archive                           bool
	Recipients, Sent, Failed, Skipped int
}

// TestDraftIsNeverSentUntilScheduled: a letter posted without send_at is
// a draft: never sent, however long the worker runs, editable with PUT
// (still a draft), and listed. A PUT that adds send_at schedules it: GET
// then counts its recipients (the readers confirmed now) before the
// fan-out, and at its time it goes once to each reader confirmed, the
// edited version. A scheduled letter cannot go back to a draft (422 on
// send_at), and a draft is deleted by DELETE (204, then 404).
func TestDraftIsNeverSentUntilScheduled(t *testing.T) {
	set := writeSet(t, t.TempDir(), map[string]map[string]string{"one": {"01-welcome.md": step("Welcome", "0s")}})
	a := apptest.Start(t, apptest.Options{NoWorker: true, Sequences: set})
	log := newLog(a)
	var readers []string
	for i := range 3 {
		email := fmt.Sprintf("r%d@example.org", i)
		confirm(t, a, signup(t, a, email, "one", ""))
		readers = append(readers, email)
	}
	log.drain(t)

	var created struct{ ID string }
	if code, body := adminJSON(t, a, "POST", "/admin/api/letters", `{"subject":"A draft","markdown":"Dear {{ or .FirstName \"friend\" }},\n\nnot yet."}`, &created); code != http.StatusCreated || created.ID == "" {
		t.Fatalf("post a draft: %d %s", code, body)
	}
	id := created.ID
	var l apiLetter
	if code, _ := adminJSON(t, a, "GET", "/admin/api/letters/"+id, "", &l); code != http.StatusOK || l.Status != "draft" || l.SendAt != nil || l.Recipients != -1 || !l.Archive {
		t.Fatalf("draft: %d %+v", code, l)
	}
	var list struct{ Letters []apiLetter }
	if adminJSON(t, a, "GET", "/admin/api/letters?status=draft", "", &list); len(list.Letters) != 1 || list.Letters[0].ID != id {
		t.Errorf("drafts listed: %+v", list.Letters)
	}
	// The worker runs three days: nothing of it goes out.
	start := a.Fake.Now()
	log.runUntil(t, start.Add(72*time.Hour), time.Hour)
	if got := mailsWithSubject(log, "A draft"); len(got) != 0 {
		t.Fatalf("a draft was sent to %v", got)
	}
	// Edited, still a draft.
	if code, body := adminJSON(t, a, "PUT", "/admin/api/letters/"+id, `{"subject":"Not a draft now","markdown":"Dear {{ or .FirstName \"friend\" }},\n\nnow.","preheader":"A short word"}`, &l); code != http.StatusOK || l.Status != "draft" || l.Subject != "Not a draft now" || l.Preheader != "A short word" {
		t.Fatalf("edit the draft: %d %s", code, body)
	}
	if code, body := adminJSON(t, a, "PUT", "/admin/api/letters/"+id, `{"subject":"","markdown":"x"}`, nil); code != http.StatusUnprocessableEntity || !strings.Contains(body, `"subject"`) {
		t.Errorf("a draft without a subject: %d %s", code, body)
	}
	// Scheduled by a PUT with send_at.
	sendAt := a.Fake.Now().Add(time.Hour)
	put := fmt.Sprintf(`{"subject":"Not a draft now","markdown":"Dear {{ or .FirstName \"friend\" }},\n\nnow.","preheader":"A short word","send_at":%q}`, sendAt.Format(time.RFC3339))
	if code, body := adminJSON(t, a, "PUT", "/admin/api/letters/"+id, put, &l); code != http.StatusOK || l.Status != "scheduled" || l.SendAt == nil {
		t.Fatalf("schedule the draft: %d %s", code, body)
	}
	if adminJSON(t, a, "GET", "/admin/api/letters/"+id, "", &l); l.Recipients != 3 || l.Sent != 0 {
		t.Errorf("before the fan-out: recipients %d, want the 3 readers confirmed now", l.Recipients)
	}
	// It cannot go back to being a draft.
	if code, body := adminJSON(t, a, "PUT", "/admin/api/letters/"+id, `{"subject":"s","markdown":"m"}`, nil); code != http.StatusUnprocessableEntity || !strings.Contains(body, `"send_at"`) {
		t.Errorf("a scheduled letter saved without send_at: %d %s", code, body)
	}
	log.runUntil(t, sendAt.Add(-time.Minute), 10*time.Minute)
	if got := mailsWithSubject(log, "Not a draft now"); len(got) != 0 {
		t.Fatalf("sent before its time to %v", got)
	}
	log.runUntil(t, sendAt.Add(24*time.Hour), 10*time.Minute)
	got := mailsWithSubject(log, "Not a draft now")
	sort.Strings(got)
	if strings.Join(got, ",") != strings.Join(readers, ",") {
		t.Errorf("the scheduled draft went to %v, want each of %v once", got, readers)
	}
	if adminJSON(t, a, "GET", "/admin/api/letters/"+id, "", &l); l.Status != "sent" || l.Recipients != 3 || l.Sent != 3 {
		t.Errorf("after sending: %+v", l)
	}

	// A second draft is deleted.
	if code, _ := adminJSON(t, a, "POST", "/admin/api/letters", `{"subject":"Gone","markdown":"x"}`, &created); code != http.StatusCreated {
		t.Fatal(code)
	}
	if code, body := adminJSON(t, a, "DELETE", "/admin/api/letters/"+created.ID, "", nil); code != http.StatusNoContent {
		t.Errorf("delete a draft: %d %s", code, body)
	}
	if code, _ := adminJSON(t, a, "GET", "/admin/api/letters/"+created.ID, "", nil); code != http.StatusNotFound {
		t.Errorf("a deleted draft answers %d", code)
	}
	if adminJSON(t, a, "GET", "/admin/api/letters", "", &list); len(list.Letters) != 1 || list.Letters[0].ID != id {
		t.Errorf("letters after the delete: %+v", list.Letters)
	}
}
