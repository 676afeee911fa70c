package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/net/html"

	"github.com/satina/newsletter/templates"
)

// The Content-Security-Policy never allows 'unsafe-inline'. The pages keep
// their styles inline (they load nothing, not even from the site itself,
// before the first paint), and each inline style is allowed by its hash:
//
//   - public pages: the layout's <style>, hashed once at start from a
//     rendered page; the one inline script by its hash (templates.ScriptHash).
//     Public pages have no style attributes.
//   - the desk: its pages render the author's own data and show a mail's
//     preview in a sandboxed srcdoc frame (which inherits the page's
//     policy), whose layout and elements carry inline styles. The desk's
//     policy is made per response from the styles the page holds, with
//     'unsafe-hashes' for the style attributes. Its only script is its own
//     file, /admin/desk.js ('self'; no inline script).

// cspTail is what every policy ends with.
const cspTail = "; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// layoutStyles are the hash sources of the shared layout's <style>
// elements, from a rendered page.
var layoutStyles = func() []string {
	var b bytes.Buffer
	if err := templates.Page(&b, "message", templates.Message{Site: templates.Site{Title: "x"}}); err != nil {
		panic("web: render the layout for its style hashes: " + err.Error()) // caught by every test run
	}
	elems, _ := inlineStyles(b.Bytes())
	return elems
}()

// pageCSP is the policy of every response but the desk's.
var pageCSP = "default-src 'none'; img-src 'self' data:; style-src " + strings.Join(layoutStyles, " ") +
	"; script-src " + templates.ScriptHash() + cspTail

// deskPolicy sets the desk's CSP from the styles of the page it answers
// with. It runs around every /admin route but the API.
func (s *Server) deskPolicy(c *fiber.Ctx) error {
	err := c.Next()
	p := c.Path()
	if p == "/admin/api" || strings.HasPrefix(p, "/admin/api/") {
		return err
	}
	if err != nil {
		// The error page is rendered after this returns, from the same
		// layout as every page: its styles are the page policy's.
		c.Set(fiber.HeaderContentSecurityPolicy, deskPolicyFor(nil))
		return err
	}
	body := c.Response().Body()
	if !bytes.HasPrefix(c.Response().Header.ContentType(), []byte("text/html")) {
		body = nil
	}
	c.Set(fiber.HeaderContentSecurityPolicy, deskPolicyFor(body))
	return nil
}

// deskPolicyFor is the desk's policy for a page: nothing from elsewhere
// but a preview's images from the web, the desk's own script, and the page's own
// inline styles by their hashes.
func deskPolicyFor(page []byte) string {
	elems, attrs := inlineStyles(page)
	style := slices.Concat(layoutStyles, elems)
	if len(attrs) > 0 {
		style = append(append(style, "'unsafe-hashes'"), attrs...)
	}
	slices.Sort(style)
	style = slices.Compact(style)
	// script-src 'self': the desk's one script, /admin/desk.js (never
	// inline); responses are nosniff, so nothing else runs as a script.
	return "default-src 'none'; img-src 'self' data: https:; style-src " + strings.Join(style, " ") +
		"; script-src 'self'; connect-src 'self'" + cspTail
}

// inlineStyles returns the CSP hash sources of the <style> elements and
// of the style attributes in an HTML document, and of those in the
// documents of its srcdoc attributes, each once.
func inlineStyles(doc []byte) (elems, attrs []string) {
	seen := map[string]bool{}
	add := func(to *[]string, v string) {
		h := cspHash(v)
		if !seen[h] {
			seen[h] = true
			*to = append(*to, h)
		}
	}
	var walk func(doc []byte, depth int)
	walk = func(doc []byte, depth int) {
		z := html.NewTokenizer(bytes.NewReader(doc))
		inStyle := false
		for {
			switch z.Next() {
			case html.ErrorToken:
				return
			case html.TextToken:
				if inStyle {
					add(&elems, string(z.Text()))
				}
			case html.StartTagToken, html.SelfClosingTagToken:
				name, hasAttr := z.TagName()
				inStyle = string(name) == "style"
				for hasAttr {
					var k, v []byte
					k, v, hasAttr = z.TagAttr()
					switch string(k) {
					case "style":
						add(&attrs, string(v))
					case "srcdoc":
						if depth < 2 {
							walk(v, depth+1)
						}
					}
				}
			default:
				inStyle = false
			}
		}
	}
	walk(doc, 0)
	return elems, attrs
}

// cspHash is the CSP source of an inline style: 'sha256-…'.
func cspHash(v string) string {
	sum := sha256.Sum256([]byte(v))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}
