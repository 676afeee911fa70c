package compose

import (
	"errors"
	"fmt"
	"mime"
	"net/mail"
	"regexp"
	"strconv"
	"strings"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/token"
)

// Deliverability is what every mail to a subscriber carries beyond its
// content: who it is from as the mail system sees it, where replies and
// bounces go, and which list it belongs to. Its zero value adds nothing.
type Deliverability struct {
	// ListID is the List-Id field's value (RFC 2919), as ListID or
	// DefaultListID make it; empty: none.
	ListID string
	// ReplyTo is the Reply-To field's value, as ReplyTo makes it; empty:
	// none.
	ReplyTo string
	// ReturnPath is RETURN_PATH, a bare address such as
	// bounces@example.org: each mail's envelope sender becomes
	// <local>+<tag>@<domain> (VERP), the tag naming the subscriber and the
	// mail. Empty: the transport's envelope sender.
	ReturnPath string
	// UnsubscribeMailto, with ReturnPath, adds a mailto to another tagged
	// address to List-Unsubscribe (on mail to confirmed subscribers); mail
	// that reaches it unsubscribes. Set it only when BOUNCE_MAILBOX is
	// read.
	UnsubscribeMailto bool
	// FeedbackDomain is the last part of Feedback-ID (MAIL_FROM's
	// domain), which tells a mailbox provider's feedback loop which kind
	// of mail a complaint is about (confirm, step or letter) and never
	// whom; empty: no Feedback-ID.
	FeedbackDomain string
}

// listIDAtom is the list-id of RFC 2919: a dot-atom with at least one dot.
var listIDAtom = regexp.MustCompile(`^[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_{|}~-]+)+$`)

// ListID reads LIST_ID: a list id such as letters.example.org, with or
// without angle brackets and a name before it ("Dear Fellow Humans"
// <letters.example.org>). It returns the List-Id field's value, the name
// quoted or encoded (RFC 2047) as needed.
func ListID(s string) (string, error) {
	s = strings.TrimSpace(s)
	name, id := "", s
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		if !strings.HasSuffix(s, ">") {
			return "", errors.New("want a list id such as letters.example.org, or a name and <letters.example.org>")
		}
		name, id = strings.TrimSpace(s[:i]), s[i+1:len(s)-1]
	}
	if strings.HasPrefix(name, `"`) && strings.HasSuffix(name, `"`) && len(name) >= 2 {
		name = strings.ReplaceAll(strings.ReplaceAll(name[1:len(name)-1], `\"`, `"`), `\\`, `\`)
	}
	if !listIDAtom.MatchString(id) || len(id) > 255 {
		return "", fmt.Errorf("%q is not a list id: letters, digits and dots such as letters.example.org", id)
	}
	if strings.ContainsAny(name, "\r\n\x00") {
		return "", errors.New("the list's name must be one line")
	}
	return listIDField(name, id), nil
}

// DefaultListID is the List-Id when LIST_ID is unset: the site's title as
// the name, and MAIL_FROM's address with its @ made a dot as the id
// ("Dear Fellow Humans" <letters.example.org> for letters@example.org).
func DefaultListID(title, from string) string {
	local, domain := "newsletter", "localhost"
	if a, err := mail.ParseAddress(from); err == nil {
		if l, d, ok := strings.Cut(a.Address, "@"); ok {
			local, domain = l, d
		}
	}
	label := strings.Trim(strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, local), "-")
	if label == "" {
		label = "newsletter"
	}
	id := label + "." + strings.ToLower(domain)
	if !listIDAtom.MatchString(id) {
		id = label + ".invalid"
	}
	return listIDField(strings.TrimSpace(strings.NewReplacer("\r", " ", "\n", " ", "\x00", "").Replace(title)), id)
}

// listIDField writes a List-Id value: the name as a quoted string (or
// RFC 2047 words when it is not ASCII), then <id>.
func listIDField(name, id string) string {
	if name == "" {
		return "<" + id + ">"
	}
	return phrase(name) + " <" + id + ">"
}

// phrase writes a display name: a quoted string, or encoded words.
func phrase(name string) string {
	for i := 0; i < len(name); i++ {
		if name[i] < ' ' || name[i] > '~' {
			return mime.QEncoding.Encode("utf-8", name)
		}
	}
	return strconv.Quote(name) // printable ASCII: Go's quoting is RFC 5322's
}

// ReplyTo reads REPLY_TO: an address, with or without a name
// ("Satina <satina@example.org>"). It returns the Reply-To field's value,
// in ASCII (a name that is not is encoded).
func ReplyTo(s string) (string, error) {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil {
		return "", errors.New("want an address such as satina@example.org or Satina <satina@example.org>")
	}
	if err := newsletter.CheckEmail(strings.ToLower(a.Address)); err != nil {
		return "", fmt.Errorf("%q: %w", a.Address, err)
	}
	return a.String(), nil
}

// TaggedAddress is <local>+<tag>@<domain> of returnPath (a bare address).
func TaggedAddress(returnPath, tag string) string {
	at := strings.LastIndexByte(returnPath, '@')
	if at < 0 {
		return ""
	}
	return returnPath[:at] + "+" + tag + "@" + returnPath[at+1:]
}

// addDeliverability gives m the headers and envelope sender of
// c.Deliverability for sub. kind is "confirm", "step" or "letter"; mailKey
// names the mail among the subscriber's (its tag's mail part); confirmed
// is whether m carries List-Unsubscribe.
func (c *Composer) addDeliverability(m *newsletter.Message, sub *newsletter.Subscriber, kind, mailKey string, confirmed bool) {
	d := &c.Deliverability
	if m.Headers == nil {
		m.Headers = map[string]string{}
	}
	if d.ListID != "" {
		m.Headers["List-Id"] = d.ListID
	}
	if d.ReplyTo != "" {
		m.Headers["Reply-To"] = d.ReplyTo
	}
	if d.FeedbackDomain != "" {
		m.Headers["Feedback-ID"] = kind + ":newsletter:" + d.FeedbackDomain
	}
	if d.ReturnPath == "" || c.Links == nil || c.Links.Signer == nil {
		return
	}
	if tag, err := c.Links.Signer.VERPTag(token.TagBounce, sub.ID, mailKey); err == nil {
		m.EnvelopeFrom = TaggedAddress(d.ReturnPath, tag)
	}
	if list, ok := m.Headers["List-Unsubscribe"]; ok && confirmed && d.UnsubscribeMailto {
		if tag, err := c.Links.Signer.VERPTag(token.TagUnsubscribe, sub.ID, mailKey); err == nil {
			m.Headers["List-Unsubscribe"] = list + ", <mailto:" + TaggedAddress(d.ReturnPath, tag) + ">"
		}
	}
}

// mailKind and mailKey name a mail for addDeliverability from what
// message and planned know of it: a confirmation by its ledger key, a
// step or a letter (a letter has a web page) by its kind and subject.
func mailKind(sub *newsletter.Subscriber, subject, webURL string, confirmed bool) (kind, key string) {
	switch {
	case !confirmed:
		return "confirm", newsletter.ConfirmLedgerKey(sub.ConfirmMailAt)
	case webURL != "":
		return "letter", "letter:" + webURL
	default:
		return "step", "step:" + subject + "@" + strconv.Itoa(sub.Enrolment)
	}
}
