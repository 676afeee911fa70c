package redisstore_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// There is no set of all subscribers: listing them all merges the status
// sets, newest first by when each entered its status, and pages by offset
// cut that one order.
func TestListingAllMergesTheStatusSets(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := testkit.Redis(t)
	s := redisstore.New(rdb, prefix)
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	statuses := []newsletter.Status{newsletter.StatusPending, newsletter.StatusConfirmed}
	var want []string // emails, newest first
	for i := range 12 {
		email := fmt.Sprintf("m%02d@example.org", i)
		addSubscriber(t, s, email, statuses[i%2], base.Add(time.Duration(i)*time.Minute))
		want = append([]string{email}, want...)
	}
	// Two leave: they move to the top, entering their new status last.
	for i, email := range []string{"m03@example.org", "m06@example.org"} {
		sub, err := s.SubscriberByEmail(ctx, email)
		if err != nil {
			t.Fatal(err)
		}
		st := []newsletter.Status{newsletter.StatusUnsubscribed, newsletter.StatusBounced}[i]
		if err := s.SetStatus(ctx, sub.ID, st, base.Add(time.Hour+time.Duration(i)*time.Minute)); err != nil {
			t.Fatal(err)
		}
		want = append([]string{email}, slices.DeleteFunc(want, func(e string) bool { return e == email })...)
	}

	emails := func(subs []*newsletter.Subscriber) []string {
		var out []string
		for _, sub := range subs {
			out = append(out, sub.Email)
		}
		return out
	}
	all, total, err := s.Subscribers(ctx, "", 0, 100)
	if err != nil || total != 12 || !slices.Equal(emails(all), want) {
		t.Fatalf("all = %v (total %d, %v), want %v", emails(all), total, err, want)
	}
	var paged []string
	for offset := 0; offset < 14; offset += 5 {
		page, total, err := s.Subscribers(ctx, "", offset, 5)
		if err != nil || total != 12 {
			t.Fatalf("page at %d: total %d, %v", offset, total, err)
		}
		paged = append(paged, emails(page)...)
	}
	if !slices.Equal(paged, want) {
		t.Errorf("pages of 5 = %v, want %v", paged, want)
	}
	confirmed, total, err := s.Subscribers(ctx, newsletter.StatusConfirmed, 0, 100)
	if err != nil || total != 5 || len(confirmed) != 5 {
		t.Errorf("confirmed = %v (total %d, %v), want 5", emails(confirmed), total, err)
	}
	if page, _, err := s.Subscribers(ctx, newsletter.StatusConfirmed, 2, 2); err != nil || !slices.Equal(emails(page), emails(confirmed)[2:4]) {
		t.Errorf("confirmed from 2 = %v, %v; want %v", emails(page), err, emails(confirmed)[2:4])
	}
	for _, sub := range confirmed {
		if sub.Status != newsletter.StatusConfirmed {
			t.Errorf("%s listed as confirmed is %s", sub.Email, sub.Status)
		}
	}

	// Search reads every status set and keeps the same order.
	found, total, err := s.SearchSubscribers(ctx, "", "M0", 1, 4)
	wantFound := slices.DeleteFunc(slices.Clone(want), func(e string) bool { return e[:2] != "m0" })
	if err != nil || total != len(wantFound) || !slices.Equal(emails(found), wantFound[1:5]) {
		t.Errorf("search m0 from 1 = %v (total %d, %v), want %v of %d", emails(found), total, err, wantFound[1:5], len(wantFound))
	}

	// An export pages through every status, pending last.
	var exported []string
	cursor := ""
	for {
		page, next, err := s.SubscriberPage(ctx, "", cursor, 4)
		if err != nil {
			t.Fatal(err)
		}
		exported = append(exported, emails(page)...)
		if next == "" {
			break
		}
		cursor = next
	}
	if len(exported) != 12 {
		t.Fatalf("export listed %d: %v", len(exported), exported)
	}
	if last, err := s.SubscriberByEmail(ctx, exported[11]); err != nil || last.Status != newsletter.StatusPending {
		t.Errorf("export ends with %s (%v), want a pending subscriber", exported[11], err)
	}
	seen := map[string]bool{}
	for _, e := range exported {
		if seen[e] {
			t.Errorf("export lists %s twice", e)
		}
		seen[e] = true
	}
}

