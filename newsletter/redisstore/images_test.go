package redisstore_test

import (
	"errors"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
)

// Images are kept with their bytes, size and alt text, listed newest
// first without their bytes, and an unknown id is ErrNotFound.
func TestImages(t *testing.T) {
	rdb, prefix := testkit.Redis(t)
	s := redisstore.New(rdb, prefix)
	ctx := t.Context()
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	a := &newsletter.Image{ID: "aaa", Type: "image/png", Width: 10, Height: 5, Alt: "A pond", At: at, Data: []byte("\x89PNG\x00\x01binary")}
	b := &newsletter.Image{ID: "bbb", Type: "image/jpeg", Width: 600, Height: 400, Alt: "A path", At: at.Add(time.Minute), Data: []byte{0xff, 0xd8, 0}}
	for _, im := range []*newsletter.Image{a, b} {
		if err := s.PutImage(ctx, im); err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.Image(ctx, "aaa")
	if err != nil || string(got.Data) != string(a.Data) || got.Type != a.Type || got.Width != 10 || got.Height != 5 || got.Alt != "A pond" || !got.At.Equal(at) {
		t.Fatalf("image = %+v, %v", got, err)
	}
	list, err := s.Images(ctx, 10)
	if err != nil || len(list) != 2 || list[0].ID != "bbb" || list[1].ID != "aaa" || list[0].Data != nil || list[0].Width != 600 {
		t.Fatalf("list = %+v, %v", list, err)
	}
	if _, err := s.Image(ctx, "nope"); !errors.Is(err, newsletter.ErrNotFound) {
		t.Errorf("unknown image: %v", err)
	}
	if err := s.PutImage(ctx, &newsletter.Image{ID: "x"}); err == nil {
		t.Errorf("an image without bytes was kept")
	}
	if n, _ := rdb.Exists(ctx, prefix+"img:aaa", prefix+"images").Result(); n != 2 {
		t.Errorf("keys under the prefix: %d of 2", n)
	}
}
