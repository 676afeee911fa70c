package worker_test

// The late-letter guard end to end: the whole service on the real Redis and
// a real SMTP server, the fake clock standing in for the hours the service
// was down or sending was paused, the admin API for the author's answer.

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter"
)

// heldLetterJSON is GET /admin/api/letters/<id> with the hold.
type heldLetterJSON struct {
	letterJSON
	Held *struct {
		Reason       string
		At           string
		DueAt        string `json:"due_at"`
		GraceSeconds int64  `json:"grace_seconds"`
	}
}

// letterAPI calls the admin API on a letter and decodes the answer afresh.
func letterAPI(t *testing.T, a *apptest.App, method, path string) (int, heldLetterJSON) {
	t.Helper()
	var l heldLetterJSON
	code := admin(t, a, method, path, &l)
	return code, l
}

// readers signs up and confirms n readers of sequence "one" and drains
// their welcome mails; it returns their addresses, sorted by id (the
// order in which a letter's sends queued at one time are taken).
func readers(t *testing.T, a *apptest.App, log *mailLog, n int) []string {
	t.Helper()
	type reader struct{ id, email string }
	var rs []reader
	for i := range n {
		email := fmt.Sprintf("r%d@example.org", i)
		rs = append(rs, reader{signup(t, a, email, "one", ""), email})
	}
	log.drain(t)
	for _, r := range rs {
		confirm(t, a, r.id)
	}
	log.drain(t)
	sort.Slice(rs, func(i, j int) bool { return rs[i].id < rs[j].id })
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.email
	}
	return out
}

func oneSequence(t *testing.T) apptest.Options {
	set := writeSet(t, t.TempDir(), map[string]map[string]string{"one": {"01-welcome.md": step("Welcome", "0s")}})
	return apptest.Options{NoWorker: true, Sequences: set}
}

// onceEach fails unless the mails with subject went to exactly want, once each.
func onceEach(t *testing.T, log *mailLog, subject string, want []string) {
	t.Helper()
	got := mailsWithSubject(log, subject)
	sort.Strings(got)
	w := append([]string(nil), want...)
	sort.Strings(w)
	if strings.Join(got, ",") != strings.Join(w, ",") {
		t.Errorf("%q went to %v, want each of %v once", subject, got, w)
	}
}

// TestLateLetterIsHeldAndReleased: a letter whose time passed while the
// service was down is held when the worker comes back after the grace;
// nothing goes out until the author releases it through the API; then
// every reader gets it once. A letter scheduled for a time already past
// is not late: its grace counts from when it was scheduled.
func TestLateLetterIsHeldAndReleased(t *testing.T) {
	a := apptest.Start(t, oneSequence(t))
	ctx := context.Background()
	log := newLog(a)
	emails := readers(t, a, log, 3)
	a.Fake.Advance(3 * time.Hour)

	sendAt := a.Fake.Now().Add(time.Hour)
	lid, err := a.Service.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "Late spring", Markdown: "Dear {{ .FirstName }}, hello.", SendAt: sendAt})
	if err != nil {
		t.Fatal(err)
	}
	// Scheduled for two hours ago, that is: now.
	now, err := a.Service.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "Right now", Markdown: "Hello.", SendAt: a.Fake.Now().Add(-2 * time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if code := admin(t, a, "POST", "/admin/api/letters/"+lid+"/release", nil); code != http.StatusConflict {
		t.Errorf("release of a scheduled letter: %d, want 409", code)
	}
	if code := admin(t, a, "POST", "/admin/api/letters/0000000000000000/release", nil); code != http.StatusNotFound {
		t.Errorf("release of no letter: %d, want 404", code)
	}
	a.Fake.Advance(30 * time.Minute)
	log.drain(t)
	onceEach(t, log, "Right now", emails)

	// The service was down from before send_at until past its grace.
	a.Fake.Set(sendAt.Add(a.Worker.LateLetterGrace + time.Minute))
	log.drain(t)
	if got := mailsWithSubject(log, "Late spring"); len(got) != 0 {
		t.Fatalf("a late letter went out to %v", got)
	}
	code, l := letterAPI(t, a, "GET", "/admin/api/letters/"+lid)
	if code != http.StatusOK || l.Status != "held" ||
		l.Held == nil || l.Held.Reason != "late" || l.Held.GraceSeconds != 3600 || l.Recipients != -1 || l.Sent != 0 {
		t.Fatalf("GET late letter: %d %+v %+v", code, l, l.Held)
	}
	if got := l.Held.DueAt; got != sendAt.Format(time.RFC3339) {
		t.Errorf("held.due_at %s, want %s", got, sendAt.Format(time.RFC3339))
	}
	// Nothing brings it out on its own: not time, not the watchdog.
	a.Fake.Advance(24 * time.Hour)
	log.drain(t)
	if _, err := a.Worker.CheckLetters(ctx); err != nil {
		t.Fatal(err)
	}
	if got := mailsWithSubject(log, "Late spring"); len(got) != 0 {
		t.Fatalf("a held letter went out to %v", got)
	}

	if code, l = letterAPI(t, a, "POST", "/admin/api/letters/"+lid+"/release"); code != http.StatusOK ||
		(l.Status != "scheduled" && l.Status != "sending") || l.Held != nil {
		t.Fatalf("release: %d %+v", code, l)
	}
	log.drain(t)
	log.drain(t)
	onceEach(t, log, "Late spring", emails)
	if code, l = letterAPI(t, a, "GET", "/admin/api/letters/"+lid); code != http.StatusOK || l.Status != "sent" || l.Sent != 3 || l.Recipients != 3 {
		t.Errorf("after release: %+v", l)
	}
	if code := admin(t, a, "POST", "/admin/api/letters/"+lid+"/release", nil); code != http.StatusConflict {
		t.Errorf("release of a sent letter: %d, want 409", code)
	}
	if l, _ := a.Store.Letter(ctx, now); l.Status != newsletter.LetterSent {
		t.Errorf("the letter for now is %s", l.Status)
	}
}

