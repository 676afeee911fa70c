package redistest

import (
	"context"
	"strings"
	"testing"
	"time"
)

// TestStandalone starts a server with a directive and a password, sees
// both applied, and sees Stop end it.
func TestStandalone(t *testing.T) {
	s := Standalone(t, Conf("maxmemory-policy", "noeviction"), Password("pw-1"))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := s.Client(t)
	got, err := c.ConfigGet(ctx, "maxmemory-policy").Result()
	if err != nil || got["maxmemory-policy"] != "noeviction" {
		t.Fatalf("CONFIG GET maxmemory-policy = %v, %v; want noeviction", got, err)
	}
	if err := Ping(s.Addr, "", nil); err == nil || !strings.Contains(err.Error(), "NOAUTH") {
		t.Errorf("PING without the password = %v, want NOAUTH", err)
	}
	s.Stop()
	if err := Ping(s.Addr, "pw-1", nil); err == nil {
		t.Errorf("PING after Stop answered")
	}
}

// TestTLS wants a client certificate: PING with it answers, without it
// fails.
func TestTLS(t *testing.T) {
	s := TLS(t)
	conf := s.Certs.ClientTLS(t)
	if err := Ping(s.Addr, "", conf); err != nil {
		t.Fatalf("PING with the client certificate: %v", err)
	}
	conf.Certificates = nil
	if err := Ping(s.Addr, "", conf); err == nil {
		t.Errorf("PING without a client certificate answered")
	}
}
