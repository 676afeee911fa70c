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

// ConfirmLettersMarkdown is the double opt-in mail for a signup whose
// sequence has no guide (or that joins none): it promises letters, not a
// guide. Same variables as ConfirmMarkdown.
//
//go:embed mail/confirm_letters.md
var ConfirmLettersMarkdown string

// ConfirmLettersSubject is the subject of ConfirmLettersMarkdown.
const ConfirmLettersSubject = "Please confirm your subscription to my letters"
