package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// mailgunBody is a Mailgun webhook (API v3, JSON): a signature and one
// event (https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/).
type mailgunBody struct {
	Signature *struct {
		Timestamp       flexNumber `json:"timestamp"`
		Token           string     `json:"token"`
		Signature       string     `json:"signature"`
		ParentSignature string     `json:"parent-signature"` // events of a subaccount
	} `json:"signature"`
	EventData json.RawMessage `json:"event-data"`
}

type mailgunEvent struct {
	Event     string     `json:"event"`
	Severity  string     `json:"severity"` // failed: permanent or temporary
	Reason    string     `json:"reason"`   // failed: bounce, suppress-bounce, old, espblock, ...
	Recipient string     `json:"recipient"`
	Timestamp flexNumber `json:"timestamp"`
	Message   struct {
		Headers struct {
			MessageID string `json:"message-id"`
		} `json:"headers"`
	} `json:"message"`
	DeliveryStatus struct {
		AttemptNo   flexNumber `json:"attempt-no"`
		Code        flexNumber `json:"code"`
		Message     string     `json:"message"`
		Description string     `json:"description"`
	} `json:"delivery-status"`
}

// Mailgun checks and reads one Mailgun webhook. The signature is the hex
// HMAC-SHA256, keyed with the webhook signing key, of the timestamp and
// token written together; either "signature" or "parent-signature" may
// match. The timestamp must be within MaxSkew of now. Any failure there is
// ErrSignature. Mailgun's signature does not cover event-data, so a
// caller that wants to refuse replays should remember tokens it has seen.
//
// A permanent "failed" event is a Bounce, except when Mailgun did not
// even try because the address was on its complaint or unsubscribe list
// (Complaint, Unsubscribe), when it gave up on a mail that had only
// failed temporarily (reason "old": a SoftBounce, so one undeliverable
// mail counts once), or when Mailgun itself blocked the sender (espblock:
// ignored). A temporary "failed" event is ignored: Mailgun is still
// retrying, and a server that greylists fails every first try.
// "complained" is a Complaint, "unsubscribed" an Unsubscribe; other events
// are ignored.
func Mailgun(body []byte, signingKey string, now time.Time) ([]Event, error) {
	var b mailgunBody
	if err := json.Unmarshal(body, &b); err != nil {
		return nil, fmt.Errorf("%w: mailgun: %v", ErrMalformed, err)
	}
	if err := b.verify(signingKey, now); err != nil {
		return nil, err
	}
	var e mailgunEvent
	if len(b.EventData) == 0 {
		return nil, fmt.Errorf("%w: mailgun: no event-data", ErrMalformed)
	}
	if err := json.Unmarshal(b.EventData, &e); err != nil {
		return nil, fmt.Errorf("%w: mailgun: event-data: %v", ErrMalformed, err)
	}
	return []Event{e.toEvent()}, nil
}

func (b *mailgunBody) verify(key string, now time.Time) error {
	sig := b.Signature
	if key == "" {
		return fmt.Errorf("%w: mailgun: no signing key configured", ErrSignature)
	}
	if sig == nil || sig.Token == "" || sig.Timestamp.text == "" {
		return fmt.Errorf("%w: mailgun: no signature", ErrSignature)
	}
	ts, ok := sig.Timestamp.Int()
	if !ok {
		return fmt.Errorf("%w: mailgun: unreadable timestamp", ErrSignature)
	}
	if err := checkSkew(ts, now); err != nil {
		return fmt.Errorf("%w: mailgun: %v", ErrSignature, err)
	}
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(sig.Timestamp.text + sig.Token))
	want := mac.Sum(nil)
	for _, s := range []string{sig.Signature, sig.ParentSignature} {
		got, err := hex.DecodeString(strings.TrimSpace(s))
		if err == nil && hmac.Equal(got, want) {
			return nil
		}
	}
	return fmt.Errorf("%w: mailgun: signature does not match", ErrSignature)
}

// checkSkew refuses a Unix timestamp more than MaxSkew from now.
func checkSkew(unix int64, now time.Time) error {
	d := now.Sub(time.Unix(unix, 0))
	if d > MaxSkew || d < -MaxSkew {
		return fmt.Errorf("timestamp is %s away from our clock", d.Round(time.Second))
	}
	return nil
}

func (e mailgunEvent) toEvent() Event {
	at := e.Timestamp.Unix()
	id := strings.Trim(strings.TrimSpace(e.Message.Headers.MessageID), "<>")
	ds := e.DeliveryStatus
	diag := firstOf(ds.Message, ds.Description)
	if code, ok := ds.Code.Int(); ok && diag != "" && !strings.HasPrefix(diag, ds.Code.text) {
		diag = fmt.Sprintf("%d %s", code, diag)
	}
	ev := func(kind Kind, reason string) Event {
		return event("mailgun", kind, e.Recipient, reason, at, id)
	}
	switch e.Event {
	case "failed":
		if e.Severity == "temporary" {
			// Mailgun retries; "old" below reports the mail it gave up on.
			attempt := ""
			if n, ok := ds.AttemptNo.Int(); ok {
				attempt = fmt.Sprintf(" (attempt %d)", n)
			}
			return ev(Ignore, "mailgun temporary failure"+attempt+", retrying: "+diag)
		}
		switch e.Reason {
		case "suppress-complaint":
			return ev(Complaint, "mailgun: address on the complaint list")
		case "suppress-unsubscribe":
			return ev(Unsubscribe, "mailgun: address on the unsubscribe list")
		case "old":
			return ev(SoftBounce, firstOf(diag, "mailgun gave up after temporary failures"))
		case "espblock":
			return ev(Ignore, "mailgun blocked the sender: "+diag)
		}
		return ev(Bounce, firstOf(diag, "permanent failure ("+e.Reason+")"))
	case "complained":
		return ev(Complaint, "spam complaint")
	case "unsubscribed":
		return ev(Unsubscribe, "unsubscribed through mailgun")
	default:
		return ev(Ignore, "mailgun "+firstOf(e.Event, "event without a name"))
	}
}
