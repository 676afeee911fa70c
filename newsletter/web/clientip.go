package web

import (
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// clientIP is the address a request came from. X-Forwarded-For is believed
// only when the peer is a trusted proxy (TRUSTED_PROXIES), and then read
// across all its header lines, as one list in the order they came, from
// the right: each trusted proxy appends the address it saw, so the first
// address from the right that is not itself a trusted proxy is the client.
// A hop that does not parse stops the walk: the last trusted hop before it
// is then the best that is known.
func (s *Server) clientIP(c *fiber.Ctx) netip.Addr {
	remote, _ := netip.AddrFromSlice(c.Context().RemoteIP())
	remote = remote.Unmap()
	if !s.trusted(remote) {
		return remote
	}
	hops := forwardedFor(c)
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseHop(hops[i])
		if !ok {
			break
		}
		if !s.trusted(a) {
			return a
		}
		remote = a
	}
	return remote
}

// forwardedFor lists the hops of every X-Forwarded-For line, in order.
func forwardedFor(c *fiber.Ctx) []string {
	var hops []string
	for _, line := range c.Request().Header.PeekAll(fiber.HeaderXForwardedFor) {
		hops = append(hops, strings.Split(string(line), ",")...)
	}
	return hops
}

// parseHop reads one X-Forwarded-For entry: an address, possibly with a
// port ("192.0.2.1:4711", "[2001:db8::1]:443") or an IPv6 zone, which are
// dropped.
func parseHop(h string) (netip.Addr, bool) {
	h = strings.TrimSpace(h)
	a, err := netip.ParseAddr(h)
	if err != nil {
		ap, perr := netip.ParseAddrPort(h)
		if perr != nil {
			return netip.Addr{}, false
		}
		a = ap.Addr()
	}
	return a.WithZone("").Unmap(), true
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.cfg.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// clientKey is what rate limits count a client by: the IPv4 address, or
// the /64 of an IPv6 address (a single subscriber line or host usually
// gets a whole /64, so its addresses are one client).
func clientKey(a netip.Addr) string {
	if !a.IsValid() {
		return "unknown"
	}
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64) // cannot fail for an IPv6 address
	return p.String()
}

// truncateIP keeps what a consent record needs and no more: the /24 of an
// IPv4 address, the /48 of an IPv6 one.
func truncateIP(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	bits := 24
	if a.Is6() {
		bits = 48
	}
	p, err := a.Prefix(bits)
	if err != nil {
		return ""
	}
	return p.String()
}
