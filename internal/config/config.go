// Package config reads the service's settings from the environment, the
// one place that knows every variable: its name, default and meaning (for
// --help), and how a bad value is reported.
package config

import (
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter/mailer"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/sequences"
)

// Variable is one environment variable the service reads.
type Variable struct {
	Name, Default, Help string
}

// Variables lists every variable, for --help and for the README.
var Variables = []Variable{
	{"ADDR", ":8080", "listen address"},
	{"BASE_URL", "http://localhost:8080", "public origin used in every link that goes out"},
	{"REDIS_URL", "", "redis://[user:pass@]host:port/db, rediss://… (TLS), redis+sentinel://[user:pass@]host:port[,host:port…]/<master>[/db], redis+cluster://[user:pass@]host:port[,host:port…] or rediss+cluster://…; empty: embedded in-memory Redis (dev mode, nothing persists)"},
	{"REDIS_CA_FILE", "", "PEM CA bundle for rediss:// (a private CA); empty: the system's roots"},
	{"REDIS_CERT_FILE", "", "PEM client certificate for rediss:// (with REDIS_KEY_FILE); empty: none"},
	{"REDIS_KEY_FILE", "", "PEM key of REDIS_CERT_FILE"},
	{"REDIS_PREFIX", "nl:", "prefix of every Redis key, so that several services (or tests) can share one Redis"},
	{"SMTP_URL", "", "smtp://user:pass@host:port (STARTTLS required), smtps:// (implicit TLS), ?tls=none allows plaintext; empty: write .eml files to OUTBOX_DIR"},
	{"SMTP_URL_TRANSACTIONAL", "", "a second SMTP URL (the forms of SMTP_URL) for confirmation mail only, such as a provider's transactional stream; needs SMTP_URL; empty: confirmations go through SMTP_URL"},
	{"OUTBOX_DIR", "./outbox", "where dev-mode mail goes"},
	{"MAIL_FROM", "Newsletter <newsletter@localhost>", "sender"},
	{"POSTAL_ADDRESS", "", "sender's postal address for every footer (a warning when empty)"},
	{"ADMIN_TOKEN", "", "bearer token for /admin/api and the password of /admin, at least 24 characters (e.g. openssl rand -hex 24); empty disables both"},
	{"WEBHOOK_SECRET", "", "shared secret of the Postmark bounce/complaint webhook (POST /webhooks/postmark, as Basic auth password); empty: off"},
	{"MAILGUN_WEBHOOK_KEY", "", "Mailgun's webhook signing key, for POST /webhooks/mailgun; empty: off"},
	{"SENDGRID_WEBHOOK_KEY", "", "SendGrid's Event Webhook verification key (base64 or PEM), for POST /webhooks/sendgrid; empty: off"},
	{"SES_TOPIC_ARNS", "", "comma-separated SNS topic ARNs whose messages POST /webhooks/ses believes; empty: any topic's (set it)"},
	{"REPLY_TO", "", "Reply-To of every mail to a subscriber (an address, or Name <address>); empty: none"},
	{"RETURN_PATH", "", "envelope sender; with it every mail to a subscriber goes out from <local>+<tag>@<domain> (VERP); empty: MAIL_FROM's address"},
	{"BOUNCE_MAILBOX", "", "imaps://user:pass@host[:port]/<folder> or imap://…?tls=none: the mailbox that receives RETURN_PATH's mail, read every minute; empty: not read"},
	{"LIST_ID", "", "the List-Id of every mail to a subscriber (list.example.org or Name <list.example.org>); empty: \"SITE_TITLE\" <MAIL_FROM's local part.domain>"},
	{"SECRET_KEY", "", "key for signed links, at least 32 characters (e.g. openssl rand -hex 32); required with REDIS_URL, so that links outlive a lost Redis; empty with the embedded Redis: made per run"},
	{"METRICS_TOKEN", "", "bearer token for GET /metrics; empty: /metrics answers 404"},
	{"LATE_LETTER_GRACE", "1h", "a letter that cannot start (or go on) within this long of its time is held for the author instead of sent late (Go duration)"},
	{"SEQUENCES_DIR", "", "folder of sequences; empty: the built-in sequences"},
	{"DEFAULT_SEQUENCE", "guide", "sequence a signup joins when the form names none"},
	{"TRUSTED_PROXIES", "", "comma-separated CIDRs whose X-Forwarded-For is believed"},
	{"SIGNUP_LIMIT", "20", "signups accepted per client IP per hour; 0 turns the limit off"},
	{"DKIM_SELECTOR", "", "DKIM selector; with DKIM_KEY_FILE signs every mail for MAIL_FROM's domain"},
	{"DKIM_KEY_FILE", "", "PEM private key (RSA or Ed25519) for DKIM"},
	{"DEFAULT_TZ", "UTC", "time zone for subscribers whose browser sent none"},
	{"AUTHOR_TZ", "", "the author's time zone: the desk shows and reads times in it; empty: DEFAULT_TZ"},
	{"SEND_CONCURRENCY", "4", "sending goroutines per worker, each with one SMTP connection"},
	{"WORKER_LEASE", "15s", "how long a claimed job stays hidden from other workers without a heartbeat (Go duration): a living worker renews it every third of it; a killed one's jobs go out again after it"},
	{"MAIL_RATE", "0", "messages per second across all workers; 0: no limit"},
	{"SUBJECT_PREFIX", "", "put before every subject, for a neutral lock-screen preview"},
	{"CRISIS_LINE", "If you are in crisis, call or text 988 in the US, or your local emergency number.", "footer line with crisis resources"},
	{"SITE_TITLE", "Dear Fellow Humans", "name of the letters on pages and in the feed"},
	{"PENDING_RETENTION", "7d", "unconfirmed signups (and their IPs) are erased after this long (Go duration, or days like 7d)"},
	{"LOG_FORMAT", "text", "text or json"},
	{"PPROF_ADDR", "", "loopback address for Go's profiler at /debug/pprof/ (e.g. 127.0.0.1:6060); empty: off"},
}

