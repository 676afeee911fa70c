package web

import (
	"errors"
	"html/template"
	"mime"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/markdown"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/newsletter/token"
	"github.com/satina/newsletter/templates"
)

// subject checks the :token of the request for purpose p and returns the
// subscriber id it names: 400 for an expired link, 404 for anything else.
func (s *Server) subject(c *fiber.Ctx, p token.Purpose) (string, error) {
	id, err := s.cfg.Signer.Verify(p, c.Params("token"), s.cfg.Clock.Now())
	switch {
	case errors.Is(err, token.ErrExpired):
		return "", fiber.NewError(fiber.StatusBadRequest, "This link has expired. Sign up again and you'll get a fresh one.")
	case err != nil:
		return "", fiber.NewError(fiber.StatusNotFound, "This link isn't valid. Please use the link exactly as it came in the email.")
	}
	return id, nil
}

// gone answers for a valid link whose subscriber no longer exists (erased).
func gone() error {
	return fiber.NewError(fiber.StatusNotFound, "There is no subscription for this link any more.")
}

func (s *Server) confirmPage(c *fiber.Ctx) error {
	if _, err := s.subject(c, token.Confirm); err != nil {
		return err
	}
	return s.page(c, "confirm", templates.Confirm{Site: s.cfg.Site, Token: c.Params("token")})
}

// confirm is the double opt-in. It is idempotent.
func (s *Server) confirm(c *fiber.Ctx) error {
	id, err := s.subject(c, token.Confirm)
	if err != nil {
		return err
	}
	sub, changed, err := s.cfg.Service.Confirm(c.UserContext(), id)
	if errors.Is(err, newsletter.ErrNotFound) {
		return gone()
	}
	if err != nil {
		return err
	}
	if sub.Status != newsletter.StatusConfirmed {
		return s.page(c, "message", templates.Message{Site: s.cfg.Site, Title: "You're not subscribed",
			Message: "You left this list earlier, so this link changes nothing. To come back, sign up again.",
			Link:    "/", LinkText: "Sign up again"})
	}
	if changed {
		s.cfg.Service.CountConfirm(c.UserContext())
	}
	if s.cfg.Metrics != nil && changed {
		s.cfg.Metrics.Confirmations.Inc()
	}
	data := templates.Confirmed{Site: s.cfg.Site, FirstName: sub.FirstName(), MeURL: s.cfg.Composer.Links.Me(id)}
	if seq, ok := s.cfg.Service.Sequences.Get(sub.Sequence); ok && seq.Guide != nil {
		data.DownloadURL = s.cfg.Composer.Links.Download(id)
	}
	return s.page(c, "confirmed", data)
}

func (s *Server) unsubscribePage(c *fiber.Ctx) error {
	id, err := s.subject(c, token.Unsubscribe)
	if err != nil {
		return err
	}
	data := templates.Unsubscribe{Site: s.cfg.Site, Token: c.Params("token")}
	if sub, err := s.cfg.Store.Subscriber(c.UserContext(), id); err == nil {
		data.Email = sub.Email
	}
	return s.page(c, "unsubscribe", data)
}

// unsubscribe is RFC 8058 one-click: any POST with a valid token stops
// all mail at once.
func (s *Server) unsubscribe(c *fiber.Ctx) error {
	id, err := s.subject(c, token.Unsubscribe)
	if err != nil {
		return err
	}
	if err := s.cfg.Service.Unsubscribe(c.UserContext(), id); err != nil {
		return err
	}
	if s.cfg.Metrics != nil {
		s.cfg.Metrics.Unsubscribes.Inc()
	}
	return s.page(c, "message", templates.Message{Site: s.cfg.Site, Title: "You're unsubscribed",
		Message: "Nothing more will come from me. Thank you for the time we had, and take good care of yourself.",
		Link:    "/", LinkText: "Changed your mind? Sign up again"})
}

// meData is the subscriber a /me token names and everything stored about
// them; a token whose subscriber is gone answers as a link that expired.
func (s *Server) meData(c *fiber.Ctx) (string, *service.Export, error) {
	id, err := s.subject(c, token.Me)
	if err != nil {
		return "", nil, err
	}
	ex, err := s.cfg.Service.Export(c.UserContext(), id)
	if errors.Is(err, newsletter.ErrNotFound) {
		return "", nil, gone()
	}
	return id, ex, err
}

