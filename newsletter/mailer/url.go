package mailer

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Security says how the connection to the SMTP server is protected.
type Security int

const (
	// StartTLSRequired upgrades the connection with STARTTLS and refuses
	// to send when the server does not offer it (ErrNoStartTLS). It is the
	// default for smtp:// URLs; ?tls=required says the same.
	StartTLSRequired Security = iota
	// ImplicitTLS speaks TLS from the first byte (smtps://).
	ImplicitTLS
	// NoTLS never upgrades the connection and allows credentials in
	// plaintext (smtp://…?tls=none). Meant for a relay on a trusted network.
	NoTLS
)

// String names the mode as it is written in SMTP_URL.
func (s Security) String() string {
	switch s {
	case StartTLSRequired:
		return "required"
	case ImplicitTLS:
		return "implicit"
	case NoTLS:
		return "none"
	}
	return "Security(" + strconv.Itoa(int(s)) + ")"
}

// Default ports, used when SMTP_URL names none.
const (
	// DefaultSubmissionPort is the port for smtp:// (message submission, RFC 6409).
	DefaultSubmissionPort = 587
	// DefaultSubmissionsPort is the port for smtps:// (submission over implicit TLS, RFC 8314).
	DefaultSubmissionsPort = 465
)

// SMTPSettings is a parsed and validated SMTP_URL.
type SMTPSettings struct {
	Host     string   // host name or IP address, without brackets
	Port     int      // 587 or 465 unless the URL names one
	Username string   // empty: no authentication
	Password string   // percent-decoded
	Security Security // from the scheme and ?tls=
}

// Addr is host:port, ready for dialing.
func (s *SMTPSettings) Addr() string {
	return net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
}

// String renders the settings as a URL with the password redacted, fit
// for logs.
func (s *SMTPSettings) String() string {
	u := url.URL{Scheme: "smtp", Host: s.Addr()}
	if s.Security == ImplicitTLS {
		u.Scheme = "smtps"
	}
	if s.Username != "" {
		if s.Password != "" {
			u.User = url.UserPassword(s.Username, "xxxxx")
		} else {
			u.User = url.User(s.Username)
		}
	}
	if s.Security == NoTLS {
		u.RawQuery = "tls=none"
	}
	return u.String()
}

// ParseURL validates an SMTP_URL value:
//
//	smtp://[user[:password]@]host[:port][?tls=none|required]
//	smtps://[user[:password]@]host[:port]
//
// smtp:// requires STARTTLS: a server that offers none gets no mail
// (tls=required says the same; tls=none never upgrades and allows
// plaintext, credentials included); smtps:// uses implicit TLS. The port
// defaults to 587 for smtp:// and 465 for smtps://. User and password must be
// percent-encoded when they contain reserved characters such as '@', ':',
// '/' or '#'. Errors start with "SMTP_URL: " and never contain the password.
func ParseURL(raw string) (*SMTPSettings, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, errors.New("SMTP_URL: empty")
	}
	if strings.Contains(raw, "#") {
		return nil, errors.New("SMTP_URL: unexpected '#' (percent-encode it as %23 in a user name or password)")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// The parser's message may quote part of the password: only repeat
		// it when the URL carries no credentials.
		msg := "not a valid URL"
		var ue *url.Error
		if errors.As(err, &ue) && !strings.Contains(raw, "@") {
			msg = ue.Err.Error()
		}
		return nil, fmt.Errorf("SMTP_URL: %s (percent-encode reserved characters in the user name and password)", msg)
	}
	s := &SMTPSettings{}
	switch strings.ToLower(u.Scheme) {
	case "smtp":
		s.Security = StartTLSRequired
		s.Port = DefaultSubmissionPort
	case "smtps":
		s.Security = ImplicitTLS
		s.Port = DefaultSubmissionsPort
	case "":
		return nil, errors.New("SMTP_URL: missing scheme, want smtp:// or smtps://")
	default:
		return nil, fmt.Errorf("SMTP_URL: unsupported scheme %q, want smtp or smtps", u.Scheme)
	}
	if u.Opaque != "" {
		return nil, errors.New("SMTP_URL: want smtp://host:port or smtps://host:port")
	}
	s.Host = u.Hostname()
	if s.Host == "" {
		return nil, errors.New("SMTP_URL: missing host")
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("SMTP_URL: invalid port %q", p)
		}
		s.Port = n
	} else if strings.HasSuffix(u.Host, ":") {
		return nil, errors.New("SMTP_URL: empty port")
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("SMTP_URL: unexpected path %q", u.Path)
	}
	if u.User != nil {
		s.Username = u.User.Username()
		s.Password, _ = u.User.Password()
		if s.Username == "" && s.Password != "" {
			return nil, errors.New("SMTP_URL: password without a user name")
		}
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("SMTP_URL: bad query: %v", err)
	}
	for key, vals := range q {
		if key != "tls" {
			return nil, fmt.Errorf("SMTP_URL: unknown parameter %q (only tls is known)", key)
		}
		if len(vals) != 1 {
			return nil, errors.New("SMTP_URL: tls given more than once")
		}
		v := strings.ToLower(vals[0])
		if s.Security == ImplicitTLS {
			return nil, fmt.Errorf("SMTP_URL: tls=%s does not apply to smtps:// (always TLS)", v)
		}
		switch v {
		case "none":
			s.Security = NoTLS
		case "required", "":
			s.Security = StartTLSRequired
		case "opportunistic":
			return nil, errors.New("SMTP_URL: tls=opportunistic is gone: smtp:// now requires STARTTLS; use tls=none to allow plaintext")
		default:
			return nil, fmt.Errorf("SMTP_URL: unknown tls=%q, want none or required", vals[0])
		}
	}
	return s, nil
}
