package web_test

import (
	"bytes"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/satina/newsletter/internal/apptest"
)

// upload posts an image form to the desk and returns the page and status.
func upload(t *testing.T, d *desk, csrf, alt, name string, data []byte) (string, int) {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf", csrf)
	_ = w.WriteField("alt", alt)
	if data != nil {
		fw, _ := w.CreateFormFile("file", name)
		_, _ = fw.Write(data)
	}
	w.Close()
	res := must(d.a.Client.Post(d.a.URL+"/admin/images", w.FormDataContentType(), &body))
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b), res.StatusCode
}

// TestDeskImages: an image uploaded on the desk is scaled down, kept in
// Redis, served at a stable address with its type, and given as Markdown
// with its size; anything but PNG or JPEG, a missing description or a
// missing token is refused with a 4xx.
func TestDeskImages(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	d := signIn(t, a)
	img := image.NewNRGBA(image.Rect(0, 0, 1800, 900))
	for y := range 900 {
		for x := range 1800 {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x), G: uint8(y), B: 90, A: 255})
		}
	}
	var pngData bytes.Buffer
	if err := png.Encode(&pngData, img); err != nil {
		t.Fatal(err)
	}

	if _, code := upload(t, d, strings.Repeat("0", 32), "A pond", "pond.png", pngData.Bytes()); code != http.StatusForbidden {
		t.Errorf("upload without the session's CSRF token: %d", code)
	}
	// Named .png, but a GIF: sniffed, refused.
	var g bytes.Buffer
	_ = gif.Encode(&g, img.SubImage(image.Rect(0, 0, 10, 10)), nil)
	page, code := upload(t, d, d.csrf, "A pond", "pond.png", g.Bytes())
	if code != http.StatusUnsupportedMediaType || !strings.Contains(page, "Only PNG and JPEG") {
		t.Errorf("a GIF: %d", code)
	}
	if _, code := upload(t, d, d.csrf, "", "pond.png", pngData.Bytes()); code != http.StatusUnprocessableEntity {
		t.Errorf("no description: %d", code)
	}
	if _, code := upload(t, d, d.csrf, "A pond", "big.png", make([]byte, 2<<20+1)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("over 2 MB: %d", code)
	}
	if _, code := upload(t, d, d.csrf, "A pond", "", nil); code != http.StatusUnprocessableEntity {
		t.Errorf("no file: %d", code)
	}

	page, code = upload(t, d, d.csrf, "A pond [at dawn]", "pond.png", pngData.Bytes())
	if code != http.StatusCreated {
		t.Fatalf("upload: %d\n%.500s", code, page)
	}
	m := regexp.MustCompile(`value="!\[A pond \(at dawn\)\]\((http://[^ ]+/images/([0-9a-f]{24})\.png) &#34;1200x600&#34;\)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no Markdown line with the image's address and size 1200x600 in the page")
	}
	res := must(a.Client.Get(m[1]))
	served, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "image/png" || !strings.Contains(res.Header.Get("Cache-Control"), "immutable") {
		t.Fatalf("GET the image: %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Cache-Control"))
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(served))
	if err != nil || cfg.Width != 1200 || cfg.Height != 600 || len(served) > 300<<10 {
		t.Errorf("served %dx%d, %d bytes (%v)", cfg.Width, cfg.Height, len(served), err)
	}
	if n, _ := a.Redis.Exists(t.Context(), a.Prefix+"img:"+m[2]).Result(); n != 1 {
		t.Errorf("the image is not kept under the prefix")
	}
	mustHave(t, d.get("/admin/images", http.StatusOK), `width="1200" height="600" alt="A pond [at dawn]"`)
	for _, p := range []string{"/images/" + m[2] + ".jpg", "/images/" + strings.Repeat("a", 24) + ".png", "/images/x.png", "/images/" + m[2]} {
		status(t, must(a.Client.Get(a.URL+p)), http.StatusNotFound)
	}
}
