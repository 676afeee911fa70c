package templates

import (
	"html/template"
	"time"
)

// Site is what every page knows about the service.
type Site struct {
	Title   string // e.g. "Dear Fellow Humans"
	BaseURL string
}

// Landing is the data of landing.html, the signup page (and the form shown
// again with its errors after a bad POST).
type Landing struct {
	Site           Site
	Errors         map[string]string // field name -> message
	Email, Name    string
	Sequence       string // hidden field; empty means the default sequence
	ConsentText    string // exact wording next to the checkbox, stored with the signup
	ConsentVersion string
	Redirect       string // optional hidden "redirect" field for embedded forms
}

// Confirm is the data of confirm.html: a page whose button POSTs to
// /confirm/<Token>, so that mail scanners opening links confirm nothing.
type Confirm struct {
	Site  Site
	Token string
}

// Confirmed is the data of confirmed.html, shown after the POST confirms.
type Confirmed struct {
	Site        Site
	FirstName   string
	DownloadURL string // empty when the sequence has no guide
	MeURL       string
}

// Unsubscribe is the data of unsubscribe.html: a page whose button POSTs
// to /unsubscribe/<Token>.
type Unsubscribe struct {
	Site  Site
	Token string
	Email string
}

// Me is the data of me.html: everything stored about one subscriber.
type Me struct {
	Site           Site
	Token          string // for the export link /me/<Token>/export and the erase form /me/<Token>/erase
	Email          string
	Name           string
	Status         string
	Sequence       string
	Step           int
	TZ             string
	CreatedAt      time.Time
	Consent        MeConsent
	Sends          []MeSend
	UnsubscribeURL string
}

// MeConsent is the consent record as shown to its owner.
type MeConsent struct {
	Text, Version, Source, IP string
	GivenAt, ConfirmedAt      time.Time
}

// MeSend is one mail sent to the subscriber.
type MeSend struct {
	Kind, Subject string
	SentAt        time.Time
}

// Message is the data of message.html: a simple page with a heading and a
// paragraph, used for "thanks", "unsubscribed", "erased" and every error.
type Message struct {
	Site     Site
	Status   int    // HTTP status, shown small for errors (0 for good news)
	Title    string // heading
	Message  string // one or two sentences
	Link     string // optional link, e.g. back to the landing page
	LinkText string
}

// Guide is the data of guide.html: the lead magnet rendered as a printable page.
type Guide struct {
	Site  Site
	Title string
	Body  template.HTML
}

// Letters is the data of letters.html, the public archive.
type Letters struct {
	Site    Site
	Letters []LetterItem
}

// LetterItem is one archived letter in a list.
type LetterItem struct {
	ID, Subject, URL string
	SentAt           time.Time
}

// LetterPage is the data of letter.html, one archived letter.
type LetterPage struct {
	Site    Site
	Subject string
	SentAt  time.Time
	Body    template.HTML
}

// AdminLogin is the data of admin_login.html.
type AdminLogin struct {
	Site  Site
	Error string
	CSRF  string
	Carry *AdminCarry // a letter posted after the session ended, kept through sign-in
}

// Mail is the data of the mail layouts mail/letter.html (html/template) and
// mail/letter.txt (text/template).
type Mail struct {
	Subject   string
	Preheader string        // hidden preview line; may be empty
	HTML      template.HTML // the body, rendered from Markdown
	Text      string        // the body as plain text (the Markdown source)
	// Footer links; empty for mail to an unconfirmed address (the
	// confirmation mail), which then shows no subscriber footer.
	UnsubscribeURL string
	MeURL          string
	WebURL         string // "read on the web"; may be empty
	PostalAddress  string
	CrisisLine     string // footer line with crisis resources; may be empty
	// Joined is how the reader came onto the list, which the footer's
	// line on why they get the mail follows: JoinedGuide, JoinedLetters
	// or JoinedImport.
	Joined string
}

// How a reader came onto the list (Mail.Joined).
const (
	// JoinedGuide: they asked for the guide and confirmed; the default.
	JoinedGuide = ""
	// JoinedLetters: they signed up for the letters (a sequence without a
	// guide) and confirmed.
	JoinedLetters = "letters"
	// JoinedImport: the author added them from an earlier list.
	JoinedImport = "import"
)
