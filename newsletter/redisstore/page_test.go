package redisstore_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

func addSubscriber(t *testing.T, s *redisstore.Store, email string, status newsletter.Status, at time.Time) string {
	t.Helper()
	id, created, err := s.CreateSubscriber(context.Background(), newsletter.NewSubscriber{
		Email: email, Status: status, At: at, Consent: newsletter.Consent{Version: "t", Text: "t", GivenAt: at},
	}, at)
	if err != nil || !created {
		t.Fatalf("create %s: %v %v", email, created, err)
	}
	return id
}

// Paging with a cursor (page.lua) neither repeats nor skips a subscriber
// while others sign up and are erased between pages, the cursor's own
// subscriber included, also among subscribers created in the same
// millisecond (as an import makes them).
func TestSubscriberPageWhileTheListChanges(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := testkit.Redis(t)
	s := redisstore.New(rdb, prefix)
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ids := map[string]string{} // id -> email
	for i := range 30 {
		at := base.Add(time.Duration(i/10) * time.Second) // ten per millisecond: ties
		email := fmt.Sprintf("s%02d@example.org", i)
		ids[addSubscriber(t, s, email, newsletter.StatusConfirmed, at)] = email
	}
	seen := map[string]int{}
	erased := map[string]bool{}
	cursor, pages, added, lateErased := "", 0, 0, 0
	for {
		page, next, err := s.SubscriberPage(ctx, "", cursor, 7)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, sub := range page {
			seen[sub.Email]++
		}
		if next == "" {
			break
		}
		// Between pages: erase the cursor's subscriber and one not yet
		// listed, and sign someone up.
		last := page[len(page)-1]
		if err := s.Erase(ctx, last.ID); err != nil {
			t.Fatal(err)
		}
		if strings.HasPrefix(last.Email, "late") {
			lateErased++
		}
		for id, email := range ids {
			if email != "" && seen[email] == 0 && !erased[email] {
				if err := s.Erase(ctx, id); err != nil {
					t.Fatal(err)
				}
				erased[email] = true
				break
			}
		}
		added++
		// A signup made later is created later: each late one sorts after
		// every member listed so far, so the cursor cannot pass it by.
		lateAt := base.Add(time.Hour + time.Duration(added)*time.Millisecond)
		ids[addSubscriber(t, s, fmt.Sprintf("late%d@example.org", added), newsletter.StatusPending, lateAt)] = ""
		cursor = next
	}
	for _, email := range ids {
		if email == "" {
			continue
		}
		switch n := seen[email]; {
		case n > 1:
			t.Errorf("%s listed %d times", email, n)
		case n == 0 && !erased[email]:
			t.Errorf("%s left out", email)
		}
	}
	for i := 1; i <= added; i++ {
		if seen[fmt.Sprintf("late%d@example.org", i)] != 1 {
			t.Errorf("late%d, who signed up while paging, listed %d times", i, seen[fmt.Sprintf("late%d@example.org", i)])
		}
	}
	if pages < 5 {
		t.Errorf("only %d pages", pages)
	}

	// A status filter pages through that status's set.
	pending, next, err := s.SubscriberPage(ctx, newsletter.StatusPending, "", 100)
	if err != nil || next != "" || len(pending) != added-lateErased {
		t.Errorf("pending page: %d subscribers, next %q, %v; want %d", len(pending), next, err, added-lateErased)
	}
	if _, _, err := s.SubscriberPage(ctx, "", "not-a-cursor", 10); err == nil {
		t.Error("a malformed cursor was accepted")
	}
}
