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
// quadratic (endless folded lines, thousands of fields and parts, deep
// nesting, one long line) cost Parse time in proportion to their size:
// the full message cap takes well under 10 times what a quarter of it
// takes (4 when linear, 16 when quadratic). Ratios, each the fastest of
// three runs, so that a busy machine slows both sides alike.
func TestPathologicalInputIsQuick(t *testing.T) {
	inputs := map[string]func(n int) []byte{
		"folded": func(n int) []byte { return append([]byte("Subject: x\n"), bytes.Repeat([]byte(" y\n"), n/3)...) },
		"fields": func(n int) []byte { return bytes.Repeat([]byte("X-A: b\n"), n/7) },
		"parts": func(n int) []byte {
			var parts bytes.Buffer
			parts.WriteString("Content-Type: multipart/mixed; boundary=b\n\n")
			for parts.Len() < n {
				parts.WriteString("--b\nContent-Type: message/delivery-status\n\nFinal-Recipient: rfc822; a@example.com\nAction: failed\n\n")
			}
			return parts.Bytes()
		},
		"nested": func(n int) []byte {
			var nested bytes.Buffer
			for i := 0; i < n/(MaxMessageBytes/100); i++ {
				nested.WriteString("Content-Type: multipart/mixed; boundary=b\n\n--b\n")
			}
			return nested.Bytes()
		},
		"text": func(n int) []byte {
			return append([]byte("From: MAILER-DAEMON@example.com\nSubject: failure notice\n\n"), bytes.Repeat([]byte("550 5.1.1 a@example.com "), n/24)...)
		},
	}
	fastest := func(name string, raw []byte) time.Duration {
		best := time.Duration(1<<63 - 1)
		for range 3 {
			start := time.Now()
			if _, err := Parse(raw, testReturnPath); err != nil && !errors.Is(err, ErrMalformed) {
				t.Errorf("%s: %v", name, err)
			}
			best = min(best, time.Since(start))
		}
		return best
	}
	for name, gen := range inputs {
		quarter, full := fastest(name, gen(MaxMessageBytes/4)), fastest(name, gen(MaxMessageBytes))
		// Below a millisecond the clock's grain decides: nothing to compare.
		if full > time.Millisecond && full > 10*quarter {
			t.Errorf("%s: the full cap took %v, a quarter of it %v (%.1f×): Parse grows faster than the input",
				name, full, quarter, float64(full)/float64(quarter))
		}
	}
}
