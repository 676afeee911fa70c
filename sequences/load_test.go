package sequences

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"
)

func TestBuiltin(t *testing.T) {
	set, err := Load(Builtin)
	if err != nil {
		t.Fatalf("the built-in sequences have problems:\n%v", err)
	}
	if ids := set.IDs(); len(ids) != 1 || ids[0] != "guide" {
		t.Fatalf("IDs() = %v, want [guide]", ids)
	}
	q, ok := set.Get("guide")
	if !ok {
		t.Fatal(`Get("guide") found nothing`)
	}
	if len(q.Steps) < 7 {
		t.Fatalf("guide has %d steps, want at least 7", len(q.Steps))
	}
	if q.Guide == nil || !q.Guide.Markdown || q.Guide.Name != "guide.md" || q.Guide.Title == "" {
		t.Fatalf("guide = %+v, want a Markdown guide.md with a title", q.Guide)
	}
	if guide := string(q.Guide.Data); strings.HasPrefix(guide, "---") || !strings.Contains(guide, "988") ||
		!strings.Contains(guide, "not medical advice") || len(strings.Fields(guide)) < 1200 {
		t.Errorf("guide.md body: want no front matter, a crisis line, a medical-advice note and 1200+ words")
	}
	first := q.Steps[0]
	if first.Name != "01-guide.md" || first.After != 0 || first.Window != nil || first.Days != 0 {
		t.Errorf("first step = %s after %v window %v days %v; want 01-guide.md at once", first.Name, first.After, first.Window, first.Days)
	}
	now := time.Date(2026, 3, 10, 23, 0, 0, 0, time.UTC)
	if got := first.NextOpening(now, time.UTC); !got.Equal(now) {
		t.Errorf("the guide step waits until %v; it must go out at once", got)
	}
	for _, st := range q.Steps[1:] {
		if st.After != Week || st.Window == nil || st.Window.String() != "08:00-11:00" {
			t.Errorf("%s: after %v window %v; want 1w with 08:00-11:00", st.Name, st.After, st.Window)
		}
	}
	for _, st := range q.Steps {
		for _, d := range []Data{SampleData(), {}} {
			body, err := st.Render(d)
			if err != nil {
				t.Fatalf("%s: Render(%+v): %v", st.Name, d, err)
			}
			subject, err := st.RenderSubject(d)
			if err != nil || subject == "" {
				t.Fatalf("%s: RenderSubject = %q, %v", st.Name, subject, err)
			}
			if !strings.HasPrefix(body, "Dear Fellow Humans,") || !strings.HasSuffix(strings.TrimSpace(body), "Satina") {
				t.Errorf("%s: want it to open with \"Dear Fellow Humans,\" and sign off \"Satina\"", st.Name)
			}
			if strings.Contains(body, "{{") || strings.Contains(body, "unsubscribe") || strings.Contains(body, "<no value>") {
				t.Errorf("%s: template left-overs or an unsubscribe link in the body", st.Name)
			}
			if words := len(strings.Fields(body)); st.Name != "01-guide.md" && (words < 250 || words > 450) {
				t.Errorf("%s: %d words, want 250 to 450", st.Name, words)
			}
			if !strings.Contains(body, "?") {
				t.Errorf("%s: no question to the reader", st.Name)
			}
		}
	}
	body, _ := first.Render(SampleData())
	if !strings.Contains(body, SampleData().DownloadURL) || !strings.Contains(body, "Ada, thank you") {
		t.Errorf("01-guide.md must hold the download link and greet by first name:\n%s", body)
	}
	if body, _ := first.Render(Data{DownloadURL: "x"}); strings.Contains(body, ", thank you") {
		t.Errorf("01-guide.md without a first name still addresses someone:\n%s", body)
	}
}

func TestStepAfterAndIndex(t *testing.T) {
	q := &Sequence{Steps: []*Step{{Name: "01-a.md"}, {Name: "02-b.md"}, {Name: "05-c.md"}}}
	cases := []struct {
		last string
		want string // "" for none
	}{
		{"", "01-a.md"},
		{"01-a.md", "02-b.md"},
		{"02-b.md", "05-c.md"},
		{"03-removed.md", "05-c.md"}, // a step deleted since it was sent
		{"05-c.md", ""},
		{"99-later.md", ""},
	}
	for _, tc := range cases {
		st, ok := q.StepAfter(tc.last)
		if got := ""; ok {
			got = st.Name
			if got != tc.want {
				t.Errorf("StepAfter(%q) = %s, want %q", tc.last, got, tc.want)
			}
		} else if tc.want != "" {
			t.Errorf("StepAfter(%q) = none, want %s", tc.last, tc.want)
		}
	}
	for name, want := range map[string]int{"01-a.md": 0, "05-c.md": 2, "03-x.md": -1, "": -1} {
		if got := q.Index(name); got != want {
			t.Errorf("Index(%q) = %d, want %d", name, got, want)
		}
	}
}

