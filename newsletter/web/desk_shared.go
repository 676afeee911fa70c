package web

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/compose"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

// adminStore is what the author's desk and the admin API read beyond the
// rest of the web side (redisstore/admin.go).
type adminStore interface {
	// SearchSubscribers lists subscribers with status (all when empty)
	// whose address or name contains q, newest first; total counts matches.
	SearchSubscribers(ctx context.Context, status newsletter.Status, q string, offset, limit int) ([]*newsletter.Subscriber, int, error)
	// CountCreated counts subscribers created between successive bounds.
	CountCreated(ctx context.Context, bounds []time.Time) ([]int, error)
	// CountStatuses counts the subscribers in each status.
	CountStatuses(ctx context.Context) (map[newsletter.Status]int, error)
	// StepPositions counts confirmed subscribers by sequence and last step sent.
	StepPositions(ctx context.Context) (map[string]map[string]int, error)
	// RevokeSession records the random id of a desk sign-in as signed out
	// for ttl (redisstore/sessions.go).
	RevokeSession(ctx context.Context, id string, ttl time.Duration) error
	// SessionRevoked reports whether the desk sign-in id signed out.
	SessionRevoked(ctx context.Context, id string) (bool, error)
}

// defaultZone is the server's time zone for subscribers (DEFAULT_TZ).
func (s *Server) defaultZone() *time.Location {
	if s.cfg.Service != nil && s.cfg.Service.DefaultTZ != nil && s.cfg.Service.DefaultTZ.String() != "Local" {
		return s.cfg.Service.DefaultTZ
	}
	return time.UTC
}

func deskLetter(l *newsletter.Letter, loc *time.Location) templates.AdminLetter {
	out := templates.AdminLetter{ID: l.ID, Subject: l.Subject, Status: string(l.Status),
		Recipients: l.Recipients, Sent: l.Sent, Failed: l.Failed, Skipped: l.Skipped, SkipInSequence: l.SkipInSequence, Unlisted: l.Unlisted}
	if !l.SendAt.IsZero() {
		out.SendAt = l.SendAt.In(loc)
	}
	if !l.EditedAt.IsZero() {
		out.Saved = l.EditedAt.In(loc)
	}
	return out
}

func deskSubscriber(sub *newsletter.Subscriber, loc *time.Location) templates.AdminSubscriber {
	return templates.AdminSubscriber{Email: sub.Email, Name: sub.Name, Status: string(sub.Status),
		Sequence: sub.Sequence, Step: sub.Step, CreatedAt: sub.CreatedAt.In(loc)}
}

func deskPreview(m *newsletter.Message) *templates.AdminPreview {
	to := m.To
	if m.ToName != "" {
		to = m.ToName + " <" + m.To + ">"
	}
	return &templates.AdminPreview{Subject: m.Subject, To: to, HTML: m.HTML, Text: m.Text}
}

// composer is the mail composer of previews, or a 503 when none is wired.
func (s *Server) composer() (*compose.Composer, error) {
	if s.cfg.Composer == nil {
		return nil, fiber.NewError(fiber.StatusServiceUnavailable, "Previews are not set up on this server.")
	}
	return s.cfg.Composer, nil
}

// stepInfo is one step of a sequence with the confirmed subscribers whose
// latest letter it is.
type stepInfo struct {
	Step        *sequences.Step
	Subscribers int
}

// sequenceInfo is one sequence as the desk and the API show it.
type sequenceInfo struct {
	Seq        *sequences.Sequence
	NotStarted int // confirmed, no step sent yet
	Steps      []stepInfo
}

// sequenceInfos lists every sequence with its step counts.
func (s *Server) sequenceInfos(ctx context.Context) ([]sequenceInfo, error) {
	set := s.cfg.Service.Sequences
	pos, err := s.cfg.Store.StepPositions(ctx)
	if err != nil {
		return nil, err
	}
	var out []sequenceInfo
	for _, id := range set.IDs() {
		seq, _ := set.Get(id)
		info := sequenceInfo{Seq: seq, NotStarted: pos[id][""]}
		for _, st := range seq.Steps {
			info.Steps = append(info.Steps, stepInfo{Step: st, Subscribers: pos[id][st.Name]})
		}
		out = append(out, info)
	}
	return out, nil
}

