package newsletter

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

type replyErr struct{ reply string }

func (e replyErr) Error() string { return "refused: " + e.reply }
func (e replyErr) Reply() string { return e.reply }

func TestReplyOfAndBounceReason(t *testing.T) {
	err := fmt.Errorf("send: %w", replyErr{"550 5.1.1 no such user"})
	if got := BounceReason(ReplyOf(err)); got != "bounce: 550 5.1.1 no such user" {
		t.Errorf("BounceReason = %q", got)
	}
	if got := BounceReason(ReplyOf(errors.New("dial: refused"))); got != "bounce" {
		t.Errorf("without a reply: %q", got)
	}
}

func TestLeftReason(t *testing.T) {
	for _, c := range []struct {
		status Status
		reason string
		want   string
	}{
		{StatusConfirmed, "bounce: stale", ""},
		{StatusPending, "", ""},
		{StatusUnsubscribed, "", "unsubscribed"},
		{StatusBounced, "", "bounce"},
		{StatusBounced, "bounce: 550 gone", "bounce: 550 gone"},
		{StatusComplained, "", "complaint"},
	} {
		s := &Subscriber{Status: c.status, Reason: c.reason}
		if got := s.LeftReason(); got != c.want {
			t.Errorf("%s with %q: %q, want %q", c.status, c.reason, got, c.want)
		}
	}
	if !StatusComplained.Valid() {
		t.Error("complained is not a valid status")
	}
}

type statusOnly struct{ got Status }

func (s *statusOnly) SetStatus(_ context.Context, _ string, st Status, _ time.Time) error {
	s.got = st
	return nil
}

type bouncer struct {
	statusOnly
	reason string
}

func (b *bouncer) BounceSubscriber(_ context.Context, _, reason string, _ time.Time) error {
	b.reason = reason
	return nil
}

func TestMarkBounced(t *testing.T) {
	plain := &statusOnly{}
	if err := MarkBounced(context.Background(), plain, "id", "550 gone", time.Now()); err != nil || plain.got != StatusBounced {
		t.Errorf("a store without BounceSubscriber: %v, %s", err, plain.got)
	}
	b := &bouncer{}
	if err := MarkBounced(context.Background(), b, "id", "550 gone", time.Now()); err != nil || b.reason != "bounce: 550 gone" || b.got != "" {
		t.Errorf("a Bouncer: %v, reason %q, SetStatus %q", err, b.reason, b.got)
	}
}
