package doctor

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// spfZone is goodZone without example.org's SPF record, plus extra lines.
func spfZone(t *testing.T, extra ...string) []dns.RR {
	var out []dns.RR
	for _, r := range goodZone(t, rsaKey()) {
		if txt, ok := r.(*dns.TXT); ok && r.Header().Name == "example.org." && strings.HasPrefix(txt.Txt[0], "v=spf1") {
			continue
		}
		out = append(out, r)
	}
	return append(out, rr(t, extra...)...)
}

// spfResults runs the checks with SMTPHost host against spfZone(extra).
func spfResults(t *testing.T, host string, extra ...string) []Result {
	t.Helper()
	c := goodConfig("", writeKey(t, rsaKey(), false))
	c.SMTPHost = host
	return runWith(t, c, spfZone(t, extra...)...)
}

func spfCheck(t *testing.T, host string, extra ...string) Result {
	t.Helper()
	return only(t, spfResults(t, host, extra...), CheckSPF)
}

const ownHost = `smtp.example.org. 300 IN A 192.0.2.10`

func TestSPFMissingFails(t *testing.T) {
	want(t, spfCheck(t, "mail.example.org"), Fail, "no SPF record at example.org", "v=spf1 a:mail.example.org ~all")
}

func TestSPFSoftfailNotCoveringWarns(t *testing.T) {
	r := spfCheck(t, "smtp.example.org:587", ownHost, `example.org. 300 IN TXT "v=spf1 ip4:198.51.100.1 ~all"`)
	want(t, r, Warn, "does not list smtp.example.org (192.0.2.10), so SPF gives softfail", "v=spf1 ip4:192.0.2.10 ip4:198.51.100.1 ~all")
}

func TestSPFHardfailNotCoveringFails(t *testing.T) {
	r := spfCheck(t, "smtp.example.org", ownHost, `example.org. 300 IN TXT "v=spf1 ip4:198.51.100.1 -all"`)
	want(t, r, Fail, "ends in -all", "v=spf1 ip4:192.0.2.10 ip4:198.51.100.1 -all")
	// An IP literal as the SMTP host is taken as the sending address too.
	r = spfCheck(t, "192.0.2.10", `example.org. 300 IN TXT "v=spf1 ip4:198.51.100.1 -all"`)
	want(t, r, Fail, "ends in -all", "ip4:192.0.2.10")
}

func TestSPFElevenLookupsFail(t *testing.T) {
	// An early match does not save it: other addresses walk the whole tree.
	r := spfCheck(t, "mail.example.org",
		`example.org. 300 IN TXT "v=spf1 ip4:127.0.0.1 include:_a.example.org mx a -all"`,
		`_a.example.org. 300 IN TXT "v=spf1 a:x1.example.org a:x2.example.org a:x3.example.org a:x4.example.org include:_b.example.org ~all"`,
		`_b.example.org. 300 IN TXT "v=spf1 a:y1.example.org a:y2.example.org a:y3.example.org ~all"`)
	want(t, r, Fail, "more than 10 DNS lookups", "Remove include:")
	// Ten is allowed.
	r = spfCheck(t, "mail.example.org",
		`example.org. 300 IN TXT "v=spf1 ip4:127.0.0.1 include:_a.example.org mx -all"`,
		`_a.example.org. 300 IN TXT "v=spf1 a:x1.example.org a:x2.example.org a:x3.example.org a:x4.example.org include:_b.example.org ~all"`,
		`_b.example.org. 300 IN TXT "v=spf1 a:y1.example.org a:y2.example.org a:y3.example.org ~all"`)
	want(t, r, OK, "lets mail.example.org")
}

func TestSPFTwoRecordsFail(t *testing.T) {
	r := spfCheck(t, "mail.example.org",
		`example.org. 300 IN TXT "v=spf1 ip4:127.0.0.1 -all"`,
		`example.org. 300 IN TXT "v=spf1 include:_spf.example.net -all"`)
	want(t, r, Fail, "2 SPF records at example.org", "Merge them", "v=spf1 ip4:127.0.0.1 -all")
}

func TestSPFBrokenAndPlusAll(t *testing.T) {
	want(t, spfCheck(t, "mail.example.org", `example.org. 300 IN TXT "v=spf1 ip4:127.0.0.1 ip4:300.1.1.1 -all"`), Fail, "is broken")
	want(t, spfCheck(t, "mail.example.org", `example.org. 300 IN TXT "v=spf1 ip4:127.0.0.1 all"`), Fail, "+all")
	want(t, spfCheck(t, "mail.example.org", `example.org. 300 IN TXT "v=spf1 include:gone.example.org ip4:127.0.0.1 -all"`), Fail, "include:gone.example.org finds no SPF record")
}

