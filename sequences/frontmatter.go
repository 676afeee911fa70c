package sequences

import (
	"bytes"
	"errors"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// document is a file split into its front matter and its body.
type document struct {
	keys      []keyValue // front matter keys, in file order
	body      string     // everything after the closing "---" line
	bodyLine  int        // file line on which the body starts
	badYAML   bool       // the front matter did not parse (already reported)
	closeLine int        // file line of the closing "---"
}

// keyValue is one front matter entry with the file lines of key and value.
type keyValue struct {
	key       string
	keyLine   int
	value     *yaml.Node // its Line is already a file line
	valueLine int
}

var (
	errNoFrontMatter   = errors.New(`missing front matter: the file must start with a "---" line, then keys such as "subject:" and "after:", then another "---" line`)
	errUnterminated    = errors.New(`unterminated front matter: no closing "---" line`)
	yamlLineError      = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	yamlAtLine         = regexp.MustCompile(`at line \d+`)
	utf8BOM            = []byte{0xEF, 0xBB, 0xBF}
	frontMatterDivider = "---"
)

// splitDocument cuts data into front matter and body. When required is
// false a file without front matter is all body. Problems in the YAML are
// reported to p; a missing or unterminated front matter is returned as an
// error (reported on line 1) since nothing else in the file can be trusted.
func splitDocument(data []byte, required bool, p problems) (*document, error) {
	data = bytes.TrimPrefix(data, utf8BOM)
	lines := strings.SplitAfter(string(data), "\n")
	if !isDivider(lines[0]) {
		if required {
			return nil, errNoFrontMatter
		}
		return &document{body: string(data), bodyLine: 1}, nil
	}
	doc := &document{}
	for i := 1; i < len(lines); i++ {
		if isDivider(lines[i]) {
			doc.closeLine, doc.bodyLine = i+1, i+2
			doc.body = strings.Join(lines[i+1:], "")
			break
		}
	}
	if doc.closeLine == 0 {
		return nil, errUnterminated
	}
	yamlText := strings.Join(lines[1:doc.closeLine-1], "")
	doc.keys, doc.badYAML = parseFrontMatter(yamlText, p)
	return doc, nil
}

// isDivider reports whether a line is "---", ignoring trailing blanks.
func isDivider(line string) bool {
	return strings.TrimRight(line, " \t\r\n") == frontMatterDivider
}

// parseFrontMatter reads the YAML between the "---" lines (which starts on
// file line 2) into keys, reporting problems with file lines; bad is true
// when the YAML is unusable.
func parseFrontMatter(src string, p problems) (keys []keyValue, bad bool) {
	const offset = 1 // YAML line 1 is file line 2
	var root yaml.Node
	if err := yaml.Unmarshal([]byte(src), &root); err != nil {
		line, msg := 1, strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLineError.FindStringSubmatch(err.Error()); m != nil {
			n, _ := strconv.Atoi(m[1])
			line, msg = yamlErrorLine(src, n), m[2]
		}
		msg = yamlAtLine.ReplaceAllStringFunc(msg, func(s string) string {
			n, _ := strconv.Atoi(strings.TrimPrefix(s, "at line "))
			return "at line " + strconv.Itoa(n+offset)
		})
		p.add(line+offset, "front matter: %s", msg)
		return nil, true
	}
	if root.Kind == 0 || len(root.Content) == 0 {
		return nil, false // empty front matter
	}
	m := root.Content[0]
	if m.Kind == yaml.ScalarNode && m.Tag == "!!null" {
		return nil, false
	}
	if m.Kind != yaml.MappingNode {
		p.add(m.Line+offset, "front matter must be \"key: value\" lines")
		return nil, true
	}
	shiftLines(m, offset)
	seen := map[string]int{}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		if first, dup := seen[k.Value]; dup {
			p.add(k.Line, "key %q appears twice (first on line %d)", k.Value, first)
			continue
		}
		seen[k.Value] = k.Line
		keys = append(keys, keyValue{key: k.Value, keyLine: k.Line, value: v, valueLine: v.Line})
	}
	return keys, false
}

// yamlErrorLine corrects the line yaml.v3 gives for a syntax error in src:
// scanner errors count lines from 1, parser errors from 0 (and give no
// line at all for the first). If the first reported lines already fail to
// parse, the report is taken as 1-based; otherwise the error is on the next
// line.
func yamlErrorLine(src string, reported int) int {
	lines := strings.SplitAfter(src, "\n")
	if reported <= 0 || reported > len(lines) {
		return max(reported, 1)
	}
	var probe yaml.Node
	if yaml.Unmarshal([]byte(strings.Join(lines[:reported], "")), &probe) != nil {
		return reported
	}
	return reported + 1
}

// shiftLines moves every node's line from YAML lines to file lines.
func shiftLines(n *yaml.Node, by int) {
	n.Line += by
	for _, c := range n.Content {
		shiftLines(c, by)
	}
}

// scalar returns the text of a scalar value ("" for null), or false when
// the value is a list or a mapping.
func scalar(n *yaml.Node) (string, bool) {
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if n.Kind != yaml.ScalarNode {
		return "", false
	}
	if n.Tag == "!!null" {
		return "", true
	}
	return n.Value, true
}
