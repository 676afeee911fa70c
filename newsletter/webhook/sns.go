package webhook

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// SNS reads Amazon SNS messages posted to our endpoint: SES bounce and
// complaint notifications, and the subscription confirmations that come
// first. Set it up once and use it from many goroutines.
type SNS struct {
	// Topics lists the topic ARNs we accept. Anybody can create an SNS
	// topic, subscribe our URL to it and publish messages Amazon signs,
	// so without this list a stranger could feed us fake bounces. When
	// empty, every topic is accepted.
	Topics []string
	// Fetch gets a signing certificate (PEM) from a URL already checked to
	// be Amazon's; nil means an HTTPS GET with Client.
	Fetch func(ctx context.Context, certURL string) ([]byte, error)
	// Client visits SubscribeURLs and, without Fetch, fetches
	// certificates (never following redirects); nil means a client with
	// a 10-second timeout.
	Client *http.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	mu    sync.Mutex
	certs map[string]*x509.Certificate // by certificate URL
}

// snsMessage is an SNS envelope
// (https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html).
type snsMessage struct {
	Type             string  `json:"Type"`
	MessageID        string  `json:"MessageId"`
	Token            string  `json:"Token"`
	TopicArn         string  `json:"TopicArn"`
	Subject          *string `json:"Subject"` // signed only when present
	Message          string  `json:"Message"`
	Timestamp        string  `json:"Timestamp"`
	SignatureVersion string  `json:"SignatureVersion"`
	Signature        string  `json:"Signature"`
	SigningCertURL   string  `json:"SigningCertURL"`
	SubscribeURL     string  `json:"SubscribeURL"`
}

// How old an SNS message may be, and how far ahead of our clock.
const (
	snsMaxAge    = time.Hour
	snsMaxFuture = 15 * time.Minute
)

// snsHost matches the hosts SNS signs from and confirms subscriptions at:
// sns.<region>.amazonaws.com, and .amazonaws.com.cn in China.
var snsHost = regexp.MustCompile(`^sns\.[a-z]{2}(-[a-z]+)+-[0-9]+\.amazonaws\.com(\.cn)?$`)

// Handle checks one SNS message and returns what it reports.
//
// Every message must carry a Timestamp less than an hour old, come from
// one of Topics, and name a signing certificate at an
// https://sns.<region>.amazonaws.com URL ending in .pem; all three are
// checked before anything is fetched. Then its signature (SignatureVersion
// 1, SHA1withRSA, or 2, SHA256withRSA) must verify with that certificate.
// Any failure there is ErrSignature. A SubscriptionConfirmation is confirmed by
// visiting its SubscribeURL (again only an SNS host); a failed visit is
// ErrUpstream, so SNS sends the confirmation again. A Notification
// carries an SES notification or event in Message (see sesEvents).
func (s *SNS) Handle(ctx context.Context, body []byte) ([]Event, error) {
	var m snsMessage
	if err := json.Unmarshal(body, &m); err != nil {
		return nil, fmt.Errorf("%w: sns: %v", ErrMalformed, err)
	}
	canonical, err := m.stringToSign()
	if err != nil {
		return nil, err
	}
	if err := s.checkFresh(m.Timestamp); err != nil {
		return nil, err
	}
	if len(s.Topics) > 0 && !slices.Contains(s.Topics, m.TopicArn) {
		return nil, fmt.Errorf("%w: sns: topic %q is not ours", ErrSignature, m.TopicArn)
	}
	if err := s.verify(ctx, &m, canonical); err != nil {
		return nil, err
	}
	switch m.Type {
	case "SubscriptionConfirmation":
		if err := s.confirm(ctx, m.SubscribeURL); err != nil {
			return nil, err
		}
		return []Event{event("ses", Ignore, "", "sns subscription confirmed: "+m.TopicArn, parseTime(m.Timestamp), m.MessageID)}, nil
	case "UnsubscribeConfirmation":
		// We never asked to leave; say so, but do not subscribe again
		// behind the operator's back.
		return []Event{event("ses", Ignore, "", "sns unsubscribed us from "+m.TopicArn, parseTime(m.Timestamp), m.MessageID)}, nil
	default: // Notification; stringToSign refused the other types
		return sesEvents(m.Message), nil
	}
}

// stringToSign builds the text SNS signs: name and value lines, in the
// order AWS documents, for the fields of the message's type.
func (m *snsMessage) stringToSign() (string, error) {
	var names []string
	switch m.Type {
	case "Notification":
		names = []string{"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"}
	case "SubscriptionConfirmation", "UnsubscribeConfirmation":
		names = []string{"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"}
	default:
		return "", fmt.Errorf("%w: sns: unknown message type %q", ErrMalformed, m.Type)
	}
	value := map[string]string{
		"Message": m.Message, "MessageId": m.MessageID, "SubscribeURL": m.SubscribeURL,
		"Timestamp": m.Timestamp, "Token": m.Token, "TopicArn": m.TopicArn, "Type": m.Type,
	}
	var b strings.Builder
	for _, name := range names {
		v := value[name]
		if name == "Subject" {
			if m.Subject == nil {
				continue
			}
			v = *m.Subject
		}
		b.WriteString(name + "\n" + v + "\n")
	}
	return b.String(), nil
}

func (s *SNS) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

