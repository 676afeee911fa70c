package worker_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/internal/smtptest"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
)

// importReaders imports n confirmed readers who join no sequence.
func importReaders(t *testing.T, a *apptest.App, n int) []string {
	t.Helper()
	rows := make([]service.ImportRow, n)
	emails := make([]string, n)
	for i := range rows {
		emails[i] = fmt.Sprintf("reader%02d@example.org", i)
		rows[i] = service.ImportRow{Email: emails[i], Status: "confirmed"}
	}
	res, err := a.Service.Import(context.Background(), rows, 1)
	if err != nil || res.Imported != n {
		t.Fatalf("import: %+v, %v", res, err)
	}
	return emails
}

// letterNow schedules a letter due at the fake clock's time.
func letterNow(t *testing.T, a *apptest.App, subject string) string {
	t.Helper()
	id, err := a.Service.ScheduleLetter(context.Background(), newsletter.LetterDraft{Subject: subject,
		Markdown: "Dear Fellow Humans,\n\na letter.", SendAt: a.Fake.Now()})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// received counts the mails each address got with subject.
func received(a *apptest.App, subject string) map[string]int {
	got := map[string]int{}
	for _, m := range a.SMTP.Messages() {
		if m.Subject() == subject {
			got[strings.ToLower(m.To)]++
		}
	}
	return got
}

// TestProviderBlockPausesAndBouncesNobody: a provider that refuses the
// sender for every recipient (550 5.7.1) bounces nobody; after
// BreakerLimit refusals in a row sending pauses with the server's reply as
// its reason; once the author resumes, every reader gets the letter once.
func TestProviderBlockPausesAndBouncesNobody(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	ctx := context.Background()
	emails := importReaders(t, a, 30)
	a.SMTP.RejectEveryRcpt(smtptest.Reply{Code: 550, Text: "5.7.1 Service unavailable; client [192.0.2.1] blocked by policy"})
	letterNow(t, a, "On rest")
	a.Drain(t)

	st, err := a.Service.Sending(ctx)
	if err != nil || !st.Paused || st.By != newsletter.PausedByBreaker || !strings.Contains(st.Reason, "5.7.1") {
		t.Fatalf("after a provider-wide block sending is %+v, %v; want paused by the breaker with the server's reply", st, err)
	}
	for _, e := range emails {
		if sub := a.Subscriber(t, e); sub.Status != newsletter.StatusConfirmed {
			t.Errorf("%s is %s after a block of the sender; nobody should be bounced", e, sub.Status)
		}
	}
	if n := len(received(a, "On rest")); n != 0 {
		t.Fatalf("%d readers got the letter through a refusing server", n)
	}
	// While paused, nothing more is tried, however long the queue waits.
	tries := a.SMTP.Attempts()
	a.Fake.Advance(3 * time.Hour)
	a.Drain(t)
	if more := a.SMTP.Attempts() - tries; more != 0 {
		t.Errorf("%d sends tried while paused", more)
	}
	health := apiGet(t, a, "/healthz")
	if !strings.Contains(health, `"sending":"paused"`) || !strings.Contains(health, "5.7.1") {
		t.Errorf("/healthz = %s, want sending paused with the reason", health)
	}

	a.SMTP.ClearRejects()
	if _, err := a.Service.ResumeSending(ctx); err != nil {
		t.Fatal(err)
	}
	a.Fake.Advance(2 * time.Hour) // past every retry's backoff
	a.Drain(t)
	got := received(a, "On rest")
	for _, e := range emails {
		if got[e] != 1 {
			t.Errorf("%s got the letter %d times after resume, want once", e, got[e])
		}
	}
}

// TestRedisRollbackPauses: Redis put back to an older copy while the
// service runs (a restored backup) loses the ledger of what was sent
// since; the guard notices, sending pauses with a reason that says so,
// and nothing is sent twice while it stays paused.
func TestRedisRollbackPauses(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	ctx := context.Background()
	emails := importReaders(t, a, 10)
	if err := a.App.Guard.Check(ctx); err != nil {
		t.Fatal(err)
	}
	letterNow(t, a, "Before the backup")
	snap := snapshot(t, a) // the backup: the letter queued, nothing sent
	if err := a.App.Guard.Check(ctx); err != nil {
		t.Fatal(err)
	}
	a.Drain(t)
	if got := received(a, "Before the backup"); len(got) != len(emails) {
		t.Fatalf("%d readers got the letter, want %d", len(got), len(emails))
	}
	restore(t, a, snap) // the host restores last night's copy
	if err := a.App.Guard.Check(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := a.Service.Sending(ctx)
	if err != nil || !st.Paused || st.By != newsletter.PausedByDataLoss || !strings.Contains(st.Reason, "older copy") {
		t.Fatalf("after a rollback sending is %+v, %v; want paused for lost data", st, err)
	}
	a.Fake.Advance(time.Hour)
	a.Drain(t)
	for e, n := range received(a, "Before the backup") {
		if n != 1 {
			t.Errorf("%s got the letter %d times after the rollback", e, n)
		}
	}
}

// TestRedisEmptiedPauses: an emptied Redis is noticed too.
func TestRedisEmptiedPauses(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	ctx := context.Background()
	if err := a.App.Guard.Check(ctx); err != nil {
		t.Fatal(err)
	}
	restore(t, a, map[string]string{}) // every key gone
	if err := a.App.Guard.Check(ctx); err != nil {
		t.Fatal(err)
	}
	st, err := a.Service.Sending(ctx)
	if err != nil || !st.Paused || !strings.Contains(st.Reason, "emptied") {
		t.Fatalf("after emptying Redis sending is %+v, %v; want paused, saying Redis was emptied", st, err)
	}
}

// snapshot dumps every key under the app's prefix.
func snapshot(t *testing.T, a *apptest.App) map[string]string {
	t.Helper()
	ctx := context.Background()
	out := map[string]string{}
	keys, err := a.Redis.Keys(ctx, a.Prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		v, err := a.Redis.Dump(ctx, k).Result()
		if err != nil {
			t.Fatal(err)
		}
		out[k] = v
	}
	return out
}

// restore puts the prefix back to snap: keys not in it are deleted.
func restore(t *testing.T, a *apptest.App, snap map[string]string) {
	t.Helper()
	ctx := context.Background()
	keys, err := a.Redis.Keys(ctx, a.Prefix+"*").Result()
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) > 0 {
		if err := a.Redis.Del(ctx, keys...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range snap {
		if err := a.Redis.Restore(ctx, k, 0, v).Err(); err != nil {
			t.Fatal(err)
		}
	}
}

// apiGet fetches path from the running service and returns the body.
func apiGet(t *testing.T, a *apptest.App, path string) string {
	t.Helper()
	res, err := a.Client.Get(a.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
