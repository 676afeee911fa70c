package web_test

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"io"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/token"
)

// zeros reads as an endless run of zero bytes.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// compressed returns n zero bytes compressed by the writer mk makes.
func compressed(t *testing.T, n int64, mk func(io.Writer) io.WriteCloser) []byte {
	t.Helper()
	var b bytes.Buffer
	w := mk(&b)
	if _, err := io.CopyN(w, zeros{}, n); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// recompressed compresses b once more.
func recompressed(t *testing.T, b []byte, mk func(io.Writer) io.WriteCloser) []byte {
	t.Helper()
	var out bytes.Buffer
	w := mk(&out)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

func gzipW(w io.Writer) io.WriteCloser   { z, _ := gzip.NewWriterLevel(w, gzip.BestSpeed); return z }
func zlibW(w io.Writer) io.WriteCloser   { z, _ := zlib.NewWriterLevel(w, zlib.BestSpeed); return z }
func brotliW(w io.Writer) io.WriteCloser { return brotli.NewWriterLevel(w, 5) }
func gzip9W(w io.Writer) io.WriteCloser {
	z, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
	return z
}
func zlib9W(w io.Writer) io.WriteCloser {
	z, _ := zlib.NewWriterLevel(w, zlib.BestCompression)
	return z
}

// memory is what the process holds from the system and in its heap.
func memory() (sys, heap uint64) {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.Sys, m.HeapInuse
}

// TestCompressionBombs (finding 1): compressed bodies that unpack to a
// GiB of zeros, each under 64 KiB as sent, get 415 on every public POST
// (and on the admin API, token or not) before anything unpacks them, and
// the process holds no more memory afterwards than a few tens of MiB
// more than before. Fiber's Ctx.Body unpacks gzip, deflate and brotli
// without a bound: before the fix a 589-byte body took 823 MB.
func TestCompressionBombs(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	if _, err := a.Service.Signup(t.Context(), service.SignupRequest{Email: "bomb@example.org", Source: "api"}); err != nil {
		t.Fatal(err)
	}
	id := a.Subscriber(t, "bomb@example.org").ID
	me := a.Links.Signer.Sign(token.Me, id, time.Time{})
	targets := []string{"/subscribe",
		"/confirm/" + a.Links.Signer.Sign(token.Confirm, id, a.Clock.Now().Add(time.Hour)),
		"/unsubscribe/" + a.Links.UnsubscribeToken(id),
		"/me/" + me + "/erase", "/me/" + me + "/export", "/webhooks/postmark", "/admin/login", "/admin/api/subscribers",
	}
	const gib = 1 << 30
	bombs := []struct {
		encoding string
		body     []byte
	}{
		{"gzip", compressed(t, 48<<20, gzip9W)},
		{"gzip, gzip", recompressed(t, compressed(t, gib, gzipW), gzip9W)},
		{"deflate", compressed(t, 48<<20, zlib9W)},
		{"deflate, deflate", recompressed(t, compressed(t, gib, zlibW), zlib9W)},
		{"br", compressed(t, gib, brotliW)},
		{"identity, gzip", compressed(t, 48<<20, gzip9W)},
	}
	for _, b := range bombs {
		if len(b.body) > 64<<10 {
			t.Fatalf("%s bomb is %d bytes, over the public limit: it would test the size limit instead", b.encoding, len(b.body))
		}
	}
	sys0, heap0 := memory()
	for _, b := range bombs {
		for _, target := range targets {
			for _, auth := range []string{"", bearer} {
				if auth != "" && !strings.HasPrefix(target, "/admin/api/") {
					continue
				}
				hdr := []string{"Content-Type: application/json", "Content-Encoding: " + b.encoding}
				if auth != "" {
					hdr = append(hdr, auth)
				}
				r := rawRequest{Method: http.MethodPost, Target: target, Header: hdr, Body: b.body}.do(t, a)
				if r.Code != http.StatusUnsupportedMediaType {
					t.Errorf("POST %.30s with %s (%d bytes, token %v): %d, want 415: %.200s", target, b.encoding, len(b.body), auth != "", r.Code, r.Body)
				}
			}
		}
	}
	// Content-Encoding split over two header lines: the second counts too.
	r := rawRequest{Method: http.MethodPost, Target: "/subscribe", Header: []string{"Content-Type: application/json",
		"Content-Encoding: identity", "Content-Encoding: br"}, Body: bombs[4].body}.do(t, a)
	if r.Code != http.StatusUnsupportedMediaType {
		t.Errorf("Content-Encoding br on a second line: %d, want 415", r.Code)
	}
	sys1, heap1 := memory()
	t.Logf("memory: system %d → %d MiB, heap in use %d → %d MiB", sys0>>20, sys1>>20, heap0>>20, heap1>>20)
	if grew := int64(sys1) - int64(sys0); grew > 48<<20 {
		t.Errorf("the process took %d MiB more from the system for the bombs", grew>>20)
	}
	if grew := int64(heap1) - int64(heap0); grew > 32<<20 {
		t.Errorf("the heap in use grew by %d MiB", grew>>20)
	}
	// A plain body still works, and identity is no encoding.
	r = rawRequest{Method: http.MethodPost, Target: "/subscribe", Header: []string{"Content-Type: application/json", "Content-Encoding: identity"},
		Body: []byte(`{"email":"plain@example.org","consent":true}`)}.do(t, a)
	if r.Code != http.StatusAccepted {
		t.Errorf("identity signup: %d %s", r.Code, r.Body)
	}
}

// TestBodyLimitsAsReceived (finding 1): the limits hold on the bytes as
// they arrive, per route: 64 KiB on every public endpoint and on the admin
// API without the token (413 at once for a larger Content-Length, and as
// soon as a chunked body passes it), 16 MiB on the admin API with it; and
// a flood of large bodies leaves the process's memory where it was.
func TestBodyLimitsAsReceived(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	big := bytes.Repeat([]byte("a@example.org,,pending,\n"), (1<<20)/24) // 1 MiB of CSV
	sys0, _ := memory()
	for i := 0; i < 20; i++ {
		for _, c := range []struct {
			name string
			req  rawRequest
			want int
		}{
			{"public, declared 1 GiB", rawRequest{Method: "POST", Target: "/subscribe", Header: []string{"Content-Type: application/json"},
				Body: []byte(`{"email":`), DeclaredLength: 1 << 30}, 413},
			{"public, chunked 1 MiB", rawRequest{Method: "POST", Target: "/subscribe", NoLength: true,
				Header: []string{"Content-Type: application/json", "Transfer-Encoding: chunked"}, Body: chunked(string(big))}, 413},
			{"admin API without the token, 1 MiB", rawRequest{Method: "POST", Target: "/admin/api/subscribers",
				Header: []string{"Content-Type: text/csv", "Authorization: Bearer wrong-token-of-some-length"}, Body: big}, 413},
			{"desk without a session, 1 MiB", rawRequest{Method: "POST", Target: "/admin/subscribers/import",
				Header: []string{"Content-Type: application/x-www-form-urlencoded"}, Body: big}, 413},
		} {
			r := c.req.do(t, a)
			if r.Code != c.want {
				t.Fatalf("%s: %d, want %d: %.200s", c.name, r.Code, c.want, r.Body)
			}
			if i == 0 && !strings.Contains(string(r.Body), "64 KiB") {
				t.Errorf("%s: the answer does not name the limit: %.300s", c.name, r.Body)
			}
		}
	}
	sys1, _ := memory()
	if grew := int64(sys1) - int64(sys0); grew > 48<<20 {
		t.Errorf("80 refused large bodies took %d MiB from the system", grew>>20)
	}
	// With the token, the admin API takes the 1 MiB import.
	r := rawRequest{Method: "POST", Target: "/admin/api/subscribers", Header: []string{bearer, "Content-Type: text/csv"},
		Body: append([]byte("email,name,status,sequence\n"), big[:64<<10+24*10]...)}.do(t, a)
	if r.Code == http.StatusRequestEntityTooLarge || r.Code >= 500 {
		t.Errorf("admin import of %d KiB with the token: %d %.200s", (64<<10)/1024, r.Code, r.Body)
	}
}
