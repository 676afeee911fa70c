package web

import (
	"bytes"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"
)

// compressText compresses the answers that are text (pages, JSON, CSS,
// the feed, CSV, SVG) with brotli or gzip, as the client accepts, through
// the compressor Fiber's compress middleware uses. It decides after the
// handler, by the answer's type, so that images, the guide's PDF and the
// sequences' .tar.gz (compressed already) go out as they are. Small
// bodies are left alone by fasthttp. It runs outside deskPolicy, which
// reads the page it answers with.
func compressText() fiber.Handler {
	compress := fasthttp.CompressHandlerBrotliLevel(func(*fasthttp.RequestCtx) {},
		fasthttp.CompressBrotliDefaultCompression, fasthttp.CompressDefaultCompression)
	return func(c *fiber.Ctx) error {
		if err := c.Next(); err != nil {
			return err
		}
		if compressible(c.Response().Header.ContentType()) {
			c.Vary(fiber.HeaderAcceptEncoding)
			compress(c.Context())
		}
		return nil
	}
}

// compressibleTypes are the answer types compressText compresses.
var compressibleTypes = [][]byte{[]byte("text/"), []byte("application/json"), []byte("application/rss+xml"),
	[]byte("application/xml"), []byte("application/javascript"), []byte("image/svg+xml")}

func compressible(ct []byte) bool {
	for _, t := range compressibleTypes {
		if bytes.HasPrefix(ct, t) {
			return true
		}
	}
	return false
}
