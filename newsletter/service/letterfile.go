package service

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/satina/newsletter/newsletter"
	"go.yaml.in/yaml/v3"
)

// FileError is a problem at a line of a file the author wrote.
type FileError struct {
	Line int // 1-based; 0 when the problem is the whole file
	Msg  string
}

func (e *FileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

// ParseLetterFile reads a letter written as a Markdown file with front
// matter, as `newsletter letter schedule` and `preview` take it:
//
//	---
//	subject: A letter about rest       # required
//	preheader: A quiet word on rest    # optional: the preview line after the subject
//	archive: false                     # optional: keep it off /letters and the feed (default true)
//	skip_in_sequence: true             # optional: leave out subscribers still in a drip sequence
//	---
//	Dear {{ .FirstName }}, ...
//
// The draft's SendAt is left zero. Problems are *FileError with the line.
// The draft is not validated; LetterDraft.Validate does that.
func ParseLetterFile(data []byte) (newsletter.LetterDraft, error) {
	data = bytes.TrimPrefix(data, []byte("\xEF\xBB\xBF"))
	lines := strings.SplitAfter(string(data), "\n")
	divider := func(l string) bool { return strings.TrimRight(l, " \t\r\n") == "---" }
	if !divider(lines[0]) {
		return newsletter.LetterDraft{}, &FileError{Line: 1, Msg: `missing front matter: start the file with a "---" line, then "subject: ...", then another "---" line`}
	}
	end := 0
	for i := 1; i < len(lines); i++ {
		if divider(lines[i]) {
			end = i
			break
		}
	}
	if end == 0 {
		return newsletter.LetterDraft{}, &FileError{Line: 1, Msg: `unterminated front matter: no closing "---" line`}
	}
	d := newsletter.LetterDraft{Markdown: strings.Join(lines[end+1:], "")}
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(strings.Join(lines[1:end], "")), &root); err != nil {
		return d, &FileError{Line: 2, Msg: "front matter: " + strings.TrimPrefix(err.Error(), "yaml: ")}
	}
	hasSubject := false
	if len(root.Content) > 0 {
		m := root.Content[0]
		if m.Kind != yaml.MappingNode {
			return d, &FileError{Line: m.Line + 1, Msg: `front matter must be "key: value" lines`}
		}
		for i := 0; i+1 < len(m.Content); i += 2 {
			k, v := m.Content[i], m.Content[i+1]
			line := v.Line + 1 // the YAML starts on file line 2
			switch k.Value {
			case "subject":
				if v.Kind != yaml.ScalarNode || strings.ContainsAny(strings.TrimSpace(v.Value), "\r\n") {
					return d, &FileError{Line: line, Msg: "subject: give one line of text"}
				}
				d.Subject, hasSubject = strings.TrimSpace(v.Value), true
			case "preheader":
				if v.Kind != yaml.ScalarNode || strings.ContainsAny(strings.TrimSpace(v.Value), "\r\n") {
					return d, &FileError{Line: line, Msg: "preheader: give one line of text"}
				}
				d.Preheader = strings.TrimSpace(v.Value)
			case "archive":
				var archive bool
				if err := v.Decode(&archive); err != nil || v.Kind != yaml.ScalarNode {
					return d, &FileError{Line: line, Msg: "archive: use true (on /letters and the feed) or false (kept off them)"}
				}
				d.Unlisted = !archive
			case "skip_in_sequence":
				if err := v.Decode(&d.SkipInSequence); err != nil || v.Kind != yaml.ScalarNode {
					return d, &FileError{Line: line, Msg: "skip_in_sequence: use true or false"}
				}
			default:
				return d, &FileError{Line: k.Line + 1, Msg: fmt.Sprintf("unknown key %q (a letter takes subject, preheader, archive and skip_in_sequence)", k.Value)}
			}
		}
	}
	if !hasSubject || d.Subject == "" {
		return d, &FileError{Line: 2, Msg: `the front matter needs a subject, e.g. "subject: A letter about rest"`}
	}
	return d, nil
}
