package newsletter

import (
	"context"
	"errors"
	"net/mail"
	"strings"
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
		_, created, err := s.Store.CreateSubscriber(ctx, n, due)
		if err != nil {
			return res, err
		}
		if created {
			res.Imported++
		} else {
			res.Skipped++
		}
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
// one @, a dot in the domain, no display name, no spaces or control
// characters, at most 254 bytes.
func CheckEmail(email string) error {
	if email == "" {
		return errors.New("email: required")
	}
	if len(email) > 254 || !utf8.ValidString(email) || strings.ContainsAny(email, " \t\r\n\x00<>,;\"") {
		return errors.New("email: not a valid address")
	}
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || a.Name != "" {
		return errors.New("email: not a valid address")
	}
	local, domain, ok := strings.Cut(email, "@")
	if !ok || local == "" || !strings.Contains(domain, ".") || strings.HasPrefix(domain, ".") || strings.HasSuffix(domain, ".") {
		return errors.New("email: not a valid address")
	}
	return nil
}