func (s *Server) mePage(c *fiber.Ctx) error {
	id, ex, err := s.meData(c)
	if err != nil {
		return err
	}
	// Times in the reader's own zone, else the author's.
	loc := s.authorZone()
	if z, err := time.LoadLocation(ex.TZ); err == nil && ex.TZ != "" {
		loc = z
	}
	in := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.In(loc)
	}
	series := ex.Sequence
	if q, ok := s.cfg.Service.Sequences.Get(ex.Sequence); ok && q.Title != "" {
		series = q.Title
	}
	data := templates.Me{
		Site: s.cfg.Site, Token: c.Params("token"), Email: ex.Email, Name: ex.Name, Status: orWord(meStatus, string(ex.Status)),
		Sequence: series, Step: ex.Step, TZ: ex.TZ, CreatedAt: in(ex.CreatedAt),
		Consent: templates.MeConsent{Text: ex.Consent.Text, Version: ex.Consent.Version, Source: orWord(meSource, ex.Consent.Source),
			IP: ex.Consent.IP, GivenAt: in(ex.Consent.GivenAt), ConfirmedAt: in(ex.Consent.ConfirmedAt)},
		UnsubscribeURL: s.cfg.Composer.Links.Unsubscribe(id),
	}
	for _, sd := range ex.Sends {
		data.Sends = append(data.Sends, templates.MeSend{Kind: orWord(meKind, sd.Kind), Subject: sd.Subject, SentAt: in(sd.SentAt)})
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return s.page(c, "me", data)
}

// The words /me uses for what the store keeps as codes; its export keeps
// the codes.
var (
	meStatus = map[string]string{"pending": "Waiting for you to confirm", "confirmed": "Subscribed",
		"unsubscribed": "Unsubscribed", "bounced": "Your mail server refused our mail, so none is sent",
		"complained": "You marked a mail as spam, so none is sent"}
	meSource = map[string]string{"form": "the signup form on this site", "api": "a signup form on another site",
		"import": "a list the author moved here from another service"}
	meKind = map[string]string{"confirm": "Asking you to confirm", "step": "Welcome letter", "letter": "Letter"}
)

// orWord is words[code], or code itself when it has no words.
func orWord(words map[string]string, code string) string {
	if w, ok := words[code]; ok {
		return w
	}
	return code
}

func (s *Server) meExport(c *fiber.Ctx) error {
	_, ex, err := s.meData(c)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="my-newsletter-data.json"`)
	return c.JSON(ex)
}

func (s *Server) meErase(c *fiber.Ctx) error {
	id, err := s.subject(c, token.Me)
	if err != nil {
		return err
	}
	if err := s.cfg.Service.Erase(c.UserContext(), id); err != nil {
		return err
	}
	return s.page(c, "message", templates.Message{Site: s.cfg.Site, Title: "Everything is erased",
		Message: "Your address, your consent record and the list of what was sent to you are gone from this service. " +
			"Nothing more will be sent. Be well.",
		Link: "/", LinkText: "Back to the start"})
}

// download serves the lead magnet of the subscriber's sequence.
func (s *Server) download(c *fiber.Ctx) error {
	id, err := s.subject(c, token.Download)
	if err != nil {
		return err
	}
	sub, err := s.cfg.Store.Subscriber(c.UserContext(), id)
	if errors.Is(err, newsletter.ErrNotFound) {
		return gone()
	}
	if err != nil {
		return err
	}
	seq, ok := s.cfg.Service.Sequences.Get(sub.Sequence)
	if !ok || seq.Guide == nil {
		return fiber.NewError(fiber.StatusNotFound, "There is no guide for this link.")
	}
	g := seq.Guide
	s.countDownload(c)
	s.cfg.Service.CountGuideReader(c.UserContext(), id)
	c.Set(fiber.HeaderCacheControl, "private, no-store")
	if g.Markdown {
		body, err := markdown.HTML(withoutTitle(string(g.Data), g.Title))
		if err != nil {
			return err
		}
		body = paperBoxes(body)
		return s.page(c, "guide", templates.Guide{Site: s.cfg.Site, Title: g.Title, Body: body})
	}
	ct := g.ContentType
	if ct == "" {
		ct = mime.TypeByExtension(path.Ext(g.Name))
	}
	c.Set(fiber.HeaderContentType, ct)
	c.Set(fiber.HeaderContentDisposition, `inline; filename="`+path.Base(g.Name)+`"`)
	return c.Send(g.Data)
}

// withoutTitle drops the guide's first line when it is the "# " heading
// of its title: the page shows the title as its heading once already.
func withoutTitle(md, title string) string {
	rest := md
	for rest != "" {
		line, after, _ := strings.Cut(rest, "\n")
		trimmed := strings.TrimSpace(line)
		if trimmed == "" {
			rest = after
			continue
		}
		if h, ok := strings.CutPrefix(trimmed, "# "); ok && strings.TrimSpace(strings.TrimRight(strings.TrimSpace(h), "#")) == strings.TrimSpace(title) {
			return after
		}
		return md
	}
	return md
}

// checkboxes are the boxes a Markdown task list ("- [ ] …") becomes, and
// the printed boxes the guide shows instead: a checklist to tick on paper,
// not form controls without a label.
var checkboxes = strings.NewReplacer(
	`<input disabled="" type="checkbox">`, `<span aria-hidden="true">☐</span>`,
	`<input checked="" disabled="" type="checkbox">`, `<span aria-hidden="true">☑</span>`,
)

// paperBoxes replaces a rendered guide's task-list checkboxes by boxes to
// tick on paper.
func paperBoxes(body template.HTML) template.HTML {
	return template.HTML(checkboxes.Replace(string(body))) // static markup for static markup
}
