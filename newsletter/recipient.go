package newsletter

// Recipient is what a send of a letter to one subscriber reads before its
// mail goes out: the letter's status (a cancel or a hold stops the send;
// "" when the letter is gone), the subscriber (nil when erased) and
// whether the letter is already in the subscriber's ledger. A store may
// read it with the claim of the send (see worker.Store.ClaimSends).
type Recipient struct {
	Letter     LetterStatus
	Subscriber *Subscriber
	Recorded   bool
}