// TestStalledLetterIsHeldAndReleased: a letter that went out to some
// readers and then made no progress for the grace (sending paused) is held
// by the watchdog; its remaining sends are parked when they come up; after
// the release the rest get it once and nobody gets it twice.
func TestStalledLetterIsHeldAndReleased(t *testing.T) {
	a := apptest.Start(t, oneSequence(t))
	ctx := context.Background()
	log := newLog(a)
	emails := readers(t, a, log, 5)
	// The last two in line are deferred (4xx): they wait for a retry.
	for _, e := range emails[3:] {
		a.SMTP.Reject(e, 451)
	}
	lid, err := a.Service.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "Stalls", Markdown: "Hello.", SendAt: a.Fake.Now()})
	if err != nil {
		t.Fatal(err)
	}
	log.drain(t)
	log.drain(t)
	onceEach(t, log, "Stalls", emails[:3])
	a.SMTP.ClearRejects()
	if _, err := a.Store.PauseSending(ctx, newsletter.Sending{Paused: true, Reason: "checking the list", Since: a.Fake.Now(),
		By: newsletter.PausedByAuthor}); err != nil {
		t.Fatal(err)
	}

	// Within the grace, the watchdog lets it be.
	a.Fake.Advance(a.Worker.LateLetterGrace - time.Minute)
	log.drain(t)
	if held, err := a.Worker.CheckLetters(ctx); err != nil || len(held) != 0 {
		t.Fatalf("held within the grace: %v %v", held, err)
	}
	a.Fake.Advance(2 * time.Minute)
	held, err := a.Worker.CheckLetters(ctx)
	if err != nil || len(held) != 1 || held[0] != lid {
		t.Fatalf("watchdog held %v (%v), want [%s]", held, err, lid)
	}
	if _, l := letterAPI(t, a, "GET", "/admin/api/letters/"+lid); l.Status != "held" || l.Held == nil || l.Held.Reason != "stalled" || l.Sent != 3 || l.Recipients != 5 {
		t.Fatalf("stalled letter: %+v %+v", l, l.Held)
	}

	// Sending resumes; the two retries come up and are parked, unsent.
	if _, err := a.Store.ResumeSending(ctx, a.Fake.Now()); err != nil {
		t.Fatal(err)
	}
	log.drain(t)
	if got := mailsWithSubject(log, "Stalls"); len(got) != 3 {
		t.Fatalf("a held letter went on to %v", got)
	}
	if n, err := a.Store.ParkedSends(ctx, lid); err != nil || n != 2 {
		t.Fatalf("%d sends parked (%v), want 2", n, err)
	}
	// A send of someone who has it comes back too (a lease that ran out):
	// the ledger keeps it from going twice.
	first := a.Subscriber(t, emails[0]).ID
	again := newsletter.Job{Kind: newsletter.JobLetterSend, Letter: lid, Subscriber: first}.ID()
	if err := a.Redis.SAdd(ctx, a.Prefix+"parked:"+lid, again).Err(); err != nil {
		t.Fatal(err)
	}

	if code, l := letterAPI(t, a, "POST", "/admin/api/letters/"+lid+"/release"); code != http.StatusOK || l.Status != "sending" {
		t.Fatalf("release: %d %+v", code, l)
	}
	log.drain(t)
	onceEach(t, log, "Stalls", emails)
	if _, l := letterAPI(t, a, "GET", "/admin/api/letters/"+lid); l.Status != "sent" || l.Sent != 5 || l.Failed != 0 || l.Skipped != 0 {
		t.Errorf("after release: %+v", l)
	}
	if total, _, _ := a.Store.Depth(ctx, a.Fake.Now()); total != 0 {
		t.Errorf("%d job(s) left in the queue", total)
	}
}

