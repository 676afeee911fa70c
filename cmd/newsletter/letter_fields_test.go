package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// TestLetterFileAuthorFields: a letter file's preheader: and archive:
// are stored with the letter, and --at reads a local time in AUTHOR_TZ
// (not DEFAULT_TZ, the readers' zone).
func TestLetterFileAuthorFields(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := testkit.Redis(t)
	store := redisstore.New(rdb, prefix)
	deskEnv(t, prefix) // DEFAULT_TZ Europe/Berlin
	t.Setenv("AUTHOR_TZ", "America/New_York")
	file := writeLetterFile(t, "---\nsubject: Quiet\npreheader: \"A word on quiet mornings\"\narchive: false\n---\nDear {{ or .FirstName \"friend\" }},\n\nquiet.\n")
	code, out, errOut := runDesk("letter", "schedule", file, "--at", "2030-12-01 08:00")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	l, err := store.Letter(ctx, strings.TrimSpace(out))
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2030, 12, 1, 13, 0, 0, 0, time.UTC); !l.SendAt.Equal(want) {
		t.Errorf("send_at %v, want 08:00 in New York, %v", l.SendAt, want)
	}
	if l.Preheader != "A word on quiet mornings" || !l.Unlisted {
		t.Errorf("stored preheader %q, unlisted %v", l.Preheader, l.Unlisted)
	}
	if !strings.Contains(errOut, "EST") {
		t.Errorf("the confirmation is not in AUTHOR_TZ: %q", errOut)
	}
	bad := writeLetterFile(t, "---\nsubject: Hi\narchive: maybe\n---\nHello\n")
	if code, _, errOut := runDesk("letter", "schedule", bad, "--at", "now"); code != 1 || !strings.Contains(errOut, bad+":3: archive: use true") {
		t.Errorf("bad archive: exit %d, %q", code, errOut)
	}
	long := writeLetterFile(t, "---\nsubject: Hi\npreheader: "+strings.Repeat("x", 151)+"\n---\nHello\n")
	if code, _, errOut := runDesk("letter", "schedule", long, "--at", "now"); code != 1 || !strings.Contains(errOut, "preheader: Keep the preview line under 150") {
		t.Errorf("long preheader: exit %d, %q", code, errOut)
	}
}

// TestLetterPreviewPreheader: the preview carries the file's preview line
// as the mail's only hidden text; without one it has no hidden text, and
// a letter kept off the archive has no web link.
func TestLetterPreviewPreheader(t *testing.T) {
	deskEnv(t, "")
	read := func(dir, name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	with := writeLetterFile(t, "---\nsubject: Quiet\npreheader: A word on quiet\narchive: false\n---\nHello.\n")
	dir := t.TempDir()
	if code, _, errOut := runDesk("letter", "preview", with, "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if html := read(dir, "letter.html"); !strings.Contains(html, `mso-hide:all">A word on quiet</div>`) || strings.Contains(html, "Read on the web") {
		t.Errorf("preview with a preview line, kept off the archive:\n%s", html)
	}
	if txt := read(dir, "letter.txt"); strings.Contains(txt, "Read on the web") {
		t.Errorf("text part links to a page that is not found:\n%s", txt)
	}
	without := writeLetterFile(t, "---\nsubject: Quiet\n---\nHello, these are the first words.\n")
	if code, _, errOut := runDesk("letter", "preview", without, "--out", dir); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if html := read(dir, "letter.html"); strings.Contains(html, "display:none") || strings.Contains(html, "&zwnj;") || !strings.Contains(html, "Read on the web") {
		t.Errorf("preview without a preview line:\n%s", html)
	}
}
