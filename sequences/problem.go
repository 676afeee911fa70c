package sequences

import (
	"fmt"
	"sort"
	"strings"
)

// Problem is one thing wrong in a sequences folder.
type Problem struct {
	File string // path of the file or folder, as given to Load or LoadDir
	Line int    // 1-based line in File; 0 when the problem belongs to the whole file or folder
	Msg  string
}

// String formats the problem as "file:line: message", or "file: message"
// when it has no line.
func (p Problem) String() string {
	if p.Line <= 0 {
		return fmt.Sprintf("%s: %s", p.File, p.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", p.File, p.Line, p.Msg)
}

// Problems is every problem found while loading; it is the error returned by
// Load and LoadDir when a sequence is broken.
type Problems []Problem

// Error lists the problems, one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// sort orders the problems by file, then line, keeping the order of
// problems on the same line.
func (ps Problems) sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Line < ps[j].Line
	})
}

// problems collects the problems of one file.
type problems struct {
	file string
	list *Problems
}

// add records a problem at line (0 for the whole file).
func (p problems) add(line int, format string, args ...any) {
	*p.list = append(*p.list, Problem{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}