// findStep returns the step name of sequence id, or a 404.
func (s *Server) findStep(id, name string) (*sequences.Step, error) {
	if seq, ok := s.cfg.Service.Sequences.Get(id); ok {
		if i := seq.Index(name); i >= 0 {
			return seq.Steps[i], nil
		}
	}
	return nil, fiber.NewError(fiber.StatusNotFound, "There is no such step.")
}

// previewStep renders step name of sequence id for a sample subscriber,
// or answers 404.
func (s *Server) previewStep(id, name string) (*newsletter.Message, error) {
	st, err := s.findStep(id, name)
	if err != nil {
		return nil, err
	}
	comp, err := s.composer()
	if err != nil {
		return nil, err
	}
	return comp.PreviewStep(st)
}

// formatAfter writes a step's wait as the sequence files do: "0s", "3d",
// "1w", "90m".
func formatAfter(d time.Duration) string {
	const day, week = 24 * time.Hour, 7 * 24 * time.Hour
	switch {
	case d == 0:
		return "0s"
	case d%week == 0:
		return fmt.Sprintf("%dw", d/week)
	case d%day == 0:
		return fmt.Sprintf("%dd", d/day)
	}
	s := d.String() // "1h30m0s", "2h0m0s", "45m0s", "1.5s"
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// stepWhen says in words when a step goes out.
func stepWhen(i int, st *sequences.Step) string {
	var w string
	const day, week = 24 * time.Hour, 7 * 24 * time.Hour
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch d := st.After; {
	case d == 0 && i == 0:
		w = "As soon as they confirm"
	case d == 0:
		w = "Right after the previous letter"
	case d%week == 0:
		w = plural(int64(d/week), "week")
	case d%day == 0:
		w = plural(int64(d/day), "day")
	case d%time.Hour == 0:
		w = plural(int64(d/time.Hour), "hour")
	default:
		w = formatAfter(d)
	}
	switch {
	case st.After == 0:
	case i == 0:
		w += " after they confirm"
	default:
		w += " after the previous letter"
	}
	local := false
	if st.Window != nil {
		w += ", between " + strings.Replace(st.Window.String(), "-", " and ", 1)
		local = true
	}
	if d := st.Days.String(); d != "every day" {
		w += ", on " + strings.ReplaceAll(d, ",", ", ")
		local = true
	}
	if local {
		w += " in the reader's time zone"
	}
	return w
}

// exportCSV writes the subscribers with status whose address or name
// holds q as CSV: email,name,status,sequence,step,created_at. Without q it
// is the export of the CLI (Service.ExportCSV, oldest first).
func (s *Server) exportCSV(c *fiber.Ctx, status newsletter.Status, q string) error {
	var buf bytes.Buffer
	if q == "" {
		if _, err := s.cfg.Service.ExportCSV(c.UserContext(), &buf, status); err != nil {
			return err
		}
	} else {
		// One search: it reads every record of the status each time, so
		// paging by offset would read them all again for each page.
		subs, _, err := s.cfg.Store.SearchSubscribers(c.UserContext(), status, q, 0, math.MaxInt32)
		if err != nil {
			return err
		}
		w := csv.NewWriter(&buf)
		_ = w.Write(service.ExportCSVHeader)
		for _, sub := range subs {
			_ = w.Write(service.ExportRecord(sub))
		}
		w.Flush()
	}
	name := "subscribers-" + s.cfg.Clock.Now().UTC().Format("2006-01-02") + ".csv"
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="`+name+`"`)
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.Send(buf.Bytes())
}

// emailParam reads an address from the path, percent-encoded or not.
func emailParam(c *fiber.Ctx, name string) string {
	return newsletter.NormalizeEmail(pathParam(c, name))
}
