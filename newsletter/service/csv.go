package service

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// ImportCSVHeader is the header row an import names its columns with.
const ImportCSVHeader = "email,name,status,sequence"

// ExportCSVHeader is the header row of ExportCSV; an export can be imported
// as it is (the extra columns are ignored).
var ExportCSVHeader = []string{"email", "name", "status", "sequence", "step", "created_at"}

// ParseImportCSV reads a subscriber list: a header row naming at least an
// email column (email,name,status,sequence, in any order, case and a UTF-8
// byte-order mark ignored; other columns are ignored), then one row per
// subscriber. Row i of the result is record i+2 of the file (the header is
// record 1), which is its line number unless a quoted field spans lines.
//
// A record that does not parse as CSV becomes a row with Problem set, which
// Import reports by number; it never stops the rest. Only a missing header
// or a failing reader is an error.
func ParseImportCSV(r io.Reader) ([]ImportRow, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // short rows are fine: missing columns are empty
	header, err := cr.Read()
	if err != nil {
		var pe *csv.ParseError
		if err != io.EOF && !errors.As(err, &pe) {
			return nil, fmt.Errorf("read CSV: %w", err)
		}
		return nil, fmt.Errorf("the CSV has no header row (%s)", ImportCSVHeader)
	}
	col := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
		if _, dup := col[name]; !dup {
			col[name] = i
		}
	}
	if _, ok := col["email"]; !ok {
		return nil, fmt.Errorf("the CSV header must name an email column (%s)", ImportCSVHeader)
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	var rows []ImportRow
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if !errors.As(err, &pe) {
				return nil, fmt.Errorf("read CSV: %w", err)
			}
			rows = append(rows, ImportRow{Problem: "CSV: " + pe.Err.Error()})
			continue
		}
		rows = append(rows, ImportRow{Email: fromCell(get(rec, "email")), Name: fromCell(get(rec, "name")),
			Status: get(rec, "status"), Sequence: get(rec, "sequence")})
	}
}

// ExportPageSize is how many subscribers ExportCSV loads at a time.
const ExportPageSize = 500

// ExportCSV writes every subscriber with status (all when empty: status by
// status), oldest first, as CSV with ExportCSVHeader, loading them a page
// at a time so that a long list never sits in memory whole. Subscribers who
// sign up while it runs are included; one erased meanwhile may be left out,
// and one whose status changes meanwhile may have a second, later row. It
// returns how many rows it wrote.
func (s *Service) ExportCSV(ctx context.Context, w io.Writer, status newsletter.Status) (int, error) {
	cw := csv.NewWriter(w)
	if err := cw.Write(ExportCSVHeader); err != nil {
		return 0, err
	}
	n, cursor := 0, ""
	for {
		subs, next, err := s.Store.SubscriberPage(ctx, status, cursor, ExportPageSize)
		if err != nil {
			return n, err
		}
		for _, sub := range subs {
			if err := cw.Write(ExportRecord(sub)); err != nil {
				return n, err
			}
			n++
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return n, err
		}
		if next == "" {
			return n, nil
		}
		cursor = next
	}
}

// ExportRecord is one subscriber as an export row (ExportCSVHeader).
func ExportRecord(sub *newsletter.Subscriber) []string {
	return []string{toCell(sub.Email), toCell(sub.Name), string(sub.Status), sub.Sequence,
		strconv.Itoa(sub.Step), sub.CreatedAt.UTC().Format(time.RFC3339)}
}

// toCell keeps a spreadsheet from reading a cell as a formula: a value
// starting with = + - or @ gets a leading apostrophe, which spreadsheets
// hide and fromCell removes again on import.
func toCell(v string) string {
	if v != "" && strings.ContainsRune("=+-@'", rune(v[0])) {
		return "'" + v
	}
	return v
}

// fromCell undoes toCell.
func fromCell(v string) string {
	if len(v) > 1 && v[0] == '\'' && strings.ContainsRune("=+-@'", rune(v[1])) {
		return v[1:]
	}
	return v
}
