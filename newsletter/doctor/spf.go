package doctor

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/miekg/dns"
)

// spfResult is an SPF verdict (RFC 7208 section 2.6).
type spfResult int

const (
	spfNone spfResult = iota
	spfNeutral
	spfPass
	spfFail
	spfSoftFail
	spfTempError
	spfPermError
)

func (r spfResult) String() string {
	return [...]string{"none", "neutral", "pass", "fail", "softfail", "temperror", "permerror"}[r]
}

// maxLookups is RFC 7208's limit on terms that cause DNS lookups (include,
// a, mx, ptr, exists, redirect) in one evaluation; maxVoid the limit on
// lookups that find nothing.
const (
	maxLookups = 10
	maxVoid    = 2
)

// spfTerm is one parsed directive or modifier of an SPF record.
type spfTerm struct {
	qualifier byte   // '+', '-', '~', '?'; 0 for a modifier
	name      string // mechanism or modifier name, lower case
	value     string // domain-spec, address or modifier value
	cidr4     int    // prefix length for a, mx, ip4; -1 when absent
	cidr6     int    // prefix length for a, mx, ip6; -1 when absent
}

// spfRecord is a parsed SPF record.
type spfRecord struct {
	terms    []spfTerm // the mechanisms, in order
	redirect string    // the redirect= target, "" when absent
}

// spfRecords returns the TXT values at domain that are SPF records.
func spfRecords(ctx context.Context, res *resolver, domain string) ([]string, error) {
	txts, err := res.txt(ctx, domain)
	var out []string
	for _, t := range txts {
		if l := strings.ToLower(t); l == "v=spf1" || strings.HasPrefix(l, "v=spf1 ") {
			out = append(out, t)
		}
	}
	return out, err
}

// parseSPF checks the syntax of a whole record before it is evaluated.
func parseSPF(rec string) (*spfRecord, error) {
	r := &spfRecord{}
	for _, f := range strings.Fields(rec)[1:] {
		if i := strings.IndexAny(f, "=:/"); i > 0 && f[i] == '=' {
			name := strings.ToLower(f[:i])
			if name == "redirect" {
				if r.redirect != "" {
					return nil, errors.New("redirect= appears twice")
				}
				r.redirect = f[i+1:]
			}
			continue // exp= and unknown modifiers are ignored
		}
		t := spfTerm{qualifier: '+', cidr4: -1, cidr6: -1}
		if strings.IndexByte("+-~?", f[0]) >= 0 {
			t.qualifier, f = f[0], f[1:]
		}
		name, rest := f, ""
		if i := strings.IndexAny(f, ":/"); i >= 0 {
			name, rest = f[:i], f[i:]
		}
		t.name = strings.ToLower(name)
		var err error
		switch t.name {
		case "all":
			if rest != "" {
				return nil, fmt.Errorf("%q: all takes nothing after it", f)
			}
		case "include", "exists":
			if !strings.HasPrefix(rest, ":") || len(rest) < 2 {
				return nil, fmt.Errorf("%q: %s needs a domain", f, t.name)
			}
			t.value = rest[1:]
		case "a", "mx", "ptr":
			t.value, rest, _ = strings.Cut(strings.TrimPrefix(rest, ":"), "/")
			if rest != "" {
				rest = "/" + rest
			}
			if t.name == "ptr" && rest != "" {
				return nil, fmt.Errorf("%q: ptr takes no prefix length", f)
			}
			t.cidr4, t.cidr6, err = parseDualCIDR(rest)
		case "ip4", "ip6":
			addr, bits, hasBits := strings.Cut(strings.TrimPrefix(rest, ":"), "/")
			a, perr := netip.ParseAddr(addr)
			if perr != nil || !strings.HasPrefix(rest, ":") || (t.name == "ip4") != a.Is4() {
				return nil, fmt.Errorf("%q is not a valid %s address", f, t.name)
			}
			t.value, t.cidr4 = addr, a.BitLen()
			if hasBits {
				if t.cidr4, err = strconv.Atoi(bits); err != nil || t.cidr4 < 0 || t.cidr4 > a.BitLen() {
					return nil, fmt.Errorf("%q has a bad prefix length", f)
				}
			}
		default:
			return nil, fmt.Errorf("%q is not an SPF mechanism", f)
		}
		if err != nil {
			return nil, fmt.Errorf("%q: %w", f, err)
		}
		r.terms = append(r.terms, t)
	}
	return r, nil
}

// parseDualCIDR reads "", "/24", "//64" or "/24//64".
func parseDualCIDR(s string) (v4, v6 int, err error) {
	v4, v6 = -1, -1
	if s == "" {
		return v4, v6, nil
	}
	p4, p6, dual := strings.Cut(s[1:], "//")
	if strings.HasPrefix(s, "//") {
		p4, p6, dual = "", s[2:], true
	}
	if p4 != "" {
		if v4, err = strconv.Atoi(p4); err != nil || v4 < 0 || v4 > 32 {
			return 0, 0, errors.New("bad IPv4 prefix length")
		}
	}
	if dual {
		if v6, err = strconv.Atoi(p6); err != nil || v6 < 0 || v6 > 128 {
			return 0, 0, errors.New("bad IPv6 prefix length")
		}
	}
	return v4, v6, nil
}

