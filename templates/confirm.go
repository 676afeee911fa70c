package templates

import (
	_ "embed"
)

// ConfirmMarkdown is the body of the double opt-in mail, a text/template
// over Markdown with {{ .FirstName }} and {{ .ConfirmURL }}.
//
//go:embed mail/confirm.md
var ConfirmMarkdown string

// ConfirmSubject is the subject of the double opt-in mail.
const ConfirmSubject = "Please confirm: your preparation and integration guide"
