package imaging

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
)

func pngOf(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// noise is an image no encoder can make small.
func noise(w, h int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	r := rand.New(rand.NewPCG(1, 2))
	for i := range img.Pix {
		img.Pix[i] = uint8(r.UintN(256))
	}
	return img
}

func TestPrepareScalesAWidePNG(t *testing.T) {
	img := image.NewNRGBA(image.Rect(0, 0, 2400, 600))
	for y := range 600 {
		for x := range 2400 {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(x / 10), G: 120, B: 200, A: 255})
		}
	}
	got, err := Prepare(pngOf(t, img))
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != "image/png" || got.Width != MaxWidth || got.Height != 300 || len(got.Data) > MaxStored {
		t.Fatalf("prepared %s %dx%d, %d bytes", got.Type, got.Width, got.Height, len(got.Data))
	}
	cfg, err := png.DecodeConfig(bytes.NewReader(got.Data))
	if err != nil || cfg.Width != got.Width || cfg.Height != got.Height {
		t.Errorf("the bytes say %dx%d (%v)", cfg.Width, cfg.Height, err)
	}
}

// A PNG that stays over MaxStored becomes a JPEG within it; a small one
// keeps its size.
func TestPrepareFitsTheLimit(t *testing.T) {
	got, err := Prepare(pngOf(t, noise(700, 700)))
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != "image/jpeg" || len(got.Data) > MaxStored || got.Width > 700 || got.Width*700 != got.Height*700 {
		t.Fatalf("prepared %s %dx%d, %d bytes", got.Type, got.Width, got.Height, len(got.Data))
	}
	small, err := Prepare(pngOf(t, noise(40, 30)))
	if err != nil || small.Type != "image/png" || small.Width != 40 || small.Height != 30 {
		t.Fatalf("small: %+v, %v", small, err)
	}
}

// A JPEG is written again: what it carried beside the picture (here a
// comment standing for EXIF data) is gone.
func TestPrepareDropsMetadata(t *testing.T) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, noise(64, 64), &jpeg.Options{Quality: 90}); err != nil {
		t.Fatal(err)
	}
	raw := b.Bytes()
	secret := []byte("GPS 52.5200 13.4050")
	seg := append([]byte{0xff, 0xfe, 0, byte(len(secret) + 2)}, secret...)
	withMeta := append(append(append([]byte{}, raw[:2]...), seg...), raw[2:]...)
	got, err := Prepare(withMeta)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(got.Data, secret) || got.Type != "image/jpeg" || got.Width != 64 {
		t.Fatalf("prepared %s %d wide; metadata kept: %v", got.Type, got.Width, bytes.Contains(got.Data, secret))
	}
}

func TestPrepareRefuses(t *testing.T) {
	var g bytes.Buffer
	if err := gif.Encode(&g, noise(8, 8), nil); err != nil {
		t.Fatal(err)
	}
	good := pngOf(t, noise(8, 8))
	// A PNG whose header claims 100,000 × 100,000 pixels.
	huge := append([]byte{}, good...)
	binary.BigEndian.PutUint32(huge[16:], 100000)
	binary.BigEndian.PutUint32(huge[20:], 100000)
	binary.BigEndian.PutUint32(huge[29:], crc32.ChecksumIEEE(huge[12:29]))
	for _, c := range []struct {
		name string
		data []byte
		want error
	}{
		{"gif", g.Bytes(), ErrType},
		{"text", []byte("<svg xmlns='http://www.w3.org/2000/svg'></svg>"), ErrType},
		{"empty", nil, ErrType},
		{"truncated png", good[:len(good)/2], ErrBroken},
		{"huge png", huge, ErrHuge},
		{"over 2 MB", append(append([]byte{}, good...), make([]byte, MaxUpload)...), ErrTooLarge},
	} {
		if _, err := Prepare(c.data); !errors.Is(err, c.want) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
}

// Scaling averages the pixels it covers, and transparent ones lend no
// colour.
func TestScaleAverages(t *testing.T) {
	src := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	src.SetNRGBA(0, 0, color.NRGBA{R: 200, A: 255})
	src.SetNRGBA(1, 0, color.NRGBA{R: 100, A: 255})
	src.SetNRGBA(0, 1, color.NRGBA{G: 255, A: 0})
	src.SetNRGBA(1, 1, color.NRGBA{R: 150, A: 255})
	got := color.NRGBAModel.Convert(Scale(src, 1).At(0, 0)).(color.NRGBA)
	if got.R < 148 || got.R > 151 || got.G != 0 || got.A < 190 || got.A > 192 {
		t.Errorf("scaled pixel %+v, want red about 150, no green, alpha about 191", got)
	}
	if Scale(src, 4) != image.Image(src) {
		t.Errorf("an image no wider than asked was changed")
	}
}
