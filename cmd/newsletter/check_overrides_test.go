package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/sequences"
)

// TestCheckListsStepsChangedFromTheDesk: with REDIS_URL, `newsletter
// check` lists the overrides kept in Redis and checks them over the files:
// a good one passes, one whose step left the folder or whose template no
// longer runs is a problem.
func TestCheckListsStepsChangedFromTheDesk(t *testing.T) {
	rdb, prefix := testkit.Redis(t)
	deskEnv(t, prefix)
	store := redisstore.New(rdb, prefix)
	ctx := context.Background()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

	code, stdout, stderr := runDesk("check")
	if code != 0 || strings.Contains(stdout, "changed from the desk") {
		t.Fatalf("no overrides: code %d\n%s%s", code, stdout, stderr)
	}

	good := sequences.Override{Subject: "Your guide, {{ .FirstName }}", Markdown: "Here: {{ .DownloadURL }}", After: "0s", At: at}
	if err := store.SetStepOverride(ctx, "guide", "01-guide.md", good); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runDesk("check")
	if code != 0 || !strings.Contains(stdout, `changed from the desk on 2026-03-02 09:00 UTC: guide/01-guide.md (subject "Your guide, {{ .FirstName }}", after 0s)`) {
		t.Fatalf("a good override: code %d\n%s%s", code, stdout, stderr)
	}

	if err := store.SetStepOverride(ctx, "guide", "99-gone.md", good); err != nil {
		t.Fatal(err)
	}
	bad := good
	bad.Markdown = "Hello {{ .Nickname }}"
	if err := store.SetStepOverride(ctx, "guide", "02-preparing.md", bad); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = runDesk("check")
	if code != 1 {
		t.Fatalf("bad overrides: code %d, want 1\n%s%s", code, stdout, stderr)
	}
	for _, want := range []string{"guide/99-gone.md (override): the step is no longer in the folder",
		"guide/02-preparing.md (override): the change from the desk is not used: markdown: line 1: template: unknown variable {{ .Nickname }}",
		"2 problem(s)"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if !strings.Contains(stdout, "guide/99-gone.md") || !strings.Contains(stdout, "guide/02-preparing.md") {
		t.Errorf("every override is listed:\n%s", stdout)
	}

	// A Redis that does not answer is a problem, not a pass.
	t.Setenv("REDIS_URL", "redis://127.0.0.1:1/0")
	if code, _, stderr := runDesk("check"); code != 1 || !strings.Contains(stderr, "REDIS_URL: cannot read the steps changed from the desk") {
		t.Errorf("unreachable Redis: code %d\n%s", code, stderr)
	}
}