func TestSPFReturnPathDomainIsCheckedToo(t *testing.T) {
	c := goodConfig("", writeKey(t, rsaKey(), false))
	c.ReturnPath = "bounces@bounce.example.org"
	rs := runWith(t, c, goodZone(t, rsaKey())...)
	var spf []Result
	for _, r := range rs {
		if r.Check == CheckSPF {
			spf = append(spf, r)
		}
	}
	if len(spf) != 2 {
		t.Fatalf("want two SPF results, got %+v", spf)
	}
	want(t, spf[0], OK, "the SPF record at example.org lets")
	want(t, spf[1], Fail, "no SPF record at bounce.example.org (RETURN_PATH's domain, the envelope sender)")
	for _, r := range rs {
		if strings.Contains(r.Message+r.Fix, "bounces@") || strings.Contains(r.Message+r.Fix, "letters@example.org") {
			t.Errorf("%s names a whole address: %q", r.Check, r.Message)
		}
	}
}

func TestSPFProviderRelay(t *testing.T) {
	relay := `smtp.postmarkapp.com. 300 IN A 192.0.2.20`
	mtasv := `spf.mtasv.net. 300 IN TXT "v=spf1 ip4:203.0.113.0/24 -all"`
	r := spfCheck(t, "smtp.postmarkapp.com", relay, mtasv, `example.org. 300 IN TXT "v=spf1 include:spf.mtasv.net ~all"`)
	want(t, r, OK, "names Postmark's senders (include:spf.mtasv.net)")

	r = spfCheck(t, "smtp.postmarkapp.com", relay, mtasv, `example.org. 300 IN TXT "v=spf1 mx -all"`)
	want(t, r, Warn, "Postmark's relay", "Check that your provider's include: is in the record", "include:spf.mtasv.net")

	r = spfCheck(t, "relay.mailer.example.net", `relay.mailer.example.net. 300 IN A 192.0.2.30`, `example.org. 300 IN TXT "v=spf1 mx -all"`)
	want(t, r, Warn, "cannot tell", "Check that your provider's include: is in the record")

	// A relay on this machine delivers from another address.
	r = spfCheck(t, "127.0.0.1", `example.org. 300 IN TXT "v=spf1 ip4:192.0.2.10 -all"`)
	want(t, r, Warn, "cannot tell")
}

