package doctor

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
)

// provider is a mail service whose relays deliver from addresses that its
// SPF include: lists, not from the SMTP host the service connects to.
type provider struct {
	hostSuffix, name, include string
}

// providers are relays the doctor can name the include: for.
var providers = []provider{
	{"postmarkapp.com", "Postmark", "spf.mtasv.net"},
	{"amazonaws.com", "Amazon SES", "amazonses.com"},
	{"sendgrid.net", "SendGrid", "sendgrid.net"},
	{"mailgun.org", "Mailgun", "mailgun.org"},
	{"mailjet.com", "Mailjet", "spf.mailjet.com"},
	{"gmail.com", "Google Workspace", "_spf.google.com"},
	{"office365.com", "Microsoft 365", "spf.protection.outlook.com"},
	{"outlook.com", "Microsoft 365", "spf.protection.outlook.com"},
	{"fastmail.com", "Fastmail", "spf.messagingengine.com"},
	{"messagingengine.com", "Fastmail", "spf.messagingengine.com"},
}

// smtpHostName reduces "host", "host:port", "[v6]:port" or a whole
// smtp:// URL to the bare, lower-case host name or IP.
func smtpHostName(s string) string {
	s = strings.TrimSpace(s)
	if strings.Contains(s, "://") {
		if u, err := url.Parse(s); err == nil {
			return strings.ToLower(u.Hostname())
		}
		return ""
	}
	if h, _, err := net.SplitHostPort(s); err == nil {
		s = h
	}
	return strings.ToLower(strings.TrimSuffix(strings.Trim(s, "[]"), "."))
}

// orgDomain guesses the registered domain: the last two labels, or three
// under a two-letter country code with a short second level (co.uk).
func orgDomain(d string) string {
	l := strings.Split(d, ".")
	n := 2
	if len(l) >= 3 && len(l[len(l)-1]) == 2 && len(l[len(l)-2]) <= 3 {
		n = 3
	}
	if len(l) <= n {
		return d
	}
	return strings.Join(l[len(l)-n:], ".")
}

// spfSummary walks a record tree without an IP, as a receiver does when
// nothing matches early: the number of lookups it needs and every domain
// it includes or redirects to.
func spfSummary(ctx context.Context, res *resolver, domain string, depth int, lookups *int, seen map[string]bool) {
	if depth > maxLookups || seen[domain] || *lookups > maxLookups {
		return
	}
	seen[domain] = true
	recs, _ := spfRecords(ctx, res, domain)
	if len(recs) != 1 {
		return
	}
	rec, err := parseSPF(recs[0])
	if err != nil {
		return
	}
	for _, t := range rec.terms {
		switch t.name {
		case "include":
			*lookups++
			if !strings.Contains(t.value, "%") {
				spfSummary(ctx, res, strings.ToLower(strings.TrimSuffix(t.value, ".")), depth+1, lookups, seen)
			}
		case "a", "mx", "ptr", "exists":
			*lookups++
		}
	}
	if rec.redirect != "" {
		*lookups++
		if !strings.Contains(rec.redirect, "%") {
			spfSummary(ctx, res, strings.ToLower(strings.TrimSuffix(rec.redirect, ".")), depth+1, lookups, seen)
		}
	}
}

