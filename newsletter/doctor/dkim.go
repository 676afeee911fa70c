package doctor

import (
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"fmt"
	"regexp"
	"strings"
)

// selectorRE matches a DKIM selector: dot-separated DNS labels.
var selectorRE = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$`)

// makeKeyFix explains how to make a DKIM key, for an author who has none.
func makeKeyFix(domain string) string {
	return "Make a key (RSA 2048 is the one every receiver verifies):\n" +
		"  openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out dkim.pem\n" +
		"(`openssl genpkey -algorithm ed25519 -out dkim.pem` makes a shorter key, but Gmail and Outlook do not verify Ed25519 yet.)\n" +
		"Keep dkim.pem private. Set DKIM_SELECTOR to a name of your choice, such as nl1, and DKIM_KEY_FILE to the file's path,\n" +
		"then run `newsletter doctor` again: it prints the exact TXT record to publish, which looks like\n" +
		"  name: nl1._domainkey." + domain + "   type: TXT   value: v=DKIM1; k=rsa; p=<public key>\n" +
		"(`openssl pkey -in dkim.pem -pubout -outform DER | base64 -w0` prints the public key by itself.)"
}

// checkDKIM checks that the DNS publishes the public half of the signing
// key at <selector>._domainkey.<domain>.
func checkDKIM(ctx context.Context, res *resolver, domain, selector, keyFile string) Result {
	r := Result{Check: CheckDKIM}
	selector, keyFile = strings.TrimSpace(selector), strings.TrimSpace(keyFile)
	switch {
	case selector == "" && keyFile == "":
		r.Level, r.Message = Warn, "letters go out unsigned (DKIM_SELECTOR and DKIM_KEY_FILE are empty); Gmail, Yahoo and Outlook put unsigned bulk mail in spam or refuse it"
		r.Fix = makeKeyFix(domain)
		return r
	case selector == "":
		r.Level, r.Message, r.Fix = Fail, "DKIM_KEY_FILE is set but DKIM_SELECTOR is empty", "Set DKIM_SELECTOR to the selector you publish the key under, such as nl1, or clear DKIM_KEY_FILE."
		return r
	case keyFile == "":
		r.Level, r.Message, r.Fix = Fail, "DKIM_SELECTOR is set but DKIM_KEY_FILE is empty", "Set DKIM_KEY_FILE to the path of the PEM private key, or clear DKIM_SELECTOR.\n"+makeKeyFix(domain)
		return r
	case !selectorRE.MatchString(selector):
		r.Level, r.Message, r.Fix = Fail, fmt.Sprintf("DKIM_SELECTOR %q is not a DNS name", selector), "Use letters, digits and hyphens, such as nl1."
		return r
	}
	key, err := loadDKIMKey(keyFile)
	if err != nil {
		r.Level, r.Message, r.Fix = Fail, "DKIM_KEY_FILE "+keyFile+": "+err.Error(), makeKeyFix(domain)
		return r
	}
	if k, ok := key.(*rsa.PrivateKey); ok && k.N.BitLen() < 1024 {
		r.Level, r.Message = Fail, fmt.Sprintf("DKIM_KEY_FILE holds a %d-bit RSA key; receivers ignore signatures from keys under 1024 bits", k.N.BitLen())
		r.Fix = makeKeyFix(domain)
		return r
	}
	value, err := dkimRecordValue(key)
	if err != nil {
		r.Level, r.Message, r.Fix = Fail, "DKIM_KEY_FILE: "+err.Error(), makeKeyFix(domain)
		return r
	}
	name := selector + "._domainkey." + domain
	publish := func(lead string) string { return publishFix(lead, name, value) }

	txts, err := res.txt(ctx, name)
	if err != nil {
		r.Level, r.Message = Warn, "cannot tell whether the key is published: "+err.Error()
		r.Fix = publish("Run the doctor again later. The record it should find:")
		return r
	}
	var recs []*dkimRecord
	for _, t := range txts {
		if !looksLikeDKIM(t) {
			continue
		}
		rec, err := parseDKIMRecord(t)
		if err != nil {
			r.Level, r.Message = Fail, "the DKIM record at "+name+" is broken: "+err.Error()
			r.Fix = publish("Replace it with:")
			return r
		}
		recs = append(recs, rec)
	}
	switch {
	case len(recs) == 0:
		r.Level, r.Message = Fail, "no DKIM record at "+name+": receivers cannot check the signature, so it counts for nothing"
		r.Fix = publish("Publish this record at your DNS provider:")
		return r
	case len(recs) > 1:
		r.Level, r.Message = Fail, fmt.Sprintf("%d DKIM records at %s: receivers pick one at random", len(recs), name)
		r.Fix = publish("Keep only this one:")
		return r
	}
	rec := recs[0]
	if len(rec.key) == 0 {
		r.Level, r.Message = Fail, "the DKIM record at "+name+" has an empty p=, which means the key was revoked"
		r.Fix = publish("Publish the current key instead:")
		return r
	}
	if ok, why := rec.matches(key); !ok {
		r.Level, r.Message = Fail, "the DKIM record at "+name+" does not match DKIM_KEY_FILE ("+why+"): every signature fails"
		r.Fix = publish("Replace the record with this one (or point DKIM_KEY_FILE at the key you published):")
		return r
	}
	if rec.hashes != "" && !hasToken(rec.hashes, "sha256") {
		r.Level, r.Message = Fail, "the DKIM record at "+name+" allows only h="+rec.hashes+", but letters are signed with sha256"
		r.Fix = publish("Drop the h= tag:")
		return r
	}
	if rec.services != "" && !hasToken(rec.services, "email") && !hasToken(rec.services, "*") {
		r.Level, r.Message = Fail, "the DKIM record at "+name+" is limited to s="+rec.services+", not email"
		r.Fix = publish("Drop the s= tag:")
		return r
	}
	r.Message = name + " publishes the public half of DKIM_KEY_FILE (" + keyInfo(key) + ")"
	switch k := key.(type) {
	case ed25519.PrivateKey:
		r.Level = Warn
		r.Message += ", but Gmail and Outlook do not verify Ed25519 signatures yet: to them your letters are unsigned"
		r.Fix = "Sign with an RSA 2048-bit key instead (a new selector lets the old record stay until the switch):\n" +
			"  openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out dkim-rsa.pem\n" +
			"then set DKIM_KEY_FILE and a new DKIM_SELECTOR and run `newsletter doctor` for the record."
	case *rsa.PrivateKey:
		if k.N.BitLen() < 2048 {
			r.Level = Warn
			r.Message += "; 1024-bit keys are weak and some receivers distrust them"
			r.Fix = "Make a 2048-bit key under a new selector:\n  openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out dkim.pem"
		}
	}
	if rec.testing {
		r.Level = Warn
		r.Message += "; the record has t=y (testing), so receivers treat letters as unsigned"
		r.Fix = strings.TrimLeft(r.Fix+"\n", "\n") + publish("Remove t=y once signing works:")
	}
	return r
}

// hasToken reports whether a colon-separated tag value lists tok.
func hasToken(list, tok string) bool {
	for _, t := range strings.Split(list, ":") {
		if strings.EqualFold(strings.TrimSpace(t), tok) {
			return true
		}
	}
	return false
}
