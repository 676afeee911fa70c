package web

import (
	"bytes"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// Request bodies are limited per route on the bytes as they arrive:
// fasthttp asks headerReceived, once a request's headers are in and before
// it reads any of the body, how much body it may read (bodyLimit), and
// answers 413 itself past that: at once for a Content-Length over it, as
// soon as a chunked body goes over it. No body is ever held beyond its
// route's limit, and nobody who is not signed in gets more than
// PublicBodyLimit anywhere.
//
// Fiber's Ctx.Body decodes gzip, deflate, brotli or zstd without any bound
// (a 589-byte gzip body held 823 MB), so bodyGuard, the first middleware,
// refuses a body with a Content-Encoding (415) before anything can decode
// it.

// errBodyEncoded answers a request body with a Content-Encoding.
var errBodyEncoded = fiber.NewError(fiber.StatusUnsupportedMediaType,
	"Send the body without Content-Encoding: compressed request bodies are not accepted.")

// headerReceived sets the request's body limit (fasthttp.Server.HeaderReceived).
func (s *Server) headerReceived(h *fasthttp.RequestHeader) fasthttp.RequestConfig {
	return fasthttp.RequestConfig{MaxRequestBodySize: s.bodyLimit(h)}
}

// bodyLimit is the most body bytes a request may carry: AdminBodyLimit for
// the admin API with the right bearer token and for the desk with a valid
// session cookie (imports of many subscribers, long letters), and
// PublicBodyLimit for everything else.
func (s *Server) bodyLimit(h *fasthttp.RequestHeader) int {
	if s.cfg.AdminToken == "" {
		return PublicBodyLimit
	}
	u := fasthttp.AcquireURI()
	defer fasthttp.ReleaseURI(u)
	if err := u.Parse(nil, h.RequestURI()); err != nil {
		return PublicBodyLimit
	}
	p := string(u.Path()) // as the router sees it: decoded and cleaned
	switch {
	case p == "/admin/api" || strings.HasPrefix(p, "/admin/api/"):
		if s.bearerValue(string(h.Peek(fiber.HeaderAuthorization))) {
			return AdminBodyLimit
		}
	case p == "/admin" || strings.HasPrefix(p, "/admin/"):
		if _, ok := s.sessionOf(string(h.Cookie(sessionCookie))); ok {
			return AdminBodyLimit
		}
	}
	return PublicBodyLimit
}

// tooLargeMessage says which limit a 413 is about.
func (s *Server) tooLargeMessage(c *fiber.Ctx) string {
	if s.bodyLimit(&c.Request().Header) == AdminBodyLimit {
		return "The request body is over 16 MiB."
	}
	return "The request body is over 64 KiB."
}

// bodyGuard refuses a request body with a Content-Encoding other than
// identity, on any of its Content-Encoding lines (415), before anything
// decodes it, and closes the connection after the answer.
func (s *Server) bodyGuard(c *fiber.Ctx) error {
	for _, v := range c.Request().Header.PeekAll(fiber.HeaderContentEncoding) {
		for _, coding := range bytes.Split(v, []byte(",")) {
			if coding = bytes.TrimSpace(coding); len(coding) > 0 && !bytes.EqualFold(coding, []byte("identity")) {
				c.Context().SetConnectionClose()
				return errBodyEncoded
			}
		}
	}
	return c.Next()
}
