package bounce

import (
	"bytes"
	"net/mail"
	"strings"
)

// fieldBlocks splits a message/delivery-status or message/feedback-report
// body into its blocks of fields (separated by blank lines).
func fieldBlocks(b []byte) []mail.Header {
	var blocks []mail.Header
	rest := bytes.TrimLeft(b, "\r\n")
	for len(rest) > 0 && len(blocks) < MaxParts {
		h, body, ok := parseHeader(rest)
		if ok {
			blocks = append(blocks, h)
		}
		if len(body) >= len(rest) {
			// Not a field line: skip it.
			i := bytes.IndexByte(rest, '\n')
			if i < 0 {
				break
			}
			body = rest[i+1:]
		}
		rest = bytes.TrimLeft(body, "\r\n \t")
	}
	return blocks
}

// recipientRank orders DSN recipient blocks: the one a report is about is
// the first failed one, else the first delayed one, else the first with a
// failure status.
func recipientRank(f mail.Header) int {
	action := strings.ToLower(strings.TrimSpace(f.Get("Action")))
	status := findStatus(f.Get("Status"))
	switch {
	case strings.HasPrefix(action, "failed"):
		return 4
	case strings.HasPrefix(action, "delayed"):
		return 3
	case strings.HasPrefix(status, "5.") || strings.HasPrefix(status, "4."):
		return 2
	case f.Get("Final-Recipient") != "" || f.Get("Original-Recipient") != "":
		return 1
	}
	return 0
}

// readDSN fills r from a delivery-status part. It reports false when the
// part names no recipient at all (a broken report, to be read as text).
func readDSN(r *Report, body []byte) bool {
	var rcpt mail.Header
	best := 0
	for _, f := range fieldBlocks(body) {
		if rank := recipientRank(f); rank > best {
			rcpt, best = f, rank
		}
	}
	if rcpt == nil {
		return false
	}
	r.Recipient = bareAddress(rcpt.Get("Final-Recipient"))
	if r.Recipient == "" {
		r.Recipient = bareAddress(rcpt.Get("Original-Recipient"))
	}
	diag := rcpt.Get("Diagnostic-Code")
	if typ, rest, ok := strings.Cut(diag, ";"); ok && !strings.Contains(typ, " ") {
		diag = rest
	}
	r.Diagnostic = oneLine(joinReply(oneLine(diag)))
	r.Code = findCode(" " + r.Diagnostic)
	r.Status = findStatus(rcpt.Get("Status"))
	// A generic or missing status ("5.0.0") gives way to the remote
	// server's own, more specific one in the diagnostic, of the same class.
	if d := findStatus(r.Diagnostic); d != "" && (r.Status == "" || isGeneric(r.Status) && d[0] == r.Status[0]) {
		r.Status = d
	}
	action := strings.ToLower(strings.TrimSpace(rcpt.Get("Action")))
	class := byte(0)
	switch {
	case r.Status != "":
		class = r.Status[0]
	case r.Code != 0:
		class = byte('0' + r.Code/100)
	}
	switch {
	case strings.HasPrefix(action, "failed"):
		r.Kind = Permanent
		if class == '4' {
			r.Kind = Temporary
		}
	case strings.HasPrefix(action, "delayed"):
		r.Kind = Temporary
	case action != "": // delivered, relayed, expanded: no failure
		r.Kind = Unknown
	case class == '5':
		r.Kind = Permanent
	case class == '4':
		r.Kind = Temporary
	}
	if r.Diagnostic == "" && r.Kind != Unknown {
		r.Diagnostic = oneLine(strings.TrimSpace(action + " " + rcpt.Get("Status")))
	}
	return true
}

// readARF fills r from a feedback-report part and returns the reported
// envelope sender (Original-Mail-From), where our tag may be.
func readARF(r *Report, body []byte) (origFrom string) {
	f := mail.Header{}
	for _, b := range fieldBlocks(body) {
		for k, v := range b {
			f[k] = append(f[k], v...)
		}
	}
	r.FeedbackType = strings.ToLower(strings.TrimSpace(f.Get("Feedback-Type")))
	switch r.FeedbackType {
	case "abuse", "fraud", "other":
		r.Kind = Complaint
	default: // not-spam, virus, auth-failure, …: no complaint by the reader
		r.Kind = Unknown
	}
	r.Recipient = reportedAddress(f.Get("Original-Rcpt-To"))
	if r.Recipient == "" && r.Original != nil {
		for _, k := range []string{"X-Hmxmroriginalrecipient", "X-Original-To", "To"} {
			if a := reportedAddress(r.Original.Get(k)); a != "" {
				r.Recipient = a
				break
			}
		}
	}
	agent := strings.TrimSpace(f.Get("User-Agent"))
	r.Diagnostic = oneLine("feedback-type " + r.FeedbackType + " " + agent)
	return f.Get("Original-Mail-From")
}

// reportedAddress reads an address from an abuse report, which providers
// often redact ("redacted", "xxxxx@example.com"): "" for those.
func reportedAddress(v string) string {
	a := bareAddress(v)
	local, _, _ := strings.Cut(strings.ToLower(a), "@")
	if local == "" || strings.Contains(local, "redacted") || strings.Trim(local, "x*") == "" {
		return ""
	}
	if strings.Count(v, "@") > 1 { // several recipients: no one in particular
		return ""
	}
	return a
}
