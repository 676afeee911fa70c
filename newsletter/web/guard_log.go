package web

import (
	"context"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"unicode/utf8"
)

// The logs never hold a subscriber's whole address, a token or a signed
// link. The web side's logger redacts every message and attribute on its
// way out (paths, errors, anything), whoever logs through it:
//
//   - addresses become "s***@example.org";
//   - the token of a token path becomes "…": /confirm/…, /unsubscribe/…,
//     /me/…, /download/…;
//   - anything shaped like a signed token (token package: base64url, a
//     dot, a 22-character MAC) becomes "…", and so does a bearer token.

// RedactingHandler returns a slog.Handler that redacts every record (see
// Redact) before h handles it. The web side wraps its logger with it; a
// caller may wrap the whole service's.
func RedactingHandler(h slog.Handler) slog.Handler {
	if r, ok := h.(redactHandler); ok {
		return r
	}
	return redactHandler{h}
}

type redactHandler struct{ h slog.Handler }

func (r redactHandler) Enabled(ctx context.Context, l slog.Level) bool { return r.h.Enabled(ctx, l) }

func (r redactHandler) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, Redact(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redactAttr(a))
		return true
	})
	return r.h.Handle(ctx, out)
}

func (r redactHandler) WithAttrs(as []slog.Attr) slog.Handler {
	red := make([]slog.Attr, len(as))
	for i, a := range as {
		red[i] = redactAttr(a)
	}
	return redactHandler{r.h.WithAttrs(red)}
}

func (r redactHandler) WithGroup(name string) slog.Handler { return redactHandler{r.h.WithGroup(name)} }

// redactAttr redacts one attribute, groups and lazy values included.
func redactAttr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Redact(v.String()))
	case slog.KindGroup:
		g := v.Group()
		red := make([]any, len(g))
		for i, x := range g {
			red[i] = redactAttr(x)
		}
		return slog.Group(a.Key, red...)
	case slog.KindAny:
		var s string
		if err, ok := v.Any().(error); ok {
			s = err.Error()
		} else {
			s = fmt.Sprintf("%+v", v.Any())
		}
		if red := Redact(s); red != s {
			return slog.String(a.Key, red)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}

var (
	// emailPattern finds addresses in free text: a local part of anything
	// but white space, quotes, brackets and separators, an "@" (or "%40",
	// as in a URL's path), and a dotted domain.
	emailPattern = regexp.MustCompile(`[^\s@<>()\[\]"'` + "`" + `,;:/\\]+(?:@|%40)[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+`)
	// tokenPath finds the token of a token path.
	tokenPath = regexp.MustCompile(`/(confirm|unsubscribe|me|download)/[^/\s?#"'<>]+`)
	// signedToken finds a token.Signer token: payload "." a 16-byte MAC.
	signedToken = regexp.MustCompile(`[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{22}(?:[^A-Za-z0-9_-]|$)`)
	// bearerToken finds a bearer credential.
	bearerToken = regexp.MustCompile(`(?i)(bearer\s+)\S+`)
)

// Redact masks what a log line may not hold: addresses (MaskEmail), the
// tokens of token paths, signed tokens and bearer credentials.
func Redact(s string) string {
	s = tokenPath.ReplaceAllString(s, "/$1/…")
	s = signedToken.ReplaceAllStringFunc(s, func(m string) string {
		r, size := utf8.DecodeLastRuneInString(m)
		if size > 0 && !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
			return "…" + m[len(m)-size:]
		}
		return "…"
	})
	s = bearerToken.ReplaceAllString(s, "${1}…")
	return emailPattern.ReplaceAllStringFunc(s, MaskEmail)
}

// MaskEmail shows an address as its first character, "***" and its
// domain: "s***@example.org" ("%40" stands for the "@" in a URL's path).
// Without an "@" it is all masked.
func MaskEmail(email string) string {
	at := strings.LastIndexByte(email, '@')
	if i := strings.LastIndex(email, "%40"); i > at {
		at = i
	}
	if at <= 0 {
		return "***"
	}
	_, size := utf8.DecodeRuneInString(email)
	return email[:size] + "***" + email[at:]
}