// checkSPF checks that domain publishes one SPF record and that it lets
// the SMTP host send. role says which address the domain belongs to.
func checkSPF(ctx context.Context, res *resolver, domain, host, role string) Result {
	r := Result{Check: CheckSPF}
	starter := "v=spf1 a:" + host + " ~all"
	if a, err := netip.ParseAddr(host); err == nil {
		starter = "v=spf1 " + ipTerm(a) + " ~all"
	}
	publish := func(lead, value string) string { return publishFix(lead, domain, value) }
	recs, err := spfRecords(ctx, res, domain)
	switch {
	case err != nil:
		r.Level, r.Message, r.Fix = Warn, "cannot tell: "+err.Error(), "Run the doctor again later."
		return r
	case len(recs) == 0:
		r.Level, r.Message = Fail, "no SPF record at "+domain+" ("+role+"): receivers cannot tell who may send for it, and Gmail and Yahoo refuse bulk mail without SPF"
		r.Fix = publish("Publish an SPF record that names your sending server (if you send through a provider, use the include: it documents instead of a:):", starter)
		return r
	case len(recs) > 1:
		r.Level, r.Message = Fail, fmt.Sprintf("%d SPF records at %s (%s): receivers treat that as a broken setup (permerror)", len(recs), domain, role)
		r.Fix = "Merge them into one record that starts with v=spf1 and ends with one all, and delete the others. The records found:\n  " + strings.Join(recs, "\n  ")
		return r
	}
	rec, err := parseSPF(recs[0])
	if err != nil {
		r.Level, r.Message, r.Fix = Fail, "the SPF record at "+domain+" is broken: "+err.Error(), "Correct the record; it now reads:\n  "+recs[0]
		return r
	}
	lookups, seen := 0, map[string]bool{}
	spfSummary(ctx, res, domain, 0, &lookups, seen)
	if lookups > maxLookups {
		r.Level, r.Message = Fail, fmt.Sprintf("the SPF record at %s needs more than %d DNS lookups (include, a, mx, exists, redirect, counted through every include): receivers stop there and treat it as broken (permerror)", domain, maxLookups)
		r.Fix = "Remove include: entries for services you no longer use, or replace a: and mx: with ip4:/ip6: addresses. The record now reads:\n  " + recs[0]
		return r
	}
	if slices.ContainsFunc(rec.terms, func(t spfTerm) bool { return t.name == "all" && t.qualifier == '+' }) {
		r.Level, r.Message = Fail, "the SPF record at "+domain+" ends in +all, which lets anyone in the world send as you; receivers distrust it"
		r.Fix = "Replace +all with ~all (or -all once you are sure every sender is listed)."
		return r
	}

	var ips []netip.Addr
	if a, err := netip.ParseAddr(host); err == nil {
		ips = []netip.Addr{a.Unmap()}
	} else if ips, err = res.addrs(ctx, host); err != nil || len(ips) == 0 {
		r.Level, r.Message = Warn, "cannot tell whether SPF covers the SMTP host "+host+": it has no address in DNS"
		if err != nil {
			r.Message = "cannot tell whether SPF covers the SMTP host " + host + ": " + err.Error()
		}
		r.Fix = "Check SMTP_URL's host name."
		return r
	}
	worst, why := spfPass, ""
	for _, ip := range ips {
		e := &spfEval{ctx: ctx, res: res, ip: ip, sender: domain}
		if v := e.checkHost(domain, 0); rank(v) > rank(worst) {
			worst, why = v, e.why
		}
	}
	ipList := joinAddrs(ips)
	switch worst {
	case spfPass:
		r.Message = "the SPF record at " + domain + " lets " + host + " (" + ipList + ") send"
		return r
	case spfTempError:
		r.Level, r.Message, r.Fix = Warn, "cannot tell: "+why, "Run the doctor again later."
		return r
	case spfPermError, spfNone:
		r.Level, r.Message = Fail, "receivers find the SPF record at "+domain+" broken (permerror): "+why
		r.Fix = "Correct the record; it now reads:\n  " + recs[0]
		return r
	}

	// The SMTP host is not covered. A provider's relay, or a server that
	// relays from a private address, sends from other addresses.
	own := net.ParseIP(host) != nil || orgDomain(host) == orgDomain(domain)
	private := slices.ContainsFunc(ips, func(a netip.Addr) bool { return a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() })
	if !own || private {
		for _, p := range providers {
			if host == p.hostSuffix || strings.HasSuffix(host, "."+p.hostSuffix) {
				if seen[p.include] {
					r.Message = "the SPF record at " + domain + " names " + p.name + "'s senders (include:" + p.include + ")"
					return r
				}
				r.Level = Warn
				r.Message = "cannot tell: " + host + " is " + p.name + "'s relay, whose outgoing addresses differ; the record at " + domain + " does not name include:" + p.include
				r.Fix = "Check that your provider's include: is in the record (" + p.name + " documents include:" + p.include + "). The record now reads:\n  " + recs[0]
				return r
			}
		}
		r.Level = Warn
		r.Message = "cannot tell: the SPF record at " + domain + " does not list " + host + " (" + ipList + "), but that may be a relay that delivers from other addresses"
		r.Fix = "Check that your provider's include: is in the record (their documentation names it), or, for your own server, that its public address is. The record now reads:\n  " + recs[0]
		return r
	}
	fixed := "v=spf1"
	for _, ip := range ips {
		fixed += " " + ipTerm(ip)
	}
	fixed += " " + strings.TrimSpace(recs[0][len("v=spf1"):])
	r.Fix = publish("Add the SMTP host's address to the record:", fixed)
	if worst == spfFail {
		r.Level, r.Message = Fail, "the SPF record at "+domain+" ("+role+") does not list "+host+" ("+ipList+") and ends in -all: receivers refuse or junk your letters"
		return r
	}
	r.Level, r.Message = Warn, "the SPF record at "+domain+" ("+role+") does not list "+host+" ("+ipList+"), so SPF gives "+worst.String()+" and letters lean towards spam"
	return r
}

// rank orders SPF verdicts from best to worst for a sender.
func rank(r spfResult) int {
	return map[spfResult]int{spfPass: 0, spfNeutral: 1, spfSoftFail: 2, spfTempError: 3, spfFail: 4, spfNone: 5, spfPermError: 6}[r]
}

// ipTerm is the ip4: or ip6: mechanism for one address.
func ipTerm(a netip.Addr) string {
	if a.Is4() {
		return "ip4:" + a.String()
	}
	return "ip6:" + a.String()
}

// joinAddrs lists addresses for a message.
func joinAddrs(ips []netip.Addr) string {
	s := make([]string, len(ips))
	for i, a := range ips {
		s[i] = a.String()
	}
	return strings.Join(s, ", ")
}