// CountCreated reads the quarter-hour counters that signups and erasures
// keep: the days of a zone half an hour off UTC count exactly.
func TestCountCreatedByQuarterHour(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := testkit.Redis(t)
	s := redisstore.New(rdb, prefix)
	kolkata := time.FixedZone("IST", 5*3600+1800)
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, kolkata)
	times := []time.Time{
		day.Add(-time.Millisecond),           // the day before, last millisecond
		day,                                  // first millisecond
		day.Add(7*time.Hour + 3*time.Minute), // inside a quarter hour
		day.Add(24*time.Hour - time.Millisecond),
		day.Add(24 * time.Hour), // the day after
		day.Add(24*time.Hour + time.Minute),
	}
	var ids []string
	for i, at := range times {
		ids = append(ids, addSubscriber(t, s, fmt.Sprintf("c%d@example.org", i), newsletter.StatusConfirmed, at))
	}
	bounds := []time.Time{day.AddDate(0, 0, -1), day, day.AddDate(0, 0, 1), day.AddDate(0, 0, 2)}
	got, err := s.CountCreated(ctx, bounds)
	if err != nil || !slices.Equal(got, []int{1, 3, 2}) {
		t.Fatalf("per day = %v, %v; want [1 3 2]", got, err)
	}
	if err := s.Erase(ctx, ids[2]); err != nil {
		t.Fatal(err)
	}
	if err := s.Erase(ctx, ids[2]); err == nil {
		t.Fatal("second erase found the subscriber")
	}
	if got, err := s.CountCreated(ctx, bounds); err != nil || !slices.Equal(got, []int{1, 2, 2}) {
		t.Errorf("per day after one erasure (erased twice) = %v, %v; want [1 2 2]", got, err)
	}
	// A span too long to read quarter by quarter reads the whole hash.
	wide := []time.Time{day.AddDate(-2, 0, 0), day, day.AddDate(2, 0, 0)}
	if got, err := s.CountCreated(ctx, wide); err != nil || !slices.Equal(got, []int{1, 4}) {
		t.Errorf("two years either side = %v, %v; want [1 4]", got, err)
	}
}

// An export of every status leaves out nobody who signs up or changes
// status while it runs: each set is read a second time from where its
// first pass ended. One who changed is listed again, as they are now.
func TestExportWhileSubscribersConfirmAndLeave(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := testkit.Redis(t)
	s := redisstore.New(rdb, prefix)
	base := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	ids := map[string]string{}
	for i := range 6 {
		st := newsletter.StatusConfirmed
		if i >= 3 {
			st = newsletter.StatusPending
		}
		email := fmt.Sprintf("e%d@example.org", i)
		ids[email] = addSubscriber(t, s, email, st, base.Add(time.Duration(i)*time.Minute))
	}
	now := base.Add(time.Hour)
	rows := map[string][]newsletter.Status{}
	cursor, pages := "", 0
	for {
		page, next, err := s.SubscriberPage(ctx, "", cursor, 4)
		if err != nil {
			t.Fatal(err)
		}
		for _, sub := range page {
			rows[sub.Email] = append(rows[sub.Email], sub.Status)
		}
		pages++
		if pages == 1 {
			// The confirmed set has been read; a pending subscriber not yet
			// listed confirms, a confirmed one leaves, a new one signs up.
			now = now.Add(time.Minute)
			if ok, err := s.Confirm(ctx, ids["e5@example.org"], now, time.Time{}); err != nil || !ok {
				t.Fatalf("confirm: %v %v", ok, err)
			}
			if err := s.SetStatus(ctx, ids["e0@example.org"], newsletter.StatusUnsubscribed, now); err != nil {
				t.Fatal(err)
			}
			addSubscriber(t, s, "new@example.org", newsletter.StatusPending, now)
		}
		if next == "" {
			break
		}
		cursor = next
	}
	for _, email := range []string{"e0@example.org", "e1@example.org", "e2@example.org", "e3@example.org", "e4@example.org", "e5@example.org", "new@example.org"} {
		if len(rows[email]) == 0 {
			t.Errorf("%s left out of the export", email)
		}
	}
	if got := rows["e5@example.org"]; got[len(got)-1] != newsletter.StatusConfirmed {
		t.Errorf("e5 exported as %v, want confirmed last", got)
	}
	if got := rows["e0@example.org"]; !slices.Equal(got, []newsletter.Status{newsletter.StatusConfirmed, newsletter.StatusUnsubscribed}) {
		t.Errorf("e0 exported as %v, want confirmed, then unsubscribed", got)
	}
	for email, sts := range rows {
		if len(sts) > 1 && email != "e0@example.org" && email != "e5@example.org" {
			t.Errorf("%s, unchanged, listed %d times", email, len(sts))
		}
	}
}
