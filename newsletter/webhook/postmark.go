package webhook

import (
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
)

// CheckBasic reports whether an Authorization header carries HTTP Basic
// credentials whose password is secret (the user name is not checked:
// Postmark's webhook URL is https://any:SECRET@host/...). The comparison
// takes the same time whatever the password; an empty secret matches
// nothing.
func CheckBasic(authHeader, secret string) bool {
	if secret == "" {
		return false
	}
	scheme, enc, ok := strings.Cut(strings.TrimSpace(authHeader), " ")
	if !ok || !strings.EqualFold(scheme, "Basic") {
		return false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(enc))
	if err != nil {
		return false
	}
	_, pass, ok := strings.Cut(string(raw), ":")
	if !ok {
		return false
	}
	// Hash both sides so the comparison does not reveal the length either.
	got, want := sha256.Sum256([]byte(pass)), sha256.Sum256([]byte(secret))
	return subtle.ConstantTimeCompare(got[:], want[:]) == 1
}

// postmarkRecord is the part of a Postmark Bounce, SpamComplaint or
// SubscriptionChange webhook that we read.
type postmarkRecord struct {
	RecordType  string `json:"RecordType"`
	Type        string `json:"Type"`
	Email       string `json:"Email"`     // Bounce, SpamComplaint
	Recipient   string `json:"Recipient"` // SubscriptionChange
	Description string `json:"Description"`
	Details     string `json:"Details"`
	MessageID   string `json:"MessageID"`
	BouncedAt   string `json:"BouncedAt"`
	ChangedAt   string `json:"ChangedAt"`
	Inactive    bool   `json:"Inactive"`
	CanActivate bool   `json:"CanActivate"`
	// SubscriptionChange only.
	SuppressSending   bool   `json:"SuppressSending"`
	SuppressionReason string `json:"SuppressionReason"`
	Origin            string `json:"Origin"`
}

// postmarkBounceKinds maps Postmark bounce types
// (https://postmarkapp.com/developer/api/bounce-api#bounce-types). Types
// that are the sender's or the message's fault (Blocked, DMARCPolicy,
// VirusNotification, ...) and notices that are not failures
// (AutoResponder, Subscribe, ...) are left out and so ignored, unless
// Postmark deactivated the address (see Postmark).
var postmarkBounceKinds = map[string]Kind{
	"HardBounce":          Bounce,
	"BadEmailAddress":     Bounce,
	"ManuallyDeactivated": Bounce,
	"SpamComplaint":       Complaint,
	"Unsubscribe":         Unsubscribe, // an unsubscribe request sent by reply
	"SoftBounce":          SoftBounce,
	"Transient":           SoftBounce,
	"DnsError":            SoftBounce,
	"Unknown":             SoftBounce,
	// Delivered but filtered as spam by the reader's provider: not
	// proof the address is dead, so it counts like a soft bounce.
	"SpamNotification": SoftBounce,
}

// Postmark reads one Postmark webhook body (Postmark sends one record per
// request). Check the Authorization header with CheckBasic first.
//
// Bounce records map by Type; one that made Postmark deactivate the
// address (Inactive true) stops mail whatever its type, since Postmark
// will not deliver to it any more. SpamComplaint records are complaints.
// A SubscriptionChange that suppresses sending maps by its
// SuppressionReason (ManualSuppression: unsubscribe, HardBounce: bounce,
// SpamComplaint: complaint); one that lifts a suppression is ignored: a
// reader comes back only through our own confirmation. Other record types
// (Delivery, Open, Click) are ignored.
func Postmark(body []byte) ([]Event, error) {
	var r postmarkRecord
	if err := json.Unmarshal(body, &r); err != nil {
		return nil, fmt.Errorf("%w: postmark: %v", ErrMalformed, err)
	}
	switch r.RecordType {
	case "Bounce":
		return []Event{postmarkBounce(r)}, nil
	case "SpamComplaint":
		return []Event{event("postmark", Complaint, r.Email, "spam complaint: "+firstOf(r.Details, r.Description), parseTime(r.BouncedAt), r.MessageID)}, nil
	case "SubscriptionChange":
		return []Event{postmarkSubscription(r)}, nil
	case "":
		return nil, fmt.Errorf("%w: postmark: no RecordType", ErrMalformed)
	default:
		return []Event{event("postmark", Ignore, firstOf(r.Email, r.Recipient), "postmark "+r.RecordType+" record", parseTime(firstOf(r.BouncedAt, r.ChangedAt)), r.MessageID)}, nil
	}
}

func postmarkBounce(r postmarkRecord) Event {
	kind, known := postmarkBounceKinds[r.Type]
	reason := firstOf(r.Details, r.Description, r.Type)
	switch {
	case kind == Complaint || kind == Unsubscribe:
	case r.Inactive:
		// Postmark deactivated the address: nothing more will reach it.
		kind, reason = Bounce, reason+" (deactivated by Postmark)"
	case !known:
		kind, reason = Ignore, "postmark "+r.Type+": "+reason
	}
	return event("postmark", kind, r.Email, reason, parseTime(r.BouncedAt), r.MessageID)
}

func postmarkSubscription(r postmarkRecord) Event {
	at := parseTime(r.ChangedAt)
	if !r.SuppressSending {
		return event("postmark", Ignore, r.Recipient, "postmark reactivated the address", at, r.MessageID)
	}
	kind := Unsubscribe
	switch r.SuppressionReason {
	case "HardBounce":
		kind = Bounce
	case "SpamComplaint":
		kind = Complaint
	}
	// ManualSuppression and any reason Postmark adds later: Postmark
	// will not send to the address, so the reader has in effect left.
	reason := "postmark suppression: " + firstOf(r.SuppressionReason, "unknown reason")
	if r.Origin != "" {
		reason += " (by " + r.Origin + ")"
	}
	return event("postmark", kind, r.Recipient, reason, at, r.MessageID)
}
