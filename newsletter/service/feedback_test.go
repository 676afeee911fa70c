package service_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/token"
)

var feedbackT0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// feedbackFixture is a Feedback on the real Redis whose log is kept.
func feedbackFixture(t *testing.T) (*service.Feedback, *redisstore.Store, *bytes.Buffer) {
	t.Helper()
	rdb, prefix := testkit.Redis(t)
	st := redisstore.New(rdb, prefix)
	var logs bytes.Buffer
	f := &service.Feedback{Store: st, Signer: token.NewSigner([]byte("0123456789abcdef0123456789abcdef")),
		ReturnPath: "bounces@example.org", Clock: testkit.NewClock(feedbackT0),
		Log: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))}
	return f, st, &logs
}

func newConfirmed(t *testing.T, st *redisstore.Store, email string) string {
	t.Helper()
	id, _, err := st.CreateSubscriber(context.Background(), newsletter.NewSubscriber{Email: email, Status: newsletter.StatusConfirmed,
		At: feedbackT0, Consent: newsletter.Consent{GivenAt: feedbackT0}}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// withTag puts tag into a bounce corpus sample in place of its own.
func withTag(t *testing.T, sample, oldTag, tag string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "bounce", "testdata", sample))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b, []byte(oldTag)) {
		t.Fatalf("%s does not hold %s", sample, oldTag)
	}
	return bytes.ReplaceAll(b, []byte(oldTag), []byte(tag))
}

func TestHandleMailActsOnVerifiedTagsOnly(t *testing.T) {
	f, st, logs := feedbackFixture(t)
	ctx := context.Background()
	anna := newConfirmed(t, st, "anna.k@example.com")
	greta := newConfirmed(t, st, "greta.t@example.net")
	sara := newConfirmed(t, st, "sara.b@example.net")
	tag := func(kind token.TagKind, id string) string {
		s, err := f.Signer.VERPTag(kind, id, "letter:l1")
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	other := token.NewSigner([]byte("another key, also 32 bytes long!"))
	forged, _ := other.VERPTag(token.TagBounce, anna, "letter:l1")
	for name, raw := range map[string][]byte{
		"a forged tag":                    withTag(t, "postfix-user-unknown.eml", "b1-Hq7vT2xLm9_aP4", forged),
		"a policy block of our sender":    withTag(t, "exim-policy-5.7.1.eml", "b7-Mn0bG6fDs3_Hy8", tag(token.TagBounce, greta)),
		"a reply to the envelope address": withTag(t, "unsubscribe.eml", "u21-Gh8iJ2kLm3_No0", tag(token.TagBounce, sara)),
		"an auto-reply":                   withTag(t, "vacation-auto-submitted.eml", "b19-Vw6xY0zAb1_Cd8", tag(token.TagBounce, sara)),
		"no tag":                          withTag(t, "untagged-other.eml", "Subject:", "Subject:"),
		"not mail at all":                 []byte("\x00\x01 no header here"),
	} {
		if err := f.HandleMail(ctx, raw); err != nil {
			t.Errorf("%s: %v, want nil (removed)", name, err)
		}
	}
	for _, id := range []string{anna, greta, sara} {
		if sub, _ := st.Subscriber(ctx, id); sub.Status != newsletter.StatusConfirmed {
			t.Errorf("%s became %s", sub.Email, sub.Status)
		}
	}
	// The same samples with valid tags of the right kind act.
	if err := f.HandleMail(ctx, withTag(t, "postfix-user-unknown.eml", "b1-Hq7vT2xLm9_aP4", tag(token.TagBounce, anna))); err != nil {
		t.Fatal(err)
	}
	if err := f.HandleMail(ctx, withTag(t, "unsubscribe.eml", "u21-Gh8iJ2kLm3_No0", tag(token.TagUnsubscribe, sara))); err != nil {
		t.Fatal(err)
	}
	a, _ := st.Subscriber(ctx, anna)
	if a.Status != newsletter.StatusBounced || !strings.HasPrefix(a.LeftReason(), "bounce: 550 5.1.1 <a***@example.com>: Recipient address rejected") {
		t.Errorf("anna: %s %q", a.Status, a.LeftReason())
	}
	if s, _ := st.Subscriber(ctx, sara); s.Status != newsletter.StatusUnsubscribed {
		t.Errorf("sara: %s", s.Status)
	}
	for _, whole := range []string{"anna.k@example.com", "greta.t@example.net", "sara.b@example.net"} {
		if strings.Contains(logs.String(), whole) {
			t.Errorf("the log holds %s:\n%s", whole, logs)
		}
	}
	if !strings.Contains(logs.String(), "a***@example.com") {
		t.Errorf("the log does not name the bounced address masked:\n%s", logs)
	}
}

// TestHandleMailKeepsTheMessageWhenRedisIsDown: a store that cannot be
// reached is an error, so the mailbox keeps the message for the next poll.
func TestHandleMailKeepsTheMessageWhenRedisIsDown(t *testing.T) {
	f, _, _ := feedbackFixture(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nobody listens there now
	rdb := redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1, DialTimeout: time.Second})
	t.Cleanup(func() { rdb.Close() })
	f.Store = redisstore.New(rdb, "down:")
	tag, _ := f.Signer.VERPTag(token.TagBounce, "0a1b2c3d4e5f6789", "letter:l1")
	err = f.HandleMail(context.Background(), withTag(t, "postfix-user-unknown.eml", "b1-Hq7vT2xLm9_aP4", tag))
	if !errors.Is(err, newsletter.ErrUnavailable) {
		t.Errorf("HandleMail with Redis down: %v, want ErrUnavailable", err)
	}
}

func TestApplyToAddressesWithoutSubscriber(t *testing.T) {
	f, st, _ := feedbackFixture(t)
	ctx := context.Background()
	for _, r := range []newsletter.Report{
		{Kind: newsletter.FeedbackBounce, Email: "Gone@Example.org", Reason: "550 5.1.1 <gone@example.org> no such user", Source: "ses"},
		{Kind: newsletter.FeedbackComplaint, Email: "angry@example.org", Source: "postmark"},
		{Kind: newsletter.FeedbackSoftBounce, Email: "nobody@example.org", Source: "sendgrid"},
		{Kind: newsletter.FeedbackUnsubscribe, Email: "nobody@example.org", Source: "mailgun"},
		{Kind: newsletter.FeedbackBounce, Email: "not an address", Source: "ses"},
		{Kind: newsletter.FeedbackBounce, Subscriber: "0a1b2c3d4e5f6789", Source: "mailbox"}, // erased meanwhile
	} {
		if err := f.Apply(ctx, r); err != nil {
			t.Errorf("%+v: %v", r, err)
		}
	}
	list, err := st.Suppressions(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Email != "angry@example.org" && list[1].Email != "angry@example.org" {
		t.Fatalf("suppressions = %+v", list)
	}
	for _, s := range list {
		if s.Email == "gone@example.org" && s.Reason != "bounce: 550 5.1.1 <g***@example.org> no such user" {
			t.Errorf("reason %q: the address should be masked", s.Reason)
		}
	}
}
