package service

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/satina/newsletter/newsletter"
)

// SuppressionsCSVHeader is the header row of the suppression list as CSV,
// for export, and for import from another service.
const SuppressionsCSVHeader = "email,reason,at"

// WriteSuppressionsCSV writes the list as CSV (SuppressionsCSVHeader, at in
// RFC 3339), cells that a spreadsheet would run as formulas escaped.
func WriteSuppressionsCSV(w io.Writer, list []newsletter.Suppression) error {
	cw := csv.NewWriter(w)
	_ = cw.Write(strings.Split(SuppressionsCSVHeader, ","))
	for _, e := range list {
		at := ""
		if !e.At.IsZero() {
			at = e.At.UTC().Format(time.RFC3339)
		}
		_ = cw.Write([]string{toCell(e.Email), toCell(e.Reason), at})
	}
	cw.Flush()
	return cw.Error()
}

// ParseSuppressionsCSV reads a suppression list exported here or by
// another service: a header row naming at least an email column (reason
// and at are optional, in any order; other columns are ignored), one
// address a row. A row that does not parse is an error naming its line.
func ParseSuppressionsCSV(r io.Reader) ([]newsletter.Suppression, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, errors.New("the CSV has no header row (email,reason,at)")
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	if _, ok := col["email"]; !ok {
		return nil, errors.New("the CSV's header row has no email column")
	}
	get := func(rec []string, name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return fromCell(strings.TrimSpace(rec[i]))
		}
		return ""
	}
	var out []newsletter.Suppression
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err // a csv.ParseError names its line
		}
		line, _ := cr.FieldPos(0)
		e := newsletter.Suppression{Email: get(rec, "email"), Reason: get(rec, "reason")}
		if v := get(rec, "at"); v != "" {
			if e.At, err = time.Parse(time.RFC3339, v); err != nil {
				return nil, fmt.Errorf("line %d: at: give the time as RFC 3339, e.g. 2026-03-01T08:00:00Z", line)
			}
		}
		out = append(out, e)
	}
}
