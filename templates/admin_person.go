package templates

import "time"

// AdminPerson is one subscriber's page on the desk: their record and what
// they got and when, from the send ledger.
type AdminPerson struct {
	Email, Name, Status, Sequence string
	Step                          int    // steps of the sequence sent
	TZ                            string // their own zone, for their steps' windows
	Reason                        string // why they left; empty while they get mail
	CreatedAt                     time.Time
	ConfirmedAt                   time.Time // zero when never confirmed
	Zone                          string    // the zone every time here is shown in (AUTHOR_TZ)
	Sends                         []AdminSend
	PreviewURL                    string // their next step's preview as they would get it; empty when none
}

// AdminSend is one mail a subscriber got.
type AdminSend struct {
	Kind    string // in words: "Confirmation", "Sequence letter", "Letter"
	Subject string
	SentAt  time.Time // in the desk's zone
}

// AdminStepMore is what a step's own page shows beyond the list: the
// preview for a given reader, the form that changes the step, the test
// send and where its sequence stands.
type AdminStepMore struct {
	For      string // the address the preview is for; empty: the sample reader
	ForError string // why that address could not be used
	// The form: the step as sent now, or as just typed when it has errors.
	Subject, Markdown, After string
	Errors                   map[string]string // field -> "line 3: …"
	ChangedAt                time.Time         // when it was changed from the desk, in the desk's zone
	TestTo                   string            // the author's own address for a test; empty: none set up
	Paused                   bool              // the sequence is paused
	ExportURL                string
}

// AdminImages is the images page: the upload form and the images kept,
// each with the Markdown that puts it in a letter.
type AdminImages struct {
	Alt    string // as typed, when the upload failed
	Errors map[string]string
	Just   *AdminImage // the image just uploaded
	List   []AdminImage
}

// AdminImage is one image kept for letters.
type AdminImage struct {
	URL           string // its stable address, absolute
	Width, Height int
	Alt           string
	Markdown      string // ![alt](url "WxH")
	KB            int
	At            time.Time
}
