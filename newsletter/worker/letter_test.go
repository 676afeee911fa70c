package worker_test

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter"
)

// hook is a worker Limiter that runs fn once, on the first send after the
// letter's fan-out, before any letter send: the moment between send_at and
// a recipient's turn.
type hook struct {
	once  sync.Once
	ready func() bool
	fn    func()
}

func (h *hook) Wait(context.Context) error {
	if h.ready() {
		h.once.Do(h.fn)
	}
	return nil
}

type letterJSON struct {
	ID, Subject, Status               string
	Recipients, Sent, Failed, Skipped int
}

// TestLetterToMixedSet sends a letter to a mixed set of subscribers:
// exactly those confirmed at send_at get it, once; one whose address is
// rejected is counted failed and bounced; two who leave (one unsubscribes,
// one erases their data) between send_at and their turn are skipped; the
// letter ends `sent` with the right counters.
func TestLetterToMixedSet(t *testing.T) {
	set := writeSet(t, t.TempDir(), map[string]map[string]string{"one": {"01-welcome.md": step("Welcome", "0s")}})
	a := apptest.Start(t, apptest.Options{NoWorker: true, Sequences: set})
	ctx := context.Background()
	log := newLog(a)

	// Five confirmed readers, whose roles go by id (see below).
	var five []string
	for i := range 5 {
		five = append(five, signup(t, a, fmt.Sprintf("c%d@example.org", i), "one", ""))
	}
	signup(t, a, "pending@example.org", "one", "")
	left := signup(t, a, "left@example.org", "one", "")
	bounced := signup(t, a, "bounced@example.org", "one", "")
	late := signup(t, a, "late@example.org", "one", "")
	log.drain(t)
	for _, id := range append(append([]string{}, five...), left, bounced) {
		confirm(t, a, id)
	}
	log.drain(t)
	if err := a.Service.Unsubscribe(ctx, left); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.SetStatus(ctx, bounced, newsletter.StatusBounced, a.Fake.Now()); err != nil {
		t.Fatal(err)
	}

	sendAt := a.Fake.Now().Add(time.Hour)
	lid, err := a.Service.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "A spring letter",
		Markdown: "Dear {{ .FirstName }},\n\nspring is here.", SendAt: sendAt})
	if err != nil {
		t.Fatal(err)
	}
	log.runUntil(t, sendAt.Add(-time.Minute), 15*time.Minute)
	if got := mailsWithSubject(log, "A spring letter"); len(got) != 0 {
		t.Fatalf("letter sent before send_at to %v", got)
	}

	// Letter sends are queued at one time, so they are taken in id order:
	// the first two ids receive it, the third's address is rejected, and
	// the last two leave after the fan-out, before their turn.
	sort.Strings(five)
	email := func(id string) string {
		sub, err := a.Store.Subscriber(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return sub.Email
	}
	receivers := []string{email(five[0]), email(five[1])}
	rejected := email(five[2])
	unsub, erased, erasedEmail := five[3], five[4], email(five[4])
	a.SMTP.Reject(rejected, 550)
	fired := false
	a.Worker.Limiter = &hook{
		ready: func() bool {
			l, err := a.Store.Letter(ctx, lid)
			return err == nil && l.Status == newsletter.LetterSending
		},
		fn: func() {
			fired = true
			if err := a.Service.Unsubscribe(ctx, unsub); err != nil {
				t.Error(err)
			}
			if err := a.Service.Erase(ctx, erased); err != nil {
				t.Error(err)
			}
		},
	}
	t.Cleanup(func() { a.Worker.Limiter = nil })

	// The worker comes to the letter a little late: one reader confirmed
	// after send_at, and is not a recipient.
	a.Fake.Set(sendAt.Add(time.Minute))
	confirm(t, a, late)
	a.Fake.Set(sendAt.Add(2 * time.Minute))
	log.drain(t)
	log.runUntil(t, sendAt.Add(3*24*time.Hour), time.Hour)
	if !fired {
		t.Fatal("the hook between fan-out and sends never ran")
	}

	got := mailsWithSubject(log, "A spring letter")
	sort.Strings(got)
	sort.Strings(receivers)
	if strings.Join(got, ",") != strings.Join(receivers, ",") {
		t.Errorf("letter went to %v, want exactly %v", got, receivers)
	}
	var l letterJSON
	if code := admin(t, a, "GET", "/admin/api/letters/"+lid, &l); code != http.StatusOK {
		t.Fatalf("get letter: %d", code)
	}
	if l.Status != "sent" || l.Sent != 2 || l.Failed != 1 || l.Skipped != 2 || l.Recipients != 5 {
		t.Errorf("letter = %+v, want sent with sent=2 failed=1 skipped=2 of 5", l)
	}
	if sub := a.Subscriber(t, rejected); sub.Status != newsletter.StatusBounced {
		t.Errorf("rejected recipient is %s, want bounced", sub.Status)
	}
	for _, e := range receivers {
		var found bool
		sends, _ := a.Store.Sends(ctx, a.Subscriber(t, e).ID)
		for _, s := range sends {
			found = found || (s.Kind == "letter" && s.Subject == "A spring letter")
		}
		if !found {
			t.Errorf("%s: the letter is not in the ledger: %+v", e, sends)
		}
	}
	// Nobody else got anything but what they had before.
	for _, e := range []string{"pending@example.org", "left@example.org", "bounced@example.org", "late@example.org", erasedEmail} {
		for _, m := range log.to(e) {
			if m.At.After(sendAt) && m.Subject != "Welcome" {
				t.Errorf("%s got %q after send_at", e, m.Subject)
			}
		}
	}
	// The erased reader's id is nowhere any more: the skipped send was settled.
	if left := mentions(t, a, erased, erasedEmail); len(left) > 0 {
		t.Errorf("erased reader still named in %v", left)
	}
	if total, _, _ := a.Store.Depth(ctx, a.Fake.Now()); total != 0 {
		t.Errorf("%d job(s) left in the queue", total)
	}
}

