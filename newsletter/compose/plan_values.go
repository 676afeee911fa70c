package compose

import (
	"bytes"
	htmltemplate "html/template"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The values a plan may cut at: which names, addresses and links pass
// through every stage of rendering unchanged (admits), and how a value is
// escaped where the plan puts it.

// admits is the guard of names and addresses: values that every stage of
// rendering passes through unchanged and without effect on what surrounds
// them.
func admits(k slotKind, v string) bool {
	switch k {
	case kindWord:
		return admitsWord(v)
	case kindEmail:
		local, domain, ok := strings.Cut(v, "@")
		return ok && len(local) <= 40 && len(v) <= 120 && inner(local, "._-", false) && inner(domain, ".-", false) &&
			strings.Contains(domain, ".")
	}
	return false
}

// admitsURL is the guard of links: ours are base, a path and a token
// (base64url and dots). Narrow: the separators stand alone between
// letters and digits, so that neither emphasis nor the typographer can
// take hold of them even in running text. Wide (for shapes that passed
// the wild markers): any mix, but not "..", and not ending where linkify
// would cut the link short.
func admitsURL(v, base string, wide bool) bool {
	rest, ok := strings.CutPrefix(v, base+"/")
	if !ok || len(rest) > 400 {
		return false
	}
	if inner(rest, "._-/", false) {
		return true
	}
	if !wide || rest == "" || strings.Contains(rest, "..") || !isAlnum(rest[0]) || strings.ContainsAny(rest[len(rest)-1:], "._/") {
		return false
	}
	for i := 0; i < len(rest); i++ {
		if c := rest[i]; !isAlnum(c) && c != '.' && c != '_' && c != '-' && c != '/' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// admitsWord: letters and digits, with single inner spaces, dots and
// hyphens between them; starting with a letter; not like "www.".
func admitsWord(v string) bool {
	r, _ := utf8.DecodeRuneInString(v)
	return unicode.IsLetter(r) && !strings.HasPrefix(strings.ToLower(v), "www.") && len(v) <= 200 && inner(v, " .-", true)
}

// inner reports whether s is letters and digits (ASCII only unless
// unicodeOK) with the separators in seps standing alone between them.
func inner(s, seps string, unicodeOK bool) bool {
	if s == "" {
		return false
	}
	prevSep := true // no separator first
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'):
			prevSep = false
		case unicodeOK && r >= utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			prevSep = false
		case r < utf8.RuneSelf && strings.ContainsRune(seps, r):
			if prevSep {
				return false
			}
			prevSep = true
		default:
			return false
		}
	}
	return !prevSep
}

// The layout's contexts of the subject (<title>) and preheader (text in
// a <div>), escaped by html/template itself.
var (
	titleEscaper = htmltemplate.Must(htmltemplate.New("title").Parse(`<title>{{.}}</title>`))
	textEscaper  = htmltemplate.Must(htmltemplate.New("text").Parse(`<div>{{.}}</div>`))
)

// htmlSpecial are the characters html/template changes in text and in a
// <title>; a string without them comes through as it is.
const htmlSpecial = "\x00\"&'+<>"

func escapeTitle(s string) string { return escapeIn(titleEscaper, s, "<title>", "</title>") }

func escapeText(s string) string { return escapeIn(textEscaper, s, "<div>", "</div>") }

func escapeIn(t *htmltemplate.Template, s, open, close string) string {
	if !strings.ContainsAny(s, htmlSpecial) {
		return s // what html/template would give; TestEscapeShortcut checks it
	}
	var b bytes.Buffer
	if err := t.Execute(&b, s); err != nil {
		return "\x00" // never matches: the shape check fails
	}
	return strings.TrimSuffix(strings.TrimPrefix(b.String(), open), close)
}
