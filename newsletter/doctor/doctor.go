package doctor

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/mail"
	"strings"
	"sync"
	"time"
)

// Level is how a check went.
type Level int

const (
	// OK means nothing to do.
	OK Level = iota
	// Warn means mail still goes out, but something costs deliverability,
	// data or the law's goodwill, or the doctor cannot tell.
	Warn
	// Fail means the world will refuse, junk or lose something until the
	// fix is made.
	Fail
)

// String is "ok", "warn" or "fail".
func (l Level) String() string {
	switch l {
	case OK:
		return "ok"
	case Warn:
		return "warn"
	case Fail:
		return "fail"
	}
	return fmt.Sprintf("Level(%d)", int(l))
}

// Names of the checks, as Result.Check holds them.
const (
	CheckMailFrom      = "MAIL_FROM"
	CheckDKIM          = "DKIM"
	CheckSPF           = "SPF"
	CheckDMARC         = "DMARC"
	CheckBaseURL       = "BASE_URL"
	CheckPostalAddress = "POSTAL_ADDRESS"
	CheckRedis         = "Redis"
)

// Result is the outcome of one check.
type Result struct {
	// Check names what was checked, one of the Check constants.
	Check string
	// Level is ok, warn or fail.
	Level Level
	// Message says what was found, in plain words.
	Message string
	// Fix says what to do, possibly over several lines (a DNS record to
	// publish); empty when the level is OK.
	Fix string
}

// DefaultTimeout bounds each DNS exchange when Config.Timeout is zero.
const DefaultTimeout = 3 * time.Second

// Config is what the checks look at, filled by the caller from the
// service's settings.
type Config struct {
	// MailFrom is MAIL_FROM, such as `Letters <letters@example.org>`.
	MailFrom string
	// ReturnPath is the envelope sender, such as bounces@example.org;
	// empty when the envelope sender is MailFrom's address. SPF is checked
	// on its domain too, since receivers check SPF on the envelope.
	ReturnPath string
	// SMTPHost is the host name (or IP) of SMTP_URL, without user,
	// password or port (a port or a whole URL is tolerated and stripped).
	// Empty means dev mode: mail goes to the outbox folder.
	SMTPHost string
	// BaseURL is BASE_URL, the public origin of every link.
	BaseURL string
	// PostalAddress is POSTAL_ADDRESS.
	PostalAddress string
	// DKIMSelector and DKIMKeyFile are DKIM_SELECTOR and DKIM_KEY_FILE.
	DKIMSelector, DKIMKeyFile string
	// Resolver is the "host:port" of the DNS server to ask (":53" is
	// added when the port is missing); empty: /etc/resolv.conf's servers.
	Resolver string
	// Timeout bounds each DNS exchange; DefaultTimeout when zero.
	Timeout time.Duration
	// Persistence reports how Redis keeps its data, for instance through
	// PersistenceFromConfig over CONFIG GET. Nil means the service runs on
	// the embedded in-memory Redis, which keeps nothing.
	Persistence func(context.Context) (RedisPersistence, error)
}

// Run performs every check, the DNS ones in parallel, and returns their
// results in a fixed order: MAIL_FROM (only when it cannot be read), DKIM,
// SPF (of MAIL_FROM's domain, then of ReturnPath's when it differs), DMARC,
// BASE_URL, POSTAL_ADDRESS, Redis. ctx bounds the whole run.
func Run(ctx context.Context, c Config) []Result {
	sending := smtpHostName(c.SMTPHost) != ""
	var slots []func() []Result
	slots = append(slots, mailChecks(ctx, c)...)
	slots = append(slots,
		func() []Result { return []Result{checkBaseURL(c.BaseURL, sending)} },
		func() []Result { return []Result{checkPostalAddress(c.PostalAddress)} },
		func() []Result { return []Result{checkRedis(ctx, c.Persistence, sending)} },
	)
	out := make([][]Result, len(slots))
	var wg sync.WaitGroup
	for i, f := range slots {
		wg.Go(func() { out[i] = f() })
	}
	wg.Wait()
	var rs []Result
	for _, r := range out {
		rs = append(rs, r...)
	}
	return rs
}

