// Package sequences reads drip sequences from disk: the welcome mails, the
// weekly tips and the lead magnet (the guide) that a new subscriber receives
// after confirming.
//
// # Layout
//
// Every subfolder of the sequences folder is one sequence; its name is the
// sequence id and must match ^[a-z0-9][a-z0-9_-]{0,63}$. Folders and files
// whose names start with "." are ignored, as are subfolders of a sequence.
// Inside a sequence folder:
//
//   - each *.md file, except sequence.md and guide.md, is one step, sent in
//     file-name order. Steps are meant to be numbered ("01-guide.md",
//     "02-preparing.md"); two steps with the same number, or numbers that
//     sort differently as text than as numbers ("9-a.md", "10-b.md"), are
//     problems.
//   - sequence.md (optional) holds defaults for every step in its front
//     matter: window, days, and a title and description for the sequence.
//   - guide.md or any other guide.* file (optional) is the lead magnet.
//     guide.md is Markdown, rendered as a page by the web side; its title
//     comes from a "title:" key in its front matter or its first "# " heading.
//     Any other guide.* file is served as is, its content type taken from
//     its extension.
//
// # Steps
//
// A step starts with YAML front matter between two "---" lines, followed by
// the body: Markdown that is also a text/template over [Data]:
//
//	---
//	subject: Your preparation and integration guide
//	after: 0s
//	window: "08:00-11:00"
//	days: mon-fri
//	---
//	Dear Fellow Humans,
//	{{ if .FirstName }}{{ .FirstName }}, here{{ else }}Here{{ end }} is your guide: {{ .DownloadURL }}
//
// Keys:
//
//   - subject (required): the mail subject, one line, may use template
//     variables too.
//   - after (required): how long to wait after the previous step was sent
//     (after confirmation for the first step). See [ParseDuration]: "0s",
//     "90m", "3d", "1w", "1w2d". It is required rather than defaulting to
//     0s so that a forgotten key cannot send a whole sequence at once.
//   - window (optional): "HH:MM-HH:MM", the time of day, in the subscriber's
//     time zone, in which the step may go out. "none" (or an empty value)
//     removes a window set in sequence.md.
//   - days (optional): the weekdays on which the step may go out: "mon-fri",
//     "mon,wed,fri", [mon, wed, fri], "weekdays", "weekends"; "every day"
//     (or an empty value) removes a default from sequence.md.
//
// Any other key is a problem.
//
// # Problems
//
// [Load] and [LoadDir] check everything they read and report every problem
// they find, not just the first, as [Problems]: one "file:line: message"
// per problem (just "file: message" when the problem belongs to a whole
// folder). Templates are parsed, every variable they use in any branch is
// checked against [Data], and they are executed with [SampleData] and with
// empty Data, so an unknown variable such as {{ .Foo }} is caught, with its
// line, before a subscriber sees it.
package sequences
