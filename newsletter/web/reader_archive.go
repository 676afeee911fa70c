package web

import (
	"encoding/xml"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/net/html"

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
	Content string     `xml:"xmlns:content,attr"` // the content module, for content:encoded
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
	// Description is a summary in plain text: the letter's preview line,
	// else its first words; Encoded is the whole letter as HTML.
	Description string `xml:"description,omitempty"`
	Encoded     string `xml:"content:encoded,omitempty"`
}

// summaryRunes is how long a feed item's summary is at most.
const summaryRunes = 300

// feedItem is letter l as a feed item, with its text as the archive
// shows it (compose.Public: no reader's name or links).
func (s *Server) feedItem(l *newsletter.Letter) rssItem {
	link := s.cfg.Site.BaseURL + "/letters/" + l.ID
	it := rssItem{Title: l.Subject, Link: link, GUID: link, PubDate: l.SendAt.UTC().Format(time.RFC1123Z)}
	md, err := compose.Public(l)
	if err != nil {
		return it // a letter that no longer renders keeps its title and link
	}
	body, err := markdown.HTML(md)
	if err != nil {
		return it
	}
	it.Encoded = string(body)
	it.Description = strings.TrimSpace(l.Preheader)
	if it.Description == "" {
		it.Description = summary(htmlText(string(body)), summaryRunes)
	}
	return it
}

// htmlText is the text of an HTML fragment, its blocks apart.
func htmlText(fragment string) string {
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(fragment))
	for {
		switch z.Next() {
		case html.ErrorToken:
			return b.String()
		case html.TextToken:
			b.Write(z.Text())
		case html.StartTagToken, html.EndTagToken:
			if name, _ := z.TagName(); !inlineTags[string(name)] {
				b.WriteByte(' ')
			}
		}
	}
}

// inlineTags are the tags inside a line of text.
var inlineTags = map[string]bool{"a": true, "em": true, "strong": true, "code": true, "span": true, "b": true, "i": true, "del": true}

// summary is text's first words in at most n runes, "…" where it is cut.
func summary(text string, n int) string {
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= n {
		return text
	}
	cut := []rune(text)[:n]
	if i := strings.LastIndexByte(string(cut), ' '); i > n/2 {
		return string(cut)[:i] + "…"
	}
	return string(cut) + "…"
}

// feed is the archive as RSS 2.0.
func (s *Server) feed(c *fiber.Ctx) error {
	ls, err := s.archived(c, 50)
	if err != nil {
		return err
	}
	ch := rssChannel{Title: s.cfg.Site.Title, Link: s.cfg.Site.BaseURL + "/letters", Description: "Letters from " + s.cfg.Site.Title}
	for _, l := range ls {
		ch.Items = append(ch.Items, s.feedItem(l))
	}
	out, err := xml.MarshalIndent(rss{Version: "2.0", Content: "http://purl.org/rss/1.0/modules/content/", Channel: ch}, "", "  ")
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/rss+xml; charset=utf-8")
	return c.Send(append([]byte(xml.Header), out...))
}
