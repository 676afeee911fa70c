package redisstore

import (
	"strconv"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// Field names of the subscriber hash. They are short on purpose: a million
// subscribers carry them each.
const (
	fEmail       = "e"
	fName        = "n"
	fStatus      = "s"
	fSequence    = "q"
	fStep        = "k"  // steps sent in this enrolment
	fLastStep    = "l"  // file name of the last step sent
	fLastSentAt  = "ls" // ms; start of the next step's clock
	fEnrolment   = "en" // confirmations so far
	fTZ          = "t"
	fCreated     = "c"
	fUpdated     = "u"
	fConsentVer  = "cv" // wording is kept once per version in the consents hash
	fConsentSrc  = "cs"
	fConsentIP   = "ci"
	fConsentAt   = "ca"
	fConfirmedAt = "cc"
	fConfirmMail = "cm" // ms of the last confirmation mail queued
)

func ms(t time.Time) string {
	if t.IsZero() {
		return "0"
	}
	return strconv.FormatInt(t.UnixMilli(), 10)
}

func fromMS(s string) time.Time {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 {
		return time.Time{}
	}
	return time.UnixMilli(n).UTC()
}

// newFields lays out a new subscriber as hash field/value pairs.
func newFields(n newsletter.NewSubscriber) []any {
	f := []any{
		fEmail, n.Email, fName, n.Name, fStatus, string(n.Status), fSequence, n.Sequence,
		fTZ, n.TZ, fCreated, ms(n.At), fUpdated, ms(n.At),
		fConsentVer, n.Consent.Version, fConsentSrc, n.Consent.Source, fConsentAt, ms(n.Consent.GivenAt),
	}
	if n.Consent.IP != "" {
		f = append(f, fConsentIP, n.Consent.IP)
	}
	if n.Status == newsletter.StatusConfirmed {
		f = append(f, fConfirmedAt, ms(n.At), fEnrolment, "1", fStep, "0", fLastSentAt, ms(n.At))
	} else {
		f = append(f, fConfirmMail, ms(n.At))
	}
	return f
}

// decode builds a Subscriber from its hash; consent wording is filled by the caller.
func decode(id string, h map[string]string) *newsletter.Subscriber {
	step, _ := strconv.Atoi(h[fStep])
	en, _ := strconv.Atoi(h[fEnrolment])
	return &newsletter.Subscriber{
		ID:         id,
		Email:      h[fEmail],
		Name:       h[fName],
		Status:     newsletter.Status(h[fStatus]),
		Sequence:   h[fSequence],
		Step:       step,
		LastStep:   h[fLastStep],
		LastSentAt: fromMS(h[fLastSentAt]),
		Enrolment:  en,
		TZ:         h[fTZ],
		CreatedAt:  fromMS(h[fCreated]),
		UpdatedAt:  fromMS(h[fUpdated]),
		Consent: newsletter.Consent{
			Version:     h[fConsentVer],
			Source:      h[fConsentSrc],
			IP:          h[fConsentIP],
			GivenAt:     fromMS(h[fConsentAt]),
			ConfirmedAt: fromMS(h[fConfirmedAt]),
		},
		ConfirmMailAt: fromMS(h[fConfirmMail]),
	}
}
