package newsletter

import (
	"net/mail"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzCheckEmail: an address CheckEmail accepts is one plain address that
// net/mail reads back unchanged, with nothing that could break a header.
func FuzzCheckEmail(f *testing.F) {
	for _, seed := range []string{
		"a@example.org", "A@Example.org", "a+tag@sub.example.org", "a@localhost", "a@.org", "a@org.",
		"Eve <eve@example.org>", "a@example.org, b@example.org", "a@example.org\r\nBcc: evil@example.org",
		"\"a b\"@example.org", "a@[127.0.0.1]", "a\x00@example.org", "\xff@example.org", "(comment)a@example.org",
		"a@example.org (comment)", "=?utf-8?q?a?=@example.org", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, email string) {
		if CheckEmail(email) != nil {
			return
		}
		if len(email) > 254 || !utf8.ValidString(email) || strings.ContainsAny(email, "\r\n\x00 \t<>,;\"()") {
			t.Fatalf("accepted %q", email)
		}
		a, err := mail.ParseAddress(email)
		if err != nil || a.Address != email || a.Name != "" {
			t.Fatalf("accepted %q, which net/mail reads as %v, %v", email, a, err)
		}
		list, err := mail.ParseAddressList(email)
		if err != nil || len(list) != 1 {
			t.Fatalf("accepted %q, which is %d addresses", email, len(list))
		}
		if local, domain, _ := strings.Cut(email, "@"); local == "" || !strings.Contains(domain, ".") {
			t.Fatalf("accepted %q", email)
		}
	})
}