// checkFresh refuses a message whose Timestamp is missing, over an hour
// old, or ahead of our clock by more than a few minutes.
func (s *SNS) checkFresh(ts string) error {
	t := parseTime(ts)
	now := s.now()
	switch {
	case t.IsZero():
		return fmt.Errorf("%w: sns: no readable Timestamp", ErrSignature)
	case now.Sub(t) > snsMaxAge:
		return fmt.Errorf("%w: sns: message is %s old", ErrSignature, now.Sub(t).Round(time.Second))
	case t.Sub(now) > snsMaxFuture:
		return fmt.Errorf("%w: sns: Timestamp is in the future", ErrSignature)
	}
	return nil
}

// verify checks the message's signature against its signing certificate.
func (s *SNS) verify(ctx context.Context, m *snsMessage, canonical string) error {
	var hash crypto.Hash
	var digest []byte
	switch m.SignatureVersion {
	case "1":
		sum := sha1.Sum([]byte(canonical))
		hash, digest = crypto.SHA1, sum[:]
	case "2":
		sum := sha256.Sum256([]byte(canonical))
		hash, digest = crypto.SHA256, sum[:]
	default:
		return fmt.Errorf("%w: sns: unsupported SignatureVersion %q", ErrSignature, m.SignatureVersion)
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil || len(sig) == 0 {
		return fmt.Errorf("%w: sns: Signature is not base64", ErrSignature)
	}
	if err := checkSNSURL(m.SigningCertURL, true); err != nil {
		return fmt.Errorf("%w: sns: SigningCertURL: %v", ErrSignature, err)
	}
	cert, err := s.certificate(ctx, m.SigningCertURL)
	if err != nil {
		return err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("%w: sns: signing certificate has no RSA key", ErrSignature)
	}
	if err := rsa.VerifyPKCS1v15(pub, hash, digest, sig); err != nil {
		return fmt.Errorf("%w: sns: %v", ErrSignature, err)
	}
	return nil
}

// checkSNSURL accepts only https URLs on an SNS host, with no user
// name, no port and no fragment; a certificate URL must also end in .pem.
func checkSNSURL(raw string, cert bool) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("unreadable URL: %v", err)
	case u.Scheme != "https":
		return fmt.Errorf("scheme %q is not https", u.Scheme)
	case u.User != nil:
		return fmt.Errorf("URL carries a user name")
	case u.Port() != "":
		return fmt.Errorf("URL names a port")
	case !snsHost.MatchString(u.Host):
		return fmt.Errorf("host %q is not an SNS host", u.Host)
	case u.Fragment != "" || u.Opaque != "":
		return fmt.Errorf("unexpected URL form")
	case cert && (!strings.HasSuffix(u.Path, ".pem") || u.RawQuery != ""):
		return fmt.Errorf("path %q is not a .pem file", u.Path)
	}
	return nil
}

// certificate returns the signing certificate at certURL, from the cache
// or fetched. A failed fetch is ErrUpstream; a certificate that cannot be
// read or is out of its validity period is ErrSignature.
func (s *SNS) certificate(ctx context.Context, certURL string) (*x509.Certificate, error) {
	s.mu.Lock()
	cert := s.certs[certURL]
	s.mu.Unlock()
	if cert == nil {
		fetch := s.Fetch
		if fetch == nil {
			fetch = s.get
		}
		data, err := fetch(ctx, certURL)
		if err != nil {
			return nil, fmt.Errorf("%w: sns: fetch signing certificate: %v", ErrUpstream, err)
		}
		block, _ := pem.Decode(data)
		if block == nil || block.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("%w: sns: signing certificate is not PEM", ErrSignature)
		}
		cert, err = x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, fmt.Errorf("%w: sns: signing certificate: %v", ErrSignature, err)
		}
		s.mu.Lock()
		if s.certs == nil || len(s.certs) >= 32 { // a handful of regions; never grows without bound
			s.certs = map[string]*x509.Certificate{}
		}
		s.certs[certURL] = cert
		s.mu.Unlock()
	}
	if now := s.now(); now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return nil, fmt.Errorf("%w: sns: signing certificate is not valid now", ErrSignature)
	}
	return cert, nil
}

func (s *SNS) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	return &http.Client{Timeout: 10 * time.Second}
}

// get fetches a URL with the client and returns at most 64 KiB of a 200
// response. Redirects are not followed: the URL was checked, where it
// might lead was not.
func (s *SNS) get(ctx context.Context, rawURL string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	client := *s.client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s answered %s", req.URL.Host, resp.Status)
	}
	return data, nil
}

// confirm visits a SubscriptionConfirmation's SubscribeURL, after checking
// that it is an SNS ConfirmSubscription URL.
func (s *SNS) confirm(ctx context.Context, subscribeURL string) error {
	if err := checkSNSURL(subscribeURL, false); err != nil {
		return fmt.Errorf("%w: sns: SubscribeURL: %v", ErrSignature, err)
	}
	if u, _ := url.Parse(subscribeURL); u.Query().Get("Action") != "ConfirmSubscription" {
		return fmt.Errorf("%w: sns: SubscribeURL is not a ConfirmSubscription call", ErrSignature)
	}
	if _, err := s.get(ctx, subscribeURL); err != nil {
		return fmt.Errorf("%w: sns: confirm subscription: %v", ErrUpstream, err)
	}
	return nil
}
