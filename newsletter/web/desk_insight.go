package web

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
	"github.com/satina/newsletter/templates"
)

// The overview's insight: the funnel, who left after which mail and the
// signups per day, all from counts (service.Stats): no open, no click,
// nobody followed.

// deskInsight reads the stats and makes the overview's insight; letters
// are the letters the overview read (for their subjects), newest first.
func (s *Server) deskInsight(c *fiber.Ctx, o *templates.AdminOverview, letters []*newsletter.Letter) (*templates.AdminInsight, error) {
	st, err := s.cfg.Service.Stats(c.UserContext())
	if err != nil {
		return nil, err
	}
	in := &templates.AdminInsight{Chart: signupChart(o.Days)}
	set := s.cfg.Service.Sequences
	if f := st.Funnel; f != nil {
		stages := []templates.AdminStage{{Label: "Signed up", N: f.SignedUp}, {Label: "Confirmed their address", N: f.Confirmed},
			{Label: "Downloaded the guide", N: f.Downloaded}}
		for i, step := range f.Steps {
			stages = append(stages, templates.AdminStage{Label: "Got “" + s.stepSubject(step.Sequence, step.Step) + "”" +
				stepNumber(i, f.Steps), N: step.Reached})
		}
		stages = append(stages, templates.AdminStage{Label: "Still subscribed", N: f.StillSubscribed})
		in.Funnel = funnelBars(stages)
	}
	for _, step := range st.Steps {
		detail := step.Sequence + " · " + step.Step
		if q, ok := set.Get(step.Sequence); ok {
			if i := q.Index(step.Step); i >= 0 {
				detail = step.Sequence + " · letter " + strconv.Itoa(i+1) + " of " + strconv.Itoa(len(q.Steps))
			}
		}
		in.Steps = append(in.Steps, leftRow(s.stepSubject(step.Sequence, step.Step), detail, step.Sent, step.UnsubscribedAfter))
	}
	subjects := map[string]*newsletter.Letter{}
	for _, l := range letters {
		subjects[l.ID] = l
	}
	loc := s.deskZone(c)
	for i := len(st.Letters) - 1; i >= 0; i-- { // newest first
		l := st.Letters[i]
		label, detail := "Letter "+l.ID, ""
		if v, ok := subjects[l.ID]; ok {
			label = v.Subject
			if !v.SendAt.IsZero() {
				detail = "sent " + v.SendAt.In(loc).Format("2 January 2006")
			}
		}
		in.Letters = append(in.Letters, leftRow(label, detail, l.Sent, l.UnsubscribedAfter))
	}
	return in, nil
}

// stepNumber says which step of its sequence the i-th funnel step is when
// the funnel holds more than one sequence: " (guide, 2)".
func stepNumber(i int, steps []service.FunnelStep) string {
	if len(steps) == 0 || steps[0].Sequence == steps[len(steps)-1].Sequence {
		return ""
	}
	return " (" + steps[i].Sequence + ")"
}

// stepSubject is a step's subject as written (its template), or its name
// when the set no longer has it.
func (s *Server) stepSubject(seq, name string) string {
	if q, ok := s.cfg.Service.Sequences.Get(seq); ok {
		if i := q.Index(name); i >= 0 {
			return strings.TrimSpace(q.Steps[i].Subject)
		}
	}
	return name
}

// funnelBars gives each stage its share of the first stage and its bar.
func funnelBars(stages []templates.AdminStage) []templates.AdminStage {
	first := stages[0].N
	most := 0
	for _, st := range stages {
		most = max(most, st.N)
	}
	for i := range stages {
		n := stages[i].N
		if i > 0 && first > 0 {
			stages[i].Percent = percent(n, first)
		}
		if most > 0 && n > 0 {
			stages[i].Width = max(1, n*100/most)
		}
	}
	return stages
}

func leftRow(label, detail string, sent, left int) templates.AdminLeft {
	r := templates.AdminLeft{Label: label, Detail: detail, Sent: sent, Left: left}
	if sent > 0 {
		r.Percent = percent(left, sent)
	}
	return r
}

// percent writes n of total as a share: "42%", "3.1%", "0%".
func percent(n, total int) string {
	p := float64(n) * 100 / float64(total)
	if p >= 10 || p == 0 || p == float64(int(p)) {
		return fmt.Sprintf("%.0f%%", p)
	}
	return fmt.Sprintf("%.1f%%", p)
}

// Sizes of the signup chart, in viewBox units.
const (
	chartW, chartH = 640, 150
	chartTop       = 20 // room for the count above the tallest bar
	chartBottom    = 22 // room for the day under each bar
	chartGap       = 6
)

// signupChart draws the signups per day as bars, the last day (today) at
// the right; each bar carries its count above and its day below.
func signupChart(days []templates.AdminDay) templates.AdminChart {
	ch := templates.AdminChart{Width: chartW, Height: chartH, Base: chartH - chartBottom}
	if len(days) == 0 {
		return ch
	}
	most, total := 0, 0
	for _, d := range days {
		most, total = max(most, d.N), total+d.N
	}
	slot := chartW / len(days)
	room := ch.Base - chartTop
	var parts []string
	for i, d := range days {
		h := 0
		if most > 0 {
			h = d.N * room / most
		}
		if d.N > 0 {
			h = max(h, 2)
		} else {
			h = 1 // a hairline: a day with none is shown, not missing
		}
		name := d.Date.Format("2 January 2006")
		ch.Bars = append(ch.Bars, templates.AdminBar{X: i*slot + chartGap/2, Y: ch.Base - h, W: slot - chartGap, H: h,
			LabelX: i*slot + slot/2, LabelY: ch.Base - h - 4, TickY: chartH - 5, N: d.N, Tick: strconv.Itoa(d.Date.Day()), Name: name, Today: i == len(days)-1})
		parts = append(parts, d.Date.Format("2 Jan")+": "+strconv.Itoa(d.N))
	}
	first, last := days[0].Date, days[len(days)-1].Date
	ch.Title = fmt.Sprintf("Sign-ups per day, %s to %s: %d in all", first.Format("2 January"), last.Format("2 January 2006"), total)
	ch.Desc = strings.Join(parts, ", ") + "."
	return ch
}
