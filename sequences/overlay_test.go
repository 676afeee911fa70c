package sequences

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

// overlayFS is a small sequences folder: two steps with a window and a
// comment in the front matter, defaults, a guide and a stray file.
func overlayFS() fstest.MapFS {
	return fstest.MapFS{
		"tips/sequence.md":  {Data: []byte("---\ntitle: Tips\ndays: mon-fri\n---\n")},
		"tips/01-hello.md":  {Data: []byte("---\nsubject: Hello\nafter: 0s\n---\nHi {{ .FirstName }}.\n")},
		"tips/02-week.md":   {Data: []byte("---\nsubject: \"Tip #1\"\nafter: 1w # a week later\nwindow: \"08:00-11:00\"\n---\nA tip.\n")},
		"tips/guide.md":     {Data: []byte("# The guide\n\nRead me.\n")},
		"tips/notes.txt":    {Data: []byte("not a step\n")},
		"tips/.hidden.md":   {Data: []byte("skipped\n")},
		"tips/drafts/x.md":  {Data: []byte("skipped too\n")},
		"other/01-only.md":  {Data: []byte("---\nsubject: Only\nafter: 0s\n---\nOnly.\n")},
		"other/02-later.md": {Data: []byte("---\nsubject: Later\nafter: 2d\n---\nLater.\n")},
	}
}

func loadOverlay(t *testing.T) *Set {
	t.Helper()
	set, err := Load(overlayFS())
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	return set
}

func TestCheckOverride(t *testing.T) {
	set := loadOverlay(t)
	good := Override{Subject: "New {{ .FirstName }}", Markdown: "Body for {{ .Name }}.", After: "3d"}
	if err := set.CheckOverride("tips", "02-week.md", good); err != nil {
		t.Fatalf("a good override: %v", err)
	}
	if err := set.CheckOverride("nope", "02-week.md", good); !errors.Is(err, ErrNoSequence) {
		t.Errorf("unknown sequence: %v, want ErrNoSequence", err)
	}
	if err := set.CheckOverride("tips", "03-new.md", good); !errors.Is(err, ErrNoStep) {
		t.Errorf("unknown step: %v, want ErrNoStep (an override never adds a step)", err)
	}
	cases := []struct {
		name  string
		o     Override
		field string
		words string
	}{
		{"empty subject", Override{Subject: "  ", Markdown: "x", After: "0s"}, "subject", "needs a subject"},
		{"two-line subject", Override{Subject: "a\nb", Markdown: "x", After: "0s"}, "subject", "one line"},
		{"long subject", Override{Subject: strings.Repeat("a", 201), Markdown: "x", After: "0s"}, "subject", "200"},
		{"unknown variable in subject", Override{Subject: "Hi {{ .Foo }}", Markdown: "x", After: "0s"}, "subject", ".Foo"},
		{"empty body", Override{Subject: "s", Markdown: "\n ", After: "0s"}, "markdown", "needs a body"},
		{"unknown variable in body", Override{Subject: "s", Markdown: "one\ntwo {{ .Nope }}", After: "0s"}, "markdown", "line 2"},
		{"broken template", Override{Subject: "s", Markdown: "{{ if .Name }}open", After: "0s"}, "markdown", "line 1"},
		{"NUL in body", Override{Subject: "s", Markdown: "a\x00b", After: "0s"}, "markdown", "UTF-8"},
		{"missing after", Override{Subject: "s", Markdown: "x", After: ""}, "after", "needs a wait"},
		{"bad unit", Override{Subject: "s", Markdown: "x", After: "3x"}, "after", "unknown unit"},
		{"negative", Override{Subject: "s", Markdown: "x", After: "-1d"}, "after", "negative"},
	}
	for _, c := range cases {
		err := set.CheckOverride("tips", "02-week.md", c.o)
		var fp FieldProblems
		if !errors.As(err, &fp) {
			t.Errorf("%s: %v, want FieldProblems", c.name, err)
			continue
		}
		if !strings.Contains(fp[c.field], c.words) {
			t.Errorf("%s: %s = %q, want it to say %q (all: %v)", c.name, c.field, fp[c.field], c.words, fp)
		}
		if len(fp) != 1 {
			t.Errorf("%s: %v, want only %s", c.name, fp, c.field)
		}
	}
}

