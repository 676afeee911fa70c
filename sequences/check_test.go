package sequences

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// good is a valid step, for filling sequences around a broken file.
const good = "---\nsubject: Fine\nafter: 1w\n---\nDear Fellow Humans,\n"

// TestCheckMessages writes broken sequences to disk and asserts that
// LoadDir reports each problem, and nothing else, as "file:line: message".
// Each want is the start of one problem, its path relative to the folder.
func TestCheckMessages(t *testing.T) {
	cases := []struct {
		name  string
		files map[string]string
		want  []string
	}{
		{"unknown key, on the key's line", map[string]string{
			"s/01-a.md": "---\nsubject: Hi\nafter: 0s\ncolour: blue\n---\nbody\n",
		}, []string{`s/01-a.md:4: unknown key "colour" (known keys: subject, after, window, days, preheader)`}},
		{"misspelt key gets a suggestion", map[string]string{
			"s/01-a.md": "---\nsubjet: Hi\nafter: 0s\n---\nbody\n",
		}, []string{
			`s/01-a.md:1: missing "subject:" in the front matter`,
			`s/01-a.md:2: unknown key "subjet": did you mean "subject"?`,
		}},
		{"bad duration", map[string]string{
			"s/01-a.md": "---\nsubject: Hi\nafter: 2 weeks\n---\nbody\n",
		}, []string{`s/01-a.md:3: after: invalid duration "2 weeks": unknown unit " weeks"`}},
		{"negative duration", map[string]string{
			"s/01-a.md": "---\nafter: -1d\nsubject: Hi\n---\nbody\n",
		}, []string{`s/01-a.md:2: after: invalid duration "-1d": negative durations are not allowed`}},
		{"missing after", map[string]string{
			"s/01-a.md": "---\nsubject: Hi\n---\nbody\n",
		}, []string{`s/01-a.md:1: missing "after:" in the front matter`}},
		{"bad window", map[string]string{
			"s/01-a.md": "---\nsubject: Hi\nafter: 1d\nwindow: \"11:00-08:00\"\n---\nbody\n",
		}, []string{`s/01-a.md:4: window: invalid window "11:00-08:00": the end must be after the start`}},
		{"window that is not a range", map[string]string{
			"s/01-a.md": "---\nsubject: Hi\nafter: 1d\nwindow: [\"08:00\", \"11:00\"]\n---\nbody\n",
		}, []string{`s/01-a.md:4: window: want one range such as "08:00-11:00"`}},
		{"bad days", map[string]string{
			"s/01-a.md": "---\nsubject: Hi\nafter: 1d\ndays: mon-fry\n---\nbody\n",
		}, []string{`s/01-a.md:4: days: invalid day "fry"`}},
		{"bad day in a list, on the item's line", map[string]string{
			"s/01-a.md": "---\nsubject: Hi\nafter: 1d\ndays:\n  - mon\n  - funday\n---\nbody\n",
		}, []string{`s/01-a.md:6: days: invalid day "funday"`}},
		{"missing and empty subject", map[string]string{
			"s/01-a.md": "---\nafter: 0s\n---\nbody\n",
			"s/02-b.md": "---\nafter: 0s\nsubject: \"  \"\n---\nbody\n",
		}, []string{
			`s/01-a.md:1: missing "subject:" in the front matter`,
			`s/02-b.md:3: subject is empty`,
		}},
		{"missing and unterminated front matter", map[string]string{
			"s/01-a.md": "subject: Hi\nafter: 0s\n\nbody\n",
			"s/02-b.md": "---\nsubject: Hi\nafter: 0s\nbody\n",
		}, []string{
			`s/01-a.md:1: missing front matter: the file must start with a "---" line`,
			`s/02-b.md:1: unterminated front matter: no closing "---" line`,
		}},
		{"front matter that is not YAML", map[string]string{
			"s/01-a.md": "---\nsubject: Hi\nafter: 0s\nwindow: [08:00\n---\nbody\n",
		}, []string{`s/01-a.md:4: front matter: did not find expected ',' or ']'`}},
		{"YAML errors on later lines", map[string]string{
			"s/01-a.md": "---\nsubject: Hi\nafter: 0s\n\tdays: mon\n---\nbody\n",
			"s/02-b.md": "---\nafter: 0s\nsubject: Re: hi\n---\nbody\n",
		}, []string{
			`s/01-a.md:4: front matter: found a tab character that violates indentation`,
			`s/02-b.md:3: front matter: mapping values are not allowed in this context`,
		}},
		{"a key given twice", map[string]string{
			"s/01-a.md": "---\nsubject: Hi\nafter: 0s\nsubject: Hello\n---\nbody\n",
		}, []string{`s/01-a.md:4: key "subject" appears twice (first on line 2)`}},
		{"template that does not parse, on the body's line", map[string]string{
			"s/01-a.md": "---\nsubject: Hi\nafter: 0s\n---\nDear Fellow Humans,\n\n{{ if .FirstName }Hi{{ end }}\n",
		}, []string{`s/01-a.md:7: template: unexpected "}" in operand`}},
		{"unknown variable, on its line", map[string]string{
			"s/01-a.md": "---\nsubject: Hi\nafter: 0s\n---\nDear Fellow Humans,\n\nHere: {{ .DownloadURL }}\n{{ .Foo }}\n",
		}, []string{`s/01-a.md:8: template: unknown variable {{ .Foo }} (known: .FirstName, .Name, .Email, .DownloadURL, .UnsubscribeURL, .MeURL)`}},
		{"unknown variables in every branch", map[string]string{
			"s/01-a.md": "---\nsubject: Hi\nafter: 0s\n---\n{{ if .FirstName }}\nHi {{ .FirstName }}\n{{ else }}\nHi {{ .Frist }}\n{{ end }}\n{{ range $i, $x := .Name }}{{ $.Mail }}{{ end }}\n",
		}, []string{
			`s/01-a.md:8: template: unknown variable {{ .Frist }}`,
			`s/01-a.md:10: template: unknown variable {{ .Mail }}`,
		}},
		{"unknown function", map[string]string{
			"s/01-a.md": "---\nsubject: Hi\nafter: 0s\n---\n{{ .Name | shout }}\n",
		}, []string{`s/01-a.md:5: template: function "shout" not defined`}},
		{"unknown variable in the subject", map[string]string{
			"s/01-a.md": "---\nafter: 0s\nsubject: Hi {{ .Frist }}\n---\nbody\n",
		}, []string{`s/01-a.md:3: subject: unknown variable {{ .Frist }}`}},
		{"no body", map[string]string{
			"s/01-a.md": "---\nsubject: Hi\nafter: 0s\n---\n\n",
		}, []string{`s/01-a.md:4: the mail has no body after the front matter`}},
		{"empty sequence, on the folder", map[string]string{
			"s/sequence.md": "---\ntitle: Nothing yet\n---\n",
			"t/01-a.md":     good,
		}, []string{`s: sequence "s" has no steps: add a file such as 01-welcome.md`}},
		{"two steps with the same number", map[string]string{
			"s/01-a.md": good,
			"s/02-a.md": good,
			"s/02-b.md": good,
		}, []string{`s/02-b.md:1: step number 02 is also used by 02-a.md: give every step its own number`}},
		{"numbers out of order as text", map[string]string{
			"s/9-a.md":  good,
			"s/10-b.md": good,
		}, []string{`s/9-a.md:1: step number 9 sorts after 10-b.md in file-name order`}},
		{"bad sequence id", map[string]string{
			"Welcome Mails/01-a.md": good,
		}, []string{`Welcome Mails: invalid sequence id "Welcome Mails"`}},
		{"bad defaults in sequence.md", map[string]string{
			"s/sequence.md": "---\nwindow: 8am-11am\ndays: someday\nsubject: x\n---\n",
			"s/01-a.md":     good,
		}, []string{
			`s/sequence.md:2: window: invalid window "8am-11am": start: "8am" is not a time like 08:00`,
			`s/sequence.md:3: days: invalid day "someday"`,
			`s/sequence.md:4: unknown key "subject" (known keys: title, description, window, days)`,
		}},
		{"two guides and a bad guide.md", map[string]string{
			"s/01-a.md":     good,
			"s/guide.md":    "---\ntitle: Guide\nauthor: me\n---\n# Guide\n",
			"s/guide.pdf":   "%PDF",
			"s/.guide.swp":  "ignored",
			"s/notes/x.txt": "ignored",
		}, []string{
			`s: more than one guide (guide.md, guide.pdf): keep one guide.* file`,
			`s/guide.md:3: unknown key "author" (known keys: title, description)`,
		}},
		{"every problem of every file", map[string]string{
			"s/01-a.md": "---\nsubject: Hi\nafter: soon\nwindow: all day\ndays: funday\nextra: 1\n---\n{{ .Bar }}\n",
			"s/02-b.md": "no front matter\n",
			"u/01-a.md": "---\nsubject: Hi\n---\nbody\n",
		}, []string{
			`s/01-a.md:3: after: invalid duration "soon"`,
			`s/01-a.md:4: window: invalid window "all day"`,
			`s/01-a.md:5: days: invalid day "funday"`,
			`s/01-a.md:6: unknown key "extra"`,
			`s/01-a.md:8: template: unknown variable {{ .Bar }}`,
			`s/02-b.md:1: missing front matter`,
			`u/01-a.md:1: missing "after:"`,
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, content := range tc.files {
				path := filepath.Join(dir, filepath.FromSlash(name))
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			set, err := LoadDir(dir)
			var got Problems
			if !errors.As(err, &got) || set != nil {
				t.Fatalf("LoadDir = %v, %v; want nil and Problems", set, err)
			}
			assertProblems(t, got, dir+string(filepath.Separator), tc.want)
		})
	}
}

// assertProblems checks that each problem starts with prefix+want, in order.
func assertProblems(t *testing.T, got Problems, prefix string, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(got), len(want), got)
	}
	for i, w := range want {
		w = prefix + filepath.FromSlash(w[:strings.IndexAny(w, ":")]) + w[strings.IndexAny(w, ":"):]
		if !strings.HasPrefix(got[i].String(), w) {
			t.Errorf("problem %d:\n got %s\nwant %s...", i, got[i], w)
		}
	}
}

