package sequences

import (
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Sequence is one drip sequence: its steps in sending order and its guide.
type Sequence struct {
	ID          string  // folder name
	Title       string  // from sequence.md front matter "title:", if any
	Description string  // from sequence.md front matter "description:", if any
	Steps       []*Step // sorted by Name
	Guide       *Guide  // nil when the folder has no guide.* file

	files []rawFile // every file of the folder as read, for Export
}

// StepAfter returns the first step whose Name sorts after last, the name of
// the step sent most recently; "" gives the first step. It reports false
// when no step is left.
func (q *Sequence) StepAfter(last string) (*Step, bool) {
	i := sort.Search(len(q.Steps), func(i int) bool { return q.Steps[i].Name > last })
	if i == len(q.Steps) {
		return nil, false
	}
	return q.Steps[i], true
}

// Index returns the position of the step with the given name, or -1.
func (q *Sequence) Index(name string) int {
	for i, st := range q.Steps {
		if st.Name == name {
			return i
		}
	}
	return -1
}

// loadSequence reads the folder id; problems are appended to list.
func loadSequence(fsys fs.FS, id string, realPath func(string) string, list *Problems) *Sequence {
	q := &Sequence{ID: id}
	folder := problems{file: realPath(id), list: list}
	if !validID.MatchString(id) {
		folder.add(0, "invalid sequence id %q: use 1 to 64 lowercase letters, digits, \"-\" or \"_\", starting with a letter or digit", id)
	}
	entries, err := fs.ReadDir(fsys, id)
	if err != nil {
		folder.add(0, "cannot read: %v", err)
		return q
	}
	var defaults schedule
	var stepNames, guides []string
	for _, e := range entries {
		name := e.Name()
		switch {
		case strings.HasPrefix(name, ".") || isDir(fsys, path.Join(id, name), e):
		case name == "sequence.md":
			defaults = loadDefaults(fsys, q, realPath, list)
		case isGuideFile(name):
			guides = append(guides, name)
		case strings.HasSuffix(name, ".md"):
			stepNames = append(stepNames, name)
		}
	}
	q.files = readFiles(fsys, id, entries)
	for _, name := range stepNames {
		p := problems{file: realPath(path.Join(id, name)), list: list}
		if st := parseStep(fsys, name, path.Join(id, name), p.file, defaults, p); st != nil {
			q.Steps = append(q.Steps, st)
		}
	}
	sort.Slice(q.Steps, func(i, j int) bool { return q.Steps[i].Name < q.Steps[j].Name })
	checkNumbers(id, stepNames, realPath, list)
	if len(stepNames) == 0 {
		folder.add(0, "sequence %q has no steps: add a file such as 01-welcome.md", id)
	}
	if len(guides) > 1 {
		folder.add(0, "more than one guide (%s): keep one guide.* file", strings.Join(guides, ", "))
	}
	if len(guides) > 0 {
		p := problems{file: realPath(path.Join(id, guides[0])), list: list}
		q.Guide = parseGuide(fsys, guides[0], path.Join(id, guides[0]), p)
	}
	return q
}

// loadDefaults reads sequence.md: title, description and schedule defaults.
func loadDefaults(fsys fs.FS, q *Sequence, realPath func(string) string, list *Problems) schedule {
	var s schedule
	fsPath := path.Join(q.ID, "sequence.md")
	p := problems{file: realPath(fsPath), list: list}
	data, err := fs.ReadFile(fsys, fsPath)
	if err != nil {
		p.add(0, "cannot read: %v", err)
		return s
	}
	doc, err := splitDocument(data, false, p)
	if err != nil {
		p.add(1, "%v", err)
		return s
	}
	for _, kv := range doc.keys {
		if s.parseKey(kv, p) {
			continue
		}
		v, ok := scalar(kv.value)
		switch {
		case kv.key != "title" && kv.key != "description":
			unknownKey(kv, sequenceKeys, p)
		case !ok:
			p.add(kv.valueLine, "%s: want one line of text", kv.key)
		case kv.key == "title":
			q.Title = strings.TrimSpace(v)
		default:
			q.Description = strings.TrimSpace(v)
		}
	}
	return s
}

// checkNumbers reports steps sharing a number ("02-a.md", "02-b.md") and
// numbers whose text order differs from their numeric order ("10-b.md"
// sorting before "9-a.md"). Names are sorted; unnumbered names are skipped.
func checkNumbers(id string, names []string, realPath func(string) string, list *Problems) {
	byNumber := map[int]string{}
	prevName, prevNum := "", -1
	for _, name := range names {
		digits := name[:len(name)-len(strings.TrimLeft(name, "0123456789"))]
		n, err := strconv.Atoi(digits)
		if digits == "" || err != nil {
			continue
		}
		p := problems{file: realPath(path.Join(id, name)), list: list}
		if first, dup := byNumber[n]; dup {
			p.add(1, "step number %s is also used by %s: give every step its own number", digits, first)
		} else {
			byNumber[n] = name
		}
		if n < prevNum {
			p.add(1, "step number %s sorts after %s in file-name order, so it would be sent later: pad numbers with zeros (e.g. %02d-)", digits, prevName, n)
		}
		prevName, prevNum = name, n
	}
}
