package webhook

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAmazon is a real HTTPS server on 127.0.0.1 with a certificate for
// sns.us-east-1.amazonaws.com, and a client that reaches it for that
// name. It serves the signing certificate at any .pem path and answers
// ConfirmSubscription calls, recording each request.
type fakeAmazon struct {
	srv    *httptest.Server
	client *http.Client
	status int // answer to ConfirmSubscription

	mu       sync.Mutex
	requests []string // host + request URI
}

func newFakeAmazon(t *testing.T, certPEM []byte) *fakeAmazon {
	t.Helper()
	tlsCert, pool := amazonTLSCert(t)
	fa := &fakeAmazon{status: http.StatusOK}
	fa.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fa.mu.Lock()
		fa.requests = append(fa.requests, r.Host+r.URL.RequestURI())
		status := fa.status
		fa.mu.Unlock()
		switch {
		case strings.HasSuffix(r.URL.Path, ".pem"):
			w.Write(certPEM)
		case r.URL.Query().Get("redirect") != "":
			http.Redirect(w, r, r.URL.Query().Get("redirect"), http.StatusFound)
		case r.URL.Query().Get("Action") == "ConfirmSubscription":
			w.WriteHeader(status)
			w.Write([]byte(`<ConfirmSubscriptionResponse><ConfirmSubscriptionResult><SubscriptionArn>arn</SubscriptionArn></ConfirmSubscriptionResult></ConfirmSubscriptionResponse>`))
		default:
			http.NotFound(w, r)
		}
	}))
	fa.srv.TLS = &tls.Config{Certificates: []tls.Certificate{tlsCert}}
	fa.srv.StartTLS()
	t.Cleanup(fa.srv.Close)
	addr := fa.srv.Listener.Addr().String()
	fa.client = &http.Client{
		Timeout: 5 * time.Second,
		Transport: &http.Transport{
			// Every host name leads to the local server; TLS still checks
			// that it holds a certificate for the name asked for.
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, addr)
			},
			TLSClientConfig: &tls.Config{RootCAs: pool},
		},
	}
	return fa
}

func (fa *fakeAmazon) setStatus(code int) {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	fa.status = code
}

func (fa *fakeAmazon) seen() []string {
	fa.mu.Lock()
	defer fa.mu.Unlock()
	return append([]string(nil), fa.requests...)
}

// amazonTLSCert makes a self-signed server certificate for
// sns.us-east-1.amazonaws.com and a pool that trusts it.
func amazonTLSCert(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(7),
		Subject:               pkix.Name{CommonName: "sns.us-east-1.amazonaws.com"},
		DNSNames:              []string{"sns.us-east-1.amazonaws.com"},
		NotBefore:             time.Now().Add(-time.Hour), // TLS checks the real clock
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}, pool
}

func confirmation(t *testing.T) map[string]string {
	env := envelope(t, "sns_subscription_confirmation.json")
	env["Timestamp"] = stamp(testNow.Add(-time.Minute))
	return env
}

func TestSNSSubscriptionConfirmationVisitsSubscribeURL(t *testing.T) {
	amazon, _ := testSigners(t)
	fa := newFakeAmazon(t, amazon.certPEM)
	// No Fetch: the certificate too comes over HTTPS through Client.
	s := &SNS{Topics: []string{testTopic}, Client: fa.client, Now: func() time.Time { return testNow }}
	env := confirmation(t)

	e := one(t)(s.Handle(context.Background(), amazon.sign(t, env, "2")))
	if e.Kind != Ignore || !strings.Contains(e.Reason, "subscription confirmed") || e.Provider != "ses" {
		t.Errorf("got %+v, want an ignored 'subscription confirmed' event", e)
	}
	got := fa.seen()
	if len(got) != 2 {
		t.Fatalf("server saw %q, want the certificate then the confirmation", got)
	}
	if got[0] != "sns.us-east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem" {
		t.Errorf("certificate request = %q", got[0])
	}
	if want := strings.TrimPrefix(env["SubscribeURL"], "https://"); got[1] != want {
		t.Errorf("confirmation request = %q, want %q", got[1], want)
	}
}

func TestSNSSubscriptionConfirmationFailures(t *testing.T) {
	amazon, _ := testSigners(t)
	fa := newFakeAmazon(t, amazon.certPEM)
	s := &SNS{Topics: []string{testTopic}, Client: fa.client, Now: func() time.Time { return testNow }}

	fa.setStatus(http.StatusInternalServerError)
	_, err := s.Handle(context.Background(), amazon.sign(t, confirmation(t), "2"))
	if !errors.Is(err, ErrUpstream) || Status(err) != 502 {
		t.Errorf("confirmation answered 500: got %v, want ErrUpstream so SNS tries again", err)
	}
	fa.setStatus(http.StatusOK)

	for _, u := range []string{
		"https://evil.com/?Action=ConfirmSubscription&Token=1",
		"http://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=1",
		"https://sns.us-east-1.amazonaws.com.evil.com/?Action=ConfirmSubscription&Token=1",
		"https://sns.us-east-1.amazonaws.com@evil.com/?Action=ConfirmSubscription&Token=1",
		"https://sns.us-east-1.amazonaws.com/?Action=Publish&Message=hi",
	} {
		before := len(fa.seen())
		env := confirmation(t)
		env["SubscribeURL"] = u
		if _, err := s.Handle(context.Background(), amazon.sign(t, env, "2")); !errors.Is(err, ErrSignature) {
			t.Errorf("SubscribeURL %q: got %v, want ErrSignature", u, err)
		}
		for _, r := range fa.seen()[before:] {
			if !strings.HasSuffix(r, ".pem") {
				t.Errorf("SubscribeURL %q: server was visited at %q", u, r)
			}
		}
	}

	// An SNS URL that redirects is not followed.
	env := confirmation(t)
	env["SubscribeURL"] = "https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&Token=1&redirect=/%3FAction%3DConfirmSubscription%26Token%3Dfollowed"
	if _, err := s.Handle(context.Background(), amazon.sign(t, env, "2")); !errors.Is(err, ErrUpstream) {
		t.Errorf("redirecting SubscribeURL: got %v, want ErrUpstream", err)
	}
	for _, r := range fa.seen() {
		if strings.HasSuffix(r, "Token=followed") {
			t.Errorf("redirect followed to %q", r)
		}
	}

	// A confirmation for a topic that is not ours is never visited.
	before := len(fa.seen())
	env = confirmation(t)
	env["TopicArn"] = "arn:aws:sns:us-east-1:999999999999:strangers-topic"
	if _, err := s.Handle(context.Background(), amazon.sign(t, env, "2")); !errors.Is(err, ErrSignature) {
		t.Errorf("foreign topic: got %v, want ErrSignature", err)
	}
	if after := fa.seen(); len(after) != before {
		t.Errorf("foreign topic: server saw %q", after[before:])
	}
}
