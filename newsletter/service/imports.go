package service

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/drip"
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
	batch, dues := make([]newsletter.NewSubscriber, 0, importBatch), make([]time.Time, 0, importBatch)
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
		if n.Status == newsletter.StatusConfirmed {
			probe := &newsletter.Subscriber{Sequence: n.Sequence, TZ: n.TZ, LastSentAt: now}
			if _, d, ok := drip.Next(s.Sequences, probe, s.DefaultTZ); ok {
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

func (s *Service) importRow(r ImportRow) (newsletter.NewSubscriber, error) {
	if r.Problem != "" {
		return newsletter.NewSubscriber{}, errors.New(r.Problem)
	}
	email := newsletter.NormalizeEmail(r.Email)
	if err := newsletter.CheckEmail(email); err != nil {
		return newsletter.NewSubscriber{}, err
	}
	name := strings.TrimSpace(r.Name)
	if utf8.RuneCountInString(name) > 100 || strings.ContainsAny(name, "\r\n\x00") || !utf8.ValidString(name) {
		return newsletter.NewSubscriber{}, errors.New("name: at most 100 characters on one line")
	}
	status := newsletter.Status(strings.ToLower(strings.TrimSpace(r.Status)))
	if status != newsletter.StatusConfirmed && status != newsletter.StatusPending {
		return newsletter.NewSubscriber{}, errors.New(`status: must be "confirmed" or "pending"`)
	}
	seq := strings.TrimSpace(r.Sequence)
	if seq != "" {
		if _, ok := s.Sequences.Get(seq); !ok {
			return newsletter.NewSubscriber{}, errors.New("sequence: no sequence called " + seq)
		}
	}
	return newsletter.NewSubscriber{
		Email: email, Name: name, Status: status, Sequence: seq,
		Consent: newsletter.Consent{Text: "Consent given before import", Version: "import", Source: "import"},
	}, nil
}