// mailChecks returns the DKIM, SPF and DMARC checks, or one result that
// explains why they do not run.
func mailChecks(ctx context.Context, c Config) []func() []Result {
	from, err := addressDomain(c.MailFrom)
	if err != nil {
		return fixed(Result{Check: CheckMailFrom, Level: Fail, Message: "MAIL_FROM " + err.Error() + ", so DKIM, SPF and DMARC cannot be checked",
			Fix: "Set MAIL_FROM to the address letters come from, such as `Letters <letters@example.org>`, on a domain you own."})
	}
	var envelope string
	var badEnvelope *Result
	if strings.TrimSpace(c.ReturnPath) != "" {
		if envelope, err = addressDomain(c.ReturnPath); err != nil {
			badEnvelope = &Result{Check: CheckSPF, Level: Fail, Message: "RETURN_PATH " + err.Error(),
				Fix: "Set RETURN_PATH to an address on your domain, such as bounces@example.org, or leave it empty."}
		}
	}
	host := smtpHostName(c.SMTPHost)
	notYet := func(check string) Result {
		return Result{Check: check, Level: OK, Message: "not sending yet: SMTP_URL is empty, so letters go to the outbox folder; run `newsletter doctor` again once SMTP_URL is set"}
	}
	atLocal := func(check string) Result {
		return Result{Check: check, Level: OK, Message: "not checked: MAIL_FROM is at " + from + ", which the world cannot look up; set MAIL_FROM to your own domain before sending"}
	}
	switch {
	case host == "":
		return fixed(notYet(CheckDKIM), notYet(CheckSPF), notYet(CheckDMARC))
	case isLocalName(from):
		return fixed(atLocal(CheckDKIM), atLocal(CheckSPF), atLocal(CheckDMARC))
	}
	res, err := newResolver(c.Resolver, c.Timeout)
	if err != nil {
		r := func(check string) Result {
			return Result{Check: check, Level: Warn, Message: "cannot tell: " + err.Error(),
				Fix: "Give the doctor a DNS server to ask (the resolver setting), or fix /etc/resolv.conf."}
		}
		return fixed(r(CheckDKIM), r(CheckSPF), r(CheckDMARC))
	}
	return []func() []Result{
		func() []Result { return []Result{checkDKIM(ctx, res, from, c.DKIMSelector, c.DKIMKeyFile)} },
		func() []Result {
			if badEnvelope != nil {
				return []Result{checkSPF(ctx, res, from, host, "MAIL_FROM's domain"), *badEnvelope}
			}
			if envelope == "" || envelope == from {
				return []Result{checkSPF(ctx, res, from, host, "MAIL_FROM's domain, the envelope sender")}
			}
			return []Result{checkSPF(ctx, res, from, host, "MAIL_FROM's domain"),
				checkSPF(ctx, res, envelope, host, "RETURN_PATH's domain, the envelope sender")}
		},
		func() []Result { return []Result{checkDMARC(ctx, res, from)} },
	}
}

// fixed is one slot that returns rs as they are.
func fixed(rs ...Result) []func() []Result {
	return []func() []Result{func() []Result { return rs }}
}

// addressDomain is the lower-cased domain of an address such as
// `Name <user@example.org>`, or an error that names no local part.
func addressDomain(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", fmt.Errorf("is empty")
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return "", fmt.Errorf("is not an address like `Name <user@example.org>`")
	}
	at := strings.LastIndexByte(a.Address, '@')
	if at < 1 || at == len(a.Address)-1 {
		return "", fmt.Errorf("has no domain")
	}
	d := strings.TrimSuffix(strings.ToLower(a.Address[at+1:]), ".")
	if !validDomain(d) {
		return "", fmt.Errorf("has the domain %q, which is not a DNS name (write it in its ASCII xn-- form)", d)
	}
	return d, nil
}

// validDomain reports whether d is a plausible ASCII DNS name.
func validDomain(d string) bool {
	if d == "" || len(d) > 253 {
		return false
	}
	for _, l := range strings.Split(d, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			ch := l[i]
			if !(ch >= 'a' && ch <= 'z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '_') {
				return false
			}
		}
	}
	return true
}

// isLocalName reports names that public DNS never answers.
func isLocalName(d string) bool {
	if d == "localhost" || !strings.Contains(d, ".") {
		return true
	}
	for _, tld := range []string{".localhost", ".local", ".invalid", ".internal", ".home.arpa"} {
		if strings.HasSuffix(d, tld) {
			return true
		}
	}
	return false
}

// Print writes one line per result ("ok", "warn" or "fail", the check, the
// message), each fix indented under its result, and a closing tally. It
// returns the number of failures, for the command's exit status.
func Print(w io.Writer, rs []Result) (fails int) {
	width := 0
	for _, r := range rs {
		width = max(width, len(r.Check))
	}
	var n [3]int
	for _, r := range rs {
		if r.Level >= OK && r.Level <= Fail {
			n[r.Level]++
		}
		fmt.Fprintf(w, "%-4s  %-*s  %s\n", r.Level, width, r.Check, r.Message)
		if r.Fix != "" {
			pad := strings.Repeat(" ", 6+width+2)
			for i, line := range strings.Split(strings.TrimRight(r.Fix, "\n"), "\n") {
				lead := pad
				if i == 0 {
					lead = pad[:len(pad)-5] + "fix: "
				}
				fmt.Fprintf(w, "%s%s\n", lead, line)
			}
		}
	}
	fmt.Fprintf(w, "\n%d ok, %d %s, %d %s\n", n[OK], n[Warn], plural(n[Warn], "warning"), n[Fail], plural(n[Fail], "failure"))
	return n[Fail]
}

func plural(n int, s string) string {
	if n == 1 {
		return s
	}
	return s + "s"
}

// Log writes each warning (at slog.LevelWarn) and failure (at
// slog.LevelError) to l, with the check, the message and the fix; results
// that are ok are not logged.
func Log(ctx context.Context, l *slog.Logger, rs []Result) {
	for _, r := range rs {
		lvl := slog.LevelWarn
		switch r.Level {
		case OK:
			continue
		case Fail:
			lvl = slog.LevelError
		}
		l.Log(ctx, lvl, "doctor: "+r.Message, "check", r.Check, "fix", r.Fix)
	}
}
