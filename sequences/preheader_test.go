package sequences

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestStepPreheader: a step's "preheader:" is kept as written; a bad one
// is a problem on its line, and a step without one has none.
func TestStepPreheader(t *testing.T) {
	fsys := fstest.MapFS{
		"s/01-a.md": {Data: []byte("---\nsubject: Hi\nafter: 0s\npreheader: \"  A quiet word on rest  \"\n---\nbody\n")},
		"s/02-b.md": {Data: []byte(good)},
	}
	set, err := Load(fsys)
	if err != nil {
		t.Fatal(err)
	}
	seq, _ := set.Get("s")
	if got := seq.Steps[0].Preheader; got != "A quiet word on rest" {
		t.Errorf("preheader %q", got)
	}
	if got := seq.Steps[1].Preheader; got != "" {
		t.Errorf("a step without preheader: has %q", got)
	}
	for _, c := range []struct{ line, want string }{
		{"preheader: [a, b]", "s/01-a.md:4: preheader: want one line of text"},
		{"preheader: " + strings.Repeat("x", 151), "s/01-a.md:4: preheader: keep it under 150 characters"},
		{"preheader: \"Hi {{ .FirstName }}\"", "s/01-a.md:4: preheader: it is shown as written"},
	} {
		_, err := Load(fstest.MapFS{"s/01-a.md": {Data: []byte("---\nsubject: Hi\nafter: 0s\n" + c.line + "\n---\nbody\n")}})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.line, err, c.want)
		}
	}
}
