package doctor

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// expand replaces the macros of a domain-spec (RFC 7208 section 7). The
// sender's local part is unknown to the doctor and taken as "postmaster";
// the HELO name is taken as the envelope domain.
func (e *spfEval) expand(spec, domain string) (string, error) {
	if !strings.Contains(spec, "%") {
		return strings.TrimSuffix(spec, "."), nil
	}
	var b strings.Builder
	for i := 0; i < len(spec); i++ {
		if spec[i] != '%' {
			b.WriteByte(spec[i])
			continue
		}
		if i+1 >= len(spec) {
			return "", fmt.Errorf("%q ends in a lone %%", spec)
		}
		i++
		switch spec[i] {
		case '%':
			b.WriteByte('%')
			continue
		case '_':
			b.WriteByte(' ')
			continue
		case '-':
			b.WriteString("%20")
			continue
		case '{':
		default:
			return "", fmt.Errorf("%q: %%%c is not a macro", spec, spec[i])
		}
		end := strings.IndexByte(spec[i:], '}')
		if end < 2 {
			return "", fmt.Errorf("%q has an unclosed or empty macro", spec)
		}
		v, err := e.macro(spec[i+1:i+end], domain)
		if err != nil {
			return "", fmt.Errorf("%q: %w", spec, err)
		}
		b.WriteString(v)
		i += end
	}
	out := strings.TrimSuffix(b.String(), ".")
	for len(out) > 253 { // RFC 7208 section 7.3: drop labels from the left
		_, out, _ = strings.Cut(out, ".")
	}
	return out, nil
}

// macro expands one macro body such as "d", "ir" or "l1r-".
func (e *spfEval) macro(body, domain string) (string, error) {
	var v string
	switch body[0] | 0x20 {
	case 's':
		v = "postmaster@" + e.sender
	case 'l':
		v = "postmaster"
	case 'o', 'h':
		v = e.sender
	case 'd':
		v = domain
	case 'i', 'c':
		v = e.ip.String()
		if e.ip.Is6() {
			var nibbles []string
			for _, c := range strings.ReplaceAll(e.ip.StringExpanded(), ":", "") {
				nibbles = append(nibbles, string(c))
			}
			v = strings.Join(nibbles, ".")
		}
	case 'p':
		v = "unknown"
	case 'v':
		v = "in-addr"
		if e.ip.Is6() {
			v = "ip6"
		}
	default:
		return "", fmt.Errorf("%%{%s} is not a macro", body)
	}
	rest := body[1:]
	digits := len(rest) - len(strings.TrimLeft(rest, "0123456789"))
	keep := 0
	if digits > 0 {
		n, err := strconv.Atoi(rest[:digits])
		if err != nil || n == 0 {
			return "", fmt.Errorf("%%{%s} keeps no labels", body)
		}
		keep = n
	}
	rest = rest[digits:]
	reverse := strings.HasPrefix(rest, "r") || strings.HasPrefix(rest, "R")
	if reverse {
		rest = rest[1:]
	}
	if strings.Trim(rest, ".-+,/_=") != "" {
		return "", fmt.Errorf("%%{%s} has bad delimiters", body)
	}
	if digits == 0 && !reverse && rest == "" {
		return v, nil
	}
	delims := rest
	if delims == "" {
		delims = "."
	}
	parts := strings.FieldsFunc(v, func(r rune) bool { return strings.ContainsRune(delims, r) })
	if reverse {
		slices.Reverse(parts)
	}
	if keep > 0 && keep < len(parts) {
		parts = parts[len(parts)-keep:]
	}
	return strings.Join(parts, "."), nil
}
