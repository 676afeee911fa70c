package mailer

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/emersion/go-msgauth/dkim"
	gomail "github.com/wneessen/go-mail"
)

// dkimSignedHeaders are the fields the DKIM signature covers (h=). A field
// listed but absent from a message is signed as absent, so it cannot be
// added on the way either.
var dkimSignedHeaders = []string{
	"From", "To", "Subject", "Date", "Message-ID",
	"List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Reply-To", "Feedback-ID",
	"MIME-Version", "Content-Type",
}

// dkimOversignedHeaders are listed once more in h=, so that a second
// instance added in transit breaks the signature (RFC 6376 section 8.15):
// nobody can add a Reply-To that sends replies elsewhere, say.
var dkimOversignedHeaders = []string{"From", "Subject", "List-Unsubscribe", "List-Unsubscribe-Post", "List-Id", "Reply-To"}

// dkimHeaderKeys is the whole h= list.
var dkimHeaderKeys = append(append([]string(nil), dkimSignedHeaders...), dkimOversignedHeaders...)

// sign adds a DKIM-Signature to msg. It renders msg, signs those bytes with
// go-msgauth (relaxed/relaxed, SHA-256, the key's algorithm) and sets the
// signature as a header: every later rendering is the same bytes plus that
// header, which the signature does not cover.
//
// go-mail v0.8.1 has a DKIM signer of its own (Msg.SetDKIM), but it folds
// the DKIM-Signature header inside a tag value once h= grows past one line,
// which invalidates the signature; this list is long enough to hit that.
func (b *builder) sign(msg *gomail.Msg) error {
	var rendered bytes.Buffer
	if _, err := msg.WriteTo(&rendered); err != nil {
		return fmt.Errorf("mailer: DKIM: render: %w", err)
	}
	field, err := b.signature(&rendered)
	if err != nil {
		return err
	}
	msg.SetGenHeaderPreformatted("DKIM-Signature", field)
	return nil
}

// signature signs a rendered message and returns the value of its
// DKIM-Signature field, folded, without the name and the final CRLF.
func (b *builder) signature(rendered *bytes.Buffer) (string, error) {
	s, err := dkim.NewSigner(&dkim.SignOptions{
		Domain:                 b.domain,
		Selector:               b.dkimSelector,
		Signer:                 b.dkimKey,
		HeaderCanonicalization: dkim.CanonicalizationRelaxed,
		BodyCanonicalization:   dkim.CanonicalizationRelaxed,
		HeaderKeys:             dkimHeaderKeys,
	})
	if err != nil {
		return "", fmt.Errorf("mailer: DKIM: %w", err)
	}
	if _, err := rendered.WriteTo(s); err != nil {
		_ = s.Close()
		return "", fmt.Errorf("mailer: DKIM: %w", err)
	}
	if err := s.Close(); err != nil {
		return "", fmt.Errorf("mailer: DKIM: %w", err)
	}
	name, value, ok := strings.Cut(s.Signature(), ":")
	if !ok || !strings.EqualFold(name, "DKIM-Signature") {
		return "", fmt.Errorf("mailer: DKIM: unexpected signature field %q", name)
	}
	return strings.TrimSpace(value), nil
}
