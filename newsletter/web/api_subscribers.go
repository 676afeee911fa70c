package web

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
)

// subscriberJSON is a subscriber as the admin API lists it.
type subscriberJSON struct {
	Email     string `json:"email"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Sequence  string `json:"sequence"`
	Step      int    `json:"step"`
	CreatedAt string `json:"created_at"`
}

func (s *Server) listSubscribers(c *fiber.Ctx) error {
	st := newsletter.Status(c.Query("status"))
	if st != "" && !st.Valid() {
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"errors": fiber.Map{
			"status": "Use pending, confirmed, unsubscribed, bounced or complained."}})
	}
	offset, limit := c.QueryInt("offset", 0), c.QueryInt("limit", 10000)
	if offset < 0 || limit < 1 || limit > 10000 {
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"errors": fiber.Map{
			"limit": "offset must be 0 or more and limit between 1 and 10000."}})
	}
	q := c.Query("q")
	if len(q) > 200 {
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"errors": fiber.Map{
			"q": "Search with at most 200 characters."}})
	}
	// Without a limit the whole list comes back (the contract's listing has
	// no paging), read in one pass: paging by offset would read the list
	// up to each page again.
	all := c.Query("limit") == ""
	if all {
		limit = math.MaxInt32
	}
	subs, total, err := s.cfg.Store.SearchSubscribers(c.UserContext(), st, q, offset, limit)
	if err != nil {
		return err
	}
	out := make([]subscriberJSON, 0, len(subs))
	for _, sub := range subs {
		out = append(out, toSubscriberJSON(sub))
	}
	if all {
		limit = len(out)
	}
	return c.JSON(fiber.Map{"subscribers": out, "total": total, "offset": offset, "limit": limit})
}

// importSubscribers takes JSON {"subscribers":[...]} or CSV with a header
// row email,name,status,sequence. Bad rows are reported, never fatal.
func (s *Server) importSubscribers(c *fiber.Ctx) error {
	ct := strings.ToLower(string(c.Request().Header.ContentType()))
	var rows []service.ImportRow
	first := 1
	switch {
	case strings.HasPrefix(ct, "text/csv"):
		var err error
		rows, err = service.ParseImportCSV(bytes.NewReader(c.Body()))
		if err != nil {
			return fiber.NewError(fiber.StatusBadRequest, err.Error())
		}
		first = 2 // row 1 is the header
	default:
		var in struct {
			Subscribers []struct {
				Email    string `json:"email"`
				Name     string `json:"name"`
				Status   string `json:"status"`
				Sequence string `json:"sequence"`
			} `json:"subscribers"`
		}
		if err := decodeJSON(c, &in); err != nil {
			return invalid(c, err)
		}
		for _, r := range in.Subscribers {
			rows = append(rows, service.ImportRow{Email: r.Email, Name: r.Name, Status: r.Status, Sequence: r.Sequence})
		}
	}
	res, err := s.cfg.Service.Import(c.UserContext(), rows, first)
	if err != nil {
		return err
	}
	return c.JSON(res)
}

func toSubscriberJSON(sub *newsletter.Subscriber) subscriberJSON {
	return subscriberJSON{Email: sub.Email, Name: sub.Name, Status: string(sub.Status),
		Sequence: sub.Sequence, Step: sub.Step, CreatedAt: sub.CreatedAt.Format(time.RFC3339)}
}

func (s *Server) exportSubscribersAPI(c *fiber.Ctx) error {
	st := newsletter.Status(c.Query("status"))
	if st != "" && !st.Valid() {
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"errors": fiber.Map{
			"status": "Use pending, confirmed, unsubscribed, bounced or complained."}})
	}
	q := strings.TrimSpace(c.Query("q"))
	if len(q) > 200 {
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"errors": fiber.Map{
			"q": "Search with at most 200 characters."}})
	}
	return s.exportCSV(c, st, q)
}

// subscriberByParam finds the subscriber the :email of the path names.
func (s *Server) subscriberByParam(c *fiber.Ctx) (*newsletter.Subscriber, error) {
	sub, err := s.cfg.Store.SubscriberByEmail(c.UserContext(), emailParam(c, "email"))
	if errors.Is(err, newsletter.ErrNotFound) {
		return nil, fiber.NewError(fiber.StatusNotFound, "There is no subscriber with that address.")
	}
	return sub, err
}

func (s *Server) patchSubscriberAPI(c *fiber.Ctx) error {
	var in struct {
		Status string `json:"status"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return invalid(c, err)
	}
	sub, err := s.subscriberByParam(c)
	if err != nil {
		return err
	}
	sub, err = s.cfg.Service.SetStatus(c.UserContext(), sub.ID, newsletter.Status(in.Status))
	if err != nil {
		return invalid(c, err)
	}
	return c.JSON(toSubscriberJSON(sub))
}

func (s *Server) eraseSubscriberAPI(c *fiber.Ctx) error {
	sub, err := s.subscriberByParam(c)
	if err != nil {
		return err
	}
	if err := s.cfg.Service.Erase(c.UserContext(), sub.ID); err != nil {
		return err
	}
	return c.JSON(fiber.Map{"erased": true, "email": sub.Email})
}
