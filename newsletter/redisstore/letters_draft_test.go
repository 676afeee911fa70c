package redisstore_test

// Drafts and the author's own fields of a letter (preview line, kept off
// the archive) through the Store, on the real Redis.

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// TestDraftIsNeverQueued: a draft is kept, listed first, and in neither
// the queue nor the send-time index; saving it again changes it and
// leaves it a draft; giving it a send time schedules it exactly as a new
// letter (fan-out queued at send_at, in the send-time index, out of the
// drafts); deleting a draft removes it.
func TestDraftIsNeverQueued(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	sent := f.letter(t, "Already out", t0.Add(-time.Hour), t0.Add(-2*time.Hour))
	id, err := f.s.CreateLetter(ctx, &newsletter.Letter{Subject: "Half done", Markdown: "Hello", Preheader: "A line",
		Unlisted: true, Status: newsletter.LetterDrafted, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	l := f.status(t, id)
	if l.Status != newsletter.LetterDrafted || !l.SendAt.IsZero() || l.Preheader != "A line" || !l.Unlisted ||
		!l.EditedAt.Equal(t0) || l.Recipients != -1 {
		t.Fatalf("draft stored as %+v", l)
	}
	if q := f.queue(t); len(q) != 1 { // the other letter's fan-out only
		t.Errorf("queue %v: a draft is queued", q)
	}
	if n, _ := f.rdb.ZCard(ctx, f.key("letters")).Result(); n != 1 {
		t.Errorf("the send-time index holds %d letters, want the scheduled one", n)
	}
	if held, err := f.s.HoldLateLetters(ctx, t0.Add(48*time.Hour), grace); err != nil || len(held) != 1 || held[0] != sent {
		t.Errorf("late letters %v %v: want only the scheduled one", held, err)
	}
	all, err := f.s.ListLetters(ctx, "", 0)
	if err != nil || len(all) != 2 || all[0].ID != id {
		t.Fatalf("list %v %v: want the draft first, then the letter", all, err)
	}
	if drafts, _ := f.s.ListLetters(ctx, newsletter.LetterDrafted, 0); len(drafts) != 1 || drafts[0].ID != id {
		t.Errorf("drafts: %v", drafts)
	}

	// Saved again as a draft: changed, still a draft, nothing queued.
	err = f.s.UpdateLetter(ctx, &newsletter.Letter{ID: id, Subject: "Nearly done", Markdown: "Hello again",
		Status: newsletter.LetterDrafted, EditedAt: t0.Add(time.Minute)})
	if err != nil {
		t.Fatal(err)
	}
	if l := f.status(t, id); l.Subject != "Nearly done" || l.Status != newsletter.LetterDrafted || l.Preheader != "" || l.Unlisted {
		t.Errorf("saved draft %+v", l)
	}
	if _, ok := f.queue(t)[fanOut(id)]; ok {
		t.Error("a saved draft is queued")
	}

	// Scheduled: out of the drafts, into the index and the queue.
	sendAt := t0.Add(3 * time.Hour)
	if err := f.s.UpdateLetter(ctx, &newsletter.Letter{ID: id, Subject: "Done", Markdown: "Hello", SendAt: sendAt, ScheduledAt: t0.Add(2 * time.Minute)}); err != nil {
		t.Fatal(err)
	}
	l = f.status(t, id)
	if l.Status != newsletter.LetterScheduled || !l.SendAt.Equal(sendAt) || !l.ScheduledAt.Equal(t0.Add(2*time.Minute)) {
		t.Errorf("scheduled draft %+v", l)
	}
	if due, ok := f.queue(t)[fanOut(id)]; !ok || !due.Equal(sendAt) {
		t.Errorf("fan-out of the scheduled draft: %v %v, want due %v", due, ok, sendAt)
	}
	if drafts, _ := f.s.ListLetters(ctx, newsletter.LetterDrafted, 0); len(drafts) != 0 {
		t.Errorf("still among the drafts: %v", drafts)
	}
	// A scheduled letter cannot be saved as a draft.
	err = f.s.UpdateLetter(ctx, &newsletter.Letter{ID: id, Subject: "x", Markdown: "y", Status: newsletter.LetterDrafted, EditedAt: t0})
	if !errors.Is(err, newsletter.ErrConflict) {
		t.Errorf("saving a scheduled letter as a draft: %v, want ErrConflict", err)
	}

	// A draft is deleted by a cancel.
	other, err := f.s.CreateLetter(ctx, &newsletter.Letter{Subject: "Gone soon", Markdown: "x", Status: newsletter.LetterDrafted, CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.s.CancelLetter(ctx, other); err != nil {
		t.Fatal(err)
	}
	if _, err := f.s.Letter(ctx, other); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("a cancelled draft is still there: %v", err)
	}
	if drafts, _ := f.s.ListLetters(ctx, newsletter.LetterDrafted, 0); len(drafts) != 0 {
		t.Errorf("drafts after the delete: %v", drafts)
	}
	if err := f.s.CancelLetter(ctx, other); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("cancel it again: %v, want ErrNotFound", err)
	}
}

// TestLetterFieldsOfTheAuthor: the preview line and the archive choice
// are kept for a scheduled letter and changed by an update; a letter
// stored before they were kept reads as listed, with no preview line.
func TestLetterFieldsOfTheAuthor(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	id, err := f.s.CreateLetter(ctx, &newsletter.Letter{Subject: "s", Markdown: "m", Preheader: "p", Unlisted: true,
		SendAt: t0.Add(time.Hour), CreatedAt: t0})
	if err != nil {
		t.Fatal(err)
	}
	if l := f.status(t, id); l.Preheader != "p" || !l.Unlisted || l.Status != newsletter.LetterScheduled {
		t.Errorf("stored %+v", l)
	}
	if err := f.s.UpdateLetter(ctx, &newsletter.Letter{ID: id, Subject: "s", Markdown: "m", SendAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if l := f.status(t, id); l.Preheader != "" || l.Unlisted {
		t.Errorf("after update %+v", l)
	}
	if err := f.rdb.HDel(ctx, f.key("letter", id), "ph", "ul").Err(); err != nil {
		t.Fatal(err)
	}
	if l := f.status(t, id); l.Preheader != "" || l.Unlisted {
		t.Errorf("an older letter reads as %+v", l)
	}
}
