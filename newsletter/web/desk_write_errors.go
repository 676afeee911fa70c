package web

import (
	"regexp"
	"strings"
)

// Template mistakes in plain words. The composer reports a letter whose
// template does not render as "The body's template does not render:
// parse letter: template: letter:3: unclosed action"; the desk says
// "There is a mistake on line 3: a {{ is not closed with }}." instead.

// templatePrefix starts the composer's message for a body whose template
// does not render (compose.withTemplate).
const templatePrefix = "The body's template does not render: "

// templateLine finds the line (and column) in a Go template error.
var templateLine = regexp.MustCompile(`template: [^:]*:(\d+)(?::\d+)?: (.*)$`)

// goInner is what Go's message says of the template's inside: which
// template and action, which function.
var goInner = regexp.MustCompile(`^executing "[^"]*" at <[^>]*>: |error calling \w+: `)

// templateWords are the Go template messages she may meet, in words. Each
// pattern is matched against the message after the line number; ${1} is
// the name it caught.
var templateWords = []struct {
	re   *regexp.Regexp
	says string
}{
	{regexp.MustCompile(`can't evaluate field (\w+) in type sequences\.Data`),
		"there is no {{ .${1} }}. A letter knows {{ .FirstName }}, {{ .Name }}, {{ .Email }}, {{ .DownloadURL }}, {{ .UnsubscribeURL }} and {{ .MeURL }}."},
	{regexp.MustCompile(`can't evaluate field (\w+) in type`),
		"“.${1}” cannot follow there: a name or an address has no parts to pick."},
	{regexp.MustCompile(`unclosed action`), "a {{ is not closed with }}."},
	{regexp.MustCompile(`unterminated quoted string`), "a quotation mark is opened but not closed, as in \"friend."},
	{regexp.MustCompile(`unterminated raw quoted string`), "a back-quote ` is opened but not closed."},
	{regexp.MustCompile(`function "([^"]+)" not defined`),
		"“${1}” is not something a letter knows. For a word, put it in quotes (\"${1}\"); for the reader's name, write .FirstName with its dot."},
	{regexp.MustCompile(`unexpected EOF`), "an {{ if … }} or {{ range … }} is never closed with {{ end }}."},
	{regexp.MustCompile(`unexpected \{\{end\}\}`), "there is an {{ end }} without an {{ if … }} before it."},
	{regexp.MustCompile(`unexpected \{\{else\}\}`), "there is an {{ else }} without an {{ if … }} before it."},
	{regexp.MustCompile(`missing value for command|empty command`), "there is an empty {{ }}."},
	{regexp.MustCompile(`template "([^"]+)" not defined`), "a letter cannot include another template (“${1}”)."},
	{regexp.MustCompile(`wrong number of args for (\w+)`), "{{ ${1} … }} has too many or too few words after it."},
}

// plainTemplate rewrites a composer's template error in plain words: ""
// when msg is not one.
func plainTemplate(msg string) string {
	rest, ok := strings.CutPrefix(msg, templatePrefix)
	if !ok {
		return ""
	}
	m := templateLine.FindStringSubmatch(rest)
	if m == nil {
		return "The letter's {{ … }} parts do not work as written: " + rest
	}
	says := ""
	for _, w := range templateWords {
		if sm := w.re.FindStringSubmatchIndex(m[2]); sm != nil {
			says = string(w.re.ExpandString(nil, w.says, m[2], sm))
			break
		}
	}
	if says == "" {
		// Go's own words, without the template's inner names.
		says = "this {{ … }} does not work: " + goInner.ReplaceAllString(m[2], "") + "."
	}
	return "There is a mistake on line " + m[1] + ": " + says
}

// plainErrors puts a template error among the form's errors in plain
// words.
func plainErrors(errs map[string]string) {
	if msg, ok := errs["markdown"]; ok {
		if p := plainTemplate(msg); p != "" {
			errs["markdown"] = p
		}
	}
}
