package sequences

import (
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"text/template"
	"time"
)

// Step is one mail of a sequence.
type Step struct {
	Name    string        // file name, e.g. "01-guide.md"; steps are sent in Name order
	Path    string        // path for messages, e.g. "guide/01-guide.md"
	Subject string        // subject template source
	After   time.Duration // wait after the previous step (after confirmation for the first)
	Window  *Window       // time of day in which the step may go out; nil for any time
	Days    Weekdays      // days on which the step may go out; 0 for every day
	Body    string        // Markdown template source, without the front matter
	// Preheader is the front matter's "preheader:", the preview line a mail
	// app shows after the subject, as written (no template); empty: none.
	Preheader string

	bodyLine    int // file line on which Body starts
	subjectLine int // file line of the subject value
	body        *template.Template
	subject     *template.Template
}

// AfterDays is After as a number of days, and whether After is a positive
// whole number of days ("3d", "1w", "1w2d", also "48h"). Such a wait is
// counted on the subscriber's calendar, so that it keeps the local time of
// day across daylight-saving changes; any other wait ("36h", "90m",
// "1.5d") is an exact duration.
func (st *Step) AfterDays() (int, bool) {
	if st.After <= 0 || st.After%Day != 0 {
		return 0, false
	}
	return int(st.After / Day), true
}

// Data holds the template variables of a step's subject and body.
type Data struct {
	FirstName      string // first word of Name; may be empty, so prefer {{ if .FirstName }}
	Name           string // as given at signup; may be empty
	Email          string
	DownloadURL    string // signed link to the sequence's guide; empty when there is none
	UnsubscribeURL string
	MeURL          string // the subscriber's own data page
}

// dataFields names the variables of Data, for messages.
const dataFields = ".FirstName, .Name, .Email, .DownloadURL, .UnsubscribeURL, .MeURL"

// SampleData is made-up data that check renders every template with.
func SampleData() Data {
	return Data{
		FirstName:      "Ada",
		Name:           "Ada Lovelace",
		Email:          "ada@example.org",
		DownloadURL:    "https://example.org/download/sample-token",
		UnsubscribeURL: "https://example.org/unsubscribe/sample-token",
		MeURL:          "https://example.org/me/sample-token",
	}
}

// Render executes the body template with d and returns the Markdown.
func (st *Step) Render(d Data) (string, error) {
	t := st.body
	if t == nil {
		var err error
		if t, err = newTemplate(st.Name, st.Body); err != nil {
			return "", fmt.Errorf("step %s: parse body: %w", st.Path, err)
		}
	}
	return execute(t, d, st.Path)
}

// RenderSubject executes the subject template with d.
func (st *Step) RenderSubject(d Data) (string, error) {
	t := st.subject
	if t == nil {
		var err error
		if t, err = newTemplate(st.Name+" subject", st.Subject); err != nil {
			return "", fmt.Errorf("step %s: parse subject: %w", st.Path, err)
		}
	}
	s, err := execute(t, d, st.Path)
	return strings.TrimSpace(s), err
}

// newTemplate parses a step template; unknown map keys are errors too.
func newTemplate(name, src string) (*template.Template, error) {
	return template.New(name).Option("missingkey=error").Parse(src)
}

// execute runs t with d.
func execute(t *template.Template, d Data, path string) (string, error) {
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", fmt.Errorf("step %s: %w", path, err)
	}
	return b.String(), nil
}

// compileSubject parses and trial-runs the subject with SampleData.
func (st *Step) compileSubject(p problems) {
	var ok bool
	if st.subject, ok = checkTemplate(st.Name+" subject", st.Subject, st.subjectLine, "subject", p); ok {
		if s, err := st.RenderSubject(SampleData()); err == nil && strings.Contains(s, "\n") {
			p.add(st.subjectLine, "subject must be a single line")
		}
	}
}

// compileBody parses and trial-runs the body with SampleData.
func (st *Step) compileBody(p problems) {
	st.body, _ = checkTemplate(st.Name, st.Body, st.bodyLine, "template", p)
}

// checkTemplate parses src and executes it with SampleData; firstLine is
// the file line of src's first line.
func checkTemplate(name, src string, firstLine int, what string, p problems) (*template.Template, bool) {
	t, err := newTemplate(name, src)
	if err == nil {
		if unknown := unknownFields(t); len(unknown) > 0 {
			for _, u := range unknown {
				p.add(firstLine+u.line-1, "%s: unknown variable {{ .%s }} (known: %s)", what, u.field, dataFields)
			}
			return nil, false
		}
		err = t.Execute(io.Discard, SampleData())
	}
	if err == nil {
		err = t.Execute(io.Discard, Data{}) // the other branch of {{ if .FirstName }}
	}
	if err == nil {
		return t, true
	}
	line, msg := templateError(name, err)
	p.add(firstLine+line-1, "%s: %s", what, msg)
	return nil, false
}

// templateErrorRest matches what follows "template: NAME:" in parse and
// execution errors: the line, maybe a column, maybe the executing context.
var templateErrorRest = regexp.MustCompile(`(?s)^(\d+)(?::\d+)?: (?:executing ".*?" at <.*?>: )?(.*)$`)

// templateError turns a text/template error into a line of the template
// (1-based) and a message a writer understands.
func templateError(name string, err error) (int, string) {
	msg := err.Error()
	m := templateErrorRest.FindStringSubmatch(strings.TrimPrefix(msg, "template: "+name+":"))
	if m == nil {
		return 1, msg
	}
	line, _ := strconv.Atoi(m[1])
	msg = m[2]
	const prefix = "can't evaluate field "
	field, typ, ok := strings.Cut(strings.TrimPrefix(msg, prefix), " in type ")
	if ok && strings.HasPrefix(msg, prefix) && typ == fmt.Sprintf("%T", Data{}) {
		return line, fmt.Sprintf("unknown variable {{ .%s }} (known: %s)", field, dataFields)
	}
	return line, msg
}
