package newsletter

import (
	"crypto/sha256"
	"encoding/hex"
)

// ConsentText is the exact wording next to the signup checkbox. It is
// stored with every signup, by version, so that what someone agreed to can
// be shown to them later word for word.
const ConsentText = "Yes, email me the free preparation and integration guide and a weekly integration tip. " +
	"I can unsubscribe with one click at any time."

// ConsentVersion names ConsentText: a change of wording is a new version.
var ConsentVersion = "1-" + hash8(ConsentText)

func hash8(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:4])
}
