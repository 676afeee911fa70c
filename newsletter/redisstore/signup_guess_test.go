package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/satina/newsletter/newsletter"
	rs "github.com/satina/newsletter/newsletter/redisstore"
)

// TestSignupOutcomes: Signup applies the signup rules to every kind of
// address in its one script run: a pending address gets the confirmation
// again at most once per ConfirmResendInterval and MaxConfirmMails times
// in all; confirmed, bounced and complained ones get nothing; an
// unsubscribed one comes back pending with a confirmation.
func TestSignupOutcomes(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	signup := func(email string, at time.Time) string {
		t.Helper()
		_, outcome, err := f.s.Signup(ctx, pending(email, at))
		if err != nil {
			t.Fatalf("signup %s: %v", email, err)
		}
		return outcome
	}
	urgent := func(id string) bool { _, ok := f.urgent(t)["confirm:"+id]; return ok }

	if got := signup("p@example.org", t0); got != rs.SignupCreated {
		t.Fatalf("first signup: %q", got)
	}
	id := f.emailIndex(t)["p@example.org"]
	at := t0
	var outcomes []string
	for i := 0; i < 6; i++ {
		outcomes = append(outcomes, signup("p@example.org", at.Add(time.Minute))) // too soon
		at = at.Add(newsletter.ConfirmResendInterval + time.Second)
		outcomes = append(outcomes, signup("p@example.org", at))
	}
	want := []string{rs.SignupThrottled, rs.SignupResent, rs.SignupThrottled, rs.SignupResent}
	for i := range outcomes {
		w := rs.SignupThrottled
		if i < len(want) {
			w = want[i]
		}
		if outcomes[i] != w {
			t.Fatalf("repeated signups: %v; want resent twice (three mails in all), then throttled", outcomes)
		}
	}
	if n := f.rdb.HGet(ctx, f.key("sub", id), "cn").Val(); n != "3" {
		t.Errorf("confirmation mails counted %q, want 3", n)
	}

	for _, st := range []newsletter.Status{newsletter.StatusConfirmed, newsletter.StatusBounced, newsletter.StatusComplained} {
		email := string(st) + "@example.org"
		signup(email, t0)
		sid := f.emailIndex(t)[email]
		if err := f.s.SetStatus(ctx, sid, st, t0); err != nil {
			t.Fatal(err)
		}
		f.rdb.ZRem(ctx, f.key("urgent"), "confirm:"+sid) // sent meanwhile
		wantOutcome := rs.SignupSuppressed
		if st == newsletter.StatusConfirmed {
			wantOutcome = rs.SignupAlready
		}
		if got := signup(email, t0.Add(time.Hour)); got != wantOutcome || urgent(sid) {
			t.Errorf("%s: signup → %q (confirmation queued: %v), want %q and none", st, got, urgent(sid), wantOutcome)
		}
		if sub, _ := f.s.Subscriber(ctx, sid); sub.Status != st {
			t.Errorf("%s: status became %s", st, sub.Status)
		}
	}

	signup("u@example.org", t0)
	uid := f.emailIndex(t)["u@example.org"]
	if err := f.s.SetStatus(ctx, uid, newsletter.StatusUnsubscribed, t0); err != nil {
		t.Fatal(err)
	}
	if got := signup("u@example.org", t0.Add(time.Minute)); got != rs.SignupThrottled {
		t.Errorf("unsubscribed, a minute after the last confirmation: %q", got)
	}
	if got := signup("u@example.org", t0.Add(time.Hour)); got != rs.SignupReturned || !urgent(uid) {
		t.Errorf("unsubscribed an hour on: %q (queued %v), want returned", got, urgent(uid))
	}
	if at, ok := f.inSet(t, f.key("status", "pending"), uid); !ok || !at.Equal(t0.Add(time.Hour)) {
		t.Errorf("returned subscriber not pending since its signup: %v %v", at, ok)
	}
	if _, ok := f.inSet(t, f.key("status", "unsubscribed"), uid); ok {
		t.Errorf("returned subscriber still in the unsubscribed set")
	}
}

// TestGuessLimiter: the tenth failure within the window locks the client
// out for the lock-out; failures older than the window do not count; other
// clients are not affected; the keys stay under the prefix.
func TestGuessLimiter(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	const max, window, lockout = 10, 10 * time.Minute, 10 * time.Minute
	fail := func(client string, at time.Time) time.Duration {
		t.Helper()
		d, err := f.s.GuessFailed(ctx, client, at, max, window, lockout)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	locked := func(client string, at time.Time) time.Duration {
		t.Helper()
		d, err := f.s.GuessLockout(ctx, client, at)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	// Five failures, then eleven minutes later nine more: never ten within
	// ten minutes.
	for i := 0; i < 5; i++ {
		fail("192.0.2.1", t0.Add(time.Duration(i)*time.Second))
	}
	at := t0.Add(11 * time.Minute)
	for i := 0; i < 9; i++ {
		if d := fail("192.0.2.1", at.Add(time.Duration(i)*time.Second)); d != 0 {
			t.Fatalf("locked after %d failures in the window", i+1)
		}
	}
	if d := locked("192.0.2.1", at.Add(time.Minute)); d != 0 {
		t.Fatalf("locked out with nine failures in the window: %v", d)
	}
	if d := fail("192.0.2.1", at.Add(time.Minute)); d != lockout {
		t.Fatalf("tenth failure: lock-out %v, want %v", d, lockout)
	}
	if d := locked("192.0.2.1", at.Add(6*time.Minute)); d != 5*time.Minute {
		t.Errorf("five minutes into the lock-out: %v left, want 5m", d)
	}
	if d := locked("192.0.2.2", at.Add(6*time.Minute)); d != 0 {
		t.Errorf("another client is locked out: %v", d)
	}
	if d := locked("192.0.2.1", at.Add(11*time.Minute+time.Second)); d != 0 {
		t.Errorf("still locked out after the lock-out: %v", d)
	}
	for _, k := range f.rdb.Keys(ctx, "*192.0.2.1*").Val() {
		if len(k) < len(f.prefix) || k[:len(f.prefix)] != f.prefix {
			t.Errorf("key %q outside the prefix %q", k, f.prefix)
		}
	}
}