func TestLoadPathsAndEmptyRoot(t *testing.T) {
	_, err := Load(fstest.MapFS{"s/01-a.md": {Data: []byte("---\nsubject: x\nafter: 1\n---\nbody\n")}})
	var got Problems
	if !errors.As(err, &got) {
		t.Fatalf("Load = %v, want Problems", err)
	}
	assertProblems(t, got, "", []string{`s/01-a.md:3: after: invalid duration "1": missing unit after 1`})

	dir := t.TempDir()
	_, err = LoadDir(dir)
	if !errors.As(err, &got) {
		t.Fatalf("LoadDir(empty) = %v, want Problems", err)
	}
	if want := dir + ": no sequences"; len(got) != 1 || !strings.HasPrefix(got[0].String(), want) {
		t.Errorf("LoadDir(empty) = %v, want %s...", got, want)
	}

	if _, err := LoadDir(filepath.Join(dir, "missing")); err == nil || errors.As(err, &got) {
		t.Errorf("LoadDir(missing) = %v, want a plain error", err)
	}
}

// TestLoadDirSymlinks follows linked folders and files, as mounted
// Kubernetes config maps use them.
func TestLoadDirSymlinks(t *testing.T) {
	real, dir := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(real, "01-a.md"), []byte(good), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(real, "seq"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(real, "01-a.md"), filepath.Join(real, "seq", "01-a.md")); err != nil {
		t.Skipf("no symbolic links here: %v", err)
	}
	if err := os.Symlink(filepath.Join(real, "seq"), filepath.Join(dir, "linked")); err != nil {
		t.Fatal(err)
	}
	set, err := LoadDir(dir)
	if err != nil {
		t.Fatalf("LoadDir: %v", err)
	}
	q, ok := set.Get("linked")
	if !ok || len(q.Steps) != 1 || q.Steps[0].Subject != "Fine" {
		t.Fatalf("linked sequence = %+v, %v; want one step", q, ok)
	}
	if want := filepath.Join(dir, "linked", "01-a.md"); q.Steps[0].Path != want {
		t.Errorf("Path = %s, want %s", q.Steps[0].Path, want)
	}
}