// TestHeldLetterCancelled: DELETE drops a held letter with its parked
// sends; nothing more goes out, and it cannot be released.
func TestHeldLetterCancelled(t *testing.T) {
	a := apptest.Start(t, oneSequence(t))
	ctx := context.Background()
	log := newLog(a)
	emails := readers(t, a, log, 3)
	a.SMTP.Reject(emails[2], 451)
	lid, err := a.Service.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "Dropped", Markdown: "Hello.", SendAt: a.Fake.Now()})
	if err != nil {
		t.Fatal(err)
	}
	log.drain(t)
	log.drain(t)
	a.SMTP.ClearRejects()
	onceEach(t, log, "Dropped", emails[:2])
	// The worker was down for a day; when it comes back, the watchdog
	// looks first, and the retry comes up after.
	a.Fake.Advance(24 * time.Hour)
	if held, err := a.Worker.CheckLetters(ctx); err != nil || len(held) != 1 {
		t.Fatalf("watchdog held %v (%v)", held, err)
	}
	log.drain(t)
	if n, _ := a.Store.ParkedSends(ctx, lid); n != 1 {
		t.Fatalf("%d parked, want 1", n)
	}
	if code, l := letterAPI(t, a, "DELETE", "/admin/api/letters/"+lid); code != http.StatusOK || l.Status != "cancelled" || l.Held != nil {
		t.Fatalf("DELETE held letter: %d %+v", code, l)
	}
	if n, _ := a.Store.ParkedSends(ctx, lid); n != 0 {
		t.Errorf("%d parked sends left after the cancel", n)
	}
	log.runUntil(t, a.Fake.Now().Add(3*24*time.Hour), 6*time.Hour)
	onceEach(t, log, "Dropped", emails[:2])
	if code := admin(t, a, "POST", "/admin/api/letters/"+lid+"/release", nil); code != http.StatusConflict {
		t.Errorf("release of a cancelled letter: %d, want 409", code)
	}
	if code := admin(t, a, "DELETE", "/admin/api/letters/"+lid, nil); code != http.StatusConflict {
		t.Errorf("second DELETE: %d, want 409", code)
	}
}

// TestPausedScheduledLetterIsHeld: a letter due while the author paused
// sending, and still paused past the grace, is held: resuming does not
// send it late on its own; she decides.
func TestPausedScheduledLetterIsHeld(t *testing.T) {
	a := apptest.Start(t, oneSequence(t))
	ctx := context.Background()
	log := newLog(a)
	emails := readers(t, a, log, 2)
	if _, err := a.Store.PauseSending(ctx, newsletter.Sending{Paused: true, Since: a.Fake.Now(), By: newsletter.PausedByAuthor}); err != nil {
		t.Fatal(err)
	}
	lid, err := a.Service.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "Paused", Markdown: "Hello.", SendAt: a.Fake.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	a.Fake.Advance(2*time.Hour + time.Minute)
	log.drain(t)
	if held, err := a.Worker.CheckLetters(ctx); err != nil || len(held) != 1 || held[0] != lid {
		t.Fatalf("watchdog held %v (%v)", held, err)
	}
	if _, err := a.Store.ResumeSending(ctx, a.Fake.Now()); err != nil {
		t.Fatal(err)
	}
	log.drain(t)
	if got := mailsWithSubject(log, "Paused"); len(got) != 0 {
		t.Fatalf("a held letter went out after the resume to %v", got)
	}
	if _, l := letterAPI(t, a, "GET", "/admin/api/letters/"+lid); l.Status != "held" || l.Held == nil || l.Held.Reason != "late" {
		t.Fatalf("after resume: %+v", l)
	}
	if code, _ := letterAPI(t, a, "POST", "/admin/api/letters/"+lid+"/release"); code != http.StatusOK {
		t.Fatalf("release: %d", code)
	}
	log.drain(t)
	log.drain(t)
	onceEach(t, log, "Paused", emails)
}
