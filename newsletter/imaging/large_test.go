package imaging

import (
	"bytes"
	"image/jpeg"
	"testing"
	"time"
)

// A large photo (4000×3000, a phone camera's) is prepared within a few
// seconds on one core: the desk's upload waits for it.
func TestPrepareALargePhotoInTime(t *testing.T) {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, noise(4000, 3000), &jpeg.Options{Quality: 30}); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	if len(data) > MaxUpload {
		data = nil
		b.Reset()
		_ = jpeg.Encode(&b, noise(3000, 2000), &jpeg.Options{Quality: 20})
		data = b.Bytes()
	}
	start := time.Now()
	im, err := Prepare(data)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("%d bytes: %v", len(data), err)
	}
	t.Logf("%d KB upload → %s %dx%d, %d KB in %v", len(data)>>10, im.Type, im.Width, im.Height, len(im.Data)>>10, took)
	if im.Width != MaxWidth || len(im.Data) > MaxStored {
		t.Errorf("prepared %dx%d, %d bytes", im.Width, im.Height, len(im.Data))
	}
	if took > 5*time.Second {
		t.Errorf("took %v", took)
	}
}
