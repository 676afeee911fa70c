package web_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/satina/newsletter/internal/apptest"
)

// TestSuppressionsAsCSV: a list moved from another service comes in as CSV
// (columns in any order, extra columns ignored, a formula-looking cell
// kept as text), goes out as CSV again, and a bad time names its line.
func TestSuppressionsAsCSV(t *testing.T) {
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	in := "At,Email,Reason,List\n" +
		"2026-01-05T10:00:00Z,old-bounce@example.org,bounce: 550 5.1.1 no such user,main\n" +
		`,formula@example.org,"'=HYPERLINK(""x"")",main` + "\n"
	status(t, api(t, a, "POST", "/admin/api/suppressions", "text/csv", in), http.StatusOK)
	got := suppressions(t, a)
	if got["old-bounce@example.org"] != "bounce: 550 5.1.1 no such user" || got["formula@example.org"] != `=HYPERLINK("x")` {
		t.Fatalf("after the CSV import: %v", got)
	}
	out := status(t, api(t, a, "GET", "/admin/api/suppressions?format=csv", "", ""), http.StatusOK)
	for _, want := range []string{"email,reason,at\n", "old-bounce@example.org,bounce: 550 5.1.1 no such user,2026-01-05T10:00:00Z",
		`formula@example.org,"'=HYPERLINK(""x"")",`} {
		if !strings.Contains(out, want) {
			t.Errorf("CSV export lacks %q:\n%s", want, out)
		}
	}
	bad := "email,at\nlate@example.org,yesterday\n"
	body := status(t, api(t, a, "POST", "/admin/api/suppressions", "text/csv", bad), http.StatusUnprocessableEntity)
	if !strings.Contains(body, "line 2") {
		t.Errorf("a bad time answered %s, want it to name line 2", body)
	}
	if _, ok := suppressions(t, a)["late@example.org"]; ok {
		t.Errorf("a refused CSV added its rows")
	}
}
