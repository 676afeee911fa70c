package doctor

import (
	"bytes"
	"context"
	"crypto"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-msgauth/dkim"
	"github.com/miekg/dns"
)

// withDKIM is goodZone with the nl1 DKIM record replaced by strs.
func withDKIM(t *testing.T, strs ...string) []dns.RR {
	var out []dns.RR
	for _, r := range goodZone(t, rsaKey()) {
		if !strings.HasPrefix(r.Header().Name, "nl1._domainkey.") {
			out = append(out, r)
		}
	}
	if len(strs) > 0 {
		out = append(out, txtRR("nl1._domainkey.example.org", strs...))
	}
	return out
}

func dkimResult(t *testing.T, key crypto.Signer, pkcs1 bool, strs ...string) Result {
	t.Helper()
	return only(t, runWith(t, goodConfig("", writeKey(t, key, pkcs1)), withDKIM(t, strs...)...), CheckDKIM)
}

func TestDKIMRecordOfAnotherKeyFails(t *testing.T) {
	mine := newEd25519(t)
	r := dkimResult(t, mine, false, recordOf(t, newEd25519(t)))
	// The fix holds the exact record to publish.
	want(t, r, Fail, "does not match DKIM_KEY_FILE", "nl1._domainkey.example.org", recordOf(t, mine))

	r = dkimResult(t, rsaKey(), false, recordOf(t, newEd25519(t)))
	want(t, r, Fail, "k=ed25519 but DKIM_KEY_FILE holds an RSA key", recordOf(t, rsaKey()))
}

func TestDKIMRecordSplitAcrossStrings(t *testing.T) {
	v := recordOf(t, rsaKey())
	// Cut mid-tag and mid-key, the way DNS panels cut long values.
	r := dkimResult(t, rsaKey(), true, v[:10], v[10:250], v[250:])
	want(t, r, OK, "publishes the public half of DKIM_KEY_FILE (RSA 2048-bit)")
}

func TestDKIMRecordForms(t *testing.T) {
	k := rsaKey()
	p := strings.TrimPrefix(recordOf(t, k), "v=DKIM1; k=rsa; p=")
	// Spaces inside p= (a paste across lines) and no v= or k= are fine.
	spaced := "p=" + p[:100] + " " + p[100:200] + "\t" + p[200:]
	want(t, dkimResult(t, k, false, split255(spaced)...), OK, "publishes")
	want(t, dkimResult(t, k, false, split255("v=DKIM1; k=rsa; t=y; p="+p)...), Warn, "t=y", "Remove t=y")
	want(t, dkimResult(t, k, false, split255("v=DKIM1; k=rsa; h=sha1; p="+p)...), Fail, "h=sha1")
	want(t, dkimResult(t, k, false, "v=DKIM1; k=rsa; p="), Fail, "revoked", recordOf(t, k))
	want(t, dkimResult(t, k, false, "v=DKIM1; k=rsa; p=not base64!"), Fail, "not valid base64")
	want(t, dkimResult(t, k, false, "k=rsa; v=DKIM1; p="+p[:50]), Fail, "v= must come first")
}

func TestDKIMTwoRecordsFail(t *testing.T) {
	k := rsaKey()
	rrs := append(withDKIM(t, split255(recordOf(t, k))...), txtRR("nl1._domainkey.example.org", recordOf(t, newEd25519(t))))
	r := only(t, runWith(t, goodConfig("", writeKey(t, k, false)), rrs...), CheckDKIM)
	want(t, r, Fail, "2 DKIM records", "Keep only this one")
}

func TestDKIMNoRecordFails(t *testing.T) {
	want(t, dkimResult(t, rsaKey(), false), Fail, "no DKIM record at nl1._domainkey.example.org", recordOf(t, rsaKey()))
}

func TestDKIMEd25519MatchesButWarns(t *testing.T) {
	k := newEd25519(t)
	want(t, dkimResult(t, k, false, recordOf(t, k)), Warn, "Gmail and Outlook do not verify Ed25519", "rsa_keygen_bits:2048")
}

func TestDKIMNotSetWarnsWithHowTo(t *testing.T) {
	c := goodConfig("", "")
	c.DKIMSelector = ""
	r := only(t, runWith(t, c, goodZone(t, rsaKey())...), CheckDKIM)
	want(t, r, Warn, "unsigned", "openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048",
		"openssl genpkey -algorithm ed25519", "nl1._domainkey.example.org", "v=DKIM1; k=rsa; p=")
}

func TestDKIMBadSettings(t *testing.T) {
	dir := t.TempDir()
	notPEM := filepath.Join(dir, "notpem")
	if err := os.WriteFile(notPEM, []byte("hello"), 0o600); err != nil {
		t.Fatal(err)
	}
	encrypted := filepath.Join(dir, "enc.pem")
	if err := os.WriteFile(encrypted, []byte("-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ selector, file, msg string }{
		{"", writeKey(t, newEd25519(t), false), "DKIM_SELECTOR is empty"},
		{"nl1", "", "DKIM_KEY_FILE is empty"},
		{"bad selector!", writeKey(t, newEd25519(t), false), "not a DNS name"},
		{"nl1", filepath.Join(dir, "missing.pem"), "read the key file"},
		{"nl1", notPEM, "no PEM private key"},
		{"nl1", encrypted, "passphrase"},
	} {
		c := goodConfig("", tc.file)
		c.DKIMSelector = tc.selector
		r := only(t, runWith(t, c, goodZone(t, rsaKey())...), CheckDKIM)
		want(t, r, Fail, tc.msg)
		if strings.Contains(r.Message+r.Fix, "AAAA") || strings.Contains(r.Message+r.Fix, "hello") {
			t.Errorf("the key file's content leaked into %q", r.Message)
		}
	}
}

// TestPrintedRecordVerifiesRealSignatures signs a message with go-msgauth
// and verifies it with go-msgauth, which reads the record the doctor
// prints from the test DNS server.
func TestPrintedRecordVerifiesRealSignatures(t *testing.T) {
	for _, key := range []crypto.Signer{rsaKey(), newEd25519(t)} {
		addr, _ := startDNS(t, txtRR("nl1._domainkey.example.org", split255(recordOf(t, key))...))
		res, err := newResolver(addr, time.Second)
		if err != nil {
			t.Fatal(err)
		}
		msg := "From: <letters@example.org>\r\nTo: <r@example.net>\r\nSubject: hi\r\n\r\nHello.\r\n"
		var signed bytes.Buffer
		if err := dkim.Sign(&signed, strings.NewReader(msg), &dkim.SignOptions{Domain: "example.org", Selector: "nl1", Signer: key}); err != nil {
			t.Fatal(err)
		}
		vs, err := dkim.VerifyWithOptions(&signed, &dkim.VerifyOptions{LookupTXT: func(name string) ([]string, error) {
			return res.txt(context.Background(), name)
		}})
		if err != nil || len(vs) != 1 || vs[0].Err != nil {
			t.Fatalf("%s: verify with the printed record: %v %+v", keyInfo(key), err, vs)
		}
	}
}
