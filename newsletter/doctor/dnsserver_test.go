package doctor

import (
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// testZone is what a test DNS server answers: records by owner name, and
// names that answer SERVFAIL.
type testZone struct {
	mu       sync.Mutex
	rrs      map[string][]dns.RR
	servfail map[string]bool
	// truncateUDP answers every UDP question with an empty, truncated
	// reply, so that the client must ask again over TCP.
	truncateUDP bool
	queries     atomic.Int64
	tcpQueries  atomic.Int64
}

// rr parses zone-file lines such as `example.org. 300 IN TXT "v=spf1 -all"`.
func rr(t *testing.T, lines ...string) []dns.RR {
	t.Helper()
	var out []dns.RR
	for _, l := range lines {
		r, err := dns.NewRR(l)
		if err != nil || r == nil {
			t.Fatalf("bad test record %q: %v", l, err)
		}
		out = append(out, r)
	}
	return out
}

// txtRR is a TXT record at name made of the given strings, unquoted.
func txtRR(name string, strs ...string) dns.RR {
	return &dns.TXT{Hdr: dns.RR_Header{Name: dns.Fqdn(name), Rrtype: dns.TypeTXT, Class: dns.ClassINET, Ttl: 300}, Txt: strs}
}

// add puts records in the zone.
func (z *testZone) add(rrs ...dns.RR) {
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, r := range rrs {
		n := strings.ToLower(r.Header().Name)
		z.rrs[n] = append(z.rrs[n], r)
	}
}

// failOn makes names answer SERVFAIL.
func (z *testZone) failOn(names ...string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, n := range names {
		z.servfail[dns.Fqdn(strings.ToLower(n))] = true
	}
}

// truncate makes every UDP answer empty and truncated.
func (z *testZone) truncate() {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.truncateUDP = true
}

// ServeDNS answers from the zone: NXDOMAIN for unknown names, an empty
// answer when the name has no records of the type.
func (z *testZone) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	z.queries.Add(1)
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	_, tcp := w.RemoteAddr().(*net.TCPAddr)
	if tcp {
		z.tcpQueries.Add(1)
	}
	z.mu.Lock()
	defer z.mu.Unlock()
	for _, q := range req.Question {
		name := strings.ToLower(q.Name)
		if z.servfail[name] {
			m.Rcode = dns.RcodeServerFailure
			continue
		}
		rrs, ok := z.rrs[name]
		if !ok {
			m.Rcode = dns.RcodeNameError
			continue
		}
		for _, r := range rrs {
			if r.Header().Rrtype == q.Qtype {
				m.Answer = append(m.Answer, dns.Copy(r))
			}
		}
	}
	if z.truncateUDP && !tcp {
		m.Answer, m.Truncated = nil, true
	}
	_ = w.WriteMsg(m)
}

// startDNS starts a DNS server on 127.0.0.1 (UDP, and TCP on the same
// port) that answers from a new zone holding rrs. It stops when the test
// ends.
func startDNS(t *testing.T, rrs ...dns.RR) (addr string, z *testZone) {
	t.Helper()
	z = &testZone{rrs: map[string][]dns.RR{}, servfail: map[string]bool{}}
	z.add(rrs...)
	var pc net.PacketConn
	var ln net.Listener
	for try := 0; ; try++ {
		var err error
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatalf("test DNS server: listen on UDP 127.0.0.1: %v", err)
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
		if try == 20 {
			t.Fatalf("test DNS server: no port free for both UDP and TCP: %v", err)
		}
	}
	for _, srv := range []*dns.Server{{PacketConn: pc, Handler: z}, {Listener: ln, Handler: z}} {
		started := make(chan struct{})
		srv.NotifyStartedFunc = func() { close(started) }
		go func() { _ = srv.ActivateAndServe() }()
		select {
		case <-started:
		case <-time.After(5 * time.Second):
			t.Fatal("test DNS server did not start")
		}
		t.Cleanup(func() { _ = srv.Shutdown() })
	}
	return pc.LocalAddr().String(), z
}
