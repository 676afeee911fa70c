package service_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/satina/newsletter/newsletter/service"
)

func TestParseImportCSV(t *testing.T) {
	in := "\ufeffName, EMAIL ,sequence,status,extra\n" +
		"Ada Lovelace,ada@example.org,guide,confirmed,x\n" +
		"\"Hopper, Grace\",grace@example.org,,pending\n" + // short row: the missing column is empty
		"bad \"quote,b@example.org,,confirmed\n" +
		"\n" + // blank lines are skipped
		"\"multi\nline\",m@example.org,guide,confirmed\n"
	rows, err := service.ParseImportCSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []service.ImportRow{
		{Email: "ada@example.org", Name: "Ada Lovelace", Status: "confirmed", Sequence: "guide"},
		{Email: "grace@example.org", Name: "Hopper, Grace", Status: "pending"},
		{Problem: `CSV: bare " in non-quoted-field`},
		{Email: "m@example.org", Name: "multi\nline", Status: "confirmed", Sequence: "guide"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Fatalf("rows:\n got %#v\nwant %#v", rows, want)
	}

	for _, bad := range []string{"", "name,status\nAda,confirmed\n"} {
		if _, err := service.ParseImportCSV(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "email") {
			t.Errorf("ParseImportCSV(%q) = %v, want an error naming the email column", bad, err)
		}
	}
	if _, err := service.ParseImportCSV(failingReader{}); err == nil || !strings.Contains(err.Error(), "disk on fire") {
		t.Errorf("a failing reader: %v", err)
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestParseLetterFile(t *testing.T) {
	d, err := service.ParseLetterFile([]byte("\ufeff---\r\nsubject:  On rest \r\nskip_in_sequence: true\r\n---\r\nDear {{ .FirstName }},\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Subject != "On rest" || !d.SkipInSequence || d.Markdown != "Dear {{ .FirstName }},\r\n" {
		t.Fatalf("draft = %#v", d)
	}
	for _, c := range []struct {
		src  string
		line int
		msg  string
	}{
		{"Dear you", 1, "missing front matter"},
		{"---\nsubject: x\n", 1, "unterminated"},
		{"---\nskip_in_sequence: true\n---\nbody", 2, "needs a subject"},
		{"---\nsubject: x\nsubjet: y\n---\nbody", 3, `unknown key "subjet"`},
		{"---\nsubject: x\nskip_in_sequence: maybe\n---\nbody", 3, "true or false"},
		{"---\nsubject: [a, b]\n---\nbody", 2, "one line"},
		{"---\nsubject: x\n  - : :\n---\nbody", 2, "front matter"},
	} {
		_, err := service.ParseLetterFile([]byte(c.src))
		var fe *service.FileError
		if !errors.As(err, &fe) || fe.Line != c.line || !strings.Contains(fe.Msg, c.msg) {
			t.Errorf("ParseLetterFile(%q) = %v, want line %d: ...%s...", c.src, err, c.line, c.msg)
		}
	}
}
