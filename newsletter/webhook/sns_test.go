package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSNSStringToSignMatchesAWSExamples(t *testing.T) {
	subject := "My subject"
	n := snsMessage{
		Type: "Notification", Message: "My Test Message", MessageID: "4d4dc071-ddbf-465d-bba8-08f81c89da64",
		Subject: &subject, Timestamp: "2019-01-31T04:37:04.321Z",
		TopicArn: "arn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P",
	}
	want := "Message\nMy Test Message\nMessageId\n4d4dc071-ddbf-465d-bba8-08f81c89da64\nSubject\nMy subject\n" +
		"Timestamp\n2019-01-31T04:37:04.321Z\nTopicArn\narn:aws:sns:us-east-2:123456789012:s4-MySNSTopic-1G1WEFCOXTC0P\nType\nNotification\n"
	if got, err := n.stringToSign(); err != nil || got != want {
		t.Errorf("notification:\n got %q, %v\nwant %q", got, err, want)
	}
	n.Subject = nil // absent: not part of the string at all
	if got, _ := n.stringToSign(); strings.Contains(got, "Subject") {
		t.Errorf("string to sign names an absent Subject: %q", got)
	}
	c := snsMessage{
		Type: "SubscriptionConfirmation", Message: "My Test Message", MessageID: "3d891288-136d-417f-bc05-901c108273ee",
		SubscribeURL: "https://sns.us-east-2.amazonaws.com/?Action=ConfirmSubscription&Token=233",
		Timestamp:    "2019-01-31T19:25:13.719Z", Token: "233", TopicArn: "arn:aws:sns:us-east-2:123456789012:t",
	}
	want = "Message\nMy Test Message\nMessageId\n3d891288-136d-417f-bc05-901c108273ee\n" +
		"SubscribeURL\nhttps://sns.us-east-2.amazonaws.com/?Action=ConfirmSubscription&Token=233\n" +
		"Timestamp\n2019-01-31T19:25:13.719Z\nToken\n233\nTopicArn\narn:aws:sns:us-east-2:123456789012:t\nType\nSubscriptionConfirmation\n"
	if got, err := c.stringToSign(); err != nil || got != want {
		t.Errorf("confirmation:\n got %q, %v\nwant %q", got, err, want)
	}
}

// notification builds a fresh SNS envelope carrying an SES file.
func notification(t *testing.T, sesFile string) map[string]string {
	env := envelope(t, "sns_notification.json")
	env["Message"] = string(readTestdata(t, sesFile))
	env["Timestamp"] = stamp(testNow.Add(-time.Minute))
	return env
}

func newTestSNS(f *certFetcher) *SNS {
	return &SNS{Topics: []string{testTopic}, Fetch: f.fetch, Now: func() time.Time { return testNow }}
}

func TestSNSNotificationsBothSignatureVersions(t *testing.T) {
	amazon, _ := testSigners(t)
	f := &certFetcher{pem: amazon.certPEM}
	s := newTestSNS(f)
	tests := []struct {
		file   string
		kinds  []Kind
		emails []string
	}{
		{"ses_bounce_permanent.json", []Kind{Bounce, Bounce}, []string{"reader.one@example.org", "reader.two@example.org"}},
		{"ses_bounce_transient.json", []Kind{SoftBounce}, []string{"reader.three@example.org"}},
		{"ses_complaint.json", []Kind{Complaint}, []string{"reader.four@example.org"}},
		{"ses_event_bounce.json", []Kind{Bounce}, []string{"reader.five@example.org"}},
		{"ses_delivery.json", []Kind{Ignore}, []string{""}},
	}
	for _, version := range []string{"1", "2"} {
		for _, tt := range tests {
			body := amazon.sign(t, notification(t, tt.file), version)
			events, err := s.Handle(context.Background(), body)
			if err != nil {
				t.Fatalf("v%s %s: %v", version, tt.file, err)
			}
			if len(events) != len(tt.kinds) {
				t.Fatalf("v%s %s: got %+v", version, tt.file, events)
			}
			for i, e := range events {
				if e.Kind != tt.kinds[i] || e.Email != tt.emails[i] || e.Provider != "ses" {
					t.Errorf("v%s %s #%d: got %+v, want %s %s", version, tt.file, i, e, tt.kinds[i], tt.emails[i])
				}
			}
		}
	}
	// Ten messages, one certificate URL: fetched once, from Amazon's URL.
	if got := f.calls(); len(got) != 1 || got[0] != amazonCertURL {
		t.Errorf("fetched %q, want only %s once", got, amazonCertURL)
	}
}

