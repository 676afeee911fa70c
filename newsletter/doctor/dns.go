package doctor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// resolvConf is where the system's DNS servers are listed.
const resolvConf = "/etc/resolv.conf"

// resolver asks one DNS server at a time, trying the next on a failure, and
// remembers answers for the length of one Run.
type resolver struct {
	servers []string
	timeout time.Duration

	mu    sync.Mutex
	cache map[string]answer
}

// answer is one remembered reply: the records of the asked type, or err.
type answer struct {
	rrs []dns.RR
	err error
}

// newResolver asks server ("host:port"; ":53" added when missing), or the
// servers of /etc/resolv.conf when server is empty.
func newResolver(server string, timeout time.Duration) (*resolver, error) {
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	r := &resolver{timeout: timeout, cache: map[string]answer{}}
	if server = strings.TrimSpace(server); server != "" {
		if _, _, err := net.SplitHostPort(server); err != nil {
			server = net.JoinHostPort(strings.Trim(server, "[]"), "53")
		}
		r.servers = []string{server}
		return r, nil
	}
	cc, err := dns.ClientConfigFromFile(resolvConf)
	if err != nil {
		return nil, fmt.Errorf("no DNS server to ask: read %s: %w", resolvConf, err)
	}
	for _, s := range cc.Servers {
		r.servers = append(r.servers, net.JoinHostPort(s, cc.Port))
	}
	if len(r.servers) == 0 {
		return nil, fmt.Errorf("no DNS server to ask: %s lists no nameserver", resolvConf)
	}
	return r, nil
}

// lookup returns the records of type qtype at name, following nothing but
// what the server put in the answer (a recursive server resolves CNAMEs).
// A name that does not exist, or has no such records, gives none and no
// error; a server failure or a timeout is an error.
func (r *resolver) lookup(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	name = dns.Fqdn(strings.ToLower(name))
	key := dns.TypeToString[qtype] + " " + name
	r.mu.Lock()
	a, ok := r.cache[key]
	r.mu.Unlock()
	if ok {
		return a.rrs, a.err
	}
	a.rrs, a.err = r.ask(ctx, name, qtype)
	if a.err != nil {
		a.err = fmt.Errorf("DNS lookup of %s %s: %w", dns.TypeToString[qtype], strings.TrimSuffix(name, "."), a.err)
	}
	r.mu.Lock()
	r.cache[key] = a
	r.mu.Unlock()
	return a.rrs, a.err
}

// ask sends one question to each server in turn until one answers.
func (r *resolver) ask(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	if _, ok := dns.IsDomainName(name); !ok || len(name) > 254 {
		return nil, errors.New("not a valid DNS name")
	}
	m := new(dns.Msg)
	m.SetQuestion(name, qtype)
	m.RecursionDesired = true
	m.SetEdns0(1232, false)
	var err error
	for _, server := range r.servers {
		var reply *dns.Msg
		reply, err = r.exchange(ctx, m, server)
		if err != nil {
			continue
		}
		switch reply.Rcode {
		case dns.RcodeSuccess, dns.RcodeNameError:
		default:
			err = fmt.Errorf("the DNS server %s answered %s", server, dns.RcodeToString[reply.Rcode])
			continue
		}
		var rrs []dns.RR
		for _, rr := range reply.Answer {
			if rr.Header().Rrtype == qtype {
				rrs = append(rrs, rr)
			}
		}
		return rrs, nil
	}
	return nil, err
}

// exchange sends m over UDP, and again over TCP when the reply is cut short.
func (r *resolver) exchange(ctx context.Context, m *dns.Msg, server string) (*dns.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	c := &dns.Client{Net: "udp", Timeout: r.timeout, UDPSize: 1232}
	reply, _, err := c.ExchangeContext(ctx, m, server)
	if err == nil && reply.Truncated {
		c.Net = "tcp"
		reply, _, err = c.ExchangeContext(ctx, m, server)
	}
	if err != nil {
		return nil, fmt.Errorf("ask %s: %w", server, err)
	}
	if reply.Id != m.Id {
		return nil, fmt.Errorf("ask %s: reply to another question", server)
	}
	return reply, nil
}

// txt returns the TXT records at name, each record's strings joined into
// one (a long record is published as several strings of up to 255 bytes).
func (r *resolver) txt(ctx context.Context, name string) ([]string, error) {
	rrs, err := r.lookup(ctx, name, dns.TypeTXT)
	var out []string
	for _, rr := range rrs {
		var b strings.Builder
		for _, s := range rr.(*dns.TXT).Txt {
			b.WriteString(unescapeTXT(s))
		}
		out = append(out, b.String())
	}
	return out, err
}

// unescapeTXT undoes miekg/dns's presentation escapes in a TXT string:
// \DDD for a byte outside printable ASCII, \" and \\.
func unescapeTXT(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		if i+3 < len(s) && isDigit(s[i+1]) && isDigit(s[i+2]) && isDigit(s[i+3]) {
			if n := int(s[i+1]-'0')*100 + int(s[i+2]-'0')*10 + int(s[i+3]-'0'); n < 256 {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i+1])
		i++
	}
	return b.String()
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// addrs returns the IPv4 and IPv6 addresses of name. It fails only when
// both lookups fail.
func (r *resolver) addrs(ctx context.Context, name string) ([]netip.Addr, error) {
	v4, err4 := r.addrsOf(ctx, name, dns.TypeA)
	v6, err6 := r.addrsOf(ctx, name, dns.TypeAAAA)
	if err4 != nil && err6 != nil {
		return nil, err4
	}
	return append(v4, v6...), nil
}

// addrsOf returns the addresses of one type (A or AAAA) at name.
func (r *resolver) addrsOf(ctx context.Context, name string, qtype uint16) ([]netip.Addr, error) {
	rrs, err := r.lookup(ctx, name, qtype)
	var out []netip.Addr
	for _, rr := range rrs {
		var ip net.IP
		switch v := rr.(type) {
		case *dns.A:
			ip = v.A
		case *dns.AAAA:
			ip = v.AAAA
		}
		if a, ok := netip.AddrFromSlice(ip); ok {
			out = append(out, a.Unmap())
		}
	}
	return out, err
}

// mx returns the mail exchangers of name, most preferred first.
func (r *resolver) mx(ctx context.Context, name string) ([]string, error) {
	rrs, err := r.lookup(ctx, name, dns.TypeMX)
	mxs := make([]*dns.MX, 0, len(rrs))
	for _, rr := range rrs {
		mxs = append(mxs, rr.(*dns.MX))
	}
	slices.SortStableFunc(mxs, func(a, b *dns.MX) int { return int(a.Preference) - int(b.Preference) })
	out := make([]string, 0, len(mxs))
	for _, m := range mxs {
		if h := strings.TrimSuffix(m.Mx, "."); h != "" { // "." is a null MX: no mail
			out = append(out, h)
		}
	}
	return out, err
}
