package service

import (
	"context"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/satina/newsletter/newsletter"
)

// The suppression list by hand: the author's own additions, beside the
// bounces and complaints Feedback puts on it.

// Suppressions lists every address on the suppression list, newest first.
func (f *Feedback) Suppressions(ctx context.Context) ([]newsletter.Suppression, error) {
	return f.Store.Suppressions(ctx)
}

// RemoveSuppression takes an address off the list by hand (a mistaken
// entry): a later signup with it gets mail again. A subscriber it belongs
// to keeps its status; move it back with SetStatus. ErrNotFound when the
// address is not on the list.
func (f *Feedback) RemoveSuppression(ctx context.Context, email string) error {
	email = newsletter.NormalizeEmail(email)
	if err := f.Store.Unsuppress(ctx, email); err != nil {
		return err
	}
	f.log().Info("address taken off the suppression list", "source", "author", "email", MaskEmail(email))
	return nil
}

// ReasonByHand is the reason of an address suppressed by hand without one.
const ReasonByHand = "suppressed by hand"

// AddSuppressions puts addresses on the suppression list by hand, each
// with its reason (ReasonByHand when empty): a reason that starts with
// "complaint" makes the address's subscriber complained, any other
// bounced. Nothing is stored when an entry is bad: FieldErrors name each
// ("suppressions[2].email"). It returns the entries as stored.
func (f *Feedback) AddSuppressions(ctx context.Context, in []newsletter.Suppression) ([]newsletter.Suppression, error) {
	fe := newsletter.FieldErrors{}
	out := make([]newsletter.Suppression, len(in))
	now := f.now()
	for i, s := range in {
		field := "suppressions[" + strconv.Itoa(i) + "]."
		s.Email = newsletter.NormalizeEmail(s.Email)
		if err := newsletter.CheckEmail(s.Email); err != nil {
			fe[field+"email"] = "Give one plain address, such as reader@example.org."
		}
		s.Reason = strings.TrimSpace(s.Reason)
		switch {
		case s.Reason == "":
			s.Reason = ReasonByHand
		case utf8.RuneCountInString(s.Reason) > 300 || strings.ContainsAny(s.Reason, "\r\n\x00"):
			fe[field+"reason"] = "Keep the reason to one line of at most 300 characters."
		}
		s.Status = newsletter.StatusBounced
		if strings.HasPrefix(strings.ToLower(s.Reason), newsletter.ReasonComplaint) {
			s.Status = newsletter.StatusComplained
		}
		if s.At.IsZero() || s.At.After(now) {
			s.At = now
		}
		out[i] = s
	}
	if len(in) == 0 {
		fe["suppressions"] = `Give at least one address: {"suppressions":[{"email":"reader@example.org","reason":"…"}]}.`
	}
	if len(fe) > 0 {
		return nil, fe
	}
	for _, s := range out {
		log := f.log().With("source", "author", "email", MaskEmail(s.Email))
		if err := f.suppress(ctx, log, s.Email, s.Status, s.Reason, s.At); err != nil {
			return nil, err
		}
	}
	return out, nil
}
