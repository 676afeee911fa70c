package web

import (
	"encoding/xml"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/markdown"
	"github.com/satina/newsletter/templates"
)

// archived lists up to limit letters of the public archive, newest
// first: the sent letters the author did not keep off it (Unlisted).
func (s *Server) archived(c *fiber.Ctx, limit int) ([]*newsletter.Letter, error) {
	ls, err := s.cfg.Store.ListLetters(c.UserContext(), newsletter.LetterSent, 0)
	if err != nil {
		return nil, err
	}
	out := ls[:0]
	for _, l := range ls {
		if !l.Unlisted && len(out) < limit {
			out = append(out, l)
		}
	}
	return out, nil
}

// letters is the public archive: sent letters, newest first.
func (s *Server) letters(c *fiber.Ctx) error {
	ls, err := s.archived(c, 200)
	if err != nil {
		return err
	}
	data := templates.Letters{Site: s.cfg.Site}
	for _, l := range ls {
		data.Letters = append(data.Letters, templates.LetterItem{ID: l.ID, Subject: l.Subject, URL: "/letters/" + l.ID, SentAt: l.SendAt})
	}
	return s.page(c, "letters", data)
}

func (s *Server) letterPage(c *fiber.Ctx) error {
	l, err := s.cfg.Store.Letter(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	if l.Status != newsletter.LetterSent && l.Status != newsletter.LetterSending || l.Unlisted {
		// Not public (a draft, a letter not sent yet, one kept off the
		// archive): the same answer as for no letter at all.
		return fmt.Errorf("letter %s is not in the archive: %w", l.ID, newsletter.ErrNotFound)
	}
	md, err := compose.Public(l)
	if err != nil {
		return err
	}
	body, err := markdown.HTML(md)
	if err != nil {
		return err
	}
	return s.page(c, "letter", templates.LetterPage{Site: s.cfg.Site, Subject: l.Subject, SentAt: l.SendAt, Body: body})
}

type rss struct {
	XMLName xml.Name   `xml:"rss"`
	Version string     `xml:"version,attr"`
	Channel rssChannel `xml:"channel"`
}

type rssChannel struct {
	Title       string    `xml:"title"`
	Link        string    `xml:"link"`
	Description string    `xml:"description"`
	Items       []rssItem `xml:"item"`
}

type rssItem struct {
	Title   string `xml:"title"`
	Link    string `xml:"link"`
	GUID    string `xml:"guid"`
	PubDate string `xml:"pubDate"`
}

// feed is the archive as RSS 2.0.
func (s *Server) feed(c *fiber.Ctx) error {
	ls, err := s.archived(c, 50)
	if err != nil {
		return err
	}
	ch := rssChannel{Title: s.cfg.Site.Title, Link: s.cfg.Site.BaseURL + "/letters", Description: "Letters from " + s.cfg.Site.Title}
	for _, l := range ls {
		link := s.cfg.Site.BaseURL + "/letters/" + l.ID
		ch.Items = append(ch.Items, rssItem{Title: l.Subject, Link: link, GUID: link, PubDate: l.SendAt.UTC().Format(time.RFC1123Z)})
	}
	out, err := xml.MarshalIndent(rss{Version: "2.0", Channel: ch}, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/rss+xml; charset=utf-8")
	return c.Send(append([]byte(xml.Header), out...))
}
