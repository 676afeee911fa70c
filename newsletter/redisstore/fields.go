package redisstore

import (
	"strconv"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// Field names of the subscriber hash. They are short on purpose: a million
// subscribers carry them each. A new subscriber's hash leaves out what it
// can read elsewhere (see decode): empty values, a step count of 0, and
// the times that equal its creation (but for cm, which only subscribers
// created pending have).
const (
	fEmail       = "e"
	fName        = "n"
	fStatus      = "s"
	fSequence    = "q"
	fStep        = "k"  // steps sent in this enrolment; absent: 0
	fLastStep    = "l"  // file name of the last step sent
	fLastSentAt  = "ls" // ms; start of the next step's clock; absent: confirmed at
	fEnrolment   = "en" // confirmations so far
	fTZ          = "t"
	fCreated     = "c"
	fUpdated     = "u"  // absent: created
	fConsentVer  = "cv" // wording is kept once per version in the consents hash
	fConsentSrc  = "cs"
	fConsentIP   = "ci"
	fConsentAt   = "ca" // absent: created
	fConfirmedAt = "cc" // absent or 0: not confirmed
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
	at := ms(n.At)
	f := make([]any, 0, 20)
	f = append(f, fEmail, n.Email, fStatus, string(n.Status), fCreated, at)
	for _, kv := range [][2]string{{fName, n.Name}, {fSequence, n.Sequence}, {fTZ, n.TZ}, {fConsentVer, n.Consent.Version},
		{fConsentSrc, n.Consent.Source}, {fConsentIP, n.Consent.IP}} {
		if kv[1] != "" {
			f = append(f, kv[0], kv[1])
		}
	}
	if !n.Consent.GivenAt.Equal(n.At) {
		f = append(f, fConsentAt, ms(n.Consent.GivenAt))
	}
	if n.Status == newsletter.StatusConfirmed {
		f = append(f, fConfirmedAt, at, fEnrolment, "1")
	} else {
		f = append(f, fConfirmMail, at)
	}
	return f
}

// decode builds a Subscriber from its hash; consent wording is filled by the caller.
func decode(id string, h map[string]string) *newsletter.Subscriber {
	step, _ := strconv.Atoi(h[fStep])
	en, _ := strconv.Atoi(h[fEnrolment])
	created := fromMS(h[fCreated])
	or := func(field string, otherwise time.Time) time.Time {
		if v, ok := h[field]; ok {
			return fromMS(v)
		}
		return otherwise
	}
	confirmed := fromMS(h[fConfirmedAt])
	return &newsletter.Subscriber{
		ID:         id,
		Email:      h[fEmail],
		Name:       h[fName],
		Status:     newsletter.Status(h[fStatus]),
		Sequence:   h[fSequence],
		Step:       step,
		LastStep:   h[fLastStep],
		LastSentAt: or(fLastSentAt, confirmed),
		Enrolment:  en,
		TZ:         h[fTZ],
		CreatedAt:  created,
		UpdatedAt:  or(fUpdated, created),
		Consent: newsletter.Consent{
			Version:     h[fConsentVer],
			Source:      h[fConsentSrc],
			IP:          h[fConsentIP],
			GivenAt:     or(fConsentAt, created),
			ConfirmedAt: confirmed,
		},
		ConfirmMailAt: fromMS(h[fConfirmMail]),
		Reason:        leftReason(h),
	}
}
