// Package token makes and checks the signed links that go out in mail:
// confirm, unsubscribe, the subscriber's own page and the guide download.
//
// A token is base64url(subject "." expiry) "." base64url(mac), where mac is
// the first 16 bytes of HMAC-SHA256(key, purpose "|" payload). The purpose
// is inside the MAC, so a token made for one purpose fails for any other.
// Expiry is Unix seconds in base 36; 0 means the token does not expire.
package token

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"time"
)

// Purpose says what a token may be used for.
type Purpose string

// The purposes of the links the service sends.
const (
	Confirm     Purpose = "confirm"
	Unsubscribe Purpose = "unsubscribe"
	Me          Purpose = "me"
	Download    Purpose = "download"
)

// Errors returned by Verify. All of them mean "this link is no good"; the
// web side answers each with a 400 or 404 page.
var (
	ErrMalformed = errors.New("token malformed")
	ErrSignature = errors.New("token signature invalid")
	ErrExpired   = errors.New("token expired")
)

const macLen = 16

// enc is strict: the unused low bits of the last character must be zero,
// so that no two spellings of one token both verify.
var enc = base64.RawURLEncoding.Strict()

// Signer signs and verifies tokens with one secret key.
type Signer struct {
	key []byte
}

// NewSigner returns a Signer for key, which should hold at least 32 random bytes.
func NewSigner(key []byte) *Signer {
	return &Signer{key: append([]byte(nil), key...)}
}

// Sign returns a token that lets its holder act for subject with purpose p
// until exp (no expiry when exp is the zero time).
func (s *Signer) Sign(p Purpose, subject string, exp time.Time) string {
	var e int64
	if !exp.IsZero() {
		e = exp.Unix()
	}
	payload := enc.EncodeToString([]byte(subject + "." + strconv.FormatInt(e, 36)))
	return payload + "." + enc.EncodeToString(s.mac(p, payload))
}

// Verify checks tok for purpose p at time now and returns its subject.
func (s *Signer) Verify(p Purpose, tok string, now time.Time) (string, error) {
	payload, sig, ok := strings.Cut(tok, ".")
	if !ok || payload == "" || sig == "" || len(tok) > 512 {
		return "", ErrMalformed
	}
	got, err := enc.DecodeString(sig)
	if err != nil || len(got) != macLen {
		return "", ErrMalformed
	}
	if !hmac.Equal(got, s.mac(p, payload)) {
		return "", ErrSignature
	}
	raw, err := enc.DecodeString(payload)
	if err != nil {
		return "", ErrMalformed
	}
	subject, expStr, ok := strings.Cut(string(raw), ".")
	if !ok || subject == "" {
		return "", ErrMalformed
	}
	exp, err := strconv.ParseInt(expStr, 36, 64)
	if err != nil {
		return "", ErrMalformed
	}
	if exp != 0 && now.Unix() > exp {
		return "", ErrExpired
	}
	return subject, nil
}

func (s *Signer) mac(p Purpose, payload string) []byte {
	h := hmac.New(sha256.New, s.key)
	h.Write([]byte(p))
	h.Write([]byte{'|'})
	h.Write([]byte(payload))
	return h.Sum(nil)[:macLen]
}
