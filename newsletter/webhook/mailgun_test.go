package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

const mailgunKey = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"

// mailgunSig is the signature block of a Mailgun webhook.
type mailgunSig struct {
	Timestamp       json.RawMessage `json:"timestamp"`
	Token           string          `json:"token"`
	Signature       string          `json:"signature,omitempty"`
	ParentSignature string          `json:"parent-signature,omitempty"`
}

func mailgunHMAC(key, timestamp, token string) string {
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte(timestamp + token))
	return hex.EncodeToString(mac.Sum(nil))
}

// resignMailgun replaces a testdata body's signature block: edit may
// change it after it is signed with key.
func resignMailgun(t testing.TB, body []byte, key string, edit func(*mailgunSig)) []byte {
	t.Helper()
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("testdata: %v", err)
	}
	var sig mailgunSig
	if err := json.Unmarshal(doc["signature"], &sig); err != nil {
		t.Fatalf("testdata signature: %v", err)
	}
	ts := strings.Trim(string(sig.Timestamp), `"`)
	sig.Signature = mailgunHMAC(key, ts, sig.Token)
	if edit != nil {
		edit(&sig)
	}
	doc["signature"], _ = json.Marshal(sig)
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return out
}

func TestMailgunRecordedShapes(t *testing.T) {
	tests := []struct {
		file      string
		kind      Kind
		email     string
		reason    string
		messageID string
		at        time.Time
	}{
		{"mailgun_failed_permanent.json", Bounce, "reader.one@example.org", "550 5.1.1 The email account that you tried to reach does not exist.",
			"20260305164958.1.0DF563D0B3597700@mg.example.com", time.Unix(1772729990, 389832000)},
		{"mailgun_failed_temporary.json", Ignore, "reader.two@example.org", "mailgun temporary failure (attempt 1), retrying: 452 4.2.2",
			"20260305165000.2.AAAAAAAAAAAAAAAA@mg.example.com", time.Unix(1772729995, 120000000)},
		{"mailgun_failed_suppress.json", Bounce, "reader.three@example.org", "605 Not delivering to previously bounced address",
			"20260305165001.3.BBBBBBBBBBBBBBBB@mg.example.com", time.Unix(1772729999, 500000000)},
		{"mailgun_complained.json", Complaint, "reader.four@example.org", "spam complaint",
			"20260305164500.4.CCCCCCCCCCCCCCCC@mg.example.com", time.Unix(1772729900, 0)},
		{"mailgun_unsubscribed.json", Unsubscribe, "reader.five@example.org", "unsubscribed through mailgun",
			"20260305164600.5.DDDDDDDDDDDDDDDD@mg.example.com", time.Unix(1772729950, 250000000)},
		{"mailgun_delivered.json", Ignore, "reader.six@example.org", "mailgun delivered",
			"20260305164400.6.EEEEEEEEEEEEEEEE@mg.example.com", time.Unix(1772729800, 100000000)},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body := resignMailgun(t, readTestdata(t, tt.file), mailgunKey, nil)
			e := one(t)(Mailgun(body, mailgunKey, testNow))
			if e.Kind != tt.kind || e.Email != tt.email || e.MessageID != tt.messageID || e.Provider != "mailgun" {
				t.Errorf("got %+v", e)
			}
			if !strings.HasPrefix(e.Reason, tt.reason) {
				t.Errorf("reason %q does not start with %q", e.Reason, tt.reason)
			}
			if d := e.At.Sub(tt.at); d > time.Microsecond || d < -time.Microsecond {
				t.Errorf("at %s, want %s", e.At, tt.at)
			}
		})
	}
}

func TestMailgunFailureReasons(t *testing.T) {
	tests := []struct {
		severity, reason string
		want             Kind
	}{
		{"permanent", "bounce", Bounce},
		{"permanent", "generic", Bounce},
		{"permanent", "suppress-complaint", Complaint},
		{"permanent", "suppress-unsubscribe", Unsubscribe},
		{"permanent", "old", SoftBounce}, // gave up after temporary failures: counted once
		{"permanent", "espblock", Ignore},
		{"temporary", "generic", Ignore}, // still retrying
	}
	for _, tt := range tests {
		body := resignMailgun(t, []byte(`{"signature":{"timestamp":"1772730000","token":"tok"},"event-data":{"event":"failed","severity":"`+
			tt.severity+`","reason":"`+tt.reason+`","recipient":"r@example.org","delivery-status":{"code":"550","message":"no"}}}`), mailgunKey, nil)
		e := one(t)(Mailgun(body, mailgunKey, testNow))
		if e.Kind != tt.want {
			t.Errorf("%s/%s: got %+v, want %s", tt.severity, tt.reason, e, tt.want)
		}
	}
}

