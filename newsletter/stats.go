package newsletter

// Counters are the service's counts, as the stats hash and the status
// sets hold them.
type Counters struct {
	Statuses  map[Status]int // subscribers in each status now
	Signups   int            // subscribers ever created and not erased (the signups hash)
	Downloads int            // guide downloads
	// StepSent and StepLeft count by "<sequence>/<step>": mails sent, and
	// readers who unsubscribed within LeftWithin after one.
	StepSent, StepLeft map[string]int
	Letters            []LetterCount // every letter that went out to anyone, oldest first
}

// LetterCount is one letter's count of sends and of readers who left
// within LeftWithin after it.
type LetterCount struct {
	ID         string
	Sent, Left int
}
