package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/imaging"
	"github.com/satina/newsletter/templates"
)

// Images for letters: the author uploads a PNG or JPEG on the desk; it is
// scaled down and written again within imaging.MaxStored, kept in Redis
// (redisstore/images.go) and served at a stable address, and the page
// gives the Markdown that puts it in a letter, with its size:
//
//	GET  /admin/images           the upload form and the images kept
//	POST /admin/images           file, alt → the page with the new image
//	GET  /images/<id>.png|.jpg   the image, cached for good (its id names its bytes)

// imageStore keeps images (redisstore/images.go).
type imageStore interface {
	PutImage(ctx context.Context, im *newsletter.Image) error
	Image(ctx context.Context, id string) (*newsletter.Image, error)
	Images(ctx context.Context, limit int) ([]*newsletter.Image, error)
}

// imagesListed is how many images the page lists.
const imagesListed = 60

func (s *Server) imageRoutes() {
	s.app.Get("/admin/images", s.desk, s.imagesPage)
	s.app.Post("/admin/images", s.desk, s.imagePost)
	s.app.Get("/images/:file", s.imageFile)
}

func (s *Server) imagesPage(c *fiber.Ctx) error {
	return s.renderImages(c, &templates.AdminImages{Errors: map[string]string{}})
}

func (s *Server) renderImages(c *fiber.Ctx, p *templates.AdminImages) error {
	list, err := s.cfg.Store.Images(c.UserContext(), imagesListed)
	if err != nil {
		return err
	}
	for _, im := range list {
		p.List = append(p.List, s.deskImage(c, im))
	}
	return s.render(c, templates.AdminDesk{Page: "images", Images: p})
}

// deskImage is an image as the page shows it.
func (s *Server) deskImage(c *fiber.Ctx, im *newsletter.Image) templates.AdminImage {
	u := strings.TrimRight(s.cfg.Site.BaseURL, "/") + "/images/" + im.ID + im.Ext()
	size := strconv.Itoa(im.Width) + "x" + strconv.Itoa(im.Height)
	return templates.AdminImage{URL: u, Width: im.Width, Height: im.Height, Alt: im.Alt, KB: (len(im.Data) + 1023) / 1024,
		At: im.At.In(s.deskZone(c)), Markdown: "![" + markdownAlt(im.Alt) + "](" + u + ` "` + size + `")`}
}

// markdownAlt keeps an alt text from closing its brackets early.
func markdownAlt(alt string) string {
	return strings.NewReplacer("[", "(", "]", ")", "\n", " ", "\r", " ").Replace(alt)
}

// imagePost takes an upload: 422 with the page for a missing alt text or
// file, 413 for one over imaging.MaxUpload, 415 for anything but PNG or
// JPEG, 422 for a broken or unworkable one.
func (s *Server) imagePost(c *fiber.Ctx) error {
	p := &templates.AdminImages{Alt: strings.TrimSpace(c.FormValue("alt")), Errors: map[string]string{}}
	if p.Alt == "" {
		p.Errors["alt"] = "Describe the image in a few words, for readers who cannot see it."
	} else if len(p.Alt) > 300 {
		p.Errors["alt"] = "Keep the description under 300 characters."
	}
	fh, err := c.FormFile("file")
	if err != nil {
		p.Errors["file"] = "Choose a PNG or JPEG image."
		return s.renderImages(c.Status(fiber.StatusUnprocessableEntity), p)
	}
	if fh.Size > imaging.MaxUpload {
		p.Errors["file"] = imaging.ErrTooLarge.Error()
		return s.renderImages(c.Status(fiber.StatusRequestEntityTooLarge), p)
	}
	f, err := fh.Open()
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "The file could not be read.")
	}
	data, err := io.ReadAll(io.LimitReader(f, imaging.MaxUpload+1))
	f.Close()
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "The file could not be read.")
	}
	if len(p.Errors) > 0 {
		return s.renderImages(c.Status(fiber.StatusUnprocessableEntity), p)
	}
	im, err := imaging.Prepare(data)
	var problem imaging.Problem
	if errors.As(err, &problem) {
		p.Errors["file"] = problem.Error()
		code := fiber.StatusUnprocessableEntity
		switch problem {
		case imaging.ErrTooLarge:
			code = fiber.StatusRequestEntityTooLarge
		case imaging.ErrType:
			code = fiber.StatusUnsupportedMediaType
		}
		return s.renderImages(c.Status(code), p)
	}
	if err != nil {
		return err
	}
	sum := sha256.Sum256(im.Data)
	kept := &newsletter.Image{ID: hex.EncodeToString(sum[:12]), Type: im.Type, Width: im.Width, Height: im.Height,
		Alt: p.Alt, At: s.cfg.Clock.Now(), Data: im.Data}
	if err := s.cfg.Store.PutImage(c.UserContext(), kept); err != nil {
		return err
	}
	just := s.deskImage(c, kept)
	p.Just, p.Alt = &just, ""
	return s.renderImages(c.Status(fiber.StatusCreated), p)
}

// imageFile serves an image by its id and extension; 404 for any other
// name. Its bytes never change, so it is cached for a year.
func (s *Server) imageFile(c *fiber.Ctx) error {
	name := c.Params("file")
	id, ext, _ := strings.Cut(name, ".")
	if !isHex(id, 24) || (ext != "png" && ext != "jpg") {
		return fiber.NewError(fiber.StatusNotFound, "There is no such image.")
	}
	im, err := s.cfg.Store.Image(c.UserContext(), id)
	if errors.Is(err, newsletter.ErrNotFound) || err == nil && "."+ext != im.Ext() {
		return fiber.NewError(fiber.StatusNotFound, "There is no such image.")
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, im.Type)
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	c.Set("Cross-Origin-Resource-Policy", "cross-origin") // mail programs and the web archive show it
	return c.Send(im.Data)
}
