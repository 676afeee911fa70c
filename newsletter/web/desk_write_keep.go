package web

import (
	"errors"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/templates"
)

// Her text is never lost to an ended session or an expired form. When
// the compose form (or the autosave) is posted:
//
//   - with a session but a CSRF token that no longer matches (a page
//     left open across a sign-in elsewhere): the compose page comes back
//     with her text in it and a fresh token, 403;
//   - without a session (it expired, or she signed out in another tab):
//     the sign-in page carries her text in hidden fields, 401; once she
//     signs in, it is saved as a draft (the draft she was writing when
//     it still is one, else a new one) and the Write page opens on it.
//
// The autosave's script gets JSON instead, and keeps the text in the
// browser until the server has it. Nothing is stored for a request
// without a session: the text lives in her own page until she signs in.
// A form posted from another site (Sec-Fetch-Site: cross-site) is not
// carried, so that no other site can slip a draft into her desk.

// keepsText reports whether the request posts her letter.
func keepsText(c *fiber.Ctx) bool {
	if c.Method() != fiber.MethodPost {
		return false
	}
	switch c.Path() {
	case "/admin/compose", autosavePath:
		site := c.Get("Sec-Fetch-Site")
		return site == "" || site == "same-origin"
	}
	return false
}

// keepText answers a posted letter whose CSRF token failed (csrfErr) or
// whose session ended (csrfErr nil).
func (s *Server) keepText(c *fiber.Ctx, csrfErr error) error {
	in := false
	if csrfErr != nil {
		var err error
		if in, err = s.signedIn(c); err != nil {
			return s.deskError(c, err)
		}
	}
	if c.Path() == autosavePath {
		if in {
			return c.Status(fiber.StatusForbidden).JSON(fiber.Map{"error": "expired",
				"message": "This page is out of date. Your text is kept in this browser; reload the page to go on."})
		}
		return c.Status(fiber.StatusUnauthorized).JSON(fiber.Map{"error": "signed-out",
			"message": "You were signed out. Your text is kept in this browser; sign in again to save it."})
	}
	f := composeForm(c)
	if strings.TrimSpace(f.Subject) == "" && strings.TrimSpace(f.Markdown) == "" {
		// Not a letter (Send it now of a held one, say): nothing to keep.
		if in {
			return s.deskError(c, csrfErr)
		}
		return s.page(c.Status(fiber.StatusUnauthorized), "admin_login", templates.AdminLogin{
			Site: s.cfg.Site, CSRF: s.loginCSRF(c), Error: "You were signed out. Please sign in again."})
	}
	if in {
		d := templates.AdminDesk{Page: "compose", Compose: f,
			Error: "This page was open so long that its form expired. Your text is all here: press the button again."}
		return s.renderCompose(c.Status(fiber.StatusForbidden), d)
	}
	carry := &templates.AdminCarry{ID: f.ID, Subject: f.Subject, Preheader: f.Preheader, Markdown: f.Markdown,
		SendAt: f.SendAt, Archive: f.Archive, SkipInSequence: f.SkipInSequence}
	return s.page(c.Status(fiber.StatusUnauthorized), "admin_login", templates.AdminLogin{Site: s.cfg.Site,
		CSRF: s.loginCSRF(c), Error: "You were signed out. Please sign in again.", Carry: carry})
}

// carryForm reads the letter the sign-in form carried.
func carryForm(c *fiber.Ctx) *templates.AdminCompose {
	f := &templates.AdminCompose{
		ID:             c.FormValue("carry_id"),
		Subject:        c.FormValue("carry_subject"),
		Preheader:      c.FormValue("carry_preheader"),
		Markdown:       normalizeNewlines(c.FormValue("carry_markdown")),
		SendAt:         c.FormValue("carry_send_at"),
		Archive:        formBool(c.FormValue("carry_archive")),
		SkipInSequence: formBool(c.FormValue("carry_skip_in_sequence")),
		Errors:         map[string]string{},
	}
	return f
}

// restoreCarry keeps, right after sign-in (session sid), the letter the
// sign-in form carried: as the draft it was (when it still is one) or a
// new draft; then the Write page opens on it. A letter that cannot be
// saved as it stands (no subject, a template mistake) is shown on the
// Write page with what to fix, unsaved.
func (s *Server) restoreCarry(c *fiber.Ctx, sid string) error {
	c.Set(fiber.HeaderContentSecurityPolicy, deskCSP)
	f := carryForm(c)
	draft := newsletter.LetterDraft{Subject: f.Subject, Markdown: f.Markdown, Preheader: f.Preheader,
		Unlisted: !f.Archive, SkipInSequence: f.SkipInSequence}
	id := ""
	var err error
	if f.ID != "" {
		if l, lerr := s.cfg.Store.Letter(c.UserContext(), f.ID); lerr == nil && l.Status == newsletter.LetterDrafted {
			id, err = f.ID, s.cfg.Service.UpdateLetter(c.UserContext(), f.ID, draft)
		}
	}
	if id == "" && err == nil {
		id, err = s.cfg.Service.SaveDraft(c.UserContext(), draft)
	}
	if err == nil {
		return c.Redirect("/admin/compose?done=restored&id="+url.QueryEscape(id), fiber.StatusSeeOther)
	}
	if err := fieldErrors(f.Errors, err); err != nil {
		if errors.Is(err, newsletter.ErrUnavailable) {
			return s.deskError(c, err)
		}
		return err
	}
	plainErrors(f.Errors)
	f.ID = ""
	deskHeaders(c)
	d := templates.AdminDesk{Page: "compose", Compose: f, CSRF: s.sessionCSRF(sid),
		Error: "You are signed in again. Your letter is here, but not saved yet: see below what to change, then save it."}
	return s.renderCompose(c, d)
}
