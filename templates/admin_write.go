package templates

// The data of the desk's writing and sending: the confirmation before a
// letter is scheduled, a letter's own page (its counts, Undo and Stop),
// and a letter kept through a new sign-in.

// AdminWrite is what the compose page shows beyond the form.
type AdminWrite struct {
	// Confirm, when set, turns the page into the confirmation step before
	// a letter is scheduled: the form's fields ride along hidden.
	Confirm *AdminConfirm
	// SendNow: the form asks to send right away (after UndoDelay).
	SendNow bool
	// Undo lists the letters (by id) still scheduled and due within the
	// undo window: each has an Undo button.
	Undo map[string]bool
	// Autosave: the page's script saves the text as a draft while she
	// types (a new letter or a draft; never a scheduled letter).
	Autosave bool
}

// AdminConfirm is the confirmation step: exactly whom and when.
type AdminConfirm struct {
	Now        bool   // send right away (within the undo delay)
	When       string // the send time in words, in the author's zone
	Zone       string // the author's zone (AUTHOR_TZ)
	Recipients int    // readers it goes to if it went out now
	// InSequence is how many confirmed readers are left out because they
	// are still receiving a welcome sequence (SkipInSequence).
	InSequence int
	Edit       bool // the letter is scheduled already: she changes it
	Public     bool // on the site's letters page and feed
	UndoDelay  string
}

// AdminLetterView is a letter's own page: what was sent, to how many,
// and what can still be done (Undo, Stop, Edit).
type AdminLetterView struct {
	AdminLetter
	Preheader string
	Markdown  string
	Zone      string
	Preview   *AdminPreview
	Remaining int  // sends not yet dealt with, while sending
	Undo      bool // scheduled and due within the undo window
	Editable  bool // a draft or a scheduled letter
	// Started is when its sending began, in the author's zone; zero
	// before.
	Started string
}

// AdminCarry is a letter posted after the session ended: the sign-in page
// carries it in hidden fields and, once she is signed in, the desk keeps
// it as a draft.
type AdminCarry struct {
	ID, Subject, Preheader, Markdown, SendAt string
	Archive, SkipInSequence                  bool
}
