package bounce

import (
	"bytes"
	"encoding/base64"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"regexp"
	"strings"
)

// Limits on the work Parse does for one message.
const (
	// MaxMessageBytes is the most of a message Parse reads; the rest is
	// ignored (a report's parts come before the copy of the original).
	MaxMessageBytes = 10 << 20
	// MaxPartBytes is the most Parse reads of any one MIME part.
	MaxPartBytes = 2 << 20
	// MaxParts is the most MIME parts Parse looks at.
	MaxParts = 64
	// maxDepth is how deep multiparts may nest.
	maxDepth = 5
	// maxHeaderFields bounds the fields kept from one header block, and
	// maxFieldBytes the length of one field.
	maxHeaderFields = 1000
	maxFieldBytes   = 64 << 10
)

// parseHeader reads a header block leniently: folded lines are unfolded,
// lines that are not "Name: value" end the block (as a blank line does),
// and an mbox "From " line at the start is skipped. ok is false when not a
// single field was found. body is what follows the block. At most
// maxHeaderFields fields are kept, each cut at maxFieldBytes.
func parseHeader(b []byte) (h mail.Header, body []byte, ok bool) {
	h = mail.Header{}
	var (
		key   string // canonical name of the field being read; "" to drop it
		value []byte
		count int
	)
	flush := func() {
		if key != "" {
			h[key] = append(h[key], string(bytes.TrimSpace(value)))
		}
		key, value = "", value[:0]
	}
	rest := b
	for n := 0; len(rest) > 0; n++ {
		line, next := rest, []byte(nil)
		if i := bytes.IndexByte(rest, '\n'); i >= 0 {
			line, next = rest[:i], rest[i+1:]
		}
		line = bytes.TrimSuffix(line, []byte("\r"))
		switch {
		case len(line) == 0:
			flush()
			return h, next, len(h) > 0
		case n == 0 && bytes.HasPrefix(line, []byte("From ")):
			// mbox separator
		case line[0] == ' ' || line[0] == '\t':
			if n == 0 {
				return h, rest, false
			}
			if key != "" && len(value) < maxFieldBytes {
				value = append(value, ' ')
				value = append(value, bytes.TrimSpace(line)...)
			}
		default:
			name, v, found := bytes.Cut(line, []byte(":"))
			if !found || !validFieldName(name) {
				flush()
				return h, rest, len(h) > 0
			}
			flush()
			if count++; count <= maxHeaderFields {
				key = textproto.CanonicalMIMEHeaderKey(string(name))
				value = append(value, v...)
			}
		}
		rest = next
	}
	flush()
	return h, nil, len(h) > 0
}

func validFieldName(name []byte) bool {
	if len(name) == 0 || len(name) > 100 {
		return false
	}
	for _, c := range name {
		if c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// leaf is one non-multipart MIME part, its body decoded from its
// Content-Transfer-Encoding and cut at MaxPartBytes.
type leaf struct {
	ctype  string // lower-case media type, "text/plain" when unreadable
	header mail.Header
	body   []byte
}

// walker collects the leaves of a MIME tree, in order.
type walker struct {
	leaves []leaf
	seen   int
	read   int // bytes read from parts so far, at most 2*MaxMessageBytes
}

func mediaType(h mail.Header) (string, map[string]string) {
	v := h.Get("Content-Type")
	if v == "" {
		return "text/plain", nil
	}
	t, params, err := mime.ParseMediaType(v)
	if err != nil {
		// Keep the type even when a parameter is broken.
		t = strings.ToLower(strings.TrimSpace(strings.SplitN(v, ";", 2)[0]))
		if !strings.Contains(t, "/") {
			return "text/plain", nil
		}
		params = map[string]string{}
		if m := boundaryParam.FindStringSubmatch(v); m != nil {
			params["boundary"] = m[1]
		}
	}
	return t, params
}

var boundaryParam = regexp.MustCompile(`(?i)boundary\s*=\s*"?([^";]{1,200})`)

func (w *walker) walk(h mail.Header, body []byte, depth int) {
	if w.seen >= MaxParts {
		return
	}
	w.seen++
	t, params := mediaType(h)
	if strings.HasPrefix(t, "multipart/") && depth < maxDepth && params["boundary"] != "" {
		mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
		for w.seen < MaxParts && w.read < 2*MaxMessageBytes {
			p, err := mr.NextRawPart()
			if err != nil {
				return
			}
			data, _ := io.ReadAll(io.LimitReader(p, MaxPartBytes))
			w.read += len(data)
			w.walk(mail.Header(p.Header), data, depth+1)
		}
		return
	}
	if len(body) > MaxPartBytes {
		body = body[:MaxPartBytes]
	}
	w.leaves = append(w.leaves, leaf{ctype: t, header: h, body: decode(h.Get("Content-Transfer-Encoding"), body)})
}

// decode undoes a Content-Transfer-Encoding, keeping what it could decode
// of a broken body.
func decode(cte string, b []byte) []byte {
	switch strings.ToLower(strings.TrimSpace(cte)) {
	case "base64":
		clean := make([]byte, 0, len(b))
		for _, c := range b {
			if c != '\r' && c != '\n' && c != ' ' && c != '\t' {
				clean = append(clean, c)
			}
		}
		out := make([]byte, base64.StdEncoding.DecodedLen(len(clean)))
		n, _ := base64.StdEncoding.Decode(out, clean)
		return out[:n]
	case "quoted-printable":
		out, _ := io.ReadAll(io.LimitReader(quotedprintable.NewReader(bytes.NewReader(b)), MaxPartBytes))
		return out
	}
	return b
}

var (
	htmlDrop  = regexp.MustCompile(`(?is)<(style|script|head)\b.*?</(style|script|head)\s*>`)
	htmlBreak = regexp.MustCompile(`(?i)<(br|/p|/div|/tr|/li|/h[1-6])\b[^>]*>`)
	htmlTag   = regexp.MustCompile(`<[^>]*>`)
)

// htmlText turns an HTML body into rough plain text, one block a line.
func htmlText(b []byte) string {
	if len(b) > 4*maxScan {
		b = b[:4*maxScan]
	}
	s := htmlDrop.ReplaceAllString(string(b), "")
	s = htmlBreak.ReplaceAllString(s, "\n")
	s = htmlTag.ReplaceAllString(s, " ")
	return html.UnescapeString(s)
}

var words = &mime.WordDecoder{CharsetReader: func(charset string, input io.Reader) (io.Reader, error) {
	return input, nil // keep the bytes: only ASCII words matter here
}}

// decodeWords decodes RFC 2047 encoded words, keeping the raw text when
// it cannot.
func decodeWords(s string) string {
	d, err := words.DecodeHeader(s)
	if err != nil {
		return s
	}
	return d
}
