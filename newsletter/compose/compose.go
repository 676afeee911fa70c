package compose

import (
	"fmt"
	"strings"
	"text/template"
	"unicode"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/markdown"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

// Composer turns a step, a letter or a confirmation into a Message in the
// letter layout, with the footer and list headers every mail to a
// confirmed subscriber carries.
type Composer struct {
	Links         *Links
	PostalAddress string
	CrisisLine    string
	// SubjectPrefix is put before every subject, e.g. "[Letters] ", for
	// readers who want a neutral lock-screen preview.
	SubjectPrefix string
	// Sequences, when set, tells the confirmation mail whether the
	// subscriber's sequence has a guide to promise; without it every
	// confirmation speaks of the guide.
	Sequences *sequences.Set
	// Deliverability adds List-Id, Reply-To, Feedback-ID, the VERP
	// envelope sender and the List-Unsubscribe mailto (headers.go).
	Deliverability Deliverability

	plans planCache // renderings cut at the values, reused across recipients (plan.go)
}

// Confirm is the double opt-in mail. It goes to an unconfirmed address, so
// it carries no subscriber footer and no list headers.
func (c *Composer) Confirm(sub *newsletter.Subscriber) (*newsletter.Message, error) {
	data := struct{ FirstName, ConfirmURL string }{PlainName(sub.FirstName()), c.Links.Confirm(sub.ID)}
	key, src, subject := "confirm", templates.ConfirmMarkdown, templates.ConfirmSubject
	if !c.promisesGuide(sub) {
		key, src, subject = "confirm-letters", templates.ConfirmLettersMarkdown, templates.ConfirmLettersSubject
	}
	if m, ok := c.planned(plannedMail{key: key, name: key, src: src, data: data, sub: sub, subject: subject}); ok {
		return m, nil
	}
	md, err := execute(key, src, data)
	if err != nil {
		return nil, err
	}
	return c.message(sub, subject, md, templates.Mail{}, false)
}

// promisesGuide reports whether sub's confirmation mail should speak of a
// guide: its sequence has one (or the sequences are not known).
func (c *Composer) promisesGuide(sub *newsletter.Subscriber) bool {
	if c.Sequences == nil {
		return true
	}
	seq, ok := c.Sequences.Get(sub.Sequence)
	return ok && seq.Guide != nil
}

// Data is what a step or letter template can use for sub. The names are
// PlainName's: what the subscriber typed enters the Markdown only when it
// is plain text.
func (c *Composer) Data(sub *newsletter.Subscriber) sequences.Data {
	return sequences.Data{
		FirstName:      PlainName(sub.FirstName()),
		Name:           PlainName(sub.Name),
		Email:          sub.Email,
		DownloadURL:    c.Links.Download(sub.ID),
		UnsubscribeURL: c.Links.Unsubscribe(sub.ID),
		MeURL:          c.Links.Me(sub.ID),
	}
}

// Step is one drip step for sub, with the step's own preview line.
func (c *Composer) Step(sub *newsletter.Subscriber, step *sequences.Step) (*newsletter.Message, error) {
	data, frame := c.Data(sub), templates.Mail{Preheader: step.Preheader}
	if subject, err := step.RenderSubject(data); err == nil {
		if m, ok := c.planned(plannedMail{key: "step\x00" + step.Path + "\x00" + step.Body, name: step.Name, src: step.Body,
			data: data, sub: sub, subject: subject, frame: frame, confirmed: true, unsubscribe: data.UnsubscribeURL, me: data.MeURL}); ok {
			return m, nil
		}
	}
	md, err := step.Render(data)
	if err != nil {
		return nil, fmt.Errorf("render %s: %w", step.Path, err)
	}
	subject, err := step.RenderSubject(data)
	if err != nil {
		return nil, fmt.Errorf("render subject of %s: %w", step.Path, err)
	}
	return c.message(sub, subject, md, frame, true)
}

// Letter is a letter for sub, with the letter's own preview line. An
// unlisted letter (kept off the archive) has no "Read on the web" link,
// since its page is not found; it is a letter all the same.
func (c *Composer) Letter(sub *newsletter.Subscriber, l *newsletter.Letter) (*newsletter.Message, error) {
	web := c.Links.Letter(l.ID)
	data, frame := c.Data(sub), templates.Mail{WebURL: web, Preheader: l.Preheader}
	if l.Unlisted {
		frame.WebURL = ""
	}
	if m, ok := c.planned(plannedMail{key: "letter\x00" + l.ID + "\x00" + l.Subject + "\x00" + l.Markdown, name: "letter " + l.ID,
		src: l.Markdown, data: data, sub: sub, subject: l.Subject, frame: frame, letter: web, confirmed: true,
		unsubscribe: data.UnsubscribeURL, me: data.MeURL}); ok {
		return m, nil
	}
	md, err := execute("letter "+l.ID, l.Markdown, data)
	if err != nil {
		return nil, err
	}
	return c.mail(sub, l.Subject, md, frame, true, web)
}

// message renders a mail; frame.Preheader is the author's preview line
// (none when empty: no hidden preview text at all).
func (c *Composer) message(sub *newsletter.Subscriber, subject, md string, frame templates.Mail, confirmed bool) (*newsletter.Message, error) {
	return c.mail(sub, subject, md, frame, confirmed, frame.WebURL)
}

// mail is message for a letter, whose web address letter names it (for
// its kind of mail and its key) even when frame has no link to it.
func (c *Composer) mail(sub *newsletter.Subscriber, subject, md string, frame templates.Mail, confirmed bool, letter string) (*newsletter.Message, error) {
	frame.Subject = c.SubjectPrefix + subject
	headers := map[string]string{}
	if confirmed {
		frame.UnsubscribeURL = c.Links.Unsubscribe(sub.ID)
		frame.MeURL = c.Links.Me(sub.ID)
		frame.PostalAddress = c.PostalAddress
		frame.CrisisLine = c.CrisisLine
		frame.Joined = c.joined(sub)
		headers["List-Unsubscribe"] = "<" + frame.UnsubscribeURL + ">"
		headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
	}
	parts, err := markdown.Render(md, frame)
	if err != nil {
		return nil, fmt.Errorf("render %q: %w", subject, err)
	}
	m := &newsletter.Message{
		To: sub.Email, ToName: sub.Name, Subject: frame.Subject,
		Text: parts.Text, HTML: parts.HTML, Headers: headers,
	}
	kind, key := mailKind(sub, subject, letter, confirmed)
	c.addDeliverability(m, sub, kind, key, confirmed)
	return m, nil
}

// execute runs a text/template over Markdown; unknown variables are errors.
func execute(name, src string, data any) (string, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(src)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", name, err)
	}
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	return b.String(), nil
}

