package bounce

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

var tagChars = regexp.MustCompile(`^[A-Za-z0-9_-]*$`)

// FuzzParse: whatever arrives in the bounce mailbox, Parse returns a
// report or ErrMalformed, never panics, and keeps its fields bounded.
func FuzzParse(f *testing.F) {
	files, err := filepath.Glob("testdata/*.eml")
	if err != nil || len(files) == 0 {
		f.Fatalf("no seed corpus in testdata: %v", err)
	}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Add([]byte("Content-Type: multipart/report; boundary=x\n\n--x\nContent-Type: multipart/mixed; boundary=x\n\n--x\n"))
	f.Add([]byte("Subject: a\n b\n\tc\n\n"))
	p, err := NewParser(testReturnPath)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r, err := p.Parse(raw)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v does not wrap ErrMalformed", err)
			}
			return
		}
		if r == nil {
			t.Fatal("nil report without an error")
		}
		if r.Kind < Unknown || r.Kind > Unsubscribe {
			t.Fatalf("Kind %d out of range", r.Kind)
		}
		if len(r.Tag) > MaxTagLen || !tagChars.MatchString(r.Tag) || (r.Tag == "") != (r.TagSource == "") {
			t.Fatalf("bad tag %q from %q", r.Tag, r.TagSource)
		}
		if len(r.Diagnostic) > MaxDiagnostic || strings.ContainsAny(r.Diagnostic, "\r\n") {
			t.Fatalf("Diagnostic not one bounded line: %q", r.Diagnostic)
		}
		if r.Status != "" && !isStatus(r.Status) {
			t.Fatalf("Status %q is no enhanced status code", r.Status)
		}
		_ = r.AddressFault()
	})
}

// TestPathologicalInputIsQuick: inputs built to make a careless parser
// quadratic (endless folded lines, thousands of parts, deep nesting) are
// read at the message cap in well under a second each.
func TestPathologicalInputIsQuick(t *testing.T) {
	folded := append([]byte("Subject: x\n"), bytes.Repeat([]byte(" y\n"), MaxMessageBytes/3)...)
	fields := bytes.Repeat([]byte("X-A: b\n"), MaxMessageBytes/7)
	var parts bytes.Buffer
	parts.WriteString("Content-Type: multipart/mixed; boundary=b\n\n")
	for parts.Len() < MaxMessageBytes {
		parts.WriteString("--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@example.com\nAction: failed\n\n")
	}
	var nested bytes.Buffer
	for i := 0; i < 100; i++ {
		nested.WriteString("Content-Type: multipart/mixed; boundary=b\n\n--b\n")
	}
	text := append([]byte("From: MAILER-DAEMON@example.com\nSubject: failure notice\n\n"), bytes.Repeat([]byte("550 5.1.1 a@example.com "), MaxMessageBytes/24)...)
	for name, raw := range map[string][]byte{"folded": folded, "fields": fields, "parts": parts.Bytes(), "nested": nested.Bytes(), "text": text} {
		start := time.Now()
		if _, err := Parse(raw, testReturnPath); err != nil && !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: Parse took %v", name, d)
		}
	}
}
