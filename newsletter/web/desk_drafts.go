package web

import (
	"errors"
	"net/url"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/templates"
)

// Drafts on the compose page: "Save as draft" keeps a letter without a
// send time (it is never sent); the page lists the drafts to reopen, and
// a draft is scheduled from its own form, or deleted.

// draftNotices are the compose page's lines after a draft was saved or
// deleted (the desk's other notices are in desk.go).
var draftNotices = map[string]string{
	"draft":         "The draft is saved. It will not go out until you schedule it.",
	"draft-deleted": "The draft is deleted.",
	"restored":      "You are signed in again, and the letter you were writing is saved as a draft. Go on where you left off.",
	"undone":        "Undone: the letter will not go out, and nothing of it was sent. It is back here as a draft.",
	"undone-late":   "It had just started going out when you pressed Undo, so it was stopped: at most the few mails already on their way went. Its page in Your letters shows how many. The text is back here as a draft.",
}

// composeDraft saves the form as a draft: a new one, or the draft it
// edits; then the page shows it again, to write on.
func (s *Server) composeDraft(c *fiber.Ctx, d templates.AdminDesk, draft newsletter.LetterDraft) error {
	f := d.Compose
	var err error
	id := f.ID
	switch {
	case id == "":
		id, err = s.cfg.Service.SaveDraft(c.UserContext(), draft)
	case !f.Draft:
		d.Error = "This letter is scheduled: save your changes to it, or cancel it and write it again as a draft."
		return s.renderCompose(c, d)
	default:
		err = s.cfg.Service.UpdateLetter(c.UserContext(), id, draft)
	}
	if err != nil {
		return s.saveFailed(c, d, err, "This draft was scheduled or deleted meanwhile. Its text is still here: save it as a new draft if you like.")
	}
	return c.Redirect("/admin/compose?done=draft&id="+url.QueryEscape(id), fiber.StatusSeeOther)
}

// saveFailed shows the form again, with her text, after saving the letter
// failed: gone as the page's error when the letter changed meanwhile
// (scheduled, sent, cancelled or deleted; the form then makes a new
// one), the fields in error for bad input; any other error is passed on.
func (s *Server) saveFailed(c *fiber.Ctx, d templates.AdminDesk, err error, gone string) error {
	f := d.Compose
	if errors.Is(err, newsletter.ErrConflict) || errors.Is(err, newsletter.ErrNotFound) {
		d.Error = gone
		f.ID, f.Draft = "", false
		return s.renderCompose(c, d)
	}
	if err := fieldErrors(f.Errors, err); err != nil {
		return err
	}
	return s.renderCompose(c, d)
}
