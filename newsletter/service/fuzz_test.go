package service

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/satina/newsletter/newsletter"
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
			if err := newsletter.CheckEmail(n.Email); err != nil {
				t.Errorf("row %d: accepted address %q: %v", i, n.Email, err)
			}
			if strings.ContainsAny(n.Name, "\r\n\x00") || !utf8.ValidString(n.Name) || utf8.RuneCountInString(n.Name) > 100 {
				t.Errorf("row %d: accepted name %q", i, n.Name)
			}
			if n.Status != newsletter.StatusConfirmed && n.Status != newsletter.StatusPending {
				t.Errorf("row %d: accepted status %q", i, n.Status)
			}
		}
	})
}

// FuzzParseLetterFile feeds arbitrary files to the letter-file parser (the
// author's `newsletter letter schedule FILE.md`): it never panics, and a
// file it accepts has a one-line subject.
func FuzzParseLetterFile(f *testing.F) {
	for _, seed := range []string{
		"---\nsubject: On rest\n---\nDear Fellow Humans,\n",
		"\ufeff---\r\nsubject:  On rest \r\nskip_in_sequence: true\r\n---\r\nbody",
		"---\nsubject: [a, b]\n---\n",
		"---\nsubject: |\n  two\n  lines\n---\nx",
		"---\n&a [*a, *a]\n---\n",
		"no front matter",
		"---\nsubject: x\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := ParseLetterFile(data)
		if err != nil {
			return
		}
		if strings.ContainsAny(d.Subject, "\r\n") {
			t.Fatalf("%q parses to a subject over several lines: %q", data, d.Subject)
		}
	})
}
