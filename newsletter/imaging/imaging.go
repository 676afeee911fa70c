// Package imaging prepares an image the author uploads for her letters:
// it reads only PNG and JPEG (sniffed from the bytes, never trusted from
// a name or a header), refuses images too large to decode safely, scales
// down what is wider than a mail needs, and writes it again (which drops
// any metadata, such as where a photo was taken) within a size limit.
package imaging

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"image/jpeg"
	"image/png"
	"net/http"
)

// Limits of an upload and of what is kept.
const (
	MaxUpload = 2 << 20   // bytes of an upload
	MaxStored = 300 << 10 // bytes of the image kept
	MaxWidth  = 1200      // pixels: twice a mail's 538-pixel column, for sharp screens
	// MaxPixels bounds width×height of an upload before it is decoded,
	// so that a small file cannot claim gigabytes of memory.
	MaxPixels = 40_000_000
	minWidth  = 160 // below this it is not scaled further to fit MaxStored
)

// Problem is what is wrong with an upload, in words for the author: the
// answer's message (a 4xx).
type Problem string

func (p Problem) Error() string { return string(p) }

// The problems of an upload.
const (
	ErrTooLarge Problem = "The image is over 2 MB. Choose a smaller one."
	ErrType     Problem = "Only PNG and JPEG images can be uploaded."
	ErrBroken   Problem = "The image could not be read: the file is damaged or not really a PNG or JPEG."
	ErrHuge     Problem = "The image has too many pixels to work with. Scale it down and try again."
	ErrTooDense Problem = "The image cannot be made smaller than 300 KB. Try a simpler or smaller image."
)

// Image is an image ready to keep.
type Image struct {
	Type          string // image/png or image/jpeg
	Data          []byte
	Width, Height int
}

// Sniff names the type of data from its first bytes: "image/png",
// "image/jpeg", or ErrType.
func Sniff(data []byte) (string, error) {
	switch t := http.DetectContentType(data); t {
	case "image/png", "image/jpeg":
		return t, nil
	}
	return "", ErrType
}

// Prepare reads an upload and returns it scaled to at most MaxWidth and
// written again in at most MaxStored bytes: a PNG stays a PNG when it
// fits, else it becomes a JPEG on white; a JPEG loses quality, then size,
// until it fits.
func Prepare(data []byte) (*Image, error) {
	if len(data) > MaxUpload {
		return nil, ErrTooLarge
	}
	typ, err := Sniff(data)
	if err != nil {
		return nil, err
	}
	cfg, _, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil {
		return nil, ErrBroken
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, ErrBroken
	}
	if cfg.Width*cfg.Height > MaxPixels {
		return nil, ErrHuge
	}
	var src image.Image
	if typ == "image/png" {
		src, err = png.Decode(bytes.NewReader(data))
	} else {
		src, err = jpeg.Decode(bytes.NewReader(data))
	}
	if err != nil {
		return nil, ErrBroken
	}
	w := min(src.Bounds().Dx(), MaxWidth)
	for {
		img := Scale(src, w)
		if typ == "image/png" {
			if out, err := encodePNG(img); err == nil && len(out) <= MaxStored {
				return &Image{Type: typ, Data: out, Width: img.Bounds().Dx(), Height: img.Bounds().Dy()}, nil
			}
		}
		for _, q := range []int{85, 75, 65} {
			out, err := encodeJPEG(img, q)
			if err != nil {
				return nil, fmt.Errorf("write the image: %w", err)
			}
			if len(out) <= MaxStored {
				return &Image{Type: "image/jpeg", Data: out, Width: img.Bounds().Dx(), Height: img.Bounds().Dy()}, nil
			}
		}
		if w <= minWidth {
			return nil, ErrTooDense
		}
		w = max(minWidth, w*3/4)
	}
}

func encodePNG(img image.Image) ([]byte, error) {
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	err := enc.Encode(&b, img)
	return b.Bytes(), err
}

// encodeJPEG writes img as a JPEG, transparent parts on white.
func encodeJPEG(img image.Image, quality int) ([]byte, error) {
	flat := image.NewRGBA(img.Bounds())
	draw.Draw(flat, flat.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.Draw(flat, flat.Bounds(), img, img.Bounds().Min, draw.Over)
	var b bytes.Buffer
	err := jpeg.Encode(&b, flat, &jpeg.Options{Quality: quality})
	return b.Bytes(), err
}

// Scale returns src scaled to width w (its height in proportion), each
// pixel the average of the source pixels it covers (premultiplied, so
// transparent pixels lend no colour); src itself when it is no wider
// than w. It works on the bytes of an RGBA copy, which image/draw makes
// quickly from a decoded JPEG or PNG.
func Scale(src image.Image, w int) image.Image {
	sb := src.Bounds()
	sw, sh := sb.Dx(), sb.Dy()
	if sw <= w || w <= 0 {
		return src
	}
	h := max(1, sh*w/sw)
	rgba, ok := src.(*image.RGBA)
	if !ok {
		rgba = image.NewRGBA(image.Rect(0, 0, sw, sh))
		draw.Draw(rgba, rgba.Bounds(), src, sb.Min, draw.Src)
	}
	origin := rgba.Bounds().Min
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	var sum [4]uint64
	for y := range h {
		y0, y1 := y*sh/h, max((y+1)*sh/h, y*sh/h+1)
		for x := range w {
			x0, x1 := x*sw/w, max((x+1)*sw/w, x*sw/w+1)
			sum = [4]uint64{}
			for sy := y0; sy < y1; sy++ {
				row := rgba.Pix[rgba.PixOffset(origin.X+x0, origin.Y+sy):rgba.PixOffset(origin.X+x1, origin.Y+sy)]
				for i := 0; i < len(row); i += 4 {
					sum[0] += uint64(row[i])
					sum[1] += uint64(row[i+1])
					sum[2] += uint64(row[i+2])
					sum[3] += uint64(row[i+3])
				}
			}
			n := uint64((y1 - y0) * (x1 - x0))
			o := dst.PixOffset(x, y)
			for c := range 4 {
				dst.Pix[o+c] = uint8((sum[c] + n/2) / n)
			}
		}
	}
	return dst
}
