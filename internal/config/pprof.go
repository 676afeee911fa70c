package config

import (
	"fmt"
	"net"
)

// CheckPprofAddr accepts an empty PPROF_ADDR (off) or a loopback
// host:port: profiles show the service's insides and must not face the
// network.
func CheckPprofAddr(addr string) error {
	if addr == "" {
		return nil
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
		return fmt.Errorf("PPROF_ADDR: %q is not a loopback address such as 127.0.0.1:6060", addr)
	}
	return nil
}
