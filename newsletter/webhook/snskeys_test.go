package webhook

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"sync"
	"testing"
	"time"
)

// testNow is the clock of the SNS, Mailgun and SendGrid tests.
var testNow = time.Date(2026, 3, 5, 17, 0, 0, 0, time.UTC)

// amazonCertURL is a SigningCertURL of the shape SNS sends.
const amazonCertURL = "https://sns.us-east-1.amazonaws.com/SimpleNotificationService-f3ecfb7224c7233fe7bb5f59f96de52f.pem"

// testTopic is the topic of the envelopes in testdata.
const testTopic = "arn:aws:sns:us-east-1:123456789012:ses-feedback"

// signer is an RSA key and a self-signed certificate standing in for the
// one SNS signs with.
type signer struct {
	key     *rsa.PrivateKey
	certPEM []byte
}

var (
	signersOnce sync.Once
	signers     [2]signer // [0] is "Amazon's", [1] a stranger's
)

// testSigners makes two signing keys once per test binary.
func testSigners(t testing.TB) (amazon, stranger signer) {
	t.Helper()
	signersOnce.Do(func() {
		for i := range signers {
			key, err := rsa.GenerateKey(rand.Reader, 2048)
			if err != nil {
				panic(err)
			}
			tmpl := &x509.Certificate{
				SerialNumber: big.NewInt(int64(i + 1)),
				Subject:      pkix.Name{CommonName: "sns.amazonaws.com"},
				NotBefore:    testNow.Add(-24 * time.Hour),
				NotAfter:     testNow.Add(365 * 24 * time.Hour),
				KeyUsage:     x509.KeyUsageDigitalSignature,
			}
			der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
			if err != nil {
				panic(err)
			}
			signers[i] = signer{key: key, certPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
		}
	})
	return signers[0], signers[1]
}

// envelope reads an SNS envelope from testdata as name/value pairs.
func envelope(t testing.TB, name string) map[string]string {
	t.Helper()
	var env map[string]string
	if err := json.Unmarshal(readTestdata(t, name), &env); err != nil {
		t.Fatalf("testdata %s: %v", name, err)
	}
	return env
}

// awsStringToSign follows the AWS documentation word for word, apart
// from the package's own code: each name, a newline, its value, a
// newline, in the listed order; Subject only when present.
func awsStringToSign(env map[string]string) string {
	names := []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	if env["Type"] == "Notification" {
		names = []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	}
	s := ""
	for _, n := range names {
		v, ok := env[n]
		if !ok && n == "Subject" {
			continue
		}
		s += n + "\n" + v + "\n"
	}
	return s
}

// sign sets SignatureVersion and Signature on env and returns its JSON.
func (s signer) sign(t testing.TB, env map[string]string, version string) []byte {
	t.Helper()
	env["SignatureVersion"] = version
	text := []byte(awsStringToSign(env))
	var sig []byte
	var err error
	if version == "1" {
		sum := sha1.Sum(text)
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA1, sum[:])
	} else {
		sum := sha256.Sum256(text)
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, sum[:])
	}
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	env["Signature"] = base64.StdEncoding.EncodeToString(sig)
	body, err := json.Marshal(env)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return body
}

// certFetcher serves one certificate and records every URL asked for.
type certFetcher struct {
	mu   sync.Mutex
	pem  []byte
	err  error
	urls []string
}

func (f *certFetcher) fetch(_ context.Context, u string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.urls = append(f.urls, u)
	return f.pem, f.err
}

func (f *certFetcher) calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.urls...)
}

// stamp formats a time the way SNS does.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
