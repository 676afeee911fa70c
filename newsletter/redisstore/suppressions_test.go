package redisstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// newSub stores a subscriber in status st and returns its id.
func newSub(t *testing.T, f *fixture, email string, st newsletter.Status) string {
	t.Helper()
	id, created, err := f.s.CreateSubscriber(context.Background(), newsletter.NewSubscriber{Email: email, Status: st,
		Sequence: "guide", At: t0, Consent: newsletter.Consent{Version: "v1", Text: "yes", Source: "form", GivenAt: t0}}, t0.Add(time.Hour))
	if err != nil || !created {
		t.Fatalf("create %s: %v, %v", email, created, err)
	}
	return id
}

func TestSuppressMovesTheSubscriberAndDropsItsWork(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	conf := newSub(t, f, "conf@example.org", newsletter.StatusConfirmed)
	pend := newSub(t, f, "pend@example.org", newsletter.StatusPending)
	at := t0.Add(2 * time.Hour)

	changed, err := f.s.Suppress(ctx, "conf@example.org", newsletter.StatusBounced, "bounce: 550 5.1.1 no such user", at)
	if err != nil || !changed {
		t.Fatalf("suppress: %v, %v", changed, err)
	}
	if err := f.s.BounceSubscriber(ctx, pend, "bounce: 550 5.1.1 unknown", at); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{conf: "bounce: 550 5.1.1 no such user", pend: "bounce: 550 5.1.1 unknown"} {
		sub, err := f.s.Subscriber(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if sub.Status != newsletter.StatusBounced || sub.Reason != want || sub.LeftReason() != want || !sub.UpdatedAt.Equal(at) {
			t.Errorf("%s: status %s, reason %q, updated %v", sub.Email, sub.Status, sub.Reason, sub.UpdatedAt)
		}
	}
	if q := f.queue(t); len(q) != 0 {
		t.Errorf("queued work left after bouncing: %v", q)
	}
	for st, want := range map[newsletter.Status]int64{newsletter.StatusBounced: 2, newsletter.StatusConfirmed: 0, newsletter.StatusPending: 0} {
		if n := f.rdb.ZCard(ctx, f.key("status", string(st))).Val(); n != want {
			t.Errorf("status set %s holds %d, want %d", st, n, want)
		}
	}
	// A later complaint keeps the first status and reason.
	if changed, err := f.s.Suppress(ctx, "conf@example.org", newsletter.StatusComplained, "complaint", at.Add(time.Hour)); err != nil || changed {
		t.Errorf("a second suppression changed the subscriber: %v, %v", changed, err)
	}
	sub, _ := f.s.Subscriber(ctx, conf)
	if sub.Status != newsletter.StatusBounced || sub.Reason != "bounce: 550 5.1.1 no such user" {
		t.Errorf("after a second suppression: %s %q", sub.Status, sub.Reason)
	}
	list, err := f.s.Suppressions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []newsletter.Suppression{
		{Email: "conf@example.org", Reason: "bounce: 550 5.1.1 no such user", At: at, Status: newsletter.StatusBounced},
		{Email: "pend@example.org", Reason: "bounce: 550 5.1.1 unknown", At: at, Status: newsletter.StatusBounced},
	}
	if len(list) != len(want) {
		t.Fatalf("suppressions = %+v", list)
	}
	for i := range want {
		if list[i] != want[i] {
			t.Errorf("suppression %d = %+v, want %+v", i, list[i], want[i])
		}
	}
}

func TestReasonHoldsOnlyForItsStatus(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := newSub(t, f, "back@example.org", newsletter.StatusConfirmed)
	if _, err := f.s.Suppress(ctx, "back@example.org", newsletter.StatusComplained, "complaint", t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// The author moves them back, then they unsubscribe: the complaint's
	// reason no longer describes them.
	if err := f.s.SetStatus(ctx, id, newsletter.StatusConfirmed, t0.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := f.s.SetStatus(ctx, id, newsletter.StatusUnsubscribed, t0.Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	sub, _ := f.s.Subscriber(ctx, id)
	if sub.Reason != "" || sub.LeftReason() != "unsubscribed" {
		t.Errorf("reason %q, left reason %q; want none recorded and \"unsubscribed\"", sub.Reason, sub.LeftReason())
	}
}

func TestSuppressedAddressStartsSuppressed(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	// By hand, before the address ever signed up.
	if changed, err := f.s.Suppress(ctx, "never@example.org", newsletter.StatusComplained, "complaint", t0); err != nil || changed {
		t.Fatalf("suppress an unknown address: %v, %v", changed, err)
	}
	if _, err := f.s.Suppress(ctx, "typo@example.org", newsletter.StatusBounced, "bounce: 550 5.1.1 gone", t0); err != nil {
		t.Fatal(err)
	}
	for email, want := range map[string]newsletter.Status{"never@example.org": newsletter.StatusComplained, "typo@example.org": newsletter.StatusBounced} {
		id, created, err := f.s.CreateSubscriber(ctx, newsletter.NewSubscriber{Email: email, Status: newsletter.StatusPending, At: t0.Add(time.Hour),
			Consent: newsletter.Consent{GivenAt: t0.Add(time.Hour)}}, time.Time{})
		if err != nil || !created {
			t.Fatalf("signup of %s: %v, %v", email, created, err)
		}
		sub, err := f.s.Subscriber(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if sub.Status != want || sub.LeftReason() == "" {
			t.Errorf("%s signed up as %s (%q), want %s", email, sub.Status, sub.LeftReason(), want)
		}
		if n := f.rdb.ZScore(ctx, f.key("status", string(want)), id).Val(); n == 0 {
			t.Errorf("%s is not in the %s set", email, want)
		}
	}
	if q := f.queue(t); len(q) != 0 {
		t.Errorf("a suppressed address got work queued: %v", q)
	}
	// Imports go through the same script.
	ids, created, err := f.s.CreateSubscribers(ctx, []newsletter.NewSubscriber{{Email: "typo@example.org", Status: newsletter.StatusConfirmed, At: t0}},
		[]time.Time{t0})
	if err != nil || created[0] {
		t.Fatalf("import of a known address: %v %v %v", ids, created, err)
	}
}

func TestEraseTakesTheAddressOffTheList(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := newSub(t, f, "gone@example.org", newsletter.StatusConfirmed)
	if err := f.s.BounceSubscriber(ctx, id, "bounce: 550 no such user", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.CountSoftBounce(ctx, id, "m1", t0, newsletter.SoftBounceWindow); err != nil {
		t.Fatal(err)
	}
	if err := f.s.Erase(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Suppression(ctx, "gone@example.org"); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("after erasure the address is still suppressed: %v", err)
	}
	if n := f.rdb.Exists(ctx, f.key("soft", id)).Val(); n != 0 {
		t.Error("after erasure the count of temporary failures is left")
	}
	// A new signup starts from scratch.
	again := newSub(t, f, "gone@example.org", newsletter.StatusPending)
	if sub, _ := f.s.Subscriber(ctx, again); sub.Status != newsletter.StatusPending {
		t.Errorf("a new signup after erasure is %s", sub.Status)
	}
}

func TestCountSoftBounce(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	w := newsletter.SoftBounceWindow
	steps := []struct {
		mail string
		at   time.Time
		want int
	}{
		{"m1", t0, 1},
		{"m1", t0.Add(time.Hour), 1}, // the same mail reported twice
		{"m2", t0.Add(24 * time.Hour), 2},
		{"m3", t0.Add(15*24*time.Hour + time.Minute), 2}, // m1 is out of the window
		{"", t0.Add(16 * 24 * time.Hour), 3},
		{"", t0.Add(16 * 24 * time.Hour), 4}, // without a mail, each report counts
	}
	for i, s := range steps {
		n, err := f.s.CountSoftBounce(ctx, "abc", s.mail, s.at, w)
		if err != nil || n != s.want {
			t.Errorf("step %d: %d, %v; want %d", i, n, err, s.want)
		}
	}
	if ttl := f.rdb.PTTL(ctx, f.key("soft", "abc")).Val(); ttl <= 0 || ttl > w {
		t.Errorf("the count lives %v, want at most the window", ttl)
	}
}
