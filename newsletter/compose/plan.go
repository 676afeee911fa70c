package compose

import (
	"crypto/rand"
	"reflect"
	"strings"
	"sync"
	"text/template"
	"text/template/parse"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/markdown"
	"github.com/satina/newsletter/templates"
)

// Rendering a mail runs goldmark over the Markdown three times and the
// layouts once (about 1 ms of CPU for a letter of 2.5 KB), and a letter
// does it once per recipient. A plan does that work once per template and
// "shape" (which variables are empty) instead: it renders the mail with a
// unique marker in place of each variable, cuts the result at the markers,
// and composes each recipient's mail by putting their values in the cuts.
//
// The result is byte for byte the mail the full rendering gives, because a
// plan is only used where that holds:
//   - the template uses its variables only as {{ .Field }} and in
//     {{ if .Field }} (no functions, comparisons, with or range), so that
//     it runs the same for every value of a shape;
//   - each value passes a guard for its kind (names: letters and digits with
//     single inner spaces, dots and hyphens; addresses and links: a narrow
//     character set), which keeps it clear of everything Markdown, the
//     typographer, linkify and the escapers would change or react to;
//   - a shape is rendered with two unlike sets of markers (short and plain;
//     long, with inner punctuation, digits and a non-ASCII letter), and is
//     used only when both cut the same way: a template whose output depends
//     on more than which variables are empty falls back;
//   - the subject and preheader, which may hold anything, are escaped by
//     html/template itself, and only after checking that the layout puts
//     them where that escaping applies.
//
// Anything else (a value or template the guards do not admit) takes the
// full rendering, as before.

// slotKind is what a variable holds, which decides its guard and markers.
type slotKind uint8

const (
	kindWord  slotKind = iota // names
	kindEmail                 // the address
	kindURL                   // links under Links.BaseURL
)

// maxPlans bounds the cached plans (letters, steps, previews); the cache is
// emptied when it is full.
const maxPlans = 64

// planCache holds a Composer's plans. Its zero value is ready.
type planCache struct {
	mu    sync.Mutex
	plans map[string]*plan
	core  string // random part of every marker
}

// plan is one mail template's cut renderings, by shape.
type plan struct {
	tmpl   *template.Template // nil: the template is not plannable
	fields []int              // the data struct's string fields, by index
	kinds  []slotKind
	mu     sync.Mutex
	shapes map[uint64]*shape // nil value: the shape is not plannable
}

// shape is a mail rendered for one set of empty variables, cut at the
// values. Slots 0..n-1 are the data fields, then slotUnsub... below.
type shape struct {
	html, text []piece
	// wild: the shape also came through with link markers holding every
	// neighbourhood of the characters of a token ("_a_", "--", "._", a
	// final "-"), so links need only the wide guard; else the narrow one.
	wild bool
}

// piece is literal text, or a slot when slot >= 0.
type piece struct {
	lit  string
	slot int
}

// Frame slots, after the data fields.
const (
	slotUnsub = iota
	slotMe
	slotSubject   // in the HTML only, escaped by html/template
	slotPreheader // in the HTML only, escaped by html/template
	frameSlots
)

// plannedMail is what compose needs to try a plan.
type plannedMail struct {
	key       string // the template and everything constant around it
	name, src string // the body template
	data      any    // a struct of string fields
	sub       *newsletter.Subscriber
	subject   string         // without SubjectPrefix
	frame     templates.Mail // its Preheader and WebURL as the mail has them
	// letter is a letter's web address, which names it (its kind of mail
	// and key) even when the frame has no link to it (an unlisted letter);
	// empty for others.
	letter    string
	confirmed bool
	// unsubscribe and me are the subscriber's links when confirmed, as
	// Composer.Data already signed them.
	unsubscribe, me string
}

