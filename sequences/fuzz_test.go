package sequences

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
)

// FuzzLoad feeds arbitrary step files (and a sequence.md) to Load: it must
// never panic, and when it refuses the folder every problem names a file
// of the folder and a line that exists in it (0 for the whole file).
func FuzzLoad(f *testing.F) {
	for _, seed := range []struct{ step, seq string }{
		{"---\nsubject: Hello {{ .FirstName }}\nafter: 0s\n---\nDear Fellow Humans,\n", ""},
		{"---\nsubject: Hi\nafter: 3d\nwindow: \"08:00-11:00\"\ndays: [mon, wed, fri]\n---\nBody {{ .DownloadURL }}\n", "---\ntitle: T\ndays: mon-fri\n---\n"},
		{"---\nsubject: [unclosed\nafter: 1w\n---\nx\n", ""},
		{"---\nsubject: a\nsubject: b\n---\n", "---\nwindow: 25:00-26:00\n---\n"},
		{"---\n- a list\n- not a map\n---\n", ""},
		{"no front matter at all", ""},
		{"---\nsubject: never closed\n", "---\n"},
		{"\xef\xbb\xbf---\r\nsubject: CRLF\r\nafter: 90m\r\n---\r\n{{ .Nope }\r\n", ""},
		{"---\nsubject: &a x\nafter: *a\ndays: {mon: 1}\nwindow: [1, 2]\n---\n", "not yaml: [\n"},
		{"---\n\tsubject: tab\n---\n", ""},
		{"---\nafter: -1s\nsubject: \"\"\n---\n", ""},
		{"---\nafter: 99999999999999999999w\nsubject: x\n---\n", ""},
	} {
		f.Add([]byte(seed.step), []byte(seed.seq))
	}
	f.Fuzz(func(t *testing.T, step, seq []byte) {
		fsys := fstest.MapFS{"letters/01-step.md": {Data: step}}
		if len(seq) > 0 {
			fsys["letters/sequence.md"] = &fstest.MapFile{Data: seq}
		}
		set, err := Load(fsys)
		if err == nil {
			if set == nil {
				t.Fatal("Load returned neither a set nor an error")
			}
			return
		}
		var ps Problems
		if !errors.As(err, &ps) {
			t.Fatalf("Load returned %T, not Problems: %v", err, err)
		}
		if set != nil || len(ps) == 0 {
			t.Fatalf("Load returned a set with problems, or empty Problems")
		}
		for _, p := range ps {
			if p.File == "" || p.Line < 0 || strings.TrimSpace(p.Msg) == "" {
				t.Fatalf("problem without file, line or message: %+v", p)
			}
			var data []byte
			switch p.File {
			case "letters/01-step.md":
				data = step
			case "letters/sequence.md":
				data = seq
			case "letters", ".":
				if p.Line != 0 {
					t.Fatalf("a folder problem with a line: %+v", p)
				}
				continue
			default:
				t.Fatalf("problem names a file that is not in the folder: %+v", p)
			}
			if lines := lineBound(data); p.Line > lines {
				t.Fatalf("problem on line %d of a %d-line file: %+v", p.Line, lines, p)
			}
		}
	})
}

// lineBound is the most lines data can be said to have: YAML also breaks
// lines at a lone CR, NEL, LS and PS, so a problem the YAML parser reports
// may count those (a lone CR puts later lines past the file's "\n" count;
// the loader does not correct for that).
func lineBound(data []byte) int {
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	return 1 + strings.Count(s, "\n") + strings.Count(s, "\r") + strings.Count(s, "\u0085") +
		strings.Count(s, "\u2028") + strings.Count(s, "\u2029")
}
