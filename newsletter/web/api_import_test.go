package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/apptest"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
)

// A 10,000-row CSV through POST /admin/api/subscribers: every bad row is
// reported by its number (the header is row 1) and the rest are imported.
func TestImportTenThousandRowCSV(t *testing.T) {
	const rows = 10_000
	a := apptest.Start(t, apptest.Options{NoWorker: true})
	var b strings.Builder
	b.WriteString("email,name,status,sequence\n")
	bad := map[int]string{} // row number -> what is wrong
	dup := 0
	for i := range rows {
		row := i + 2
		email, name, status, seq := fmt.Sprintf("reader%05d@example.org", i), fmt.Sprintf("Reader %d", i), "confirmed", "guide"
		if i%3 == 0 {
			status, seq = "pending", ""
		}
		switch {
		case i%997 == 1:
			email, bad[row] = "not-an-address", "email"
		case i%997 == 2:
			status, bad[row] = "subscribed", "status"
		case i%997 == 3:
			seq, bad[row] = "no-such-sequence", "sequence"
		case i%997 == 4:
			name, bad[row] = strings.Repeat("n", 101), "name"
		case i%997 == 5:
			fmt.Fprintf(&b, "%s,bad \"quote,%s,%s\n", email, status, seq)
			bad[row] = "CSV"
			continue
		case i%997 == 6 && i > 6:
			email = "reader00000@example.org" // already imported by row 2: skipped, no error
			dup++
		}
		fmt.Fprintf(&b, "%s,\"%s\",%s,%s\n", email, name, status, seq)
	}
	body := b.String()

	req, err := http.NewRequest(http.MethodPost, a.URL+"/admin/api/subscribers", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer admin-secret-for-the-tests")
	req.Header.Set("Content-Type", "text/csv; charset=utf-8")
	start := time.Now()
	res, err := (&http.Client{Timeout: 2 * time.Minute}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	took := time.Since(start)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("status %d", res.StatusCode)
	}
	var got service.ImportResult
	if err := json.NewDecoder(res.Body).Decode(&got); err != nil {
		t.Fatal(err)
	}
	t.Logf("imported %d rows (%d KiB) in %v: %.0f rows/s; %d imported, %d skipped, %d errors",
		rows, len(body)>>10, took.Round(time.Millisecond), rows/took.Seconds(), got.Imported, got.Skipped, len(got.Errors))

	gotRows := map[int]string{}
	for _, e := range got.Errors {
		gotRows[e.Row] = e.Error
	}
	wantRows, gotKeys := map[int]bool{}, map[int]bool{}
	for r := range bad {
		wantRows[r] = true
	}
	for r := range gotRows {
		gotKeys[r] = true
	}
	if !reflect.DeepEqual(gotKeys, wantRows) {
		t.Fatalf("rows reported: %d, want %d (%v)", len(gotKeys), len(wantRows), bad)
	}
	for r, what := range bad {
		if !strings.Contains(gotRows[r], what) {
			t.Errorf("row %d: error %q does not name %s", r, gotRows[r], what)
		}
	}
	if want := rows - len(bad) - dup; got.Imported != want || got.Skipped != dup {
		t.Errorf("imported %d, skipped %d; want %d and %d", got.Imported, got.Skipped, want, dup)
	}

	// They are stored, with their status.
	_, total, err := a.Store.Subscribers(context.Background(), "", 0, 1)
	if err != nil || total != got.Imported {
		t.Errorf("%d subscribers stored, want %d (%v)", total, got.Imported, err)
	}
	sub := a.Subscriber(t, "reader09998@example.org")
	if sub.Status != newsletter.StatusConfirmed || sub.Sequence != "guide" || sub.Name != "Reader 9998" {
		t.Errorf("row 10000 stored as %+v", sub)
	}
}
