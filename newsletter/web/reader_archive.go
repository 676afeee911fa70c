package web

import (
	"encoding/xml"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/markdown"
	"github.com/satina/newsletter/templates"
)

// letters is the public archive: sent letters, newest first.
func (s *Server) letters(c *fiber.Ctx) error {
	ls, err := s.cfg.Store.ListLetters(c.UserContext(), newsletter.LetterSent, 200)
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
	if l.Status != newsletter.LetterSent && l.Status != newsletter.LetterSending {
		return fiber.ErrNotFound
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
	ls, err := s.cfg.Store.ListLetters(c.UserContext(), newsletter.LetterSent, 50)
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
