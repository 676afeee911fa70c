package webhook

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"
)

// checkResult fails t unless err is nil or one of allowed, and every
// event is well formed: a known kind, the provider's name, a bounded
// one-line reason, a clean address or none (and then Ignore).
func checkResult(t *testing.T, provider string, events []Event, err error, allowed ...error) {
	t.Helper()
	if err != nil {
		ok := false
		for _, a := range allowed {
			ok = ok || errors.Is(err, a)
		}
		if !ok {
			t.Fatalf("unexpected error: %v", err)
		}
		if events != nil {
			t.Fatalf("events %+v returned with error %v", events, err)
		}
		return
	}
	for _, e := range events {
		switch e.Kind {
		case Bounce, SoftBounce, Complaint, Unsubscribe, Ignore:
		default:
			t.Fatalf("unknown kind in %+v", e)
		}
		if e.Provider != provider {
			t.Fatalf("provider %q, want %q", e.Provider, provider)
		}
		for _, s := range []string{e.Reason, e.MessageID} {
			if len(s) > maxReason+len("…") || !utf8.ValidString(s) || strings.ContainsAny(s, "\r\n\x00") {
				t.Fatalf("badly formed text %q in %+v", s, e)
			}
		}
		if e.Email == "" && e.Kind != Ignore {
			t.Fatalf("%s without an address: %+v", e.Kind, e)
		}
		if e.Email != "" && (e.Email != strings.ToLower(e.Email) || !strings.Contains(e.Email, "@") || len(e.Email) > 254) {
			t.Fatalf("unclean address %q", e.Email)
		}
	}
}

// seeds returns the contents of the testdata files matching pattern.
func seeds(f *testing.F, pattern string) [][]byte {
	f.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil || len(names) == 0 {
		f.Fatalf("no testdata matches %s: %v", pattern, err)
	}
	var out [][]byte
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, b)
	}
	return out
}

func FuzzPostmark(f *testing.F) {
	for _, b := range seeds(f, "postmark_*.json") {
		f.Add(b)
	}
	f.Add([]byte(`{"RecordType":"Bounce","Type":"HardBounce","Email":"\"x\" <A@B>","Details":"\u0000\n"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := Postmark(body)
		checkResult(t, "postmark", events, err, ErrMalformed)
	})
}

// refuseTransport fails every request: fuzzing never leaves the machine.
type refuseTransport struct{}

func (refuseTransport) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("no network while fuzzing")
}

func FuzzSNS(f *testing.F) {
	amazon, _ := testSigners(f)
	for _, b := range seeds(f, "ses_*.json") {
		env := envelope(f, "sns_notification.json")
		env["Message"] = string(b)
		env["Timestamp"] = stamp(testNow)
		f.Add(amazon.sign(f, env, "1")) // a valid signed notification
		f.Add(b)                        // a bare SES notification, for sesEvents
	}
	conf := envelope(f, "sns_subscription_confirmation.json")
	conf["Timestamp"] = stamp(testNow)
	f.Add(amazon.sign(f, conf, "2"))
	var once sync.Once
	var s *SNS
	f.Fuzz(func(t *testing.T, body []byte) {
		once.Do(func() {
			s = &SNS{
				Topics: []string{testTopic},
				Fetch:  (&certFetcher{pem: amazon.certPEM}).fetch,
				Client: &http.Client{Transport: refuseTransport{}},
				Now:    func() time.Time { return testNow },
			}
		})
		events, err := s.Handle(context.Background(), body)
		checkResult(t, "ses", events, err, ErrSignature, ErrMalformed, ErrUpstream)
		checkResult(t, "ses", sesEvents(string(body)), nil)
	})
}

func FuzzMailgun(f *testing.F) {
	for _, b := range seeds(f, "mailgun_*.json") {
		f.Add(resignMailgun(f, b, mailgunKey, nil))
	}
	f.Add([]byte(`{"signature":{"timestamp":1e400,"token":"t","signature":"00"},"event-data":{}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		events, err := Mailgun(body, mailgunKey, testNow)
		checkResult(t, "mailgun", events, err, ErrSignature, ErrMalformed)
	})
}

func FuzzSendGrid(f *testing.F) {
	for _, b := range seeds(f, "sendgrid_*.json") {
		f.Add(b, "", "")
	}
	f.Add([]byte(`[{"event":"bounce","email":"A@B","timestamp":"9e99","attempt":{}}]`), "MEUCIQ==", "1772730000")
	s := newSendGridSigner(f)
	f.Fuzz(func(t *testing.T, body []byte, sig, ts string) {
		// As sent: almost always a bad signature, never a panic.
		events, err := SendGrid(body, sig, ts, s.public, testNow)
		checkResult(t, "sendgrid", events, err, ErrSignature, ErrMalformed)
		// What a verified body goes through (signing every input would
		// make the fuzzer crawl).
		events, err = sendgridEvents(body)
		checkResult(t, "sendgrid", events, err, ErrMalformed)
	})
}
