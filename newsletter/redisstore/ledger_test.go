package redisstore_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

// The guide's nine mails (the confirmation and every step) fit the compact
// ledger form, so a subscriber's ledger stays listpack-encoded; a send the
// form cannot hold (an unknown kind, a long subject) is kept whole, and
// the ledger lists every form back, oldest first.
func TestLedgerStaysCompact(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id := f.confirmed(t, "ledger@example.org")
	set, err := sequences.Load(sequences.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	guide, ok := set.Get("guide")
	if !ok {
		t.Fatal("no built-in guide")
	}
	subjects := []string{templates.ConfirmSubject}
	for _, st := range guide.Steps {
		s, err := st.RenderSubject(sequences.SampleData())
		if err != nil {
			t.Fatal(err)
		}
		subjects = append(subjects, s)
	}
	var want []newsletter.Send
	at := t0.Add(123 * time.Millisecond)
	record := func(key string, sd newsletter.Send) {
		t.Helper()
		err := f.s.Record(ctx, newsletter.Outcome{Job: drip(id), LedgerKey: key, Send: &sd, NextDue: at.Add(time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, sd)
	}
	for i, subject := range subjects {
		kind := "step"
		if i == 0 {
			kind = "confirm"
		}
		record(fmt.Sprintf("k%d", i), newsletter.Send{Kind: kind, Subject: subject, SentAt: at.Add(time.Duration(i) * 24 * time.Hour)})
	}
	if enc := f.rdb.ObjectEncoding(ctx, f.key("ledger", id)).Val(); enc != "listpack" {
		t.Errorf("ledger of the guide's %d mails is %s, want listpack", len(subjects), enc)
	}
	record("letter:l1", newsletter.Send{Kind: "letter", Subject: "Dear Fellow Humans: on ¿unicode? — “quotes”", SentAt: at.Add(30 * 24 * time.Hour)})
	record("odd", newsletter.Send{Kind: "other", Subject: "An unknown kind", SentAt: at.Add(31 * 24 * time.Hour)})
	record("long", newsletter.Send{Kind: "letter", Subject: strings.Repeat("long ", 20), SentAt: at.Add(32 * 24 * time.Hour)})
	// A value written as JSON by an earlier version.
	f.rdb.HSet(ctx, f.key("ledger", id), "old", `{"kind":"letter","subject":"Before","sent_at":"2026-01-01T00:00:00.5Z"}`)
	want = append([]newsletter.Send{{Kind: "letter", Subject: "Before", SentAt: time.Date(2026, 1, 1, 0, 0, 0, 5e8, time.UTC)}}, want...)

	got, err := f.s.Sends(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	eq := func(a, b newsletter.Send) bool {
		return a.Kind == b.Kind && a.Subject == b.Subject && a.SentAt.Equal(b.SentAt)
	}
	if !slices.EqualFunc(got, want, eq) {
		t.Errorf("sends:\n got %v\nwant %v", got, want)
	}
	if v := f.rdb.HGet(ctx, f.key("ledger", id), "k1").Val(); len(v) > 64 || !strings.HasPrefix(v, "s") {
		t.Errorf("a step's ledger value is %q", v)
	}
}
