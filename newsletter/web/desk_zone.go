package web

import (
	"time"

	"github.com/gofiber/fiber/v2"
)

// The author's time zone (AUTHOR_TZ): the desk shows every time in it
// (the schedule form, the lists, the overview's days, subscribers' join
// dates) and reads the schedule form's time in it. The admin API's times
// are RFC 3339 in UTC whatever it is.

// authorZone is AUTHOR_TZ (Config.AuthorTZ), or the server's zone for
// subscribers (DEFAULT_TZ) when it is not set.
func (s *Server) authorZone() *time.Location {
	if s.cfg.AuthorTZ != nil {
		return s.cfg.AuthorTZ
	}
	return s.defaultZone()
}

// deskZone is the zone the desk shows and reads times in: AUTHOR_TZ.
func (s *Server) deskZone(*fiber.Ctx) *time.Location { return s.authorZone() }

// forgetZoneCookie expires the cookie in which the desk once kept the zone
// the author last scheduled in: the desk no longer reads it.
func forgetZoneCookie(c *fiber.Ctx) {
	if c.Cookies(tzCookie) != "" {
		c.Cookie(&fiber.Cookie{Name: tzCookie, Path: "/admin", MaxAge: -1, Expires: time.Unix(1, 0), HTTPOnly: true, SameSite: "Strict"})
	}
}