// spfEval is one evaluation of check_host for one IP (RFC 7208 section 4).
type spfEval struct {
	ctx     context.Context
	res     *resolver
	ip      netip.Addr
	sender  string // the envelope domain, the <sender>'s domain
	lookups int
	voids   int
	why     string // the reason for a permerror or temperror
}

// errLimit ends an evaluation at a processing limit.
var errLimit = errors.New("limit")

// count charges one DNS-querying term against the limit.
func (e *spfEval) count() error {
	e.lookups++
	if e.lookups > maxLookups {
		e.why = fmt.Sprintf("the record needs more than %d DNS lookups (include, a, mx, ptr, exists, redirect), the most receivers do", maxLookups)
		return errLimit
	}
	return nil
}

// void charges a lookup that found nothing.
func (e *spfEval) void(n int) error {
	if n > 0 {
		return nil
	}
	e.voids++
	if e.voids > maxVoid {
		e.why = fmt.Sprintf("more than %d of the record's lookups find nothing", maxVoid)
		return errLimit
	}
	return nil
}

// checkHost evaluates the SPF record of domain for e.ip.
func (e *spfEval) checkHost(domain string, depth int) spfResult {
	if depth > maxLookups {
		e.why = "the record includes itself in a loop"
		return spfPermError
	}
	recs, err := spfRecords(e.ctx, e.res, domain)
	switch {
	case err != nil:
		e.why = err.Error()
		return spfTempError
	case len(recs) == 0:
		return spfNone
	case len(recs) > 1:
		e.why = domain + " has more than one SPF record"
		return spfPermError
	}
	rec, err := parseSPF(recs[0])
	if err != nil {
		e.why = "the record of " + domain + " is broken: " + err.Error()
		return spfPermError
	}
	for _, t := range rec.terms {
		match, res := e.match(t, domain, depth)
		if res != spfNone {
			return res
		}
		if match {
			return map[byte]spfResult{'+': spfPass, '-': spfFail, '~': spfSoftFail, '?': spfNeutral}[t.qualifier]
		}
	}
	if rec.redirect == "" {
		return spfNeutral
	}
	if e.count() != nil {
		return spfPermError
	}
	target, err := e.expand(rec.redirect, domain)
	if err != nil {
		e.why = err.Error()
		return spfPermError
	}
	r := e.checkHost(target, depth+1)
	if r == spfNone {
		e.why = "redirect=" + target + " finds no SPF record"
		return spfPermError
	}
	return r
}

// match evaluates one mechanism; a result other than spfNone ends the
// evaluation with that result (an error or an include's verdict).
func (e *spfEval) match(t spfTerm, domain string, depth int) (bool, spfResult) {
	switch t.name {
	case "all":
		return true, spfNone
	case "ip4", "ip6":
		p, err := netip.ParsePrefix(t.value + "/" + strconv.Itoa(t.cidr4))
		return err == nil && p.Contains(e.ip), spfNone
	}
	if e.count() != nil {
		return false, spfPermError
	}
	target := domain
	if t.value != "" {
		var err error
		if target, err = e.expand(t.value, domain); err != nil {
			e.why = err.Error()
			return false, spfPermError
		}
	}
	switch t.name {
	case "include":
		switch r := e.checkHost(target, depth+1); r {
		case spfPass:
			return true, spfNone
		case spfTempError, spfPermError:
			return false, r
		case spfNone:
			e.why = "include:" + target + " finds no SPF record"
			return false, spfPermError
		}
		return false, spfNone
	case "a":
		return e.matchHost(target, t)
	case "mx":
		mxs, err := e.res.mx(e.ctx, target)
		if err != nil {
			e.why = err.Error()
			return false, spfTempError
		}
		if e.void(len(mxs)) != nil {
			return false, spfPermError
		}
		if len(mxs) > maxLookups {
			e.why = "mx:" + target + " names more than 10 mail servers"
			return false, spfPermError
		}
		for _, mx := range mxs {
			if ok, r := e.matchHost(mx, t); ok || r != spfNone {
				return ok, r
			}
		}
		return false, spfNone
	case "exists":
		ips, err := e.res.addrsOf(e.ctx, target, dns.TypeA)
		if err != nil {
			e.why = err.Error()
			return false, spfTempError
		}
		return len(ips) > 0, spfNone
	}
	return false, spfNone // ptr: discouraged by RFC 7208 and not evaluated
}

// matchHost reports whether e.ip is among host's addresses of its family,
// widened by the term's prefix lengths.
func (e *spfEval) matchHost(host string, t spfTerm) (bool, spfResult) {
	qtype, bits := dns.TypeA, t.cidr4
	if e.ip.Is6() {
		qtype, bits = dns.TypeAAAA, t.cidr6
	}
	ips, err := e.res.addrsOf(e.ctx, host, qtype)
	if err != nil {
		e.why = err.Error()
		return false, spfTempError
	}
	if e.void(len(ips)) != nil {
		return false, spfPermError
	}
	for _, a := range ips {
		if bits < 0 {
			bits = a.BitLen()
		}
		if p, err := a.Prefix(bits); err == nil && p.Contains(e.ip) {
			return true, spfNone
		}
	}
	return false, spfNone
}
