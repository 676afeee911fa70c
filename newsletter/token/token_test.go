package token

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestVerify(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	other := NewSigner([]byte("another key, also 32 bytes long!"))
	good := s.Sign(Confirm, "sub123", now.Add(time.Hour))
	forever := s.Sign(Unsubscribe, "sub123", time.Time{})
	payload, sig, _ := strings.Cut(good, ".")
	flipped := []byte(sig)
	if flipped[0] == 'A' {
		flipped[0] = 'B'
	} else {
		flipped[0] = 'A'
	}
	forged := enc.EncodeToString([]byte("sub999.0")) + "." + sig
	// The last of 22 characters carries 2 bits of the MAC and 4 unused
	// bits: flipping an unused bit spells the same bytes differently.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, sig[len(sig)-1])
	respelled := payload + "." + sig[:len(sig)-1] + string(alphabet[last^1])

	cases := []struct {
		name    string
		p       Purpose
		tok     string
		at      time.Time
		want    string
		wantErr error
	}{
		{"good", Confirm, good, now, "sub123", nil},
		{"no expiry, years later", Unsubscribe, forever, now.AddDate(10, 0, 0), "sub123", nil},
		{"expired", Confirm, good, now.Add(2 * time.Hour), "", ErrExpired},
		{"wrong purpose", Unsubscribe, good, now, "", ErrSignature},
		{"other key", Confirm, other.Sign(Confirm, "sub123", now.Add(time.Hour)), now, "", ErrSignature},
		{"tampered signature", Confirm, payload + "." + string(flipped), now, "", ErrSignature},
		{"tampered subject", Confirm, forged, now, "", ErrSignature},
		{"empty", Confirm, "", now, "", ErrMalformed},
		{"no dot", Confirm, "abcdef", now, "", ErrMalformed},
		{"bad base64", Confirm, "ab$cd.ef!gh", now, "", ErrMalformed},
		{"short mac", Confirm, payload + ".AAAA", now, "", ErrMalformed},
		{"same MAC spelled differently", Confirm, respelled, now, "", ErrMalformed},
		{"huge", Confirm, strings.Repeat("a", 600) + ".b", now, "", ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := s.Verify(c.p, c.tok, c.at)
			if !errors.Is(err, c.wantErr) || (c.wantErr == nil && err != nil) {
				t.Fatalf("Verify err = %v, want %v", err, c.wantErr)
			}
			if got != c.want {
				t.Fatalf("Verify subject = %q, want %q", got, c.want)
			}
		})
	}
}

func FuzzVerify(f *testing.F) {
	s := NewSigner([]byte("0123456789abcdef0123456789abcdef"))
	f.Add(s.Sign(Me, "abc", time.Time{}))
	f.Add("x.y")
	f.Add("")
	f.Fuzz(func(t *testing.T, tok string) {
		sub, err := s.Verify(Me, tok, time.Unix(0, 0))
		if err == nil && s.Sign(Me, sub, time.Time{}) != tok {
			// A token that verifies must be one we could have made.
			if _, err2 := s.Verify(Confirm, tok, time.Unix(0, 0)); err2 == nil {
				t.Fatalf("token %q verifies for two purposes", tok)
			}
		}
	})
}
