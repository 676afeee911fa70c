package newsletter

// FunnelCounts are the counts of the readers' way in that no status set
// holds: every one a count, never a person.
type FunnelCounts struct {
	Signups      int // signups that asked for a confirmation (new or returning addresses)
	Confirms     int // confirmations by the link
	GuideReaders int // distinct readers who downloaded a guide (an estimate within about 1%)
}
