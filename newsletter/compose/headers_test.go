package compose

import (
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/sequences"
)

func TestListID(t *testing.T) {
	for in, want := range map[string]string{
		"letters.example.org":                        "<letters.example.org>",
		"<letters.example.org>":                      "<letters.example.org>",
		`Dear Fellow Humans <letters.example.org>`:   `"Dear Fellow Humans" <letters.example.org>`,
		` "Dear \"Fellow\" Humans" <l.example.org> `: `"Dear \"Fellow\" Humans" <l.example.org>`,
		"Liebe Mitmenschen ä <l.example.org>":        "=?utf-8?q?Liebe_Mitmenschen_=C3=A4?= <l.example.org>",
	} {
		got, err := ListID(in)
		if err != nil || got != want {
			t.Errorf("ListID(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "nodot", "<a.b", "a b.example.org", "Name <>", "x\ry <a.b>", "<a..b>"} {
		if got, err := ListID(bad); err == nil {
			t.Errorf("ListID(%q) = %q, want an error", bad, got)
		}
	}
	for from, want := range map[string]string{
		"Satina <letters@example.org>":      `"Dear Fellow Humans" <letters.example.org>`,
		"Newsletter <newsletter@localhost>": `"Dear Fellow Humans" <newsletter.localhost>`,
		"odd.local+x@Example.ORG":           `"Dear Fellow Humans" <odd-local-x.example.org>`,
		"not an address":                    `"Dear Fellow Humans" <newsletter.localhost>`,
	} {
		if got := DefaultListID("Dear Fellow Humans", from); got != want {
			t.Errorf("DefaultListID(%q) = %q, want %q", from, got, want)
		}
		if _, err := ListID(DefaultListID("Dear Fellow Humans", from)); err != nil {
			t.Errorf("the default for %q does not read back: %v", from, err)
		}
	}
}

func TestReplyTo(t *testing.T) {
	for in, want := range map[string]string{
		"satina@example.org":          "<satina@example.org>",
		"Satina <satina@example.org>": `"Satina" <satina@example.org>`,
		"Zoë <zoe@example.org>":       "=?utf-8?q?Zo=C3=AB?= <zoe@example.org>",
	} {
		got, err := ReplyTo(in)
		if err != nil || got != want {
			t.Errorf("ReplyTo(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "nobody", "a@b", "a@example.org, b@example.org", "a@[127.0.0.1]"} {
		if got, err := ReplyTo(bad); err == nil {
			t.Errorf("ReplyTo(%q) = %q, want an error", bad, got)
		}
	}
}

// deliverabilityComposer sends with every setting on.
func deliverabilityComposer() *Composer {
	c := planComposer("https://l.example.org")
	c.Deliverability = Deliverability{ListID: `"Dear Fellow Humans" <letters.example.org>`, ReplyTo: `"Satina" <satina@example.org>`,
		ReturnPath: "bounces@example.org", UnsubscribeMailto: true, FeedbackDomain: "example.org"}
	return c
}

var taggedAddr = regexp.MustCompile(`^bounces\+([a-z0-9]+)@example\.org$`)

func TestDeliverabilityHeaders(t *testing.T) {
	c := deliverabilityComposer()
	set, err := sequences.Load(sequences.Builtin)
	if err != nil {
		t.Fatal(err)
	}
	seq, _ := set.Get("guide")
	sub := &newsletter.Subscriber{ID: "0a1b2c3d4e5f6789", Email: "anna@example.org", Name: "Anna", Sequence: "guide", Enrolment: 1}
	step, err := c.Step(sub, seq.Steps[0])
	if err != nil {
		t.Fatal(err)
	}
	letter, err := c.Letter(sub, &newsletter.Letter{ID: "l1", Subject: "On rest", Markdown: "Dear {{ .FirstName }}"})
	if err != nil {
		t.Fatal(err)
	}
	confirm, err := c.Confirm(sub)
	if err != nil {
		t.Fatal(err)
	}
	tags := map[string]bool{}
	for kind, m := range map[string]*newsletter.Message{"step": step, "letter": letter, "confirm": confirm} {
		h := m.Headers
		if h["List-Id"] != `"Dear Fellow Humans" <letters.example.org>` || h["Reply-To"] != `"Satina" <satina@example.org>` ||
			h["Feedback-ID"] != kind+":newsletter:example.org" {
			t.Errorf("%s: headers %v", kind, h)
		}
		got := taggedAddr.FindStringSubmatch(m.EnvelopeFrom)
		if got == nil {
			t.Fatalf("%s: envelope sender %q is not bounces+<tag>@example.org", kind, m.EnvelopeFrom)
		}
		tag, err := c.Links.Signer.VERPVerify(got[1])
		if err != nil || tag.Kind != token.TagBounce || tag.Subscriber != sub.ID {
			t.Errorf("%s: envelope tag %q reads as %+v, %v", kind, got[1], tag, err)
		}
		tags[tag.Mail] = true
		if kind == "confirm" {
			if _, ok := h["List-Unsubscribe"]; ok {
				t.Errorf("the confirmation carries List-Unsubscribe: %q", h["List-Unsubscribe"])
			}
			continue
		}
		https, mailto, ok := strings.Cut(h["List-Unsubscribe"], ", ")
		if !ok || !strings.HasPrefix(https, "<https://l.example.org/unsubscribe/") || h["List-Unsubscribe-Post"] != "List-Unsubscribe=One-Click" {
			t.Fatalf("%s: List-Unsubscribe %q", kind, h["List-Unsubscribe"])
		}
		addr := taggedAddr.FindStringSubmatch(strings.TrimSuffix(strings.TrimPrefix(mailto, "<mailto:"), ">"))
		if addr == nil {
			t.Fatalf("%s: no tagged mailto in %q", kind, h["List-Unsubscribe"])
		}
		if u, err := c.Links.Signer.VERPVerify(addr[1]); err != nil || u.Kind != token.TagUnsubscribe || u.Subscriber != sub.ID {
			t.Errorf("%s: mailto tag reads as %+v, %v", kind, u, err)
		}
	}
	if len(tags) != 3 {
		t.Errorf("three mails share tags' mail parts: %v", tags)
	}
}

// TestDeliverabilityPlannedAsFull: the planned mail and the full rendering
// carry the same headers and envelope.
func TestDeliverabilityPlannedAsFull(t *testing.T) {
	c := deliverabilityComposer()
	sub := &newsletter.Subscriber{ID: "abc123", Email: "anna@example.org", Name: "Anna", Enrolment: 2}
	l := &newsletter.Letter{ID: "l9", Subject: "On rest", Markdown: "Dear {{ .FirstName }}, [me]({{ .MeURL }})"}
	planned, err := c.Letter(sub, l)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.plans.plans); n == 0 {
		t.Fatal("the letter did not go through a plan: the comparison would be vacuous")
	}
	full, err := fullLetter(c, sub, l)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(planned.Headers, full.Headers) || planned.EnvelopeFrom != full.EnvelopeFrom || planned.EnvelopeFrom == "" {
		t.Errorf("planned %v %q\nfull    %v %q", planned.Headers, planned.EnvelopeFrom, full.Headers, full.EnvelopeFrom)
	}
	// Without the mailbox, no mailto; without RETURN_PATH, no VERP.
	c.Deliverability.UnsubscribeMailto = false
	m, _ := c.Letter(sub, l)
	if strings.Contains(m.Headers["List-Unsubscribe"], "mailto:") || m.EnvelopeFrom == "" {
		t.Errorf("UnsubscribeMailto off: %q, envelope %q", m.Headers["List-Unsubscribe"], m.EnvelopeFrom)
	}
	c.Deliverability = Deliverability{}
	m, _ = c.Letter(sub, l)
	if m.EnvelopeFrom != "" || len(m.Headers) != 2 {
		t.Errorf("nothing set: envelope %q, headers %v", m.EnvelopeFrom, m.Headers)
	}
}
