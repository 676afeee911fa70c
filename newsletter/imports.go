package newsletter

import (
	"context"
	"errors"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// ImportRow is one subscriber moved from another service.
type ImportRow struct {
	Email, Name, Status, Sequence string
	// Problem, when set, says why the row could not be read (a CSV record
	// that does not parse, say); Import reports it and skips the row.
	Problem string
}

// ImportError names a row that was not imported and why.
type ImportError struct {
	Row   int    `json:"row"`
	Error string `json:"error"`
}

// ImportResult counts what an import did.
type ImportResult struct {
	Imported int           `json:"imported"`
	Skipped  int           `json:"skipped"`
	Errors   []ImportError `json:"errors"`
}

// Import adds rows, numbered from first: confirmed rows (consent given
// elsewhere) join their sequence at once, pending rows get a confirmation
// mail. Known addresses are skipped; a bad row is reported and never stops
// the rest. Only a store failure ends the import early.
func (s *Service) Import(ctx context.Context, rows []ImportRow, first int) (ImportResult, error) {
	res := ImportResult{Errors: []ImportError{}}
	now := s.Clock.Now()
	// Rows are stored importBatch at a time, in one round trip to the store.
	const importBatch = 500
	batch, dues := make([]NewSubscriber, 0, importBatch), make([]time.Time, 0, importBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		_, created, err := s.Store.CreateSubscribers(ctx, batch, dues)
		for _, c := range created {
			if c {
				res.Imported++
			} else {
				res.Skipped++
			}
		}
		batch, dues = batch[:0], dues[:0]
		return err
	}
	for i, r := range rows {
		n, err := s.importRow(r)
		if err != nil {
			res.Errors = append(res.Errors, ImportError{Row: first + i, Error: err.Error()})
			continue
		}
		var due = now
		if n.Status == StatusConfirmed {
			probe := &Subscriber{Sequence: n.Sequence, TZ: n.TZ, LastSentAt: now}
			if _, d, ok := NextStep(s.Sequences, probe, s.DefaultTZ); ok {
				due = d
			}
		}
		n.At, n.Consent.GivenAt = now, now
		batch, dues = append(batch, n), append(dues, due)
		if len(batch) == importBatch {
			if err := flush(); err != nil {
				return res, err
			}
		}
	}
	if err := flush(); err != nil {
		return res, err
	}
	if res.Imported > 0 {
		s.wake()
	}
	return res, nil
}

func (s *Service) importRow(r ImportRow) (NewSubscriber, error) {
	if r.Problem != "" {
		return NewSubscriber{}, errors.New(r.Problem)
	}
	email := NormalizeEmail(r.Email)
	if err := CheckEmail(email); err != nil {
		return NewSubscriber{}, err
	}
	name := strings.TrimSpace(r.Name)
	if utf8.RuneCountInString(name) > 100 || strings.ContainsAny(name, "\r\n\x00") || !utf8.ValidString(name) {
		return NewSubscriber{}, errors.New("name: at most 100 characters on one line")
	}
	status := Status(strings.ToLower(strings.TrimSpace(r.Status)))
	if status != StatusConfirmed && status != StatusPending {
		return NewSubscriber{}, errors.New(`status: must be "confirmed" or "pending"`)
	}
	seq := strings.TrimSpace(r.Sequence)
	if seq != "" {
		if _, ok := s.Sequences.Get(seq); !ok {
			return NewSubscriber{}, errors.New("sequence: no sequence called " + seq)
		}
	}
	return NewSubscriber{
		Email: email, Name: name, Status: status, Sequence: seq,
		Consent: Consent{Text: "Consent given before import", Version: "import", Source: "import"},
	}, nil
}

// CheckEmail reports whether email is a plain, deliverable-looking address:
// one @, visible characters only, no display name or quoting, a domain of
// dot-separated labels (letters, digits, inner hyphens; no IP literals),
// at most 254 bytes.
func CheckEmail(email string) error {
	bad := errors.New("email: not a valid address")
	if email == "" {
		return errors.New("email: required")
	}
	if len(email) > 254 || !utf8.ValidString(email) || strings.ContainsAny(email, "<>,;\"()[]\\") {
		return bad
	}
	for _, r := range email {
		// From U+FFF0 on: the specials (U+FFFD stands where a decoder met
		// bytes that were not UTF-8) and the planes of emoji and rare
		// scripts, which mail systems seldom take in an address.
		if !unicode.IsGraphic(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) || r >= 0xFFF0 {
			return bad
		}
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return bad
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || len(local) > 64 || strings.Contains(domain, "@") {
		return bad
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return bad
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return bad
		}
		for _, r := range l {
			if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '-' {
				return bad
			}
		}
	}
	// A top-level domain begins and ends with a letter (1.2.3.4 is an IP
	// address, not a domain), unless it is punycode (xn--p1ai).
	tld := labels[len(labels)-1]
	first, _ := utf8.DecodeRuneInString(tld)
	last, _ := utf8.DecodeLastRuneInString(tld)
	if punycode, ok := strings.CutPrefix(tld, "xn--"); ok {
		if strings.IndexFunc(punycode, unicode.IsLetter) < 0 {
			return bad
		}
	} else if !unicode.IsLetter(first) || !unicode.IsLetter(last) {
		return bad
	}
	return nil
}
