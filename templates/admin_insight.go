package templates

// AdminInsight is what the overview shows of how readers come and go,
// from counts only: nobody is followed.
type AdminInsight struct {
	Funnel  []AdminStage // signed up, confirmed, downloaded, each step, still subscribed
	Steps   []AdminLeft  // each sequence step: sent, and who left within 7 days
	Letters []AdminLeft  // each letter that went out, newest first
	Chart   AdminChart   // signups per day
}

// AdminStage is one stage of the funnel; Width is its bar's length in
// percent of the first stage (at least 1 when N > 0).
type AdminStage struct {
	Label   string
	N       int
	Percent string // of the first stage, e.g. "42%"; empty for the first
	Width   int
}

// AdminLeft is one mail (a step or a letter) with how many got it and how
// many unsubscribed within 7 days after.
type AdminLeft struct {
	Label   string // the step's or letter's subject
	Detail  string // e.g. "guide · step 2"
	Sent    int
	Left    int
	Percent string // Left of Sent, e.g. "3.1%"; empty when none went out
}

// AdminChart is a bar chart drawn on the server as inline SVG, with its
// numbers also as a table.
type AdminChart struct {
	Title  string // the chart's accessible name
	Desc   string // its numbers in one sentence
	Width  int    // of the viewBox
	Height int
	Base   int // y of the baseline
	Bars   []AdminBar
}

// AdminBar is one bar of a chart, in viewBox units.
type AdminBar struct {
	X, Y, W, H int
	LabelX     int    // centre of the bar, for its labels
	LabelY     int    // baseline of the count above the bar
	TickY      int    // baseline of the tick under the bar
	N          int    // the value
	Tick       string // under the bar, e.g. the day of the month
	Name       string // for the table and the bar's title, e.g. "5 March 2026"
	Today      bool
}