// planned composes pm from a plan, or reports false when it cannot.
func (c *Composer) planned(pm plannedMail) (*newsletter.Message, bool) {
	if planOff {
		return nil, false
	}
	if pm.confirmed { // the footer follows how the reader joined: part of the key
		pm.frame.Joined = c.joined(pm.sub)
		pm.key += "\x00joined:" + pm.frame.Joined
	}
	// Whether there is a preview line (its text is a slot) and the web
	// link (a literal of the footer) shape the layout: part of the key.
	pm.key += "\x00web:" + pm.frame.WebURL
	if pm.frame.Preheader != "" {
		pm.key += "\x00preheader"
	}
	if pm.letter == "" {
		pm.letter = pm.frame.WebURL
	}
	p := c.plans.get(pm.key, pm.name, pm.src, pm.data)
	if p == nil || p.tmpl == nil {
		return nil, false
	}
	dv := reflect.ValueOf(pm.data)
	n := len(p.fields)
	vals := make([]string, n+frameSlots)
	var mask uint64
	for i, f := range p.fields {
		v := dv.Field(f).String()
		if v == "" {
			mask |= 1 << i
		} else if p.kinds[i] != kindURL && !admits(p.kinds[i], v) {
			return nil, false
		}
		vals[i] = v
	}
	if pm.confirmed {
		vals[n+slotUnsub], vals[n+slotMe] = pm.unsubscribe, pm.me
	}
	sh := p.shape(c, mask, pm)
	if sh == nil {
		return nil, false
	}
	for i, v := range vals[:n+slotSubject] {
		if v != "" && (i >= n || p.kinds[i] == kindURL) && !admitsURL(v, c.Links.BaseURL, sh.wild) {
			return nil, false
		}
	}
	subject := c.SubjectPrefix + pm.subject
	vals[n+slotSubject], vals[n+slotPreheader] = escapeTitle(subject), escapeText(pm.frame.Preheader)
	m := &newsletter.Message{To: pm.sub.Email, ToName: pm.sub.Name, Subject: subject,
		HTML: join(sh.html, vals), Text: join(sh.text, vals), Headers: map[string]string{}}
	if pm.confirmed {
		m.Headers["List-Unsubscribe"] = "<" + vals[n+slotUnsub] + ">"
		m.Headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
	}
	kind, key := mailKind(pm.sub, pm.subject, pm.letter, pm.confirmed)
	c.addDeliverability(m, pm.sub, kind, key, pm.confirmed)
	return m, true
}

func join(ps []piece, vals []string) string {
	size := 0
	for _, p := range ps {
		if p.slot >= 0 {
			size += len(vals[p.slot])
		} else {
			size += len(p.lit)
		}
	}
	var b strings.Builder
	b.Grow(size)
	for _, p := range ps {
		if p.slot >= 0 {
			b.WriteString(vals[p.slot])
		} else {
			b.WriteString(p.lit)
		}
	}
	return b.String()
}

// get returns the plan for key, making it on first use.
func (pc *planCache) get(key, name, src string, data any) *plan {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if p, ok := pc.plans[key]; ok {
		return p
	}
	if pc.plans == nil || len(pc.plans) >= maxPlans {
		pc.plans = map[string]*plan{}
	}
	if pc.core == "" {
		pc.core = randomCore()
	}
	p := newPlan(name, src, data)
	pc.plans[key] = p
	return p
}

// newPlan parses src; the plan has no template when src is not plannable.
func newPlan(name, src string, data any) *plan {
	p := &plan{shapes: map[uint64]*shape{}}
	t := reflect.TypeOf(data)
	if t.Kind() != reflect.Struct || t.NumField() > 60 {
		return p
	}
	fieldIndex := map[string]int{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if f.Type.Kind() != reflect.String || !f.IsExported() {
			return p
		}
		fieldIndex[f.Name] = len(p.fields)
		p.fields = append(p.fields, i)
		switch {
		case f.Name == "Email":
			p.kinds = append(p.kinds, kindEmail)
		case strings.HasSuffix(f.Name, "URL"):
			p.kinds = append(p.kinds, kindURL)
		default:
			p.kinds = append(p.kinds, kindWord)
		}
	}
	tmpl, err := template.New(name).Option("missingkey=error").Parse(src)
	if err != nil || !simpleList(tmpl.Tree.Root, fieldIndex) {
		return p
	}
	p.tmpl = tmpl
	return p
}