// evalSPF evaluates example.org's record for ip against a zone.
func evalSPF(t *testing.T, ip string, lines ...string) (spfResult, string) {
	t.Helper()
	addr, _ := startDNS(t, rr(t, lines...)...)
	res, err := newResolver(addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	e := &spfEval{ctx: context.Background(), res: res, ip: netip.MustParseAddr(ip), sender: "example.org"}
	return e.checkHost("example.org", 0), e.why
}

func TestSPFMechanisms(t *testing.T) {
	host := `mail.example.org. 300 IN A 192.0.2.1`
	for _, tc := range []struct {
		name, ip string
		want     spfResult
		lines    []string
	}{
		{"a with prefix", "192.0.2.200", spfPass, []string{host, `example.org. 300 IN TXT "v=spf1 a:mail.example.org/24 -all"`}},
		{"a of the domain", "192.0.2.5", spfFail, []string{`example.org. 300 IN A 192.0.2.4`, `example.org. 300 IN TXT "v=spf1 a -all"`}},
		{"mx", "192.0.2.1", spfPass, []string{host, `example.org. 300 IN MX 10 mail.example.org.`, `example.org. 300 IN TXT "v=spf1 mx -all"`}},
		{"ip6", "2001:db8::25", spfPass, []string{`example.org. 300 IN TXT "v=spf1 ip4:192.0.2.1 ip6:2001:db8::/64 -all"`}},
		{"ip4 misses ip6", "2001:db8::25", spfSoftFail, []string{`example.org. 300 IN TXT "v=spf1 ip4:0.0.0.0/0 ~all"`}},
		{"redirect", "198.51.100.9", spfPass, []string{`example.org. 300 IN TXT "v=spf1 redirect=_spf.example.net"`, `_spf.example.net. 300 IN TXT "v=spf1 ip4:198.51.100.0/24 -all"`}},
		{"redirect to nothing", "198.51.100.9", spfPermError, []string{`example.org. 300 IN TXT "v=spf1 redirect=_none.example.net"`}},
		{"exists with macro", "192.0.2.7", spfPass, []string{`example.org. 300 IN TXT "v=spf1 exists:%{ir}._spf.%{d} -all"`, `7.2.0.192._spf.example.org. 300 IN A 127.0.0.2`}},
		{"neutral default", "192.0.2.7", spfNeutral, []string{`example.org. 300 IN TXT "v=spf1 ip4:198.51.100.1"`}},
		{"include fail is no match", "192.0.2.7", spfSoftFail, []string{`example.org. 300 IN TXT "v=spf1 include:_x.example.org ~all"`, `_x.example.org. 300 IN TXT "v=spf1 -all"`}},
		{"include loop", "192.0.2.7", spfPermError, []string{`example.org. 300 IN TXT "v=spf1 include:example.org -all"`}},
		{"unknown mechanism", "192.0.2.7", spfPermError, []string{`example.org. 300 IN TXT "v=spf1 foo:bar -all"`}},
		{"too many void lookups", "192.0.2.7", spfPermError, []string{`example.org. 300 IN TXT "v=spf1 a:v1.example.org a:v2.example.org a:v3.example.org -all"`}},
		{"eleven lookups", "192.0.2.7", spfPermError, []string{host, `example.org. 300 IN TXT "v=spf1 a:mail.example.org a:mail.example.org a:mail.example.org a:mail.example.org a:mail.example.org a:mail.example.org a:mail.example.org a:mail.example.org a:mail.example.org a:mail.example.org a:mail.example.org -all"`}},
		{"no record", "192.0.2.7", spfNone, []string{host}},
	} {
		got, why := evalSPF(t, tc.ip, tc.lines...)
		if got != tc.want {
			t.Errorf("%s: got %s (%s), want %s", tc.name, got, why, tc.want)
		}
		if (got == spfPermError) != (why != "") {
			t.Errorf("%s: result %s with reason %q", tc.name, got, why)
		}
	}
}

func TestSPFMacros(t *testing.T) {
	// Examples of RFC 7208 section 7.4, for d=email.example.com.
	e := &spfEval{ip: netip.MustParseAddr("192.0.2.3"), sender: "email.example.com"}
	for spec, want := range map[string]string{
		"%{d}":                     "email.example.com",
		"%{d4}":                    "email.example.com",
		"%{d3}":                    "email.example.com",
		"%{d2}":                    "example.com",
		"%{d1}":                    "com",
		"%{dr}":                    "com.example.email",
		"%{d2r}":                   "example.email",
		"%{ir}.%{v}._spf.%{d2}":    "3.2.0.192.in-addr._spf.example.com",
		"%{lr-}.lp._spf.%{d2}":     "postmaster.lp._spf.example.com",
		"%{o}._spf.%{d2}":          "email.example.com._spf.example.com",
		"plain.example.org":        "plain.example.org",
		"%%{d}":                    "%{d}",
		"%{ir}.%{v}._spf.%{d2}.x.": "3.2.0.192.in-addr._spf.example.com.x",
	} {
		got, err := e.expand(spec, "email.example.com")
		if err != nil || got != want {
			t.Errorf("expand(%q) = %q, %v; want %q", spec, got, err, want)
		}
	}
	e.ip = netip.MustParseAddr("2001:db8::cb01")
	got, err := e.expand("%{ir}.%{v}._spf.%{d2}", "email.example.com")
	if want := "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com"; err != nil || got != want {
		t.Errorf("IPv6 %%{ir}: got %q, %v; want %q", got, err, want)
	}
	for _, bad := range []string{"%{x}", "%{d0}", "%", "%{d", "%a"} {
		if _, err := e.expand(bad, "example.org"); err == nil {
			t.Errorf("expand(%q): no error", bad)
		}
	}
}

func TestBadReturnPathKeepsOtherChecks(t *testing.T) {
	c := goodConfig("", writeKey(t, rsaKey(), false))
	c.ReturnPath = "bounces-at-nowhere"
	rs := runWith(t, c, goodZone(t, rsaKey())...)
	want(t, only(t, rs, CheckDKIM), OK, "publishes")
	want(t, only(t, rs, CheckDMARC), OK, "p=quarantine")
	if len(rs) != 7 || rs[1].Check != CheckSPF || rs[1].Level != OK || rs[2].Check != CheckSPF {
		t.Fatalf("want SPF ok for MAIL_FROM then a RETURN_PATH failure, got %+v", rs)
	}
	want(t, rs[2], Fail, "RETURN_PATH is not an address", "Set RETURN_PATH")
	if strings.Contains(rs[2].Message, "bounces") {
		t.Errorf("message shows the address: %q", rs[2].Message)
	}
}

func TestSMTPHostName(t *testing.T) {
	for in, want := range map[string]string{
		"smtp.example.org":                          "smtp.example.org",
		"SMTP.Example.org.":                         "smtp.example.org",
		"smtp.example.org:587":                      "smtp.example.org",
		"[2001:db8::1]:25":                          "2001:db8::1",
		"smtps://user:s3cret@smtp.example.org:465":  "smtp.example.org",
		"smtp://user:s3cret@smtp.example.org?tls=x": "smtp.example.org",
		"": "",
	} {
		if got := smtpHostName(in); got != want {
			t.Errorf("smtpHostName(%q) = %q, want %q", in, got, want)
		}
	}
}
