package redisstore

import (
	"context"
	"errors"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/satina/newsletter/newsletter"
)

// Images the author uploads on the desk for her letters, under the prefix:
//
//	img:<id>  hash  t -> content type (image/png or image/jpeg)
//	                w, h -> width and height in pixels
//	                a -> the alt text she gave
//	                at -> when it was uploaded (ms)
//	                b -> the image's bytes (at most a few hundred KB)
//	images    zset  id -> when it was uploaded (ms), for the desk's list
//
// An id names its bytes (a hash of them), so an image's URL never changes
// and the same image uploaded twice is kept once. Every command touches
// one key (the image first, then the list), so they hold under Redis
// Cluster; an image stored whose listing failed is still served.

func (s *Store) imageKey(id string) string { return s.key("img", id) }
func (s *Store) imagesKey() string         { return s.key("images") }

// PutImage stores im under im.ID and lists it.
func (s *Store) PutImage(ctx context.Context, im *newsletter.Image) error {
	if im.ID == "" || len(im.Data) == 0 {
		return errors.New("put image: no id or no bytes")
	}
	err := s.rdb.HSet(ctx, s.imageKey(im.ID), "t", im.Type, "w", im.Width, "h", im.Height, "a", im.Alt,
		"at", ms(im.At), "b", im.Data).Err()
	if err != nil {
		return wrap("put image", err)
	}
	return wrap("list image", s.rdb.ZAdd(ctx, s.imagesKey(), redis.Z{Score: float64(im.At.UnixMilli()), Member: im.ID}).Err())
}

// Image reads image id with its bytes; ErrNotFound when there is none.
func (s *Store) Image(ctx context.Context, id string) (*newsletter.Image, error) {
	v, err := s.rdb.HGetAll(ctx, s.imageKey(id)).Result()
	if err != nil {
		return nil, wrap("read image", err)
	}
	if v["b"] == "" {
		return nil, wrap("read image", redis.Nil)
	}
	return imageOf(id, v, true), nil
}

// Images lists the latest images, newest first, without their bytes.
func (s *Store) Images(ctx context.Context, limit int) ([]*newsletter.Image, error) {
	ids, err := s.rdb.ZRevRange(ctx, s.imagesKey(), 0, int64(limit)-1).Result()
	if err != nil {
		return nil, wrap("list images", err)
	}
	cmds := make([]*redis.SliceCmd, len(ids))
	_, err = s.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range ids {
			cmds[i] = p.HMGet(ctx, s.imageKey(id), "t", "w", "h", "a", "at")
		}
		return nil
	})
	if err != nil && !errors.Is(err, redis.Nil) {
		return nil, wrap("list images", err)
	}
	out := make([]*newsletter.Image, 0, len(ids))
	for i, c := range cmds {
		f := c.Val()
		if len(f) != 5 || f[0] == nil {
			continue // listed, but gone
		}
		str := func(x any) string { v, _ := x.(string); return v }
		out = append(out, imageOf(ids[i], map[string]string{"t": str(f[0]), "w": str(f[1]), "h": str(f[2]), "a": str(f[3]), "at": str(f[4])}, false))
	}
	return out, nil
}

// imageOf reads an image's hash fields.
func imageOf(id string, v map[string]string, withBytes bool) *newsletter.Image {
	w, _ := strconv.Atoi(v["w"])
	h, _ := strconv.Atoi(v["h"])
	at, _ := strconv.ParseInt(v["at"], 10, 64)
	im := &newsletter.Image{ID: id, Type: v["t"], Width: w, Height: h, Alt: v["a"], At: time.UnixMilli(at)}
	if withBytes {
		im.Data = []byte(v["b"])
	}
	return im
}