// simpleList reports whether a template uses only {{ .Field }} and
// {{ if .Field }} ... {{ else }} ... {{ end }}.
func simpleList(l *parse.ListNode, fields map[string]int) bool {
	if l == nil {
		return true
	}
	for _, n := range l.Nodes {
		switch n := n.(type) {
		case *parse.TextNode, *parse.CommentNode:
		case *parse.ActionNode:
			if !simpleField(n.Pipe, fields) {
				return false
			}
		case *parse.IfNode:
			if !simpleField(n.Pipe, fields) || !simpleList(n.List, fields) || !simpleList(n.ElseList, fields) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func simpleField(p *parse.PipeNode, fields map[string]int) bool {
	if p == nil || len(p.Decl) > 0 || len(p.Cmds) != 1 || len(p.Cmds[0].Args) != 1 {
		return false
	}
	f, ok := p.Cmds[0].Args[0].(*parse.FieldNode)
	if !ok || len(f.Ident) != 1 {
		return false
	}
	_, known := fields[f.Ident[0]]
	return known
}

// shape returns the shape for mask, rendering it on first use.
func (p *plan) shape(c *Composer, mask uint64, pm plannedMail) *shape {
	p.mu.Lock()
	defer p.mu.Unlock()
	if sh, ok := p.shapes[mask]; ok {
		return sh
	}
	core, n, base := c.plans.core, len(p.fields), c.Links.BaseURL
	a := p.render(c, mask, pm, markerSet(core, n, p.kinds, base, 0))
	b := p.render(c, mask, pm, markerSet(core, n, p.kinds, base, 1))
	var sh *shape
	if a != nil && b != nil && a.equal(b) {
		sh = a
		w := p.render(c, mask, pm, markerSet(core, n, p.kinds, base, 2))
		sh.wild = w != nil && a.equal(w)
	}
	p.shapes[mask] = sh
	return sh
}

// render renders the mail with markers and cuts it at them; nil when a
// marker did not come through whole.
func (p *plan) render(c *Composer, mask uint64, pm plannedMail, marks []string) *shape {
	n := len(p.fields)
	data := reflect.New(reflect.TypeOf(pm.data)).Elem()
	for i, f := range p.fields {
		if mask&(1<<i) == 0 {
			data.Field(f).SetString(marks[i])
		}
	}
	var b strings.Builder
	if err := p.tmpl.Execute(&b, data.Interface()); err != nil {
		return nil
	}
	md := b.String()
	frame := pm.frame
	frame.Subject = marks[n+slotSubject]
	if frame.Preheader != "" { // the author's preview line; without one the layout has none
		frame.Preheader = marks[n+slotPreheader]
	}
	if pm.confirmed {
		frame.UnsubscribeURL, frame.MeURL = marks[n+slotUnsub], marks[n+slotMe]
		frame.PostalAddress, frame.CrisisLine = c.PostalAddress, c.CrisisLine
	}
	parts, err := markdown.Render(md, frame)
	if err != nil {
		return nil
	}
	// Where a value stands in each output: the subject and preheader in
	// the HTML only, as html/template escapes text.
	escaped := append([]string(nil), marks...)
	escaped[n+slotSubject], escaped[n+slotPreheader] = escapeTitle(marks[n+slotSubject]), escapeText(marks[n+slotPreheader])
	plain := append([]string(nil), marks[:n+slotSubject]...)
	sh := &shape{}
	var ok1, ok2 bool
	sh.html, ok1 = cut(parts.HTML, escaped, c.plans.core)
	sh.text, ok2 = cut(parts.Text, plain, c.plans.core)
	if !ok1 || !ok2 {
		return nil
	}
	return sh
}

// cut splits s at every marker; false when s holds a marker's core
// anywhere else (a marker that was changed on its way through).
func cut(s string, marks []string, core string) ([]piece, bool) {
	var out []piece
	for {
		at, slot := -1, -1
		for i, m := range marks {
			if j := strings.Index(s, m); j >= 0 && (at < 0 || j < at || j == at && len(m) > len(marks[slot])) {
				at, slot = j, i
			}
		}
		if at < 0 {
			break
		}
		if at > 0 {
			out = append(out, piece{lit: s[:at], slot: -1})
		}
		out = append(out, piece{slot: slot})
		s = s[at+len(marks[slot]):]
	}
	if s != "" {
		out = append(out, piece{lit: s, slot: -1})
	}
	for _, p := range out {
		if p.slot < 0 && strings.Contains(strings.ToLower(p.lit), core) {
			return nil, false
		}
	}
	return out, true
}

func (a *shape) equal(b *shape) bool {
	eq := func(x, y []piece) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	return eq(a.html, b.html) && eq(a.text, b.text)
}

// markerSet returns a marker per slot: plain and short (set 0); long,
// with inner punctuation, digits and a non-ASCII letter, as every guard
// admits (set 1); and as set 1 but with links holding everything the wide
// link guard admits (set 2). The subject and preheader markers carry
// characters that every HTML context escapes.
func markerSet(core string, n int, kinds []slotKind, base string, set int) []string {
	marks := make([]string, n+frameSlots)
	long := set > 0
	id := func(i int) string { return "Nlv" + core + string(rune('a'+i/26)) + string(rune('a'+i%26)) + "Q" }
	for i := range marks {
		w := id(i)
		kind := kindWord
		if i < n {
			kind = kinds[i]
		} else if i-n == slotUnsub || i-n == slotMe {
			kind = kindURL
		}
		switch {
		case i >= n && (i-n == slotSubject || i-n == slotPreheader):
			marks[i] = w + ` <&'"+` + w
			if long {
				marks[i] += ` é-2. ` + w
			}
		case kind == kindEmail && !long:
			marks[i] = strings.ToLower(w) + "@" + strings.ToLower(w) + ".example"
		case kind == kindEmail:
			marks[i] = strings.ToLower(w) + ".b-x_y0123456789abcdef@" + strings.ToLower(w) + "-d.x9.example"
		case kind == kindURL && set == 0:
			marks[i] = base + "/" + w
		case kind == kindURL && set == 1:
			marks[i] = base + "/" + w + "/a-b_c.d/x-9_Y.z"
		case kind == kindURL:
			marks[i] = base + "/" + w + "/_a_-b--c._d.-e_/x-9_Y.z--y-"
		case long:
			marks[i] = w + "-é.x 2y Zz"
		default:
			marks[i] = w
		}
	}
	return marks
}

// randomCore is the random part of the markers: lower-case letters, so
// that no text the author writes contains it by chance.
func randomCore() string {
	b := make([]byte, 12)
	_, _ = rand.Read(b)
	for i := range b {
		b[i] = 'a' + b[i]%26
	}
	return string(b)
}
