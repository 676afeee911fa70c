package webhook

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestShortenBoundsAndCleans(t *testing.T) {
	long := strings.Repeat("é", 300) // two bytes each: a cut must not split one
	got := shorten(long)
	if len(got) > maxReason+len("…") || !utf8.ValidString(got) || !strings.HasSuffix(got, "…") {
		t.Errorf("shorten(long) = %d bytes, valid %v: %q", len(got), utf8.ValidString(got), got)
	}
	got = shorten("smtp; 550\r\n  5.1.1\t<jane.doe@example.org>:\x00 user unknown\xff")
	if want := "smtp; 550 5.1.1 <j***@example.org>: user unknown?"; got != want {
		t.Errorf("shorten = %q, want %q", got, want)
	}
}

func TestCleanEmail(t *testing.T) {
	tests := map[string]string{
		" Reader@Example.ORG ":                    "reader@example.org",
		`"Reader" <Reader@example.org>`:           "reader@example.org",
		"no-at-sign":                              "",
		"a b@example.org":                         "",
		"<broken":                                 "",
		strings.Repeat("a", 250) + "@example.org": "",
	}
	for in, want := range tests {
		if got := cleanEmail(in); got != want {
			t.Errorf("cleanEmail(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEventLogValueMasksTheAddress(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(&buf, nil))
	log.Info("feedback", "event", Event{Kind: Bounce, Email: "secret.reader@example.org", Provider: "ses"})
	if strings.Contains(buf.String(), "secret.reader") || !strings.Contains(buf.String(), "s***@example.org") {
		t.Errorf("log line leaks or lacks the masked address: %s", buf.String())
	}
}

func TestStatus(t *testing.T) {
	tests := []struct {
		err  error
		want int
	}{
		{nil, 200},
		{fmt.Errorf("x: %w", ErrSignature), 401},
		{fmt.Errorf("x: %w", ErrMalformed), 400},
		{fmt.Errorf("x: %w", ErrUpstream), 502},
		{errors.New("other"), 500},
	}
	for _, tt := range tests {
		if got := Status(tt.err); got != tt.want {
			t.Errorf("Status(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
