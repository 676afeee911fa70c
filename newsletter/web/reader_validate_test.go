package web

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestValidateSignup checks the signup rules field by field: which input
// is refused, under which field, and that each refusal has a message a
// person can act on.
func TestValidateSignup(t *testing.T) {
	ok := signupInput{Email: "ada@example.org", Name: "Ada Lovelace", Consent: "on", Sequence: "guide", TZ: "Europe/Berlin"}
	cases := []struct {
		name  string
		edit  func(*signupInput)
		field string // "" means valid
	}{
		{"valid", func(*signupInput) {}, ""},
		{"valid, international", func(in *signupInput) { in.Email, in.Name = "zoë@exämple.org", "Zoë Ünal 👩‍👩‍👧" }, ""},
		{"valid, 100 runes", func(in *signupInput) { in.Name = strings.Repeat("é", 100) }, ""},
		{"valid, plus address", func(in *signupInput) { in.Email = "ada+news@example.org" }, ""},
		{"email missing", func(in *signupInput) { in.Email = "" }, "email"},
		{"email no at", func(in *signupInput) { in.Email = "ada.example.org" }, "email"},
		{"email no domain dot", func(in *signupInput) { in.Email = "ada@localhost" }, "email"},
		{"email display name", func(in *signupInput) { in.Email = "Ada <ada@example.org>" }, "email"},
		{"email two addresses", func(in *signupInput) { in.Email = "ada@example.org,eve@example.org" }, "email"},
		{"email quoted local part", func(in *signupInput) { in.Email = `"ada lovelace"@example.org` }, "email"},
		{"email quoted at", func(in *signupInput) { in.Email = `"eve@evil.example"@example.org` }, "email"},
		{"email IP literal", func(in *signupInput) { in.Email = "ada@[127.0.0.1]" }, "email"},
		{"email CRLF", func(in *signupInput) { in.Email = "ada@example.org\r\nBcc: eve@example.org" }, "email"},
		{"email NUL", func(in *signupInput) { in.Email = "ada\x00@example.org" }, "email"},
		{"email zero-width space", func(in *signupInput) { in.Email = "ada\u200b@example.org" }, "email"},
		{"email line separator", func(in *signupInput) { in.Email = "ada@example.org\u2028" }, "email"},
		{"email invalid UTF-8", func(in *signupInput) { in.Email = "\xffada@example.org" }, "email"},
		{"email 255 bytes", func(in *signupInput) { in.Email = strings.Repeat("a", 243) + "@example.org" }, "email"},
		{"name 101 runes", func(in *signupInput) { in.Name = strings.Repeat("é", 101) }, "name"},
		{"name CRLF", func(in *signupInput) { in.Name = "Ada\r\nBcc: eve@example.org" }, "name"},
		{"name LF", func(in *signupInput) { in.Name = "Ada\nX" }, "name"},
		{"name tab", func(in *signupInput) { in.Name = "Ada\tX" }, "name"},
		{"name NUL", func(in *signupInput) { in.Name = "Ada\x00" }, "name"},
		{"name DEL", func(in *signupInput) { in.Name = "Ada\x7f" }, "name"},
		{"name NEL", func(in *signupInput) { in.Name = "Ada\u0085X" }, "name"},
		{"name line separator", func(in *signupInput) { in.Name = "Ada\u2028X" }, "name"},
		{"name paragraph separator", func(in *signupInput) { in.Name = "Ada\u2029X" }, "name"},
		{"name invalid UTF-8", func(in *signupInput) { in.Name = "Ada\xc3" }, "name"},
		{"consent missing", func(in *signupInput) { in.Consent = "" }, "consent"},
		{"consent off", func(in *signupInput) { in.Consent = "off" }, "consent"},
		{"consent false", func(in *signupInput) { in.Consent = "false" }, "consent"},
		{"sequence too long", func(in *signupInput) { in.Sequence = strings.Repeat("s", 65) }, "sequence"},
		{"sequence CRLF", func(in *signupInput) { in.Sequence = "guide\r\n" }, "sequence"},
		{"tz too long", func(in *signupInput) { in.TZ = strings.Repeat("t", 65) }, "tz"},
		{"tz CRLF", func(in *signupInput) { in.TZ = "UTC\r\nX: y" }, "tz"},
	}
	v := newValidator()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := ok
			c.edit(&in)
			errs := v.check(&in)
			if c.field == "" {
				if len(errs) > 0 {
					t.Fatalf("refused: %v", errs)
				}
				return
			}
			if len(errs) != 1 || strings.TrimSpace(errs[c.field]) == "" {
				t.Fatalf("errors %v, want exactly one for %s", errs, c.field)
			}
			if errs[c.field] == "This value is not valid." {
				t.Errorf("generic message for %s: %q", c.field, errs[c.field])
			}
		})
	}
	in := ok
	in.Name = strings.Repeat("x", 101)
	if msg := v.check(&in)["name"]; !strings.Contains(msg, "100 characters") {
		t.Errorf("a long name gets %q; it should say the limit", msg)
	}
}

// TestConsentFlag: the consent field takes a JSON boolean, number or
// string; only true, 1, "true", "on", "yes" and "1" mean yes.
func TestConsentFlag(t *testing.T) {
	for raw, want := range map[string]bool{
		`true`: true, `false`: false, `1`: true, `0`: false, `2`: false, `1.0`: true, `"true"`: true, `"TRUE"`: true,
		`" on "`: true, `"yes"`: true, `"1"`: true, `"no"`: false, `""`: false, `null`: false, `"y"`: false,
	} {
		var f consentFlag
		if err := json.Unmarshal([]byte(raw), &f); err != nil {
			t.Errorf("%s: %v", raw, err)
			continue
		}
		if f.given() != want {
			t.Errorf("%s: given() = %v, want %v", raw, f.given(), want)
		}
	}
	for _, raw := range []string{`{}`, `[]`, `[true]`, `{"a":true}`} {
		var f consentFlag
		if err := json.Unmarshal([]byte(raw), &f); err == nil {
			t.Errorf("%s: accepted as consent %q", raw, f)
		}
	}
}

// TestFieldMessages: every field and rule of signupInput has a message of
// its own, so a refusal never reads "This value is not valid."
func TestFieldMessages(t *testing.T) {
	for _, field := range []string{"email", "name", "consent", "sequence", "tz"} {
		if msg := message(field, "no-such-tag"); msg == "This value is not valid." || msg == "" {
			t.Errorf("%s has no message of its own", field)
		}
	}
}
