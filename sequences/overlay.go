package sequences

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Override is a step as the author changed it from the desk: its subject,
// body and wait replace the file's, while its name (and so its place in
// the sequence), window and days stay the file's. Overrides are kept
// outside the folder (in Redis) and laid over the loaded files with
// [Set.SetOverrides]; [Set.Export] writes the folder with them applied.
type Override struct {
	Subject  string    `json:"subject"`  // subject template, one line
	Markdown string    `json:"markdown"` // body template
	After    string    `json:"after"`    // the wait as written: "0s", "3d", "1w2d"
	At       time.Time `json:"at"`       // when it was made; zero when unknown
}

// Overrides are overrides by sequence id, then step name.
type Overrides map[string]map[string]Override

// Errors of [Set.CheckOverride] for a step that is not in the set: an
// override changes a step that exists, it never adds one.
var (
	ErrNoSequence = errors.New("no such sequence")
	ErrNoStep     = errors.New("no such step")
)

// FieldProblems name what is wrong with an override, by its field
// ("subject", "markdown", "after"), in words for the author.
type FieldProblems map[string]string

// Error lists the problems, sorted by field.
func (f FieldProblems) Error() string {
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + f[k]
	}
	return strings.Join(parts, "; ")
}

// Limits of an override, as for a letter.
const (
	maxSubjectRunes = 200
	maxMarkdown     = 1 << 20
)

// CheckOverride checks o as the loader checks a step file: a subject of
// one line, a wait [ParseDuration] reads, and templates that use only the
// variables of [Data] and run with [SampleData] and with empty Data. It
// returns ErrNoSequence or ErrNoStep (wrapped) when sequence id has no step
// name, FieldProblems when o is wrong, and nil when o may be laid over it.
func (s *Set) CheckOverride(id, name string, o Override) error {
	_, err := s.overridden(id, name, o)
	return err
}

// overridden returns the step name of sequence id as loaded from its file,
// with o laid over it.
func (s *Set) overridden(id, name string, o Override) (*Step, error) {
	q, ok := s.base[id]
	if !ok {
		return nil, fmt.Errorf("sequence %q: %w", id, ErrNoSequence)
	}
	i := q.Index(name)
	if i < 0 {
		return nil, fmt.Errorf("sequence %q, step %q: %w", id, name, ErrNoStep)
	}
	return applyOverride(q.Steps[i], o)
}

// applyOverride returns a copy of base with o's subject, body and wait,
// or FieldProblems.
func applyOverride(base *Step, o Override) (*Step, error) {
	st := *base
	st.Subject, st.Body = strings.TrimSpace(o.Subject), o.Markdown
	st.subject, st.body, st.subjectLine, st.bodyLine = nil, nil, 1, 1
	bad := FieldProblems{}
	switch {
	case st.Subject == "":
		bad["subject"] = "A step needs a subject."
	case utf8.RuneCountInString(st.Subject) > maxSubjectRunes:
		bad["subject"] = fmt.Sprintf("Keep the subject under %d characters.", maxSubjectRunes)
	case strings.ContainsAny(st.Subject, "\r\n\x00"):
		bad["subject"] = "The subject must be one line."
	default:
		var list Problems
		st.compileSubject(problems{list: &list})
		if len(list) > 0 {
			bad["subject"] = list[0].Msg
		}
	}
	switch {
	case strings.TrimSpace(st.Body) == "":
		bad["markdown"] = "A step needs a body."
	case len(st.Body) > maxMarkdown:
		bad["markdown"] = "The body is over 1 MiB."
	case !utf8.ValidString(st.Body) || strings.ContainsRune(st.Body, 0):
		bad["markdown"] = "The body is not plain UTF-8 text."
	default:
		var list Problems
		st.compileBody(problems{list: &list})
		if len(list) > 0 {
			bad["markdown"] = fmt.Sprintf("line %d: %s", max(list[0].Line, 1), list[0].Msg)
		}
	}
	after, err := ParseDuration(strings.TrimSpace(o.After))
	switch {
	case strings.TrimSpace(o.After) == "":
		bad["after"] = `A step needs a wait after the previous one, e.g. "0s", "3d" or "1w".`
	case err != nil:
		bad["after"] = err.Error()
	}
	st.After = after
	if len(bad) > 0 {
		return nil, bad
	}
	return &st, nil
}

// SetOverrides lays ovs over the steps as loaded, in place of the overlay
// before it; every process holding the Set sends the new steps from then
// on. An override that names no loaded step, or that does not check (a
// file changed under it), is left out and reported in the Problems
// returned, one per override, naming it as "<id>/<step> (override)"; the
// rest apply all the same.
func (s *Set) SetOverrides(ovs Overrides) error {
	var list Problems
	byID := make(map[string]*Sequence, len(s.base))
	kept := Overrides{}
	for id, q := range s.base {
		byID[id] = q
	}
	for id, steps := range ovs {
		for name, o := range steps {
			st, err := s.overridden(id, name, o)
			if err != nil {
				list = append(list, Problem{File: id + "/" + name + " (override)", Msg: overrideMsg(err)})
				continue
			}
			if kept[id] == nil {
				kept[id] = map[string]Override{}
				cp := *byID[id]
				cp.Steps = append([]*Step(nil), cp.Steps...)
				byID[id] = &cp
			}
			kept[id][name] = o
			q := byID[id]
			q.Steps[q.Index(name)] = st
		}
	}
	s.mu.Lock()
	s.byID, s.overrides = byID, kept
	s.mu.Unlock()
	if len(list) > 0 {
		list.sort()
		return list
	}
	return nil
}

// overrideMsg words why an override was left out.
func overrideMsg(err error) string {
	var fp FieldProblems
	switch {
	case errors.Is(err, ErrNoSequence):
		return "the sequence is no longer in the folder; the change from the desk is not used"
	case errors.Is(err, ErrNoStep):
		return "the step is no longer in the folder; the change from the desk is not used"
	case errors.As(err, &fp):
		return "the change from the desk is not used: " + fp.Error()
	}
	return err.Error()
}

// Overrides returns the overlay in force, a copy.
func (s *Set) Overrides() Overrides {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make(Overrides, len(s.overrides))
	for id, steps := range s.overrides {
		out[id] = make(map[string]Override, len(steps))
		for name, o := range steps {
			out[id][name] = o
		}
	}
	return out
}

// Override returns the override in force for step name of sequence id.
func (s *Set) Override(id, name string) (Override, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	o, ok := s.overrides[id][name]
	return o, ok
}