// MinAdminToken is the shortest ADMIN_TOKEN the service accepts.
const MinAdminToken = 24

// Config is every setting, read once at start.
type Config struct {
	Addr, BaseURL, RedisURL, OutboxDir, PostalAddress, AdminToken, SecretKey, WebhookSecret string
	MetricsToken                                                                            string
	LateLetterGrace                                                                         time.Duration
	SequencesDir, DefaultSequence, SubjectPrefix, CrisisLine, SiteTitle                     string
	LogFormat, RedisPrefix, PprofAddr                                                       string
	Redis                                                                                   *redis.UniversalOptions
	Mail                                                                                    mailer.Config
	TrustedProxies                                                                          []netip.Prefix
	SignupLimit, Concurrency                                                                int
	DefaultTZ                                                                               *time.Location
	PendingRetention                                                                        time.Duration
	MailRate                                                                                float64
	Lease                                                                                   time.Duration
	// AuthorTZ is AUTHOR_TZ, the zone the desk shows and reads times in
	// (and `newsletter letter schedule --at` reads a local time in);
	// DefaultTZ when unset. The API's times are RFC 3339 whatever it is.
	AuthorTZ *time.Location
	// TransactionalURL is SMTP_URL_TRANSACTIONAL: the SMTP server of the
	// confirmation mail, with Mail's sender and DKIM key; empty: Mail.URL.
	TransactionalURL string
	// Deliverability: REPLY_TO, RETURN_PATH, LIST_ID, BOUNCE_MAILBOX and
	// the webhook keys (deliverability.go).
	Deliverability
}

// Env is the trimmed value of a listed variable, or its default.
func Env(name string) string { return strings.TrimSpace(envRaw(name)) }

// envRaw is Env without trimming, for values whose spaces matter
// (SUBJECT_PREFIX="[Letters] ").
func envRaw(name string) string {
	for _, v := range Variables {
		if v.Name == name {
			if s, ok := os.LookupEnv(name); ok {
				return s
			}
			return v.Default
		}
	}
	panic("unknown variable " + name)
}

