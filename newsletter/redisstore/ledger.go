package redisstore

import (
	"encoding/json"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// A ledger value is one send, written compactly:
//
//	<kind letter><time: 8 base-36 digits of Unix ms><subject>
//	e.g. "smiwh3k5cIntegration tip #2: the session day"
//
// so that a subscriber's ledger stays in Redis's listpack encoding while
// every value is at most 64 bytes (a subject of up to 55): the guide's
// nine mails then take about a quarter of the memory they take as JSON
// (`go run ./bench -only layouts`). A send whose kind has no letter here,
// or whose time needs more digits (after 2059), is written as JSON, as
// every value was before; decodeSend reads both.
var ledgerKinds = map[string]byte{"confirm": 'c', "step": 's', "letter": 'l'}

// ledgerKindOf is ledgerKinds the other way round.
var ledgerKindOf = func() map[byte]string {
	m := make(map[byte]string, len(ledgerKinds))
	for kind, k := range ledgerKinds {
		m[k] = kind
	}
	return m
}()

const ledgerTimeDigits = 8

// encodeSend is the ledger value of sd.
func encodeSend(sd *newsletter.Send) (string, error) {
	t := strconv.FormatInt(sd.SentAt.UnixMilli(), 36)
	if k, ok := ledgerKinds[sd.Kind]; ok && len(t) <= ledgerTimeDigits && sd.SentAt.UnixMilli() >= 0 {
		return string(k) + strings.Repeat("0", ledgerTimeDigits-len(t)) + t + sd.Subject, nil
	}
	b, err := json.Marshal(sd)
	return string(b), err
}

// decodeSend reads a ledger value of either form.
func decodeSend(v string) (newsletter.Send, bool) {
	var sd newsletter.Send
	if strings.HasPrefix(v, "{") {
		return sd, json.Unmarshal([]byte(v), &sd) == nil
	}
	if len(v) < 1+ledgerTimeDigits {
		return sd, false
	}
	sd.Kind = ledgerKindOf[v[0]]
	ms, err := strconv.ParseInt(v[1:1+ledgerTimeDigits], 36, 64)
	if sd.Kind == "" || err != nil {
		return sd, false
	}
	sd.SentAt, sd.Subject = time.UnixMilli(ms).UTC(), v[1+ledgerTimeDigits:]
	return sd, true
}

// decodeSends turns ledger values into sends, oldest first.
func decodeSends(h map[string]string) []newsletter.Send {
	out := make([]newsletter.Send, 0, len(h))
	for _, v := range h {
		if sd, ok := decodeSend(v); ok {
			out = append(out, sd)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].SentAt.Before(out[j].SentAt) })
	return out
}