func TestSNSRefusesForeignCertURLsWithoutFetching(t *testing.T) {
	amazon, _ := testSigners(t)
	for _, u := range []string{
		"http://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem",
		"https://evil.com/SimpleNotificationService-1.pem",
		"https://sns.us-east-1.amazonaws.com.evil.com/SimpleNotificationService-1.pem",
		"https://sns.us-east-1.amazonaws.com@evil.com/SimpleNotificationService-1.pem",
		"https://user:pw@sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem",
		`https://sns.us-east-1.amazonaws.com\@evil.com/SimpleNotificationService-1.pem`,
		"https://evil.com/sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem",
		"https://evilsns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem",
		"https://s3.us-east-1.amazonaws.com/SimpleNotificationService-1.pem",
		"https://sns.us-east-1.amazonaws.com:8443/SimpleNotificationService-1.pem",
		"https://sns.us-east-1.amazonaws.com/SimpleNotificationService-1.txt",
		"https://sns.us-east-1.amazonaws.com/cert?file=x.pem",
		"https://sns.us-east-1.amazonaws.com/x.pem?redirect=https://evil.com/",
		"//sns.us-east-1.amazonaws.com/SimpleNotificationService-1.pem",
		"",
	} {
		f := &certFetcher{pem: amazon.certPEM}
		env := notification(t, "ses_complaint.json")
		env["SigningCertURL"] = u
		_, err := newTestSNS(f).Handle(context.Background(), amazon.sign(t, env, "2"))
		if !errors.Is(err, ErrSignature) || Status(err) != 401 {
			t.Errorf("%q: got %v, want ErrSignature", u, err)
		}
		if got := f.calls(); len(got) != 0 {
			t.Errorf("%q: fetched %q before refusing", u, got)
		}
	}
	for _, u := range []string{ // other real regions and partitions pass the check
		"https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-1.pem",
		"https://sns.us-gov-west-1.amazonaws.com/SimpleNotificationService-1.pem",
		"https://sns.cn-north-1.amazonaws.com.cn/SimpleNotificationService-1.pem",
	} {
		if err := checkSNSURL(u, true); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
}

func TestSNSRefusesBadSignatures(t *testing.T) {
	amazon, stranger := testSigners(t)
	tests := []struct {
		name    string
		body    func() []byte
		fetches bool // whether the certificate may be fetched before refusing
	}{
		{"tampered message", func() []byte {
			env := notification(t, "ses_complaint.json")
			amazon.sign(t, env, "2")
			env["Message"] = strings.Replace(env["Message"], "reader.four", "someone.else", 1)
			return marshal(t, env)
		}, true},
		{"tampered topic", func() []byte {
			env := notification(t, "ses_complaint.json")
			amazon.sign(t, env, "1")
			env["MessageId"] = "another-id"
			return marshal(t, env)
		}, true},
		{"wrong key", func() []byte { return stranger.sign(t, notification(t, "ses_complaint.json"), "2") }, true},
		{"version 1 signature said to be version 2", func() []byte {
			env := notification(t, "ses_complaint.json")
			amazon.sign(t, env, "1")
			env["SignatureVersion"] = "2"
			return marshal(t, env)
		}, true},
		{"stale timestamp", func() []byte {
			env := notification(t, "ses_complaint.json")
			env["Timestamp"] = stamp(testNow.Add(-61 * time.Minute))
			return amazon.sign(t, env, "2")
		}, false},
		{"future timestamp", func() []byte {
			env := notification(t, "ses_complaint.json")
			env["Timestamp"] = stamp(testNow.Add(time.Hour))
			return amazon.sign(t, env, "2")
		}, false},
		{"no timestamp", func() []byte {
			env := notification(t, "ses_complaint.json")
			delete(env, "Timestamp")
			return amazon.sign(t, env, "2")
		}, false},
		{"unknown signature version", func() []byte { return amazon.sign(t, notification(t, "ses_complaint.json"), "3") }, false},
		{"signature not base64", func() []byte {
			env := notification(t, "ses_complaint.json")
			amazon.sign(t, env, "2")
			env["Signature"] = "%%%"
			return marshal(t, env)
		}, false},
		{"topic not ours", func() []byte {
			env := notification(t, "ses_complaint.json")
			env["TopicArn"] = "arn:aws:sns:us-east-1:999999999999:strangers-topic"
			return amazon.sign(t, env, "2")
		}, false},
	}
	for _, tt := range tests {
		f := &certFetcher{pem: amazon.certPEM}
		events, err := newTestSNS(f).Handle(context.Background(), tt.body())
		if !errors.Is(err, ErrSignature) || events != nil {
			t.Errorf("%s: got %v, %v, want ErrSignature", tt.name, events, err)
		}
		if !tt.fetches && len(f.calls()) != 0 {
			t.Errorf("%s: fetched the certificate before refusing", tt.name)
		}
	}
}

func marshal(t *testing.T, env map[string]string) []byte {
	t.Helper()
	b, err := json.Marshal(env)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return b
}

func TestSNSCertificateProblems(t *testing.T) {
	amazon, _ := testSigners(t)
	body := amazon.sign(t, notification(t, "ses_complaint.json"), "2")

	_, err := newTestSNS(&certFetcher{err: errors.New("connection refused")}).Handle(context.Background(), body)
	if !errors.Is(err, ErrUpstream) || Status(err) != 502 {
		t.Errorf("fetch failure: got %v, want ErrUpstream", err)
	}
	_, err = newTestSNS(&certFetcher{pem: []byte("<html>not a certificate</html>")}).Handle(context.Background(), body)
	if !errors.Is(err, ErrSignature) {
		t.Errorf("not PEM: got %v, want ErrSignature", err)
	}
	late := newTestSNS(&certFetcher{pem: amazon.certPEM})
	late.Now = func() time.Time { return testNow.Add(400 * 24 * time.Hour) }
	env := notification(t, "ses_complaint.json")
	env["Timestamp"] = stamp(late.Now())
	if _, err := late.Handle(context.Background(), amazon.sign(t, env, "2")); !errors.Is(err, ErrSignature) {
		t.Errorf("expired certificate: got %v, want ErrSignature", err)
	}
}

func TestSNSMalformedAndOtherTypes(t *testing.T) {
	amazon, _ := testSigners(t)
	f := &certFetcher{pem: amazon.certPEM}
	s := newTestSNS(f)
	for _, body := range []string{``, `nope`, `[]`, `{"Type":"Surprise"}`, `{"Type":5}`} {
		if _, err := s.Handle(context.Background(), []byte(body)); !errors.Is(err, ErrMalformed) || Status(err) != 400 {
			t.Errorf("%q: got %v, want ErrMalformed", body, err)
		}
	}
	env := notification(t, "ses_complaint.json")
	env["Message"] = "hello from a plain-text publish"
	env["Subject"] = "a subject is signed too"
	e := one(t)(s.Handle(context.Background(), amazon.sign(t, env, "2")))
	if e.Kind != Ignore || !strings.Contains(e.Reason, "not an SES notification") {
		t.Errorf("plain message: got %+v", e)
	}
	unsub := envelope(t, "sns_subscription_confirmation.json")
	unsub["Type"] = "UnsubscribeConfirmation"
	unsub["Timestamp"] = stamp(testNow)
	e = one(t)(s.Handle(context.Background(), amazon.sign(t, unsub, "1")))
	if e.Kind != Ignore || !strings.Contains(e.Reason, "unsubscribed us") {
		t.Errorf("unsubscribe confirmation: got %+v", e)
	}
}
