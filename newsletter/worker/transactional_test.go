package worker_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/newsletter"
)

// twoStreams starts the service with a second SMTP server for the
// confirmation mail (SMTP_URL_TRANSACTIONAL); a.SMTP is SMTP_URL's.
func twoStreams(t *testing.T, noWorker bool) (*apptest.App, *smtptest.Server) {
	t.Helper()
	tx := smtptest.Start(t)
	set := writeSet(t, t.TempDir(), map[string]map[string]string{"two": {"01-welcome.md": step("Welcome", "0s")}})
	a := apptest.Start(t, apptest.Options{NoWorker: noWorker, Sequences: set,
		Configure: func(c *config.Config) { c.TransactionalURL = tx.URL() }})
	return a, tx
}

// subjectsOf are the subjects of msgs, in the order accepted.
func subjectsOf(msgs []smtptest.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.To + ": " + m.Subject()
	}
	return out
}

// TestTransactionalTransport: with SMTP_URL_TRANSACTIONAL, the confirmation
// mail reaches that server and nothing else does; steps, letters and the
// desk's test mail reach SMTP_URL's, with the same sender on both.
func TestTransactionalTransport(t *testing.T) {
	a, tx := twoStreams(t, true)
	ctx := context.Background()
	ann := signup(t, a, "ann@example.org", "two", "")
	bob := signup(t, a, "bob@example.org", "two", "")
	if _, err := a.Worker.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	confirms := tx.Messages()
	if got := subjectsOf(confirms); len(got) != 2 || !strings.HasSuffix(got[0], confirmSubject) || !strings.HasSuffix(got[1], confirmSubject) {
		t.Fatalf("transactional server got %q, want the two confirmations", got)
	}
	if got := subjectsOf(a.SMTP.Messages()); len(got) != 0 {
		t.Fatalf("broadcast server got %q before anyone confirmed", got)
	}

	confirm(t, a, ann)
	confirm(t, a, bob)
	if _, err := a.Worker.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	lid, err := a.Service.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "A spring letter", Markdown: "Spring is here.",
		SendAt: a.Fake.Now().Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	a.Fake.Set(a.Fake.Now().Add(2 * time.Minute))
	for range 2 { // the fan-out, then the sends it queued
		if _, err := a.Worker.Drain(ctx); err != nil {
			t.Fatal(err)
		}
	}
	want := map[string]bool{
		"ann@example.org: Welcome": true, "bob@example.org: Welcome": true,
		"ann@example.org: A spring letter": true, "bob@example.org: A spring letter": true,
	}
	got := subjectsOf(a.SMTP.Messages())
	for _, s := range got {
		if !want[s] {
			t.Errorf("broadcast server got %q, not a step or the letter", s)
		}
		delete(want, s)
	}
	if len(want) != 0 {
		t.Errorf("broadcast server got %q; missing %v (letter %s)", got, want, lid)
	}
	if n := len(tx.Messages()); n != 2 {
		t.Errorf("transactional server got %d mails, want only the 2 confirmations", n)
	}
	if f, g := confirms[0].Header().Get("From"), a.SMTP.Messages()[0].Header().Get("From"); f != g || f == "" {
		t.Errorf("From on the transactional stream %q, on the broadcast one %q", f, g)
	}

	// The desk's test mail goes out on SMTP_URL.
	if code, body := a.Admin(t, "POST", "/admin/api/letters/test",
		`{"subject":"Test of a letter","markdown":"Take your time.","to":"satina@example.org"}`); code != http.StatusOK {
		t.Fatalf("test mail: status %d %s", code, body)
	}
	if msgs := a.SMTP.To("satina@example.org"); len(msgs) != 1 || msgs[0].Subject() != "Test of a letter" {
		t.Errorf("test mail on the broadcast server: %q", subjectsOf(msgs))
	}
	if n := len(tx.Messages()); n != 2 {
		t.Errorf("transactional server got %d mails after the test mail, want 2", n)
	}
}

// TestTransactionalTransportRunning: the running worker's sending
// goroutines each send a confirmation on the transactional server and a
// step on the other.
func TestTransactionalTransportRunning(t *testing.T) {
	a, tx := twoStreams(t, false)
	ann := signup(t, a, "ann@example.org", "two", "")
	a.Worker.Wake()
	if got := subjectsOf(tx.Wait(t, 1, 5*time.Second)); got[0] != "ann@example.org: "+confirmSubject {
		t.Fatalf("transactional server got %q", got)
	}
	confirm(t, a, ann)
	a.Worker.Wake()
	if got := subjectsOf(a.SMTP.Wait(t, 1, 5*time.Second)); len(got) != 1 || got[0] != "ann@example.org: Welcome" {
		t.Fatalf("broadcast server got %q, want the first step only", got)
	}
	if n := len(tx.Messages()); n != 1 {
		t.Errorf("transactional server got %d mails, want the confirmation only", n)
	}
}
