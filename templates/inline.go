package templates

import "strings"

// Mail clients drop or ignore <style> blocks, so the elements of a mail body
// carry their styles inline. Colours of text and backgrounds are left to the
// surrounding cell where possible, so that the dark-mode rules in the
// layout's <style> (for clients that honour them) can override them.
const (
	mailSerif = `font-family:Georgia,'Iowan Old Style','Palatino Linotype',serif`
	mailMono  = `font-family:Menlo,Consolas,'Liberation Mono',monospace`
)

var mailStyles = map[string]string{
	"p":          mailSerif + `;font-size:18px;line-height:1.6;margin:0 0 18px`,
	"h1":         mailSerif + `;font-size:26px;line-height:1.3;font-weight:bold;margin:28px 0 14px`,
	"h2":         mailSerif + `;font-size:22px;line-height:1.3;font-weight:bold;margin:28px 0 12px`,
	"h3":         mailSerif + `;font-size:19px;line-height:1.35;font-weight:bold;margin:24px 0 10px`,
	"h4":         mailSerif + `;font-size:18px;line-height:1.4;font-weight:bold;margin:20px 0 8px`,
	"h5":         mailSerif + `;font-size:17px;line-height:1.4;font-weight:bold;margin:20px 0 8px`,
	"h6":         mailSerif + `;font-size:16px;line-height:1.4;font-weight:bold;margin:20px 0 8px`,
	"a":          `color:#2f6f68;text-decoration:underline`,
	"ul":         `margin:0 0 18px;padding:0 0 0 26px`,
	"ol":         `margin:0 0 18px;padding:0 0 0 26px`,
	"li":         mailSerif + `;font-size:18px;line-height:1.6;margin:0 0 8px`,
	"blockquote": `margin:0 0 18px;padding:2px 0 2px 16px;border-left:3px solid #d8c7b1;color:#5b544c;font-style:italic`,
	"pre":        mailMono + `;font-size:14px;line-height:1.5;margin:0 0 18px;padding:12px 14px;background:#f3ece2;border-radius:6px;white-space:pre-wrap;word-break:break-word`,
	"code":       mailMono + `;font-size:0.88em`,
	"hr":         `border:0;border-top:1px solid #e3d8c9;height:0;margin:28px 0`,
	"img":        `max-width:100%;height:auto;border:0;display:block`,
	"table":      `border-collapse:collapse;margin:0 0 18px;width:100%`,
	"th":         mailSerif + `;font-size:16px;line-height:1.4;text-align:left;padding:6px 10px;border:1px solid #e3d8c9`,
	"td":         mailSerif + `;font-size:16px;line-height:1.4;padding:6px 10px;border:1px solid #e3d8c9`,
}

// inlineStyles adds mailStyles to the opening tags of s, an HTML fragment as
// goldmark writes it. A tag that already has a style attribute keeps it:
// ours goes first, so its own declarations win.
func inlineStyles(s string) string {
	var b strings.Builder
	b.Grow(len(s) + len(s)/2)
	i := 0
	for i < len(s) {
		j := strings.IndexByte(s[i:], '<')
		if j < 0 {
			b.WriteString(s[i:])
			break
		}
		j += i
		b.WriteString(s[i:j])
		k := j + 1
		for k < len(s) && isTagNameByte(s[k]) {
			k++
		}
		style, known := mailStyles[strings.ToLower(s[j+1:k])]
		if !known || (k < len(s) && !isSpace(s[k]) && s[k] != '>' && s[k] != '/') {
			b.WriteByte('<')
			i = j + 1
			continue
		}
		end := tagEnd(s, k)
		if end < 0 { // unterminated: leave the rest alone
			b.WriteString(s[j:])
			break
		}
		tag := s[j : end+1]
		if v := styleValueAt(tag, k-j); v >= 0 {
			b.WriteString(tag[:v])
			b.WriteString(style)
			b.WriteByte(';')
			b.WriteString(tag[v:])
		} else {
			b.WriteString(tag[:k-j])
			b.WriteString(` style="`)
			b.WriteString(style)
			b.WriteByte('"')
			b.WriteString(tag[k-j:])
		}
		i = end + 1
	}
	return b.String()
}

func isTagNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// tagEnd returns the index of the '>' closing the tag whose attributes start
// at from, skipping quoted attribute values, or -1.
func tagEnd(s string, from int) int {
	var quote byte
	for i := from; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return i
		}
	}
	return -1
}

// styleValueAt returns the index in tag where the quoted value of its style
// attribute begins, or -1 when it has none. Attributes start at from.
func styleValueAt(tag string, from int) int {
	i := from
	for i < len(tag) {
		for i < len(tag) && (isSpace(tag[i]) || tag[i] == '/') {
			i++
		}
		if i >= len(tag) || tag[i] == '>' {
			return -1
		}
		n := i
		for i < len(tag) && !isSpace(tag[i]) && tag[i] != '=' && tag[i] != '>' {
			i++
		}
		name := strings.ToLower(tag[n:i])
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i >= len(tag) || tag[i] != '=' {
			continue
		}
		i++
		for i < len(tag) && isSpace(tag[i]) {
			i++
		}
		if i < len(tag) && (tag[i] == '"' || tag[i] == '\'') {
			q := tag[i]
			start := i + 1
			e := strings.IndexByte(tag[start:], q)
			if e < 0 {
				return -1
			}
			if name == "style" {
				return start
			}
			i = start + e + 1
			continue
		}
		for i < len(tag) && !isSpace(tag[i]) && tag[i] != '>' {
			i++
		}
	}
	return -1
}
