package templates

import "time"

// AdminDesk is the data of admin_desk.html: every page of the author's desk
// once she is signed in. Page picks the page and the matching field holds
// its data: "overview" (Overview), "compose" (Compose), "subscribers"
// (Subscribers), "sequences" (Sequences) or "step" (Step).
type AdminDesk struct {
	Site   Site
	Page   string
	CSRF   string // for every form, and the sign-out button
	Notice string // one line of good news at the top, e.g. "The letter is scheduled."
	Error  string // one line of bad news at the top
	// Sending is whether letters and steps go out; nil when unknown.
	Sending *AdminSending

	Overview    *AdminOverview
	Compose     *AdminCompose
	Subscribers *AdminSubscribers
	Sequences   []AdminSequence
	Step        *AdminStep
	Letter      *AdminLetterView // Page "letter" (admin_write.go)
	Person      *AdminPerson     // page "subscriber" (admin_person.go)
	Images      *AdminImages     // page "images" (admin_person.go)
}

// AdminSending is the sending state: a banner with Resume while paused.
type AdminSending struct {
	Paused bool
	Reason string
	Since  string // in the author's zone
	By     string // author, breaker or data-loss
}

// AdminOverview is the first page after sign-in.
type AdminOverview struct {
	Counts    []AdminCount // subscribers by status
	Days      []AdminDay   // signups per day, oldest first
	DaysTotal int
	Zone      string        // time zone of Days and every time shown
	Upcoming  []AdminLetter // scheduled letters, soonest first
	Held      []AdminLetter // held letters waiting for the author, newest first
	Recent    []AdminLetter // letters sending or sent, newest first
	Bounced   []AdminSubscriber
	Failed    []AdminLetter // letters with failed sends
	Insight   *AdminInsight // the funnel, who left after what, signups per day (admin_insight.go)
}

// AdminCount is how many subscribers have one status.
type AdminCount struct {
	Status string
	N      int
}

// AdminDay is the signups of one day; Percent is the height of its bar.
type AdminDay struct {
	Date    time.Time
	N       int
	Percent int
}

// AdminLetter is one letter in a list.
type AdminLetter struct {
	ID, Subject, Status               string
	SendAt                            time.Time // in the desk's zone; zero for a draft
	Saved                             time.Time // a draft: when it was last saved, in the desk's zone
	Recipients, Sent, Failed, Skipped int       // Recipients is -1 until the fan-out
	SkipInSequence                    bool
	Unlisted                          bool // kept off the site's letters page and feed
	// Held says, for a held letter, what happened and what she can do
	// ("This letter was due at 09:00 but …"); empty for any other.
	Held string
}

// AdminHeldLetter is a held letter with the CSRF token of the forms that
// release or cancel it.
type AdminHeldLetter struct {
	AdminLetter
	CSRF string
}

// HeldForm pairs a held letter with the page's CSRF token, for the
// "held" template.
func (d AdminDesk) HeldForm(l AdminLetter) AdminHeldLetter {
	return AdminHeldLetter{AdminLetter: l, CSRF: d.CSRF}
}

// AdminCompose is the compose page: the form, a preview, the drafts and
// the letters.
type AdminCompose struct {
	ID        string // set when editing a draft or a scheduled letter
	Draft     bool   // the letter edited is a draft
	Subject   string
	Preheader string // the preview line after the subject; empty: none
	Markdown  string
	SendAt    string // datetime-local value, "2006-01-02T15:04"; empty sends now
	TZ        string // the author's zone (AUTHOR_TZ): SendAt is read in it
	// Archive: shown on the site's letters page and feed (the default).
	Archive        bool
	SkipInSequence bool
	TestTo         string
	Errors         map[string]string // field -> message
	Preview        *AdminPreview
	Drafts         []AdminLetter // the last saved first
	Letters        []AdminLetter // every other letter
	Write          AdminWrite    // sending and autosave (admin_write.go)
}

// AdminPreview is one rendered mail: HTML goes into a sandboxed iframe's
// srcdoc (as a string, so that it is escaped into the attribute).
type AdminPreview struct {
	Subject, To, HTML, Text string
	// Nameless is the same mail to a reader who left no name, when the
	// page shows both; nil otherwise.
	Nameless *AdminPreview
}

// AdminSubscribers is the subscribers page.
type AdminSubscribers struct {
	Q, Status        string
	Statuses         []string
	Rows             []AdminSubscriber
	Total, From, To  int    // the rows shown are From..To (1-based) of Total
	PrevURL, NextURL string // paging; empty at either end
	ExportURL        string
	Import           *AdminImport // the result of an import just made
	// Suppressed is the suppression list, newest first (nil when the
	// service reads no bounces): addresses never written to again.
	Suppressed []AdminSuppression
}

// AdminSuppression is one address on the suppression list.
type AdminSuppression struct {
	Email, Reason string
	At            time.Time
}

// AdminSubscriber is one subscriber in a list.
type AdminSubscriber struct {
	Email, Name, Status, Sequence string
	Step                          int
	CreatedAt                     time.Time
}

// AdminImport is what an import did.
type AdminImport struct {
	Imported, Skipped int
	Errors            []AdminImportError // the first few
	More              int                // errors not listed
}

// AdminImportError is one row that was not imported.
type AdminImportError struct {
	Row   int
	Error string
}

// AdminSequence is one drip sequence with its steps.
type AdminSequence struct {
	ID, Title, Description string
	NotStarted             int // confirmed, first step not sent yet
	Steps                  []AdminStep
	Paused                 bool  // no step goes out until it is resumed
	Waiting                int64 // while paused: readers whose step came due
}

// AdminStep is one step of a sequence; Preview is set on its own page.
type AdminStep struct {
	Sequence, Name, Subject string
	When                    string // e.g. "1 week after the previous letter, 08:00-11:00"
	N                       int    // confirmed subscribers whose latest letter this is
	URL                     string // its preview page
	Preview                 *AdminPreview
	Changed                 bool           // changed from the desk: what is sent is not its file
	More                    *AdminStepMore // on its own page (admin_person.go)
}