// Load reads the environment; an error names the variable at fault.
func Load() (*Config, error) {
	c := &Config{
		Addr: Env("ADDR"), RedisURL: Env("REDIS_URL"), OutboxDir: Env("OUTBOX_DIR"),
		PostalAddress: Env("POSTAL_ADDRESS"), AdminToken: Env("ADMIN_TOKEN"), SecretKey: Env("SECRET_KEY"), WebhookSecret: Env("WEBHOOK_SECRET"),
		SequencesDir: Env("SEQUENCES_DIR"), DefaultSequence: Env("DEFAULT_SEQUENCE"),
		SubjectPrefix: envRaw("SUBJECT_PREFIX"), CrisisLine: Env("CRISIS_LINE"), SiteTitle: Env("SITE_TITLE"),
		LogFormat: Env("LOG_FORMAT"), RedisPrefix: Env("REDIS_PREFIX"), PprofAddr: Env("PPROF_ADDR"),
		MetricsToken: Env("METRICS_TOKEN"),
	}
	rawBase := Env("BASE_URL")
	if _, set := os.LookupEnv("BASE_URL"); !set {
		// An unset BASE_URL follows ADDR's port, so that dev-mode links work.
		if _, port, err := net.SplitHostPort(c.Addr); err == nil && port != "" && port != "8080" {
			rawBase = "http://localhost:" + port
		}
	}
	base, err := url.Parse(rawBase)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("BASE_URL: %q is not an http(s) origin such as https://letters.example.org", rawBase)
	}
	c.BaseURL = strings.TrimRight(base.String(), "/")
	if c.RedisURL != "" {
		files := redisstore.TLSFiles{CA: Env("REDIS_CA_FILE"), Cert: Env("REDIS_CERT_FILE"), Key: Env("REDIS_KEY_FILE")}
		if c.Redis, err = redisstore.ParseURL(c.RedisURL, files); err != nil {
			return nil, err
		}
	}
	if raw := Env("SMTP_URL"); raw != "" {
		if _, err := mailer.ParseURL(raw); err != nil {
			return nil, err
		}
	}
	if raw := Env("SMTP_URL_TRANSACTIONAL"); raw != "" {
		if Env("SMTP_URL") == "" {
			return nil, errors.New("SMTP_URL_TRANSACTIONAL needs SMTP_URL: with SMTP_URL empty every mail goes to OUTBOX_DIR, and confirmations alone would leave the machine")
		}
		if _, err := mailer.ParseURL(raw); err != nil {
			return nil, errors.New("SMTP_URL_TRANSACTIONAL: " + strings.TrimPrefix(err.Error(), "SMTP_URL: "))
		}
		c.TransactionalURL = raw
	}
	c.Mail = mailer.Config{URL: Env("SMTP_URL"), OutboxDir: c.OutboxDir, From: Env("MAIL_FROM"),
		DKIMSelector: Env("DKIM_SELECTOR"), DKIMKeyFile: Env("DKIM_KEY_FILE")}
	for _, p := range strings.Split(Env("TRUSTED_PROXIES"), ",") {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			if a, err := netip.ParseAddr(p); err == nil {
				p = netip.PrefixFrom(a, a.BitLen()).String()
			}
		}
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, fmt.Errorf("TRUSTED_PROXIES: %q is not a CIDR such as 10.0.0.0/8", p)
		}
		c.TrustedProxies = append(c.TrustedProxies, prefix.Masked())
	}
	if c.SignupLimit, err = strconv.Atoi(Env("SIGNUP_LIMIT")); err != nil || c.SignupLimit < 0 {
		return nil, fmt.Errorf("SIGNUP_LIMIT: %q is not a whole number of 0 or more", Env("SIGNUP_LIMIT"))
	}
	if c.Concurrency, err = strconv.Atoi(Env("SEND_CONCURRENCY")); err != nil || c.Concurrency < 1 || c.Concurrency > 256 {
		return nil, fmt.Errorf("SEND_CONCURRENCY: %q is not a number from 1 to 256", Env("SEND_CONCURRENCY"))
	}
	if c.MailRate, err = strconv.ParseFloat(Env("MAIL_RATE"), 64); err != nil || !(c.MailRate >= 0) || math.IsInf(c.MailRate, 0) {
		return nil, fmt.Errorf("MAIL_RATE: %q is not a number of messages per second, 0 or more (0: no limit)", Env("MAIL_RATE"))
	}
	if c.Lease, err = time.ParseDuration(Env("WORKER_LEASE")); err != nil || c.Lease < time.Second {
		return nil, fmt.Errorf("WORKER_LEASE: %q is not a duration of a second or more, such as 2m", Env("WORKER_LEASE"))
	}
	if c.DefaultTZ, err = time.LoadLocation(Env("DEFAULT_TZ")); err != nil {
		return nil, fmt.Errorf("DEFAULT_TZ: %q is not an IANA time zone", Env("DEFAULT_TZ"))
	}
	c.AuthorTZ = c.DefaultTZ
	if tz := Env("AUTHOR_TZ"); tz != "" {
		if c.AuthorTZ, err = time.LoadLocation(tz); err != nil || tz == "Local" {
			return nil, fmt.Errorf("AUTHOR_TZ: %q is not an IANA time zone such as Europe/Berlin", tz)
		}
	}
	if c.PendingRetention, err = sequences.ParseDuration(Env("PENDING_RETENTION")); err != nil || c.PendingRetention < time.Hour {
		return nil, fmt.Errorf("PENDING_RETENTION: %q is not a duration of an hour or more, such as 7d", Env("PENDING_RETENTION"))
	}
	if c.AdminToken != "" && len(c.AdminToken) < MinAdminToken {
		return nil, fmt.Errorf("ADMIN_TOKEN: %d characters is too easy to guess; use at least %d (e.g. openssl rand -hex 24), or leave it empty to switch the desk and admin API off", len(c.AdminToken), MinAdminToken)
	}
	if c.RedisURL != "" && c.SecretKey == "" {
		return nil, errors.New("SECRET_KEY: required with REDIS_URL, so that the links already mailed keep working if Redis is lost or replaced; " +
			"make one with `openssl rand -hex 32` and keep it with your other secrets")
	}
	if c.SecretKey != "" {
		if _, err := ParseSecretKey(c.SecretKey); err != nil {
			return nil, err
		}
	}
	if c.LateLetterGrace, err = time.ParseDuration(Env("LATE_LETTER_GRACE")); err != nil || c.LateLetterGrace < time.Minute {
		return nil, fmt.Errorf("LATE_LETTER_GRACE: %q is not a duration of a minute or more, such as 1h", Env("LATE_LETTER_GRACE"))
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return nil, fmt.Errorf("LOG_FORMAT: %q is not text or json", c.LogFormat)
	}
	if err := CheckPprofAddr(c.PprofAddr); err != nil {
		return nil, err
	}
	if err := c.loadDeliverability(); err != nil {
		return nil, err
	}
	return c, nil
}
