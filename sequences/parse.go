package sequences

import (
	"fmt"
	"io/fs"
	"strings"
	"unicode/utf8"
)

// Known front matter keys, per kind of file.
var (
	stepKeys     = []string{"subject", "after", "window", "days", "preheader"}
	sequenceKeys = []string{"title", "description", "window", "days"}
	guideKeys    = []string{"title", "description"}
)

// schedule is a window and a day set, each either set or inherited.
type schedule struct {
	window    *Window
	hasWindow bool
	days      Weekdays
	hasDays   bool
}

// parseKey reads a "window" or "days" entry; it reports false for other keys.
func (s *schedule) parseKey(kv keyValue, p problems) bool {
	switch kv.key {
	case "window":
		s.hasWindow = true
		v, ok := scalar(kv.value)
		if !ok {
			p.add(kv.valueLine, `window: want one range such as "08:00-11:00"`)
			return true
		}
		if v = strings.TrimSpace(v); v == "" || strings.EqualFold(v, "none") || strings.EqualFold(v, "any") {
			return true
		}
		w, err := ParseWindow(v)
		if err != nil {
			p.add(kv.valueLine, "window: %v", err)
			return true
		}
		s.window = &w
	case "days":
		s.hasDays = true
		days, err := parseDaysNode(kv, p)
		if err == nil {
			s.days = days
		}
	default:
		return false
	}
	return true
}

// parseDaysNode reads "days: mon-fri" or "days: [mon, wed, fri]",
// reporting a bad day on the line of the item that holds it.
func parseDaysNode(kv keyValue, p problems) (Weekdays, error) {
	if v, ok := scalar(kv.value); ok {
		d, err := ParseDays(v)
		if err != nil {
			p.add(kv.valueLine, "days: %v", err)
		}
		return d, err
	}
	var all []string
	var bad error
	for _, item := range kv.value.Content {
		v, ok := scalar(item)
		if !ok {
			p.add(item.Line, "days: want a list of days such as [mon, wed, fri]")
			bad = fmt.Errorf("bad days")
			continue
		}
		if _, err := ParseDays(v); err != nil {
			p.add(item.Line, "days: %v", err)
			bad = err
			continue
		}
		all = append(all, v)
	}
	if bad != nil {
		return 0, bad
	}
	return ParseDays(all...)
}

// parseStep reads one step file. It returns nil when the file cannot be
// read or has no usable front matter; problems go to p.
func parseStep(fsys fs.FS, name, fsPath, path string, defaults schedule, p problems) *Step {
	data, err := fs.ReadFile(fsys, fsPath)
	if err != nil {
		p.add(0, "cannot read: %v", err)
		return nil
	}
	doc, err := splitDocument(data, true, p)
	if err != nil {
		p.add(1, "%v", err)
		return nil
	}
	st := &Step{Name: name, Path: path, Body: doc.body, bodyLine: doc.bodyLine}
	sched, hasSubject, hasAfter := st.readKeys(doc.keys, p)
	if !hasSubject && !doc.badYAML {
		p.add(1, `missing "subject:" in the front matter`)
	}
	if !hasAfter && !doc.badYAML {
		p.add(1, `missing "after:" in the front matter (e.g. "after: 1w"; "after: 0s" sends at once)`)
	}
	st.Window, st.Days = defaults.window, defaults.days
	if sched.hasWindow {
		st.Window = sched.window
	}
	if sched.hasDays {
		st.Days = sched.days
	}
	if st.Subject != "" {
		st.compileSubject(p)
	}
	if strings.TrimSpace(doc.body) == "" {
		p.add(doc.closeLine, "the mail has no body after the front matter")
		return st
	}
	st.compileBody(p)
	return st
}

// readKeys applies the front matter keys to st and returns the step's own
// schedule and whether subject and after were given.
func (st *Step) readKeys(keys []keyValue, p problems) (sched schedule, hasSubject, hasAfter bool) {
	for _, kv := range keys {
		switch kv.key {
		case "subject":
			hasSubject = true
			st.subjectLine = kv.valueLine
			v, ok := scalar(kv.value)
			if !ok {
				p.add(kv.valueLine, "subject: want one line of text")
			} else if st.Subject = strings.TrimSpace(v); st.Subject == "" {
				p.add(kv.valueLine, "subject is empty")
			}
		case "preheader":
			v, ok := scalar(kv.value)
			switch v = strings.TrimSpace(v); {
			case !ok || strings.ContainsAny(v, "\r\n"):
				p.add(kv.valueLine, "preheader: want one line of text")
			case utf8.RuneCountInString(v) > 150:
				p.add(kv.valueLine, "preheader: keep it under 150 characters (mail apps show 40 to 140)")
			case strings.Contains(v, "{{"):
				p.add(kv.valueLine, "preheader: it is shown as written, so it cannot use {{ … }}")
			default:
				st.Preheader = v
			}
		case "after":
			hasAfter = true
			v, ok := scalar(kv.value)
			if !ok {
				p.add(kv.valueLine, `after: want a duration such as "0s", "3d" or "1w"`)
				continue
			}
			d, err := ParseDuration(strings.TrimSpace(v))
			if err != nil {
				p.add(kv.valueLine, "after: %v", err)
			}
			st.After = d
		default:
			if !sched.parseKey(kv, p) {
				unknownKey(kv, stepKeys, p)
			}
		}
	}
	return sched, hasSubject, hasAfter
}

// unknownKey reports a key that is not in known, suggesting a near miss.
func unknownKey(kv keyValue, known []string, p problems) {
	for _, k := range known {
		if editDistance(strings.ToLower(kv.key), k) <= 2 {
			p.add(kv.keyLine, "unknown key %q: did you mean %q?", kv.key, k)
			return
		}
	}
	p.add(kv.keyLine, "unknown key %q (known keys: %s)", kv.key, strings.Join(known, ", "))
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