func TestLoadDefaultsAndGuides(t *testing.T) {
	step := func(extra string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte("---\nsubject: Hello {{ .FirstName }}\nafter: 3d\n" + extra + "---\nHi {{ .Name }}\n")}
	}
	fsys := fstest.MapFS{
		"drip/sequence.md":   {Data: []byte("---\ntitle: Drip\nwindow: \"09:00-10:00\"\ndays: [mon, wed]\n---\nnotes\n")},
		"drip/01-first.md":   step("window: none\ndays: every day\n"),
		"drip/02-second.md":  step(""),
		"drip/03-third.md":   step("window: 18:00-20:00\n"),
		"drip/guide.pdf":     {Data: []byte("%PDF-1.4")},
		"drip/notes.txt":     {Data: []byte("ignored")},
		"drip/.hidden.md":    {Data: []byte("ignored")},
		"drip/img/x.md":      {Data: []byte("ignored")},
		"page/01-only.md":    step(""),
		"page/guide.md":      {Data: []byte("Intro\n\n```\n# not a title\n```\n# The Real Title #\n\ntext\n")},
		".git/config":        {Data: []byte("ignored")},
		"README.md":          {Data: []byte("ignored")},
		"drip/sequence.txt~": {Data: []byte("ignored")},
	}
	set, err := Load(fsys)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if ids := strings.Join(set.IDs(), ","); ids != "drip,page" {
		t.Fatalf("IDs = %s, want drip,page", ids)
	}
	drip, _ := set.Get("drip")
	if drip.Title != "Drip" || len(drip.Steps) != 3 {
		t.Fatalf("drip: title %q, %d steps; want Drip, 3", drip.Title, len(drip.Steps))
	}
	mw, _ := ParseDays("mon,wed")
	want := []struct {
		window string
		days   Weekdays
	}{{"", 0}, {"09:00-10:00", mw}, {"18:00-20:00", mw}}
	for i, st := range drip.Steps {
		got := ""
		if st.Window != nil {
			got = st.Window.String()
		}
		if got != want[i].window || st.Days != want[i].days || st.After != 3*Day {
			t.Errorf("%s: window %q days %v after %v; want %q %v 72h", st.Name, got, st.Days, st.After, want[i].window, want[i].days)
		}
	}
	if s, err := drip.Steps[0].RenderSubject(Data{FirstName: "Bo"}); s != "Hello Bo" || err != nil {
		t.Errorf("RenderSubject = %q, %v; want Hello Bo", s, err)
	}
	if drip.Guide == nil || drip.Guide.ContentType != "application/pdf" || drip.Guide.Markdown || string(drip.Guide.Data) != "%PDF-1.4" {
		t.Errorf("drip guide = %+v, want the PDF as is", drip.Guide)
	}
	page, _ := set.Get("page")
	if page.Guide == nil || !page.Guide.Markdown || page.Guide.Title != "The Real Title" || !strings.HasPrefix(page.Guide.ContentType, "text/markdown") {
		t.Errorf("page guide = %+v, want Markdown titled from its first heading", page.Guide)
	}
	if _, ok := set.Get("nope"); ok {
		t.Error(`Get("nope") found a sequence`)
	}
}

func TestRenderErrors(t *testing.T) {
	st := &Step{Name: "x.md", Path: "seq/x.md", Subject: "Hi {{ .Nope }}", Body: "{{ .Email }} {{ .Missing }}"}
	if _, err := st.Render(SampleData()); err == nil || !strings.Contains(err.Error(), "seq/x.md") {
		t.Errorf("Render error %v, want one naming seq/x.md", err)
	}
	if _, err := st.RenderSubject(SampleData()); err == nil {
		t.Error("RenderSubject of an unknown variable succeeded")
	}
	st = &Step{Name: "y.md", Body: "To {{ .Email }}"}
	if out, err := st.Render(Data{Email: "a@b.c"}); out != "To a@b.c" || err != nil {
		t.Errorf("Render = %q, %v", out, err)
	}
}

func TestProblemsFormat(t *testing.T) {
	ps := Problems{{File: "a/01.md", Line: 3, Msg: "bad"}, {File: "a", Msg: "empty"}}
	if got := ps.Error(); got != "a/01.md:3: bad\na: empty" {
		t.Errorf("Error() = %q", got)
	}
	var err error = ps
	var back Problems
	if !errors.As(err, &back) || len(back) != 2 {
		t.Error("errors.As does not find Problems")
	}
}