func TestMailgunRefusesBadSignatures(t *testing.T) {
	raw := readTestdata(t, "mailgun_complained.json")
	tests := []struct {
		name string
		body []byte
		key  string
		now  time.Time
	}{
		{"wrong key", resignMailgun(t, raw, "key-someone-else", nil), mailgunKey, testNow},
		{"no key configured", resignMailgun(t, raw, "", nil), "", testNow},
		{"tampered token", resignMailgun(t, raw, mailgunKey, func(s *mailgunSig) { s.Token += "x" }), mailgunKey, testNow},
		{"tampered timestamp", resignMailgun(t, raw, mailgunKey, func(s *mailgunSig) { s.Timestamp = json.RawMessage(`"1772730001"`) }), mailgunKey, testNow},
		{"stale timestamp", resignMailgun(t, raw, mailgunKey, nil), mailgunKey, testNow.Add(MaxSkew + time.Second)},
		{"timestamp ahead of us", resignMailgun(t, raw, mailgunKey, nil), mailgunKey, testNow.Add(-MaxSkew - time.Second)},
		{"signature not hex", resignMailgun(t, raw, mailgunKey, func(s *mailgunSig) { s.Signature = "zz" }), mailgunKey, testNow},
		{"signature empty", resignMailgun(t, raw, mailgunKey, func(s *mailgunSig) { s.Signature = "" }), mailgunKey, testNow},
		{"timestamp not a number", resignMailgun(t, raw, mailgunKey, func(s *mailgunSig) { s.Timestamp = json.RawMessage(`"soon"`) }), mailgunKey, testNow},
		{"no signature block", []byte(`{"event-data":{"event":"complained","recipient":"r@example.org"}}`), mailgunKey, testNow},
	}
	for _, tt := range tests {
		events, err := Mailgun(tt.body, tt.key, tt.now)
		if !errors.Is(err, ErrSignature) || events != nil || Status(err) != 401 {
			t.Errorf("%s: got %v, %v, want ErrSignature", tt.name, events, err)
		}
	}
}

func TestMailgunParentSignature(t *testing.T) {
	raw := readTestdata(t, "mailgun_complained.json")
	body := resignMailgun(t, raw, "key-of-the-subaccount", func(s *mailgunSig) {
		s.ParentSignature = mailgunHMAC(mailgunKey, strings.Trim(string(s.Timestamp), `"`), s.Token)
	})
	if e := one(t)(Mailgun(body, mailgunKey, testNow)); e.Kind != Complaint {
		t.Errorf("parent signature: got %+v", e)
	}
}

// Mailgun signs the timestamp and token, not event-data: real webhooks
// must verify whatever their event says, so callers that fear replays
// must remember tokens.
func TestMailgunSignatureCoversOnlyTimestampAndToken(t *testing.T) {
	body := resignMailgun(t, readTestdata(t, "mailgun_complained.json"), mailgunKey, nil)
	swapped := strings.Replace(string(body), "reader.four@example.org", "reader.nine@example.org", 1)
	if e := one(t)(Mailgun([]byte(swapped), mailgunKey, testNow)); e.Email != "reader.nine@example.org" {
		t.Errorf("got %+v", e)
	}
}

func TestMailgunMalformed(t *testing.T) {
	for _, body := range []string{``, `nope`, `[]`} {
		if _, err := Mailgun([]byte(body), mailgunKey, testNow); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: got %v, want ErrMalformed", body, err)
		}
	}
	signed := resignMailgun(t, []byte(`{"signature":{"timestamp":"1772730000","token":"tok"}}`), mailgunKey, nil)
	if _, err := Mailgun(signed, mailgunKey, testNow); !errors.Is(err, ErrMalformed) {
		t.Errorf("no event-data: got %v, want ErrMalformed", err)
	}
	signed = resignMailgun(t, []byte(`{"signature":{"timestamp":"1772730000","token":"tok"},"event-data":"text"}`), mailgunKey, nil)
	if _, err := Mailgun(signed, mailgunKey, testNow); !errors.Is(err, ErrMalformed) {
		t.Errorf("event-data not an object: got %v, want ErrMalformed", err)
	}
}