// TestCancelledLetterIsNotSent: a letter cancelled (admin API DELETE)
// before send_at sends nothing; a sent letter cannot be cancelled.
func TestCancelledLetterIsNotSent(t *testing.T) {
	set := writeSet(t, t.TempDir(), map[string]map[string]string{"one": {"01-welcome.md": step("Welcome", "0s")}})
	a := apptest.Start(t, apptest.Options{NoWorker: true, Sequences: set})
	ctx := context.Background()
	log := newLog(a)
	id := signup(t, a, "reader@example.org", "one", "")
	log.drain(t)
	confirm(t, a, id)
	log.drain(t)

	sendAt := a.Fake.Now().Add(time.Hour)
	cancelled, err := a.Service.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "Never", Markdown: "x", SendAt: sendAt})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := a.Service.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "Kept", Markdown: "y", SendAt: sendAt})
	if err != nil {
		t.Fatal(err)
	}
	a.Fake.Advance(30 * time.Minute)
	var l letterJSON
	if code := admin(t, a, "DELETE", "/admin/api/letters/"+cancelled, &l); code != http.StatusOK || l.Status != "cancelled" {
		t.Fatalf("DELETE letter: %d %+v", code, l)
	}
	log.runUntil(t, sendAt.Add(24*time.Hour), 15*time.Minute)
	if got := mailsWithSubject(log, "Never"); len(got) != 0 {
		t.Errorf("cancelled letter went to %v", got)
	}
	if got := mailsWithSubject(log, "Kept"); len(got) != 1 {
		t.Errorf("the other letter went to %v, want the reader once", got)
	}
	admin(t, a, "GET", "/admin/api/letters/"+cancelled, &l)
	if l.Status != "cancelled" || l.Sent != 0 {
		t.Errorf("cancelled letter = %+v", l)
	}
	if code := admin(t, a, "DELETE", "/admin/api/letters/"+kept, nil); code != http.StatusConflict {
		t.Errorf("DELETE of a sent letter: status %d, want 409", code)
	}
	admin(t, a, "GET", "/admin/api/letters/"+kept, &l)
	if l.Status != "sent" || l.Sent != 1 {
		t.Errorf("sent letter after a refused DELETE = %+v", l)
	}
}

// mailsWithSubject lists the recipients of mails with the subject.
func mailsWithSubject(l *mailLog, subject string) []string {
	var out []string
	for _, m := range l.mails {
		if m.Subject == subject {
			out = append(out, m.To)
		}
	}
	return out
}

// mentions scans every key of the app's prefix for id or email, in key
// names, hash fields and values, and set members.
func mentions(t *testing.T, a *apptest.App, id, email string) []string {
	t.Helper()
	ctx := context.Background()
	has := func(s string) bool { return strings.Contains(s, id) || strings.Contains(s, email) }
	var found []string
	iter := a.Redis.Scan(ctx, 0, a.Prefix+"*", 500).Iterator()
	for iter.Next(ctx) {
		k := iter.Val()
		if has(k) {
			found = append(found, k)
			continue
		}
		var items []string
		switch a.Redis.Type(ctx, k).Val() {
		case "string":
			items = []string{a.Redis.Get(ctx, k).Val()}
		case "hash":
			for f, v := range a.Redis.HGetAll(ctx, k).Val() {
				items = append(items, f, v)
			}
		case "zset":
			items = a.Redis.ZRange(ctx, k, 0, -1).Val()
		case "set":
			items = a.Redis.SMembers(ctx, k).Val()
		case "list":
			items = a.Redis.LRange(ctx, k, 0, -1).Val()
		}
		for _, it := range items {
			if has(it) {
				found = append(found, k+" -> "+it)
			}
		}
	}
	return found
}
