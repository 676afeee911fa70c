package web

import (
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
)

// The author's time zone (AUTHOR_TZ): the desk shows every time in it
// (the schedule form, the lists, the overview's days, subscribers' join
// dates) and reads the schedule form's time in it. The admin API's times
// are RFC 3339 in UTC whatever it is.

// authorZones holds the zone SetAuthorTZ gave each Server. (It belongs in
// Config; it sits beside it until Config has the field.)
var authorZones sync.Map // *Server -> *time.Location

// SetAuthorTZ sets the author's time zone, AUTHOR_TZ. Call it before the
// server serves; without it (or with nil) the desk uses DEFAULT_TZ.
func (s *Server) SetAuthorTZ(loc *time.Location) {
	if loc == nil {
		authorZones.Delete(s)
		return
	}
	authorZones.Store(s, loc)
}

// authorZone is AUTHOR_TZ, or the server's zone for subscribers
// (DEFAULT_TZ) when it is not set.
func (s *Server) authorZone() *time.Location {
	if loc, ok := authorZones.Load(s); ok {
		return loc.(*time.Location)
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
