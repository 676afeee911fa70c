package newsletter

// Feedback is what a mail provider reports about an address.
type Feedback string

// The kinds of provider feedback that stop mail.
const (
	FeedbackBounce    Feedback = "bounce"    // a permanent (hard) bounce
	FeedbackComplaint Feedback = "complaint" // the reader marked a mail as spam
)
