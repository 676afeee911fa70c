package service

import (
	"context"
	"errors"
	"fmt"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/bounce"
	"github.com/satina/newsletter/newsletter/token"
)

// HandleMail reads one message from the bounce mailbox (a mailbox.Handler):
// a delivery status notification, an abuse report, a bounce in a common
// non-standard form, or mail to a List-Unsubscribe mailto. It finds the
// subscriber through the RETURN_PATH tag, which must verify, and applies
// what the message says:
//
//   - a permanent failure that is the address's fault (bounce.Report's
//     AddressFault: 5.1.x, 5.2.1, a bare 550/551/553) bounces it; a
//     refusal of our sender or of the message bounces nobody;
//   - a temporary failure counts;
//   - an abuse report makes the subscriber complained;
//   - mail to an unsubscribe tag (not a bounce tag) unsubscribes.
//
// It returns nil when the message is dealt with and may be removed:
// handled, or never to be acted on (no tag, a forged tag, an auto-reply,
// not mail at all). Only a store failure returns an error, so that the
// message stays for the next poll.
func (f *Feedback) HandleMail(ctx context.Context, raw []byte) error {
	if f.ReturnPath == "" || f.Signer == nil {
		return errors.New("feedback: the bounce mailbox needs RETURN_PATH and the signing key")
	}
	rep, err := bounce.Parse(raw, f.ReturnPath)
	if err != nil {
		if errors.Is(err, bounce.ErrMalformed) {
			f.log().Info("bounce mailbox: not a mail message; removed")
			return nil
		}
		return fmt.Errorf("feedback: %w", err)
	}
	log := f.log().With("source", "mailbox", "report", rep.Kind.String(), "tag_source", rep.TagSource)
	if rep.Kind == bounce.Unknown {
		log.Debug("bounce mailbox: nothing to act on; removed")
		return nil
	}
	if rep.Tag == "" {
		log.Info("bounce mailbox: no tagged address to match; removed")
		return nil
	}
	tag, err := f.Signer.VERPVerify(rep.Tag)
	if err != nil {
		log.Warn("bounce mailbox: the tag does not verify; removed", "err", err)
		return nil
	}
	r := newsletter.Report{Subscriber: tag.Subscriber, Mail: tag.Mail, Source: "mailbox", Reason: diagnostic(rep)}
	switch rep.Kind {
	case bounce.Permanent:
		if !rep.AddressFault() {
			log.Info("bounce mailbox: a refusal of the sender or the message, not the address; nobody bounced",
				"subscriber", tag.Subscriber, "status", rep.Status, "code", rep.Code)
			return nil
		}
		r.Kind = newsletter.FeedbackBounce
	case bounce.Temporary:
		r.Kind = newsletter.FeedbackSoftBounce
	case bounce.Complaint:
		r.Kind = newsletter.FeedbackComplaint
	case bounce.Unsubscribe:
		if tag.Kind != token.TagUnsubscribe {
			log.Info("bounce mailbox: mail to a bounce address, not the unsubscribe one; removed", "subscriber", tag.Subscriber)
			return nil
		}
		r.Kind = newsletter.FeedbackUnsubscribe
	}
	return f.Apply(ctx, r)
}

// diagnostic is a report's reason: the server's reply, led by its codes
// when the reply does not already give them.
func diagnostic(rep *bounce.Report) string {
	d := rep.Diagnostic
	switch {
	case d == "" && rep.Status != "":
		return rep.Status
	case rep.Kind == bounce.Complaint && rep.FeedbackType != "":
		return "feedback type " + rep.FeedbackType
	}
	return d
}