// PlainName is a name the subscriber typed, as it may enter a mail's
// Markdown: the name with its white space folded when it is plain text,
// else "" (the template's greeting then goes without it, as for a
// subscriber who gave no name). Plain text is words of letters (with
// their combining marks) and digits, each beginning with a letter, joined
// by single spaces; inside a word a hyphen or an apostrophe may stand
// between two letters or digits, and a word may end with one dot ("Jr.").
// Nothing else passes: no Markdown or HTML syntax, no template action, no
// "@", ":" or "/", no dot inside a word and no word "www.", so a name can
// carry no link, no image, no address and nothing a mail program would
// make a link of.
func PlainName(name string) string {
	words := strings.Fields(name)
	if len(words) == 0 || len(name) > 200 {
		return ""
	}
	for _, w := range words {
		if !plainWord(w) {
			return ""
		}
	}
	return strings.Join(words, " ")
}

// plainWord reports whether w is one word of a plain name (see PlainName).
func plainWord(w string) bool {
	if strings.EqualFold(w, "www.") {
		return false // the start of a web address, even alone
	}
	prev := rune(0) // 0: start; 'a': a letter or digit; '-': a joiner
	for i, r := range w {
		switch {
		case unicode.IsLetter(r) || (prev != 0 && (unicode.IsMark(r) || unicode.IsDigit(r))):
			prev = 'a'
		case (r == '-' || r == '\'' || r == '’') && prev == 'a':
			prev = '-'
		case r == '.' && prev == 'a' && i == len(w)-1:
			return true
		default:
			return false
		}
	}
	return prev == 'a'
}
