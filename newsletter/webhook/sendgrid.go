package webhook

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The request headers of SendGrid's signed Event Webhook.
const (
	SendGridSignatureHeader = "X-Twilio-Email-Event-Webhook-Signature"
	SendGridTimestampHeader = "X-Twilio-Email-Event-Webhook-Timestamp"
)

// sendgridEvent is one event of SendGrid's Event Webhook
// (https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event).
type sendgridEvent struct {
	Email     string     `json:"email"`
	Event     string     `json:"event"`
	Timestamp flexNumber `json:"timestamp"`
	MessageID string     `json:"sg_message_id"`
	Reason    string     `json:"reason"`
	Response  string     `json:"response"`
	Status    string     `json:"status"`
	Type      string     `json:"type"` // bounce: "bounce" or "blocked"
	Class     string     `json:"bounce_classification"`
	Attempt   flexNumber `json:"attempt"`
}

// SendGrid checks and reads one SendGrid Event Webhook request. sigHeader
// and tsHeader are the values of SendGridSignatureHeader and
// SendGridTimestampHeader; publicKey is the verification key SendGrid
// shows (base64 DER, or PEM). The signature is ECDSA P-256 over the
// SHA-256 of the timestamp followed by the raw body; the timestamp must be
// within MaxSkew of now. Any failure there is ErrSignature.
//
// Mapping, per event of the array:
//   - bounce of type "bounce": Bounce (a SoftBounce when SendGrid
//     classifies it as the sender's reputation, content or volume);
//   - bounce of type "blocked": SendGrid keeps no suppression for blocks
//     and does not retry them, so it is a SoftBounce, or ignored when the
//     classification blames the sender;
//   - dropped: by its reason (Bounced Address: Bounce, Spam Reporting
//     Address: Complaint, Unsubscribed Address or Group: Unsubscribe;
//     other reasons are our message's fault and ignored);
//   - deferred: ignored. SendGrid retries for up to 72 hours and reports
//     the outcome later (a block or a bounce); a server that greylists
//     defers every first try, so counting deferrals would bounce readers
//     who get every mail;
//   - spamreport: Complaint; unsubscribe and group_unsubscribe: Unsubscribe;
//   - anything else (processed, delivered, open, click, ...): ignored.
func SendGrid(body []byte, sigHeader, tsHeader, publicKey string, now time.Time) ([]Event, error) {
	if err := verifySendGrid(body, sigHeader, tsHeader, publicKey, now); err != nil {
		return nil, err
	}
	return sendgridEvents(body)
}

// sendgridEvents reads a verified Event Webhook body: a JSON array of
// events.
func sendgridEvents(body []byte) ([]Event, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, fmt.Errorf("%w: sendgrid: %v", ErrMalformed, err)
	}
	out := make([]Event, 0, len(raw))
	for i, r := range raw {
		var e sendgridEvent
		if err := json.Unmarshal(r, &e); err != nil {
			return nil, fmt.Errorf("%w: sendgrid: event %d: %v", ErrMalformed, i, err)
		}
		out = append(out, e.toEvent())
	}
	return out, nil
}

func verifySendGrid(body []byte, sigHeader, tsHeader, publicKey string, now time.Time) error {
	key, err := sendgridKey(publicKey)
	if err != nil {
		return fmt.Errorf("%w: sendgrid: verification key: %v", ErrSignature, err)
	}
	tsHeader = strings.TrimSpace(tsHeader)
	ts, err := strconv.ParseInt(tsHeader, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: sendgrid: no readable timestamp header", ErrSignature)
	}
	if err := checkSkew(ts, now); err != nil {
		return fmt.Errorf("%w: sendgrid: %v", ErrSignature, err)
	}
	sig, err := base64.StdEncoding.DecodeString(strings.TrimSpace(sigHeader))
	if err != nil || len(sig) == 0 {
		return fmt.Errorf("%w: sendgrid: no readable signature header", ErrSignature)
	}
	h := sha256.New()
	h.Write([]byte(tsHeader))
	h.Write(body)
	if !ecdsa.VerifyASN1(key, h.Sum(nil), sig) {
		return fmt.Errorf("%w: sendgrid: signature does not match", ErrSignature)
	}
	return nil
}

// sendgridKey reads a P-256 public key given as base64 DER
// (SubjectPublicKeyInfo, as SendGrid shows it) or as PEM.
func sendgridKey(s string) (*ecdsa.PublicKey, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil, fmt.Errorf("none configured")
	}
	var der []byte
	if block, _ := pem.Decode([]byte(s)); block != nil {
		der = block.Bytes
	} else {
		var err error
		if der, err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, fmt.Errorf("not base64: %v", err)
		}
	}
	pub, err := x509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, err
	}
	key, ok := pub.(*ecdsa.PublicKey)
	if !ok || key.Curve != elliptic.P256() {
		return nil, fmt.Errorf("not an ECDSA P-256 key")
	}
	return key, nil
}

// sendgridSenderFault holds the bounce classifications that blame the
// sender or the message, not the address.
var sendgridSenderFault = map[string]bool{
	"Reputation": true, "Content": true, "Frequency or Volume Too High": true,
}

func (e sendgridEvent) toEvent() Event {
	at := e.Timestamp.Unix()
	ev := func(kind Kind, reason string) Event {
		return event("sendgrid", kind, e.Email, reason, at, e.MessageID)
	}
	diag := firstOf(e.Reason, e.Response, e.Status)
	switch e.Event {
	case "bounce":
		senderFault := sendgridSenderFault[e.Class]
		switch {
		case e.Type == "blocked" && senderFault:
			return ev(Ignore, "sendgrid block ("+e.Class+"): "+diag)
		case e.Type == "blocked" || senderFault:
			return ev(SoftBounce, firstOf(diag, "blocked"))
		}
		return ev(Bounce, firstOf(diag, "bounced"))
	case "dropped":
		switch e.Reason {
		case "Bounced Address":
			return ev(Bounce, "sendgrid: address on the bounce list")
		case "Spam Reporting Address":
			return ev(Complaint, "sendgrid: address on the spam report list")
		case "Unsubscribed Address", "Unsubscribed Group":
			return ev(Unsubscribe, "sendgrid: address on an unsubscribe list")
		}
		return ev(Ignore, "sendgrid dropped the mail: "+diag)
	case "deferred":
		// Still being retried (a greylisting server defers every first
		// try); the outcome comes later as a bounce, block or delivery.
		attempt := ""
		if n, ok := e.Attempt.Int(); ok {
			attempt = fmt.Sprintf(" (attempt %d)", n)
		}
		return ev(Ignore, "sendgrid deferred"+attempt+", retrying: "+diag)
	case "spamreport":
		return ev(Complaint, "spam complaint")
	case "unsubscribe", "group_unsubscribe":
		return ev(Unsubscribe, "unsubscribed through sendgrid")
	default:
		return ev(Ignore, "sendgrid "+firstOf(e.Event, "event without a name"))
	}
}
