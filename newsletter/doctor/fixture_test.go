package doctor

import (
	"context"
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// rsaKey is one 2048-bit key shared by the tests (making one takes a while).
var rsaKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// newEd25519 makes an Ed25519 key.
func newEd25519(t *testing.T) ed25519.PrivateKey {
	t.Helper()
	_, k, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// writeKey writes k as PEM into a temporary file: PKCS#1 for RSA when
// pkcs1, otherwise PKCS#8.
func writeKey(t *testing.T, k crypto.Signer, pkcs1 bool) string {
	t.Helper()
	var block *pem.Block
	if r, ok := k.(*rsa.PrivateKey); ok && pkcs1 {
		block = &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(r)}
	} else {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			t.Fatal(err)
		}
		block = &pem.Block{Type: "PRIVATE KEY", Bytes: der}
	}
	path := filepath.Join(t.TempDir(), "dkim.pem")
	if err := os.WriteFile(path, pem.EncodeToMemory(block), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// recordOf is the DKIM TXT value for k, as the doctor prints it.
func recordOf(t *testing.T, k crypto.Signer) string {
	t.Helper()
	v, err := dkimRecordValue(k)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// split255 cuts a TXT value into strings of at most 255 bytes.
func split255(v string) []string {
	var out []string
	for i := 0; i < len(v); i += 255 {
		out = append(out, v[i:min(i+255, len(v))])
	}
	return out
}

// goodZone is a setup that passes every DNS check for example.org sent
// through mail.example.org (127.0.0.1), with the DKIM key published under
// nl1, SPF reaching 127.0.0.1 through a chain of two includes, and DMARC
// at p=quarantine.
func goodZone(t *testing.T, k crypto.Signer) []dns.RR {
	rrs := rr(t,
		`mail.example.org. 300 IN A 127.0.0.1`,
		`example.org. 300 IN TXT "v=spf1 include:_spf.example.net -all"`,
		`example.org. 300 IN TXT "google-site-verification=abc"`,
		`example.org. 300 IN MX 10 mail.example.org.`,
		`_spf.example.net. 300 IN TXT "v=spf1 ip4:198.51.100.7 include:_spf2.example.net ~all"`,
		`_spf2.example.net. 300 IN TXT "v=spf1 ip4:127.0.0.0/8 ip6:2001:db8::/32 -all"`,
		`_dmarc.example.org. 300 IN TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@example.org"`,
	)
	return append(rrs, txtRR("nl1._domainkey.example.org", split255(recordOf(t, k))...))
}

// aof is a Redis with the append-only file on, as production wants it.
func aof(context.Context) (RedisPersistence, error) {
	return RedisPersistence{AppendOnly: true, AppendFsync: "everysec", RDBSaves: true}, nil
}

// goodConfig is a setup whose every check is ok, given goodZone's server.
func goodConfig(resolverAddr, keyFile string) Config {
	return Config{
		MailFrom: "Letters <letters@example.org>", SMTPHost: "mail.example.org",
		BaseURL: "https://letters.example.org", PostalAddress: "PO Box 1, Springfield",
		DKIMSelector: "nl1", DKIMKeyFile: keyFile,
		Resolver: resolverAddr, Timeout: time.Second, Persistence: aof,
	}
}

// only returns the one result of check, failing the test otherwise.
func only(t *testing.T, rs []Result, check string) Result {
	t.Helper()
	var found []Result
	for _, r := range rs {
		if r.Check == check {
			found = append(found, r)
		}
	}
	if len(found) != 1 {
		t.Fatalf("want one %s result, got %d: %+v", check, len(found), rs)
	}
	return found[0]
}

// want checks a result's level and that its message (and fix) hold the
// given fragments.
func want(t *testing.T, r Result, level Level, msg string, fix ...string) {
	t.Helper()
	if r.Level != level || !strings.Contains(r.Message, msg) {
		t.Errorf("%s: got %s %q (fix %q), want %s with %q", r.Check, r.Level, r.Message, r.Fix, level, msg)
	}
	for _, f := range fix {
		if !strings.Contains(r.Fix, f) {
			t.Errorf("%s: fix %q lacks %q", r.Check, r.Fix, f)
		}
	}
	if level != OK && r.Fix == "" {
		t.Errorf("%s: %s without a fix", r.Check, level)
	}
}

// runWith starts a DNS server with rrs and runs every check with c, its
// Resolver pointed at the server.
func runWith(t *testing.T, c Config, rrs ...dns.RR) []Result {
	t.Helper()
	addr, _ := startDNS(t, rrs...)
	c.Resolver = addr
	if c.Timeout == 0 {
		c.Timeout = time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return Run(ctx, c)
}
