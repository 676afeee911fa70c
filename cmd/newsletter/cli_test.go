package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/satina/newsletter/internal/config"
)

func TestCheckReportsFileLineMessages(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"broken/01-a.md": "---\nsubject: A\nafter: 3 days\n---\nbody\n",
		"broken/02-b.md": "---\nafter: 1d\ncolour: blue\n---\nHi {{ .Nickname }}\n",
		"broken/03-c.md": "---\nsubject: C\nafter: 1d\nwindow: \"25:00-26:00\"\n---\nok\n",
	})
	code, stdout, stderr := runBinary(t, map[string]string{"SEQUENCES_DIR": dir, "DEFAULT_SEQUENCE": "broken"}, "check")
	if code == 0 {
		t.Fatalf("check of a broken folder exited 0; stdout %q stderr %q", stdout, stderr)
	}
	if strings.Contains(stdout, "ok") {
		t.Errorf("check of a broken folder printed %q", stdout)
	}
	lineRE := regexp.MustCompile(`^(.+):(\d+): (.+)$`)
	got := map[string]string{} // "file:line" -> message
	for _, l := range strings.Split(strings.TrimSpace(stderr), "\n") {
		m := lineRE.FindStringSubmatch(l)
		if m == nil {
			if !regexp.MustCompile(`^\d+ problem\(s\)$`).MatchString(l) {
				t.Errorf("line not in file:line: message form: %q", l)
			}
			continue
		}
		if !strings.HasPrefix(m[1], dir) {
			t.Errorf("problem names %q, not a file under %s", m[1], dir)
		}
		got[strings.TrimPrefix(m[1], dir+string(filepath.Separator))+":"+m[2]] = m[3]
	}
	for where, words := range map[string][]string{
		"broken/01-a.md:3": {"after", "3 days"},
		"broken/02-b.md:1": {"subject"},
		"broken/02-b.md:3": {"colour"},
		"broken/02-b.md:5": {"Nickname"},
		"broken/03-c.md:4": {"window", "25:00"},
	} {
		msg, ok := got[filepath.FromSlash(where)]
		if !ok {
			t.Errorf("no problem reported at %s; got %v", where, got)
			continue
		}
		for _, w := range words {
			if !strings.Contains(msg, w) {
				t.Errorf("%s: %q does not mention %q", where, msg, w)
			}
		}
	}
}

func TestCheckPassesTheBuiltInSet(t *testing.T) {
	code, stdout, stderr := runBinary(t, nil, "check")
	if code != 0 || !strings.HasPrefix(stdout, "ok") || !strings.Contains(stdout, "guide") {
		t.Errorf("check of the built-in set: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	// A custom folder that is valid passes too.
	dir := t.TempDir()
	writeFiles(t, dir, killSequence())
	code, stdout, stderr = runBinary(t, map[string]string{"SEQUENCES_DIR": dir, "DEFAULT_SEQUENCE": "drip"}, "check")
	if code != 0 {
		t.Errorf("check of a valid folder: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// readmeVariables are the variables in the README's configuration table,
// the project's own account of its settings.
func readmeVariables(t *testing.T) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([A-Z_]+)`((?:, `[A-Z_]+`)*) \\|").FindAllStringSubmatch(string(b), -1) {
		names = append(names, m[1])
		for _, more := range regexp.MustCompile("`([A-Z_]+)`").FindAllStringSubmatch(m[2], -1) {
			names = append(names, more[1])
		}
	}
	if len(names) < 20 {
		t.Fatalf("the README's configuration table lists only %d variables", len(names))
	}
	return names
}

// TestHelpListsEveryVariable: --help and the README's table name the same
// variables, every one the service reads.
func TestHelpListsEveryVariable(t *testing.T) {
	want := readmeVariables(t)
	inReadme := map[string]bool{}
	for _, v := range want {
		inReadme[v] = true
	}
	for _, v := range config.Variables {
		if !inReadme[v.Name] {
			t.Errorf("the README's configuration table does not list %s", v.Name)
		}
	}
	for _, arg := range []string{"--help", "-h", "help"} {
		code, stdout, _ := runBinary(t, nil, arg)
		if code != 0 {
			t.Errorf("newsletter %s exited %d", arg, code)
		}
		for _, v := range want {
			if !regexp.MustCompile(`(?m)^\s+` + v + `\s`).MatchString(stdout) {
				t.Errorf("newsletter %s does not list %s", arg, v)
			}
		}
		for _, c := range []string{"serve", "web", "worker", "check"} {
			if !regexp.MustCompile(`newsletter \[?` + c + `\b`).MatchString(stdout) {
				t.Errorf("newsletter %s does not list the command %q", arg, c)
			}
		}
	}
	if code, _, stderr := runBinary(t, nil, "no-such-command"); code == 0 || !strings.Contains(stderr, "no-such-command") {
		t.Errorf("unknown command: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runBinary(t, map[string]string{"WORKER_LEASE": "soon"}, "serve"); code == 0 || !strings.Contains(stderr, "WORKER_LEASE") {
		t.Errorf("bad WORKER_LEASE: exit %d, stderr %q", code, stderr)
	}
	if code, _, stderr := runBinary(t, map[string]string{"PPROF_ADDR": ":6060"}, "serve"); code == 0 || !strings.Contains(stderr, "PPROF_ADDR") {
		t.Errorf("PPROF_ADDR open to the network: exit %d, stderr %q", code, stderr)
	}
}

// TestVersion: --version and version print the version and exit 0.
func TestVersion(t *testing.T) {
	for _, arg := range []string{"--version", "version"} {
		code, stdout, stderr := runBinary(t, nil, arg)
		if code != 0 || !regexp.MustCompile(`^newsletter \S+ \(.*go1\.\d+`).MatchString(stdout) {
			t.Errorf("newsletter %s: exit %d, stdout %q, stderr %q; want \"newsletter <version> (… go1.x)\"", arg, code, stdout, stderr)
		}
	}
}

// TestDoctorCommand: `newsletter doctor` prints each check with its level
// and exits 1 when one fails (an http BASE_URL while sending).
func TestDoctorCommand(t *testing.T) {
	code, stdout, stderr := runBinary(t, map[string]string{"BASE_URL": "http://letters.example.org",
		"SMTP_URL": "smtp://127.0.0.1:1/?tls=none", "POSTAL_ADDRESS": ""}, "doctor")
	if code != 1 {
		t.Errorf("doctor with an http BASE_URL exited %d, want 1; stderr %q", code, stderr)
	}
	for _, want := range []string{"fail  BASE_URL", "warn  POSTAL_ADDRESS", "fix:", "failure"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("doctor output lacks %q:\n%s", want, stdout)
		}
	}
}
