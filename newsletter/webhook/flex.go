package webhook

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"
)

// flexNumber reads a JSON number that some providers send as a string
// ("attempt": "5", "timestamp": "1653941793") and others as a number.
// Anything else reads as not set rather than failing the whole body.
type flexNumber struct {
	text string // the digits as sent; "" when absent or unreadable
}

// UnmarshalJSON implements json.Unmarshaler.
func (n *flexNumber) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		n.text = strings.TrimSpace(s)
		return nil
	}
	if len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')) {
		n.text = string(b)
		return nil
	}
	n.text = "" // null, true, objects: treated as absent
	return nil
}

// Int returns the number as an integer and whether it was one.
func (n flexNumber) Int() (int64, bool) {
	v, err := strconv.ParseInt(n.text, 10, 64)
	return v, err == nil
}

// Unix reads the number as seconds since 1970 (fractions allowed); zero
// time when absent or out of range.
func (n flexNumber) Unix() time.Time {
	f, err := strconv.ParseFloat(n.text, 64)
	if err != nil || math.IsNaN(f) || f <= 0 || f > 1<<40 {
		return time.Time{}
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(frac*1e9)).UTC()
}

// parseTime reads an RFC 3339 time with any number of fractional digits
// (Postmark sends seven); zero time when absent or unreadable.
func parseTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
