package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// deskEnv gives the author's commands the environment of a service on the
// test's real Redis under prefix ("" for no Redis at all).
func deskEnv(t *testing.T, prefix string) {
	t.Helper()
	url := ""
	if prefix != "" {
		url = "redis://" + testkit.RedisAddr() + "/0"
	}
	for k, v := range map[string]string{
		"REDIS_URL": url, "REDIS_PREFIX": prefix, "SECRET_KEY": strings.Repeat("ab", 32),
		"DEFAULT_TZ": "Europe/Berlin", "BASE_URL": "https://letters.example.org", "POSTAL_ADDRESS": "1 Quiet Lane, Calmtown",
		"SEQUENCES_DIR": "", "DEFAULT_SEQUENCE": "guide", "SMTP_URL": "", "MAIL_FROM": "Satina <letters@example.org>",
		"SUBJECT_PREFIX": "", "LOG_FORMAT": "text", "MAIL_RATE": "0",
	} {
		t.Setenv(k, v)
	}
}

// runDesk runs the command line in-process.
func runDesk(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func writeLetterFile(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "letter.md")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const restLetter = "---\nsubject: A letter about rest\nskip_in_sequence: true\n---\nDear {{ .FirstName }},\n\nRest is not a reward.\n"

func TestLetterScheduleFromFile(t *testing.T) {
	ctx := context.Background()
	rdb, prefix := testkit.Redis(t)
	store := redisstore.New(rdb, prefix)
	deskEnv(t, prefix)
	file := writeLetterFile(t, restLetter)

	for _, c := range []struct {
		args []string
		want time.Time
	}{
		// local time in DEFAULT_TZ (Berlin, UTC+1 in December), --at after the file
		{[]string{file, "--at", "2030-12-01 08:00"}, time.Date(2030, 12, 1, 7, 0, 0, 0, time.UTC)},
		// RFC 3339, --at before the file
		{[]string{"--at=2030-12-01T08:00:00-05:00", file}, time.Date(2030, 12, 1, 13, 0, 0, 0, time.UTC)},
	} {
		code, out, errOut := runDesk(append([]string{"letter", "schedule"}, c.args...)...)
		if code != 0 {
			t.Fatalf("%v: exit %d: %s", c.args, code, errOut)
		}
		id := strings.TrimSpace(out)
		l, err := store.Letter(ctx, id)
		if err != nil {
			t.Fatalf("letter %q: %v", id, err)
		}
		if !l.SendAt.Equal(c.want) || l.Subject != "A letter about rest" || !l.SkipInSequence ||
			l.Status != newsletter.LetterScheduled || l.Markdown != "Dear {{ .FirstName }},\n\nRest is not a reward.\n" {
			t.Errorf("%v: stored %+v; want send_at %v", c.args, l, c.want)
		}
		if !strings.Contains(errOut, "scheduled") {
			t.Errorf("no confirmation on stderr: %q", errOut)
		}
	}

	before := time.Now().Add(-time.Second)
	code, out, errOut := runDesk("letter", "schedule", file, "--at", "now")
	if code != 0 {
		t.Fatalf("--at now: exit %d: %s", code, errOut)
	}
	if l, err := store.Letter(ctx, strings.TrimSpace(out)); err != nil || l.SendAt.Before(before) || l.SendAt.After(time.Now()) {
		t.Errorf("--at now stored %+v, %v", l, err)
	}

	noSubject := writeLetterFile(t, "---\nskip_in_sequence: true\n---\nHello\n")
	badTemplate := writeLetterFile(t, "---\nsubject: Hi\n---\nDear {{ .Nickname }}\n")
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{file}, 2, "Usage:"},
		{[]string{file, "--at", "next tuesday"}, 1, "not a time"},
		{[]string{file, "--at", "2020-01-01 08:00"}, 1, "in the past"},
		{[]string{noSubject, "--at", "now"}, 1, noSubject + ":2: the front matter needs a subject"},
		{[]string{badTemplate, "--at", "now"}, 1, "markdown:"},
		{[]string{filepath.Join(t.TempDir(), "missing.md"), "--at", "now"}, 1, "no such file"},
	} {
		code, _, errOut := runDesk(append([]string{"letter", "schedule"}, c.args...)...)
		if code != c.code || !strings.Contains(errOut, c.want) {
			t.Errorf("%v: exit %d, %q; want %d and %q", c.args, code, errOut, c.code, c.want)
		}
	}
	if ls, err := store.ListLetters(ctx, "", 0); err != nil || len(ls) != 3 {
		t.Errorf("%d letters stored, want the 3 good ones (%v)", len(ls), err)
	}

	// Without REDIS_URL it refuses: an embedded Redis would lose the letter.
	t.Setenv("REDIS_URL", "")
	code, _, errOut = runDesk("letter", "schedule", file, "--at", "now")
	if code != 1 || !strings.Contains(errOut, "REDIS_URL is empty") {
		t.Errorf("without REDIS_URL: exit %d, %q", code, errOut)
	}
}

func TestLetterPreviewWritesTheMail(t *testing.T) {
	deskEnv(t, "") // needs no Redis
	// The exact mail: the subject carries the prefix.
	t.Setenv("SUBJECT_PREFIX", "[Letters] ")
	file := writeLetterFile(t, restLetter)
	dir := filepath.Join(t.TempDir(), "preview")
	code, out, errOut := runDesk("letter", "preview", file, "--out", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	html, err := os.ReadFile(filepath.Join(dir, "letter.html"))
	if err != nil {
		t.Fatal(err)
	}
	text, err := os.ReadFile(filepath.Join(dir, "letter.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		body string
		want []string
	}{
		"letter.html": {string(html), []string{"<title>[Letters] A letter about rest</title>", "Dear Ada,", "Rest is not a reward.",
			"https://letters.example.org/unsubscribe/", "https://letters.example.org/me/", "1 Quiet Lane, Calmtown"}},
		"letter.txt": {string(text), []string{"Subject: [Letters] A letter about rest\n", "To: Ada Lovelace <ada@example.org>\n", "Dear Ada,",
			"Unsubscribe: https://letters.example.org/unsubscribe/", "Read on the web: https://letters.example.org/letters/", "1 Quiet Lane, Calmtown"}},
	} {
		for _, w := range c.want {
			if !strings.Contains(c.body, w) {
				t.Errorf("%s lacks %q:\n%s", name, w, c.body)
			}
		}
	}
	if !strings.Contains(out, "letter.html") || !strings.Contains(out, "letter.txt") {
		t.Errorf("stdout does not name the files: %q", out)
	}

	bad := writeLetterFile(t, "---\nsubject: Hi\nsend_at: tomorrow\n---\nHello\n")
	if code, _, errOut := runDesk("letter", "preview", bad); code != 1 || !strings.Contains(errOut, bad+`:3: unknown key "send_at"`) {
		t.Errorf("unknown key: exit %d, %q", code, errOut)
	}
}

func TestHelpListsTheAuthorsCommands(t *testing.T) {
	code, out, _ := runDesk("--help")
	for _, w := range []string{"letter schedule FILE.md --at TIME", "letter preview FILE.md", "subscribers export", "subscribers import", "MAIL_RATE"} {
		if code != 0 || !strings.Contains(out, w) {
			t.Errorf("--help (exit %d) lacks %q", code, w)
		}
	}
	if code, _, errOut := runDesk("letter", "frobnicate"); code != 2 || !strings.Contains(errOut, "Usage:") {
		t.Errorf("unknown subcommand: exit %d, %q", code, errOut)
	}
}
