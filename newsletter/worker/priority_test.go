package worker_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
)

// TestConfirmationJumpsTheQueue: a signup made while a letter to many is
// going out is claimed before the letter's sends (the contract promises
// the confirmation within two seconds).
func TestConfirmationJumpsTheQueue(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	ctx := context.Background()
	var rows []service.ImportRow
	for i := 0; i < 300; i++ {
		rows = append(rows, service.ImportRow{Email: fmt.Sprintf("r%d@example.org", i), Status: "confirmed"})
	}
	if _, err := a.Service.Import(ctx, rows, 1); err != nil {
		t.Fatal(err)
	}
	a.Fake.Advance(time.Minute)
	if _, err := a.Service.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "Hello", Markdown: "Dear Fellow Humans", SendAt: a.Fake.Now()}); err != nil {
		t.Fatal(err)
	}
	// Fan the letter out: 300 sends due now.
	jobs, err := a.Store.Claim(ctx, a.Fake.Now(), time.Minute, 1)
	if err != nil || len(jobs) != 1 || jobs[0].Kind != newsletter.JobLetter {
		t.Fatalf("claimed %v, %v; want the letter's fan-out", jobs, err)
	}
	l, ids, err := a.Store.StartFanOut(ctx, jobs[0].Letter)
	if err != nil || len(ids) != 300 {
		t.Fatalf("fan-out: %d recipients, %v", len(ids), err)
	}
	if err := a.Store.FinishFanOut(ctx, l.ID, ids, a.Fake.Now()); err != nil {
		t.Fatal(err)
	}
	a.Fake.Advance(time.Second)
	if _, err := a.Service.Signup(ctx, service.SignupRequest{Email: "late@example.org", Source: "api"}); err != nil {
		t.Fatal(err)
	}
	jobs, err = a.Store.Claim(ctx, a.Fake.Now(), time.Minute, 4)
	if err != nil || len(jobs) == 0 {
		t.Fatalf("claim: %v, %v", jobs, err)
	}
	if jobs[0].Kind != newsletter.JobConfirm {
		t.Fatalf("first claimed job is %s, want the confirmation ahead of 300 letter sends", jobs[0].ID())
	}
	for _, j := range jobs[1:] {
		if j.Kind != newsletter.JobLetterSend {
			t.Fatalf("then claimed %s, want letter sends", j.ID())
		}
	}
}

// TestCancelWhileSending: DELETE on a letter that is going out stops the
// sends still queued.
func TestCancelWhileSending(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	ctx := context.Background()
	var rows []service.ImportRow
	for i := 0; i < 50; i++ {
		rows = append(rows, service.ImportRow{Email: fmt.Sprintf("c%d@example.org", i), Status: "confirmed"})
	}
	if _, err := a.Service.Import(ctx, rows, 1); err != nil {
		t.Fatal(err)
	}
	a.Fake.Advance(time.Minute)
	id, err := a.Service.ScheduleLetter(ctx, newsletter.LetterDraft{Subject: "Oops", Markdown: "Sent too soon", SendAt: a.Fake.Now()})
	if err != nil {
		t.Fatal(err)
	}
	jobs, _ := a.Store.Claim(ctx, a.Fake.Now(), time.Minute, 1)
	l, ids, err := a.Store.StartFanOut(ctx, jobs[0].Letter)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Store.FinishFanOut(ctx, l.ID, ids, a.Fake.Now()); err != nil {
		t.Fatal(err)
	}
	if err := a.Store.CancelLetter(ctx, id); err != nil {
		t.Fatalf("cancel while sending: %v", err)
	}
	a.Drain(t)
	if n := len(a.SMTP.Messages()); n != 0 {
		t.Fatalf("%d mails went out after the cancel", n)
	}
	got, err := a.Store.Letter(ctx, id)
	if err != nil || got.Status != newsletter.LetterCancelled {
		t.Fatalf("letter %+v, %v; want cancelled", got, err)
	}
	if err := a.Store.CancelLetter(ctx, id); err == nil {
		t.Fatalf("cancelling a cancelled letter succeeded")
	}
}
