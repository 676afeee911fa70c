package markdown

import (
	"regexp"
	"sort"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
)

// PlainText returns markdown cleaned for reading as the plain-text part of
// a mail. Markdown reads well as it is, so little changes: inline links and
// images become "text (url)" (or just the url when the text is the url),
// autolinks lose their angle brackets, raw HTML (which the HTML part drops
// too) is removed, trailing spaces go. Code spans and
// fenced code blocks are left exactly as written, and URLs are never
// altered.
func PlainText(markdown string) string {
	markdown = strings.ReplaceAll(markdown, "\r\n", "\n")
	markdown = stripRawHTML(markdown)
	lines := strings.Split(markdown, "\n")
	var out, chunk []string
	flush := func() {
		if len(chunk) > 0 {
			out = append(out, strings.Split(convertLinks(strings.Join(chunk, "\n")), "\n")...)
			chunk = chunk[:0]
		}
	}
	fence := ""
	for _, line := range lines {
		line = strings.TrimRight(line, " \t")
		if fence != "" {
			out = append(out, line)
			if f := fenceOf(line); f != "" && f[0] == fence[0] && len(f) >= len(fence) &&
				strings.TrimSpace(strings.TrimLeft(line, " ")[len(f):]) == "" {
				fence = ""
			}
			continue
		}
		if f := fenceOf(line); f != "" {
			flush()
			fence = f
			out = append(out, line)
			continue
		}
		chunk = append(chunk, line)
	}
	flush()
	return blankRuns.ReplaceAllString(strings.Trim(strings.Join(out, "\n"), "\n"), "\n\n")
}

var blankRuns = regexp.MustCompile(`\n{3,}`)

// stripRawHTML cuts the raw HTML, inline and in blocks, out of markdown.
func stripRawHTML(markdown string) string {
	src := []byte(markdown)
	doc := plainMD.Parser().Parse(text.NewReader(src))
	var cuts []text.Segment
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.RawHTML:
			for i := 0; i < n.Segments.Len(); i++ {
				cuts = append(cuts, n.Segments.At(i))
			}
			return ast.WalkSkipChildren, nil
		case *ast.HTMLBlock:
			for i := 0; i < n.Lines().Len(); i++ {
				cuts = append(cuts, n.Lines().At(i))
			}
			if n.HasClosure() {
				cuts = append(cuts, n.ClosureLine)
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	if len(cuts) == 0 {
		return markdown
	}
	sort.Slice(cuts, func(i, j int) bool { return cuts[i].Start < cuts[j].Start })
	var b strings.Builder
	at := 0
	for _, c := range cuts {
		if c.Start < at {
			continue
		}
		b.WriteString(markdown[at:c.Start])
		at = c.Stop
	}
	b.WriteString(markdown[at:])
	return b.String()
}

// fenceOf returns the code fence ("```" or "~~~", or longer) that line opens
// or closes, or "".
func fenceOf(line string) string {
	t := strings.TrimLeft(line, " ")
	if len(line)-len(t) > 3 || len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return ""
	}
	n := 0
	for n < len(t) && t[n] == t[0] {
		n++
	}
	if n < 3 || (t[0] == '`' && strings.Contains(t[n:], "`")) {
		return ""
	}
	return t[:n]
}

// convertLinks rewrites the inline links, images and autolinks of s, a
// run of Markdown without code blocks.
func convertLinks(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '\\' && i+1 < len(s):
			b.WriteString(s[i : i+2])
			i += 2
			continue
		case c == '`':
			n := runLen(s, i, '`')
			if end := strings.Index(s[i+n:], s[i:i+n]); end >= 0 && runLen(s, i+n+end, '`') == n {
				b.WriteString(s[i : i+n+end+n])
				i += n + end + n
			} else {
				b.WriteString(s[i : i+n])
				i += n
			}
			continue
		case c == '[' || (c == '!' && i+1 < len(s) && s[i+1] == '['):
			start := i
			if c == '!' {
				start++
			}
			if label, dest, end, ok := parseInlineLink(s, start); ok {
				label = strings.TrimSpace(convertLinks(label))
				if label == "" || label == dest {
					b.WriteString(dest)
				} else {
					b.WriteString(label + " (" + dest + ")")
				}
				i = end
				continue
			}
		case c == '<':
			if end := strings.IndexByte(s[i:], '>'); end > 1 {
				inner := s[i+1 : i+end]
				if isAutolink(inner) {
					b.WriteString(inner)
					i += end + 1
					continue
				}
			}
		}
		b.WriteByte(c)
		i++
	}
	return b.String()
}

func runLen(s string, i int, c byte) int {
	n := 0
	for i+n < len(s) && s[i+n] == c {
		n++
	}
	return n
}

// parseInlineLink parses `[label](dest "title")` at s[i] == '['. It returns
// the label, the destination as written, and the index after the ')'.
func parseInlineLink(s string, i int) (label, dest string, end int, ok bool) {
	depth := 0
	j := i
	for ; j < len(s); j++ {
		switch s[j] {
		case '\\':
			j++
			continue
		case '[':
			depth++
		case ']':
			depth--
		}
		if depth == 0 {
			break
		}
	}
	if j >= len(s) || j+1 >= len(s) || s[j+1] != '(' {
		return "", "", 0, false
	}
	label = s[i+1 : j]
	k := j + 2
	for k < len(s) && (s[k] == ' ' || s[k] == '\n') {
		k++
	}
	if k < len(s) && s[k] == '<' { // <dest with spaces>
		e := strings.IndexAny(s[k:], ">\n")
		if e < 0 || s[k+e] != '>' {
			return "", "", 0, false
		}
		dest = s[k+1 : k+e]
		k += e + 1
	} else {
		ds, parens := k, 0
		for ; k < len(s); k++ {
			ch := s[k]
			if ch == '\\' && k+1 < len(s) {
				k++
				continue
			}
			if ch == ' ' || ch == '\n' || ch == '\t' {
				break
			}
			if ch == '(' {
				parens++
			}
			if ch == ')' {
				if parens == 0 {
					break
				}
				parens--
			}
		}
		dest = s[ds:k]
	}
	for k < len(s) && (s[k] == ' ' || s[k] == '\n') {
		k++
	}
	if k < len(s) && (s[k] == '"' || s[k] == '\'' || s[k] == '(') { // title: dropped
		closer := s[k]
		if closer == '(' {
			closer = ')'
		}
		e := strings.IndexByte(s[k+1:], closer)
		if e < 0 {
			return "", "", 0, false
		}
		k += e + 2
		for k < len(s) && (s[k] == ' ' || s[k] == '\n') {
			k++
		}
	}
	if k >= len(s) || s[k] != ')' {
		return "", "", 0, false
	}
	return label, dest, k + 1, true
}

// isAutolink reports whether s, found between < and >, is a Markdown
// autolink: a URL with a scheme, or an email address.
func isAutolink(s string) bool {
	if strings.ContainsAny(s, " \t\n<>") {
		return false
	}
	if c := strings.IndexByte(s, ':'); c >= 2 && c <= 32 {
		for _, r := range s[:c] {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '+' || r == '.' || r == '-') {
				return false
			}
		}
		return true
	}
	at := strings.IndexByte(s, '@')
	return at > 0 && strings.Contains(s[at:], ".")
}
