// Package templates holds the HTML pages and the mail layouts of the
// service, embedded into the binary, together with the data each of them
// expects (see data.go).
//
// Pages are html/template files under pages/: every page is parsed once, at
// init, together with the shared layout pages/base.html. The mail layout is
// mail/letter.html (html/template) for the HTML part and mail/letter.txt
// (text/template) for the plain-text part.
//
// The pages load nothing from third parties: no fonts, no scripts, no
// images from elsewhere. Styles are inline in the layout, and the only
// inline script is one short line on the landing page (see ScriptHash);
// the author's desk loads one script of its own, static/desk.js.
package templates

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"sort"
	"strings"
	ttemplate "text/template"
	"time"
)

//go:embed pages/*.html pages/parts/*.html mail/letter.html mail/letter.txt static/*
var files embed.FS

// tzScript fills the hidden "tz" field of the signup form with the reader's
// IANA time zone, so that drip steps arrive at a humane hour. It is the only
// script on any page.
const tzScript = `try{document.getElementById("tz").value=Intl.DateTimeFormat().resolvedOptions().timeZone}catch(e){}`

var (
	pages    map[string]*template.Template
	mailHTML *template.Template
	mailText *ttemplate.Template
)

func init() {
	var err error
	if pages, err = parsePages(); err != nil {
		panic(err)
	}
	mailHTML = template.Must(template.New("letter.html").Funcs(funcs).ParseFS(files, "mail/letter.html"))
	mailText = ttemplate.Must(ttemplate.New("letter.txt").Funcs(ttemplate.FuncMap{
		"date":     formatDate,
		"datetime": formatDateTime,
	}).ParseFS(files, "mail/letter.txt"))
}

var funcs = template.FuncMap{
	"date":      formatDate,
	"datetime":  formatDateTime,
	"isodate":   isoDate,
	"errorList": errorList,
	"tzScript":  func() template.JS { return template.JS(tzScript) },
	// mailStyle gives the HTML body of a mail its inline styles.
	"mailStyle": func(h template.HTML) template.HTML { return template.HTML(inlineStyles(string(h))) },
	// msoOpen and msoClose wrap the mail column in a fixed-width table
	// for Outlook on Windows, which ignores max-width. They are functions
	// because html/template drops comments written in a template.
	"msoOpen": func() template.HTML {
		return `<!--[if mso]><table role="presentation" width="600" align="center" cellpadding="0" cellspacing="0" border="0"><tr><td><![endif]-->`
	},
	"msoClose": func() template.HTML { return `<!--[if mso]></td></tr></table><![endif]-->` },
}

func parsePages() (map[string]*template.Template, error) {
	names, err := fs.Glob(files, "pages/*.html")
	if err != nil {
		return nil, err
	}
	base := template.Must(template.New("base.html").Funcs(funcs).ParseFS(files, "pages/base.html"))
	out := make(map[string]*template.Template, len(names))
	for _, path := range names {
		name := strings.TrimSuffix(strings.TrimPrefix(path, "pages/"), ".html")
		if name == "base" {
			continue
		}
		// A page may be cut into parts: pages/parts/<page>_*.html hold
		// some of its {{define}} blocks, so that each stays short.
		patterns := []string{path}
		if parts, _ := fs.Glob(files, "pages/parts/"+name+"_*.html"); len(parts) > 0 {
			patterns = append(patterns, "pages/parts/"+name+"_*.html")
		}
		t, err := template.Must(base.Clone()).ParseFS(files, patterns...)
		if err != nil {
			return nil, fmt.Errorf("templates: %s: %w", path, err)
		}
		out[name] = t
	}
	return out, nil
}

// Page renders the page called name ("landing" or "landing.html") with
// data, which must be the matching struct from data.go (Landing for
// "landing", Me for "me", …). Nothing is written to w when rendering fails;
// an unknown name is an error.
func Page(w io.Writer, name string, data any) error {
	t, ok := pages[strings.TrimSuffix(name, ".html")]
	if !ok {
		return fmt.Errorf("templates: unknown page %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", data); err != nil {
		return fmt.Errorf("templates: page %s: %w", name, err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// PageNames lists the pages Page knows, sorted.
func PageNames() []string {
	names := make([]string, 0, len(pages))
	for n := range pages {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// MailHTML renders the complete HTML part of a mail ("<!doctype html>…")
// with m: a single column at most 600px wide, styled inline, the subscriber
// footer only when m.UnsubscribeURL is set. m.HTML gets inline styles for
// its paragraphs, headings, links and lists on the way.
func MailHTML(w io.Writer, m Mail) error {
	var buf bytes.Buffer
	if err := mailHTML.Execute(&buf, m); err != nil {
		return fmt.Errorf("templates: mail html: %w", err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// MailText renders the plain-text part of a mail with m: m.Text, then the
// same footer as the HTML part with every URL written out.
func MailText(w io.Writer, m Mail) error {
	var buf bytes.Buffer
	if err := mailText.Execute(&buf, m); err != nil {
		return fmt.Errorf("templates: mail text: %w", err)
	}
	_, err := buf.WriteTo(w)
	return err
}

// Static returns an embedded static file by name, such as "favicon.svg"
// (linked from every page as /favicon.svg), and whether it exists.
func Static(name string) ([]byte, bool) {
	if name == "" || strings.Contains(name, "/") || strings.Contains(name, "..") {
		return nil, false
	}
	b, err := files.ReadFile("static/" + name)
	if err != nil {
		return nil, false
	}
	return b, true
}

// ScriptHash is the CSP source for the one inline script (on the landing
// page), e.g. "'sha256-…'", for a policy such as
//
//	default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self';
//	script-src 'sha256-…'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'
//
// Without it a strict policy blocks the script, and the form still works:
// the server then uses its default time zone.
func ScriptHash() string {
	sum := sha256.Sum256([]byte(tzScript))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// fieldError is one entry of the error summary.
// Anchor is the id the summary links to: the field, or the form itself
// for errors without a field of their own (such as "sequence").
type fieldError struct{ Field, Message, Anchor string }

// formOrder is the order of the signup form's fields.
var formOrder = map[string]int{"email": 1, "name": 2, "consent": 3}

// errorList orders a form's errors as its fields appear, others after.
func errorList(errs map[string]string) []fieldError {
	out := make([]fieldError, 0, len(errs))
	for f, m := range errs {
		anchor := f
		if formOrder[f] == 0 {
			anchor = "signup"
		}
		out = append(out, fieldError{f, m, anchor})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := formOrder[out[i].Field], formOrder[out[j].Field]
		if a == 0 {
			a = 99
		}
		if b == 0 {
			b = 99
		}
		if a != b {
			return a < b
		}
		return out[i].Field < out[j].Field
	})
	return out
}

// formatDate writes t as "2 January 2006", or "—" for the zero time.
func formatDate(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("2 January 2006")
}

// formatDateTime writes t as "2 January 2006, 15:04 MST", or "—" for the
// zero time.
func formatDateTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("2 January 2006, 15:04 MST")
}

// isoDate writes t for a <time datetime> attribute.
func isoDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339)
}