func TestSetOverrides(t *testing.T) {
	set := loadOverlay(t)
	before, _ := set.Get("tips")
	beforeSteps := append([]*Step(nil), before.Steps...)
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	err := set.SetOverrides(Overrides{
		"tips":  {"02-week.md": {Subject: "Changed {{ .FirstName }}", Markdown: "New body.", After: "2d", At: at}},
		"other": {"09-gone.md": {Subject: "x", Markdown: "x", After: "0s"}},
	})
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 || !strings.Contains(ps[0].String(), "other/09-gone.md (override)") {
		t.Fatalf("SetOverrides: %v, want one problem for the override of a missing step", err)
	}
	q, _ := set.Get("tips")
	st := q.Steps[1]
	if st.Name != "02-week.md" || st.Subject != "Changed {{ .FirstName }}" || st.Body != "New body." || st.After != 2*Day {
		t.Errorf("overridden step = %s %q %q %v", st.Name, st.Subject, st.Body, st.After)
	}
	if st.Window == nil || st.Window.String() != "08:00-11:00" || st.Days.String() != before.Steps[1].Days.String() {
		t.Errorf("the window and days must stay the file's: %v %v", st.Window, st.Days)
	}
	if s, err := st.RenderSubject(SampleData()); err != nil || s != "Changed Ada" {
		t.Errorf("RenderSubject = %q, %v", s, err)
	}
	if q.Steps[0] != before.Steps[0] {
		t.Error("the step not overridden should be the loaded one")
	}
	// What was handed out before does not change under its holder.
	if before.Steps[1] != beforeSteps[1] || before.Steps[1].Subject != `Tip #1` {
		t.Errorf("the sequence handed out before changed: %q", before.Steps[1].Subject)
	}
	if o, ok := set.Override("tips", "02-week.md"); !ok || o.After != "2d" || !o.At.Equal(at) {
		t.Errorf("Override = %+v, %v", o, ok)
	}
	if _, ok := set.Override("other", "09-gone.md"); ok {
		t.Error("an override left out is reported as in force")
	}
	if got := set.Overrides(); len(got) != 1 || len(got["tips"]) != 1 {
		t.Errorf("Overrides = %v", got)
	}
	// An empty overlay restores the files.
	if err := set.SetOverrides(nil); err != nil {
		t.Fatal(err)
	}
	if q, _ := set.Get("tips"); q.Steps[1] != beforeSteps[1] {
		t.Error("SetOverrides(nil) did not restore the loaded step")
	}
}

// untar reads a .tar.gz into name -> content, checking the entry kinds.
func untar(t *testing.T, b []byte) map[string]string {
	t.Helper()
	gz, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	tr := tar.NewReader(gz)
	out := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("tar: %v", err)
		}
		data, _ := io.ReadAll(tr)
		if h.Typeflag == tar.TypeDir {
			out[h.Name] = "<dir>"
			continue
		}
		out[h.Name] = string(data)
	}
	return out
}

func TestExport(t *testing.T) {
	set := loadOverlay(t)
	if err := set.SetOverrides(Overrides{"tips": {"02-week.md": {
		Subject: "{{ .FirstName }}: a new tip", Markdown: "Changed body.\n\n---\n\nStill the body.", After: "0"}}}); err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	stamp := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	if err := set.Export(&b, "tips", stamp); err != nil {
		t.Fatal(err)
	}
	files := untar(t, b.Bytes())
	for _, name := range []string{"tips/", "tips/sequence.md", "tips/01-hello.md", "tips/02-week.md", "tips/guide.md", "tips/notes.txt"} {
		if _, ok := files[name]; !ok {
			t.Errorf("the archive lacks %s (has %v)", name, keys(files))
		}
	}
	if len(files) != 6 {
		t.Errorf("the archive has %v; hidden files and subfolders stay out", keys(files))
	}
	if files["tips/01-hello.md"] != string(overlayFS()["tips/01-hello.md"].Data) {
		t.Errorf("a step not overridden must be as on disk:\n%s", files["tips/01-hello.md"])
	}
	week := files["tips/02-week.md"]
	for _, want := range []string{"subject: '{{ .FirstName }}: a new tip'", `after: "0" # a week later`, `window: "08:00-11:00"`, "---\nChanged body.\n\n---\n\nStill the body."} {
		if !strings.Contains(week, want) {
			t.Errorf("the rewritten step lacks %q:\n%s", want, week)
		}
	}
	// Unpacked, the folder loads as the sequence now sent.
	dir := t.TempDir()
	for name, text := range files {
		if text == "<dir>" {
			continue
		}
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	again, err := LoadDir(dir)
	if err != nil {
		t.Fatalf("the exported folder does not load: %v", err)
	}
	q, _ := again.Get("tips")
	now, _ := set.Get("tips")
	for i, st := range q.Steps {
		want := now.Steps[i]
		if st.Subject != want.Subject || st.Body != want.Body || st.After != want.After || windowOf(st) != windowOf(want) || st.Days != want.Days {
			t.Errorf("%s reloaded: %q %q %v %v %v, want %q %q %v %v %v", st.Name, st.Subject, st.Body, st.After, windowOf(st), st.Days,
				want.Subject, want.Body, want.After, windowOf(want), want.Days)
		}
	}
	if q.Guide == nil || q.Title != "Tips" {
		t.Errorf("guide %v, title %q", q.Guide, q.Title)
	}
	if err := set.Export(io.Discard, "nope", stamp); !errors.Is(err, ErrNoSequence) {
		t.Errorf("export of an unknown sequence: %v", err)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func windowOf(st *Step) string {
	if st.Window == nil {
		return "any time"
	}
	return st.Window.String()
}
