package mailbox

import (
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Security is how the connection to the IMAP server is protected.
type Security int

// The ways to reach the IMAP server.
const (
	// ImplicitTLS speaks TLS from the first byte (imaps://, port 993).
	ImplicitTLS Security = iota
	// StartTLS connects in plain text and upgrades with STARTTLS before
	// logging in, and fails if the server cannot (imap://, port 143).
	StartTLS
	// NoTLS never encrypts (imap://…?tls=none): only for a server on the
	// same machine or a trusted network, since the password goes in clear.
	NoTLS
)

// String names the mode as the URL spells it.
func (s Security) String() string {
	switch s {
	case ImplicitTLS:
		return "tls"
	case StartTLS:
		return "starttls"
	case NoTLS:
		return "none"
	}
	return "security(" + strconv.Itoa(int(s)) + ")"
}

// Config says which IMAP folder to read and how. Its String, Format and
// LogValue never show the password, nor the whole user name.
type Config struct {
	Addr     string // host:port
	Username string
	Password string `json:"-"`
	Folder   string // "INBOX" when the URL names none
	Security Security
	// TLS, when set, is used for ImplicitTLS and StartTLS (a test's own
	// certificate authority, say); nil: the system's roots, with the
	// server name taken from Addr.
	TLS *tls.Config `json:"-"`
}

const urlShape = "want imaps://user:password@host[:port]/folder, or imap://… (STARTTLS) or imap://…?tls=none (no encryption)"

// ParseURL reads BOUNCE_MAILBOX:
//
//	imaps://user:password@host[:port]/folder   TLS (port 993)
//	imap://user:password@host[:port]/folder    STARTTLS, required (port 143)
//	imap://user:password@host[:port]/folder?tls=none   no encryption (port 143)
//
// The user name and password are percent-decoded (write @ as %40, / as
// %2F, ? as %3F, # as %23, % as %25); the folder is the path without its
// leading slash, INBOX when empty. Errors never quote the URL.
func ParseURL(s string) (Config, error) {
	var c Config
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		// url.Parse's error quotes the whole URL, password included.
		return c, errors.New("mailbox URL: not a valid URL (percent-encode / ? # @ % in the user name and password); " + urlShape)
	}
	port := ""
	switch strings.ToLower(u.Scheme) {
	case "imaps":
		c.Security, port = ImplicitTLS, "993"
	case "imap":
		c.Security, port = StartTLS, "143"
	default:
		return c, fmt.Errorf("mailbox URL: scheme %q: %s", u.Scheme, urlShape)
	}
	if u.Opaque != "" || u.Fragment != "" {
		return c, errors.New("mailbox URL: " + urlShape)
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return c, errors.New("mailbox URL: unreadable query; " + urlShape)
	}
	for k, vs := range q {
		if k != "tls" || len(vs) != 1 {
			return c, fmt.Errorf("mailbox URL: unknown or repeated parameter %q; only tls=none or tls=starttls (imap://)", k)
		}
		switch v := strings.ToLower(vs[0]); {
		case v == "none" && c.Security == StartTLS:
			c.Security = NoTLS
		case v == "starttls" && c.Security == StartTLS:
		default:
			return c, fmt.Errorf("mailbox URL: tls=%q with %s://: only imap:// takes tls=none or tls=starttls", vs[0], u.Scheme)
		}
	}
	host := u.Hostname()
	if host == "" {
		return c, errors.New("mailbox URL: no host; " + urlShape)
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 65535 {
			return c, fmt.Errorf("mailbox URL: port %q is not a number from 1 to 65535", p)
		}
		port = p
	}
	c.Addr = net.JoinHostPort(host, port)
	if u.User == nil || u.User.Username() == "" {
		return c, errors.New("mailbox URL: no user name; " + urlShape)
	}
	c.Username = u.User.Username()
	pw, ok := u.User.Password()
	if !ok || pw == "" {
		return c, errors.New("mailbox URL: no password; " + urlShape)
	}
	c.Password = pw
	c.Folder = strings.TrimPrefix(u.Path, "/")
	if c.Folder == "" {
		c.Folder = "INBOX"
	}
	if strings.ContainsAny(c.Folder, "\r\n\x00") {
		return c, errors.New("mailbox URL: the folder name has a control character")
	}
	return c, nil
}

// String shows the configuration as a URL with the user name masked and
// no password: imaps://b***@example.org@imap.example.org:993/Bounces.
func (c Config) String() string {
	scheme, query := "imaps", ""
	switch c.Security {
	case StartTLS:
		scheme = "imap"
	case NoTLS:
		scheme, query = "imap", "?tls=none"
	}
	return scheme + "://" + MaskUser(c.Username) + "@" + c.Addr + "/" + c.Folder + query
}

// Format prints String for every verb, so that %v, %+v and %#v never show
// the password either.
func (c Config) Format(f fmt.State, verb rune) {
	_, _ = f.Write([]byte(c.String()))
}

// MarshalJSON writes String, so that no password or whole user name ends
// up in JSON either.
func (c Config) MarshalJSON() ([]byte, error) {
	return json.Marshal(c.String())
}

// LogValue logs the configuration as String.
func (c Config) LogValue() slog.Value {
	return slog.StringValue(c.String())
}

// MaskUser keeps the first character of a user name and, for an address,
// its domain: "bounces@example.org" → "b***@example.org", "bob" → "b***".
func MaskUser(user string) string {
	if user == "" {
		return ""
	}
	local, domain, isAddr := strings.Cut(user, "@")
	r := []rune(local)
	masked := "***"
	if len(r) > 0 {
		masked = string(r[0]) + "***"
	}
	if isAddr {
		return masked + "@" + domain
	}
	return masked
}
