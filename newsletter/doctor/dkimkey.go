package doctor

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strings"
)

// loadDKIMKey reads a PEM private key: PKCS#8 (RSA or Ed25519) or PKCS#1
// (RSA). Errors describe the file, never its content.
func loadDKIMKey(path string) (crypto.Signer, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read the key file: %w", err)
	}
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("no PEM private key in the file (it should start with -----BEGIN PRIVATE KEY-----)")
		}
		switch block.Type {
		case "PRIVATE KEY":
			k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("read the PKCS#8 private key: %w", err)
			}
			switch k := k.(type) {
			case *rsa.PrivateKey:
				return k, nil
			case ed25519.PrivateKey:
				return k, nil
			}
			return nil, fmt.Errorf("a %T key: DKIM needs RSA or Ed25519", k)
		case "RSA PRIVATE KEY":
			k, err := x509.ParsePKCS1PrivateKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("read the PKCS#1 RSA private key: %w", err)
			}
			return k, nil
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("the key is protected by a passphrase; the service needs it without one (openssl pkey -in old.pem -out dkim.pem)")
		case "EC PRIVATE KEY":
			return nil, errors.New("an EC (ECDSA) key: DKIM needs RSA or Ed25519")
		}
	}
}

// keyInfo describes a DKIM key for messages: "RSA 2048-bit" or "Ed25519".
func keyInfo(k crypto.Signer) string {
	if r, ok := k.(*rsa.PrivateKey); ok {
		return fmt.Sprintf("RSA %d-bit", r.N.BitLen())
	}
	return "Ed25519"
}

// dkimRecordValue is the TXT value that publishes k's public half.
func dkimRecordValue(k crypto.Signer) (string, error) {
	switch k := k.(type) {
	case *rsa.PrivateKey:
		der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
		if err != nil {
			return "", fmt.Errorf("encode the public key: %w", err)
		}
		return "v=DKIM1; k=rsa; p=" + base64.StdEncoding.EncodeToString(der), nil
	case ed25519.PrivateKey:
		return "v=DKIM1; k=ed25519; p=" + base64.StdEncoding.EncodeToString(k.Public().(ed25519.PublicKey)), nil
	}
	return "", fmt.Errorf("a %T key: DKIM needs RSA or Ed25519", k)
}

// publishFix tells how to publish value as a TXT record at name: name and
// value for a DNS panel, and a zone-file line with the value cut into
// strings of at most 255 bytes when it is longer than that.
func publishFix(lead, name, value string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n  name:  %s\n  type:  TXT\n  value: %s\n", lead, name, value)
	if len(value) > 255 {
		b.WriteString("The value is longer than 255 characters: most DNS panels split it for you; in a zone file write it as several strings:\n  ")
		b.WriteString(name + ". IN TXT (")
		for i := 0; i < len(value); i += 255 {
			if i > 0 {
				b.WriteString(" ")
			}
			fmt.Fprintf(&b, "%q", value[i:min(i+255, len(value))])
		}
		b.WriteString(")\n")
	}
	return b.String()
}

// dkimRecord is a parsed DKIM key record (RFC 6376 section 3.6.1).
type dkimRecord struct {
	keyType  string // k=, "rsa" when absent
	key      []byte // p=, decoded; empty: revoked
	hashes   string // h=, "" when absent
	services string // s=, "" when absent
	testing  bool   // t= holds y
}

// parseTagList splits "a=1; b = 2;" into tags (RFC 6376 section 3.2),
// rejecting a duplicate tag or one without "=".
func parseTagList(s string) (map[string]string, []string, error) {
	tags := map[string]string{}
	var order []string
	for _, spec := range strings.Split(s, ";") {
		spec = strings.TrimSpace(spec)
		if spec == "" {
			continue
		}
		name, value, ok := strings.Cut(spec, "=")
		if !ok {
			return nil, nil, fmt.Errorf("%q is not a tag=value pair", spec)
		}
		name = strings.TrimSpace(name)
		if _, dup := tags[name]; dup {
			return nil, nil, fmt.Errorf("the tag %s= appears twice", name)
		}
		tags[name] = strings.TrimSpace(value)
		order = append(order, name)
	}
	return tags, order, nil
}

// parseDKIMRecord reads a joined TXT value as a DKIM key record.
func parseDKIMRecord(s string) (*dkimRecord, error) {
	tags, order, err := parseTagList(s)
	if err != nil {
		return nil, err
	}
	if v, ok := tags["v"]; ok && (order[0] != "v" || v != "DKIM1") {
		return nil, errors.New("v= must come first and be DKIM1")
	}
	p, ok := tags["p"]
	if !ok {
		return nil, errors.New("no p= tag (the public key)")
	}
	p = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, p)
	key, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		return nil, errors.New("p= is not valid base64 (was a character lost when it was pasted?)")
	}
	r := &dkimRecord{keyType: "rsa", key: key, hashes: tags["h"], services: tags["s"]}
	if k, ok := tags["k"]; ok {
		r.keyType = strings.ToLower(k)
	}
	for _, f := range strings.Split(tags["t"], ":") {
		if strings.TrimSpace(f) == "y" {
			r.testing = true
		}
	}
	return r, nil
}

// looksLikeDKIM reports whether a TXT value at a _domainkey name is meant
// as a DKIM key record.
func looksLikeDKIM(s string) bool {
	t := strings.TrimSpace(s)
	return strings.HasPrefix(t, "v=DKIM1") || strings.Contains(t, "p=")
}

// matches reports whether the record publishes k's public half; why says
// why not.
func (r *dkimRecord) matches(k crypto.Signer) (ok bool, why string) {
	switch priv := k.(type) {
	case *rsa.PrivateKey:
		if r.keyType != "rsa" {
			return false, "it says k=" + r.keyType + " but DKIM_KEY_FILE holds an RSA key"
		}
		pub, err := x509.ParsePKIXPublicKey(r.key)
		if err != nil {
			// RFC 6376 names the bare RSAPublicKey form; some tools publish it.
			rp, err1 := x509.ParsePKCS1PublicKey(r.key)
			if err1 != nil {
				return false, "p= is not an RSA public key"
			}
			pub = rp
		}
		if rp, isRSA := pub.(*rsa.PublicKey); !isRSA || !priv.PublicKey.Equal(rp) {
			return false, "it holds another key"
		}
	case ed25519.PrivateKey:
		if r.keyType != "ed25519" {
			return false, "it says k=" + r.keyType + " but DKIM_KEY_FILE holds an Ed25519 key"
		}
		if !priv.Public().(ed25519.PublicKey).Equal(ed25519.PublicKey(r.key)) {
			return false, "it holds another key"
		}
	default:
		return false, "DKIM_KEY_FILE holds an unsupported key"
	}
	return true, ""
}
