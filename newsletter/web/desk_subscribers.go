package web

import (
	"bytes"
	"errors"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/templates"
)

// The subscribers page: search, paging, export, import, status and erase.

// subscribersPerPage is how many subscribers one page lists.
const subscribersPerPage = 50

// importErrorsShown is how many bad rows an import lists on the page.
const importErrorsShown = 20

// subscriberQuery reads the search of the subscribers page.
func subscriberQuery(c *fiber.Ctx) (q string, st newsletter.Status, offset int) {
	q = strings.TrimSpace(c.Query("q"))
	if len(q) > 200 {
		q = q[:200]
	}
	st = newsletter.Status(c.Query("status"))
	if !st.Valid() {
		st = ""
	}
	offset, _ = strconv.Atoi(c.Query("offset"))
	offset = max(0, min(offset, 1<<30))
	return q, st, offset
}

func (s *Server) subscribersPage(c *fiber.Ctx) error {
	q, st, offset := subscriberQuery(c)
	return s.renderSubscribers(c, templates.AdminDesk{}, q, st, offset, nil)
}

func (s *Server) renderSubscribers(c *fiber.Ctx, d templates.AdminDesk, q string, st newsletter.Status, offset int, imp *templates.AdminImport) error {
	subs, total, err := s.cfg.Store.SearchSubscribers(c.UserContext(), st, q, offset, subscribersPerPage)
	if err != nil {
		return err
	}
	loc := s.deskZone(c)
	p := &templates.AdminSubscribers{Q: q, Status: string(st), Total: total, Import: imp}
	for _, v := range newsletter.Statuses {
		p.Statuses = append(p.Statuses, string(v))
	}
	for _, sub := range subs {
		p.Rows = append(p.Rows, deskSubscriber(sub, loc))
	}
	if len(subs) > 0 {
		p.From, p.To = offset+1, offset+len(subs)
	}
	link := func(path string, off int) string {
		v := url.Values{}
		if q != "" {
			v.Set("q", q)
		}
		if st != "" {
			v.Set("status", string(st))
		}
		if off > 0 {
			v.Set("offset", strconv.Itoa(off))
		}
		if len(v) == 0 {
			return path
		}
		return path + "?" + v.Encode()
	}
	if offset > 0 {
		p.PrevURL = link("/admin/subscribers", max(0, offset-subscribersPerPage))
	}
	if offset+len(subs) < total {
		p.NextURL = link("/admin/subscribers", offset+subscribersPerPage)
	}
	p.ExportURL = link("/admin/subscribers/export.csv", 0)
	if f := s.cfg.Feedback.Feedback; f != nil {
		list, err := f.Suppressions(c.UserContext())
		if err != nil {
			return err
		}
		p.Suppressed = []templates.AdminSuppression{}
		for _, e := range list {
			p.Suppressed = append(p.Suppressed, templates.AdminSuppression{Email: e.Email, Reason: e.Reason, At: e.At.In(loc)})
		}
	}
	d.Page, d.Subscribers = "subscribers", p
	return s.render(c, d)
}

func (s *Server) subscribersCSV(c *fiber.Ctx) error {
	q, st, _ := subscriberQuery(c)
	return s.exportCSV(c, st, q)
}

func (s *Server) importPost(c *fiber.Ctx) error {
	fh, err := c.FormFile("file")
	if err != nil {
		return s.renderSubscribers(c.Status(fiber.StatusUnprocessableEntity),
			templates.AdminDesk{Error: "Choose a CSV file to import."}, "", "", 0, nil)
	}
	f, err := fh.Open()
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "The file could not be read.")
	}
	body, err := io.ReadAll(io.LimitReader(f, AdminBodyLimit))
	f.Close()
	if err != nil {
		return fiber.NewError(fiber.StatusBadRequest, "The file could not be read.")
	}
	rows, err := service.ParseImportCSV(bytes.NewReader(body))
	if err != nil {
		return s.renderSubscribers(c.Status(fiber.StatusUnprocessableEntity),
			templates.AdminDesk{Error: err.Error()}, "", "", 0, nil)
	}
	res, err := s.cfg.Service.Import(c.UserContext(), rows, 2)
	if err != nil {
		return err
	}
	imp := &templates.AdminImport{Imported: res.Imported, Skipped: res.Skipped}
	for i, e := range res.Errors {
		if i == importErrorsShown {
			imp.More = len(res.Errors) - i
			break
		}
		imp.Errors = append(imp.Errors, templates.AdminImportError{Row: e.Row, Error: e.Error})
	}
	return s.renderSubscribers(c, templates.AdminDesk{}, "", "", 0, imp)
}

// formSubscriber finds the subscriber the form's email names.
func (s *Server) formSubscriber(c *fiber.Ctx) (*newsletter.Subscriber, error) {
	sub, err := s.cfg.Store.SubscriberByEmail(c.UserContext(), newsletter.NormalizeEmail(c.FormValue("email")))
	if errors.Is(err, newsletter.ErrNotFound) {
		return nil, fiber.NewError(fiber.StatusNotFound, "There is no subscriber with that address (any more).")
	}
	return sub, err
}

func (s *Server) statusPost(c *fiber.Ctx) error {
	sub, err := s.formSubscriber(c)
	if err != nil {
		return err
	}
	if _, err := s.cfg.Service.SetStatus(c.UserContext(), sub.ID, newsletter.Status(c.FormValue("status"))); err != nil {
		var fe newsletter.FieldErrors
		if errors.As(err, &fe) {
			return s.renderSubscribers(c.Status(fiber.StatusUnprocessableEntity),
				templates.AdminDesk{Error: sub.Email + ": " + fe["status"]}, sub.Email, "", 0, nil)
		}
		return err
	}
	return c.Redirect("/admin/subscribers?done=status&q="+url.QueryEscape(sub.Email), fiber.StatusSeeOther)
}

func (s *Server) erasePost(c *fiber.Ctx) error {
	sub, err := s.formSubscriber(c)
	if err != nil {
		return err
	}
	if !formBool(c.FormValue("confirm")) {
		return s.renderSubscribers(c.Status(fiber.StatusUnprocessableEntity),
			templates.AdminDesk{Error: "Tick the box to confirm that " + sub.Email + " should be erased."}, sub.Email, "", 0, nil)
	}
	if err := s.cfg.Service.Erase(c.UserContext(), sub.ID); err != nil {
		return err
	}
	return c.Redirect("/admin/subscribers?done=erased", fiber.StatusSeeOther)
}
