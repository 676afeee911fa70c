package newsletter

import (
	"bytes"
	"net/mail"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/satina/newsletter/sequences"
)

// FuzzParseImportCSV feeds arbitrary CSV to the import parser: it never
// panics, yields at most one row per line after the header, and every row
// that Import would accept is a clean one-line record.
func FuzzParseImportCSV(f *testing.F) {
	set, err := sequences.Load(sequences.Builtin)
	if err != nil {
		f.Fatal(err)
	}
	svc := &Service{Sequences: set}
	for _, seed := range []string{
		"email,name,status,sequence\na@example.org,Ada,confirmed,guide\nb@example.org,,pending,\n",
		"\ufeffEmail , Name\r\nc@example.org,\"Lovelace, Ada\"\r\n",
		"email,name,status,sequence\n\"a@example.org,A\"x\",confirmed,\n",
		"email,name,status,sequence\nrow@example.org,\"Eve\r\nBcc: evil@example.org\",confirmed,guide\n",
		"email\n\"unterminated\n",
		"email,email\na@example.org,b@example.org\n",
		"name,status\nA,confirmed\n",
		"",
		"\n\n\n",
		"email\n\x00\x01\xff\n",
		"email;name\na@example.org;A\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := ParseImportCSV(bytes.NewReader(data))
		if err != nil {
			if rows != nil {
				t.Fatalf("rows and an error: %d, %v", len(rows), err)
			}
			if strings.TrimSpace(err.Error()) == "" {
				t.Fatal("an error without a message")
			}
			return
		}
		if lines := bytes.Count(data, []byte("\n")) + 1; len(rows) > lines-1 {
			t.Fatalf("%d rows from %d lines (one is the header)", len(rows), lines)
		}
		for i, r := range rows {
			n, err := svc.importRow(r)
			if err != nil {
				if r.Problem != "" && !strings.Contains(err.Error(), r.Problem) {
					t.Errorf("row %d: problem %q reported as %q", i, r.Problem, err)
				}
				continue
			}
			if r.Problem != "" {
				t.Fatalf("row %d with problem %q was accepted", i, r.Problem)
			}
			if err := CheckEmail(n.Email); err != nil {
				t.Errorf("row %d: accepted address %q: %v", i, n.Email, err)
			}
			if strings.ContainsAny(n.Name, "\r\n\x00") || !utf8.ValidString(n.Name) || utf8.RuneCountInString(n.Name) > 100 {
				t.Errorf("row %d: accepted name %q", i, n.Name)
			}
			if n.Status != StatusConfirmed && n.Status != StatusPending {
				t.Errorf("row %d: accepted status %q", i, n.Status)
			}
		}
	})
}

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
