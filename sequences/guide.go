package sequences

import (
	"io/fs"
	"mime"
	"path"
	"strings"
)

// Guide is a sequence's lead magnet, served through a signed download link.
type Guide struct {
	Name        string // file name, e.g. "guide.md" or "guide.pdf"
	ContentType string // from the extension; "text/markdown; charset=utf-8" for guide.md
	Data        []byte // the file; for guide.md the Markdown without its front matter
	Markdown    bool   // guide.md: the web side renders it as a page
	Title       string // guide.md: front matter "title:" or its first "# " heading; else empty
	Description string // guide.md: front matter "description:", if any
}

// isGuideFile reports whether a file name is a lead magnet ("guide.*").
func isGuideFile(name string) bool {
	return strings.HasPrefix(name, "guide.") && len(name) > len("guide.")
}

// parseGuide reads a guide file; problems go to p.
func parseGuide(fsys fs.FS, name, fsPath string, p problems) *Guide {
	data, err := fs.ReadFile(fsys, fsPath)
	if err != nil {
		p.add(0, "cannot read: %v", err)
		return nil
	}
	ext := path.Ext(name)
	if ext != ".md" {
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		return &Guide{Name: name, ContentType: ct, Data: data}
	}
	g := &Guide{Name: name, ContentType: "text/markdown; charset=utf-8", Markdown: true}
	doc, err := splitDocument(data, false, p)
	if err != nil {
		p.add(1, "%v", err)
		return nil
	}
	for _, kv := range doc.keys {
		v, ok := scalar(kv.value)
		switch {
		case kv.key != "title" && kv.key != "description":
			unknownKey(kv, guideKeys, p)
		case !ok:
			p.add(kv.valueLine, "%s: want one line of text", kv.key)
		case kv.key == "title":
			g.Title = strings.TrimSpace(v)
		default:
			g.Description = strings.TrimSpace(v)
		}
	}
	g.Data = []byte(doc.body)
	if strings.TrimSpace(doc.body) == "" {
		p.add(doc.bodyLine-1, "the guide is empty")
	}
	if g.Title == "" {
		g.Title = firstHeading(doc.body)
	}
	return g
}

// firstHeading returns the text of the first "# " heading outside code
// fences, or "".
func firstHeading(md string) string {
	fenced := false
	for _, line := range strings.Split(md, "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~") {
			fenced = !fenced
			continue
		}
		if !fenced && strings.HasPrefix(trimmed, "# ") {
			return strings.TrimSpace(strings.TrimRight(strings.TrimSpace(trimmed[2:]), "#"))
		}
	}
	return ""
}
