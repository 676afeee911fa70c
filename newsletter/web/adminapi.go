package web

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"math"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
)

func (s *Server) adminAPIRoutes() {
	api := s.app.Group("/admin/api", s.bearer)
	api.Post("/letters", s.createLetter)
	api.Get("/letters", s.listLetters)
	api.Get("/letters/:id", s.getLetter)
	api.Put("/letters/:id", s.updateLetter)
	api.Delete("/letters/:id", s.cancelLetter)
	api.Get("/subscribers", s.listSubscribers)
	api.Post("/subscribers", s.importSubscribers)
	s.adminAPIExtraRoutes(api)
}

// bearer lets through requests with "Authorization: Bearer $ADMIN_TOKEN",
// compared in constant time. With no token configured the API is off.
func (s *Server) bearer(c *fiber.Ctx) error {
	if s.cfg.AdminToken == "" {
		return fiber.NewError(fiber.StatusNotFound, "The admin API is off: set ADMIN_TOKEN to turn it on.")
	}
	scheme, got, ok := strings.Cut(c.Get(fiber.HeaderAuthorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(got)), []byte(s.cfg.AdminToken)) != 1 {
		c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="newsletter admin"`)
		return fiber.NewError(fiber.StatusUnauthorized, "Send the admin token as Authorization: Bearer <token>.")
	}
	return c.Next()
}

// letterJSON is a letter as the API shows it.
type letterJSON struct {
	ID             string `json:"id"`
	Subject        string `json:"subject"`
	Markdown       string `json:"markdown,omitempty"`
	SendAt         string `json:"send_at"`
	Status         string `json:"status"`
	SkipInSequence bool   `json:"skip_in_sequence"`
	Recipients     int    `json:"recipients"`
	Sent           int    `json:"sent"`
	Failed         int    `json:"failed"`
	Skipped        int    `json:"skipped"`
}

func toLetterJSON(l *newsletter.Letter, withBody bool) letterJSON {
	out := letterJSON{ID: l.ID, Subject: l.Subject, SendAt: l.SendAt.Format(time.RFC3339), Status: string(l.Status),
		SkipInSequence: l.SkipInSequence, Recipients: l.Recipients, Sent: l.Sent, Failed: l.Failed, Skipped: l.Skipped}
	if withBody {
		out.Markdown = l.Markdown
	}
	return out
}

// decodeDraft reads a letter from a JSON body.
func decodeDraft(c *fiber.Ctx) (newsletter.LetterDraft, error) {
	var in struct {
		Subject        string `json:"subject"`
		Markdown       string `json:"markdown"`
		SendAt         string `json:"send_at"`
		SkipInSequence bool   `json:"skip_in_sequence"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return newsletter.LetterDraft{}, err
	}
	d := newsletter.LetterDraft{Subject: in.Subject, Markdown: in.Markdown, SkipInSequence: in.SkipInSequence}
	if in.SendAt != "" {
		t, err := time.Parse(time.RFC3339, in.SendAt)
		if err != nil {
			return d, newsletter.FieldErrors{"send_at": "Give the send time as RFC 3339, e.g. 2026-12-01T08:00:00+01:00."}
		}
		d.SendAt = t
	}
	return d, nil
}

// decodeJSON reads a JSON body strictly: 415 for another type, 400 when it
// does not parse, 422 naming a field of the wrong type.
func decodeJSON(c *fiber.Ctx, v any) error {
	if !strings.HasPrefix(strings.ToLower(string(c.Request().Header.ContentType())), fiber.MIMEApplicationJSON) {
		return fiber.NewError(fiber.StatusUnsupportedMediaType, "Send JSON (Content-Type: application/json).")
	}
	err := json.Unmarshal(c.Body(), v)
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te) && te.Field == "":
		return errNotObject
	case errors.As(err, &te):
		return newsletter.FieldErrors{te.Field: "has the wrong type"}
	case err != nil:
		return fiber.NewError(fiber.StatusBadRequest, "The body is not valid JSON.")
	}
	return nil
}

// errNotObject answers a JSON body that parses but is not an object.
var errNotObject = fiber.NewError(fiber.StatusBadRequest, "The body must be a JSON object, such as {\"email\": \"…\"}.")

// invalid answers FieldErrors with 422 and passes anything else on.
func invalid(c *fiber.Ctx, err error) error {
	var fe newsletter.FieldErrors
	if errors.As(err, &fe) {
		return c.Status(fiber.StatusUnprocessableEntity).JSON(fiber.Map{"errors": fe})
	}
	return err
}

func (s *Server) createLetter(c *fiber.Ctx) error {
	d, err := decodeDraft(c)
	if err != nil {
		return invalid(c, err)
	}
	id, err := s.cfg.Service.ScheduleLetter(c.UserContext(), d)
	if err != nil {
		return invalid(c, err)
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"id": id})
}

func (s *Server) getLetter(c *fiber.Ctx) error {
	l, err := s.cfg.Store.Letter(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toLetterJSON(l, true))
}

func (s *Server) listLetters(c *fiber.Ctx) error {
	ls, err := s.cfg.Store.ListLetters(c.UserContext(), newsletter.LetterStatus(c.Query("status")), 0)
	if err != nil {
		return err
	}
	out := make([]letterJSON, 0, len(ls))
	for _, l := range ls {
		out = append(out, toLetterJSON(l, false))
	}
	return c.JSON(fiber.Map{"letters": out})
}

func (s *Server) updateLetter(c *fiber.Ctx) error {
	d, err := decodeDraft(c)
	if err != nil {
		return invalid(c, err)
	}
	if err := s.cfg.Service.UpdateLetter(c.UserContext(), c.Params("id"), d); err != nil {
		return invalid(c, err)
	}
	return s.getLetter(c)
}

func (s *Server) cancelLetter(c *fiber.Ctx) error {
	if err := s.cfg.Store.CancelLetter(c.UserContext(), c.Params("id")); err != nil {
		return err
	}
	return s.getLetter(c)
}

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
			"status": "Use pending, confirmed, unsubscribed or bounced."}})
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
