package doctor

import (
	"strings"
	"testing"

	"github.com/miekg/dns"
)

// dmarcZone is goodZone without a DMARC record, plus extra lines.
func dmarcZone(t *testing.T, extra ...string) []dns.RR {
	var out []dns.RR
	for _, r := range goodZone(t, rsaKey()) {
		if !strings.HasPrefix(r.Header().Name, "_dmarc.") {
			out = append(out, r)
		}
	}
	return append(out, rr(t, extra...)...)
}

func dmarcCheck(t *testing.T, from string, extra ...string) Result {
	t.Helper()
	c := goodConfig("", writeKey(t, rsaKey(), false))
	c.MailFrom = from
	return only(t, runWith(t, c, dmarcZone(t, extra...)...), CheckDMARC)
}

func TestDMARC(t *testing.T) {
	const from = "letters@example.org"
	want(t, dmarcCheck(t, from), Fail, "no DMARC record at _dmarc.example.org: Gmail and Yahoo require",
		"_dmarc.example.org", "v=DMARC1; p=none; rua=mailto:dmarc-reports@example.org", "p=quarantine")
	want(t, dmarcCheck(t, from, `_dmarc.example.org. 300 IN TXT "v=DMARC1; p=none; rua=mailto:d@example.org"`),
		Warn, "p=none: fine to start", "p=quarantine")
	want(t, dmarcCheck(t, from, `_dmarc.example.org. 300 IN TXT "v=DMARC1;p=reject"`), OK, "p=reject (no rua=")
	want(t, dmarcCheck(t, from, `_dmarc.example.org. 300 IN TXT "v=DMARC1; p=quarantine; pct=25; rua=mailto:d@example.org"`), OK, "for 25% of mail")
	want(t, dmarcCheck(t, from, `_dmarc.example.org. 300 IN TXT "v=DMARC1; p=maybe"`), Fail, "no valid p=")
	want(t, dmarcCheck(t, from, `_dmarc.example.org. 300 IN TXT "p=reject; v=DMARC1"`), Fail, "must begin with v=DMARC1")
	want(t, dmarcCheck(t, from, `_dmarc.example.org. 300 IN TXT "v=DMARC1; p=reject"`, `_dmarc.example.org. 300 IN TXT "v=DMARC1; p=none"`),
		Fail, "2 DMARC records")
	// Unrelated TXT records at the name do not count.
	want(t, dmarcCheck(t, from, `_dmarc.example.org. 300 IN TXT "hello"`), Fail, "no DMARC record")
}

func TestDMARCOfParentDomain(t *testing.T) {
	from := "Letters <letters@news.example.org>"
	// The subdomain has no record: the parent's sp= applies, else its p=.
	want(t, dmarcCheck(t, from, `_dmarc.example.org. 300 IN TXT "v=DMARC1; p=reject; sp=none"`),
		Warn, "_dmarc.example.org (which covers news.example.org) has sp=none", "sp=quarantine")
	want(t, dmarcCheck(t, from, `_dmarc.example.org. 300 IN TXT "v=DMARC1; p=quarantine"`), OK, "(which covers news.example.org) has p=quarantine")
	// Its own record wins.
	want(t, dmarcCheck(t, from, `_dmarc.example.org. 300 IN TXT "v=DMARC1; p=none"`, `_dmarc.news.example.org. 300 IN TXT "v=DMARC1; p=reject"`),
		OK, "_dmarc.news.example.org has p=reject")
	want(t, dmarcCheck(t, from), Fail, "no DMARC record at _dmarc.news.example.org")
}
