package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/satina/newsletter/internal/testkit"
	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/newsletter/service"
)

// exportRows runs `subscribers export` and returns its rows, header first.
func exportRows(t *testing.T, args ...string) [][]string {
	t.Helper()
	code, out, errOut := runDesk(append([]string{"subscribers", "export"}, args...)...)
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("export is not CSV: %v", err)
	}
	return rows
}

// sansCreatedAt drops created_at (a new import is created now) and sorts.
func sansCreatedAt(rows [][]string) []string {
	var out []string
	for _, r := range rows[1:] {
		out = append(out, strings.Join(r[:5], "|"))
	}
	slices.Sort(out)
	return out
}

// An export imported into another service (another prefix) gives the same
// subscribers: address, name, status, sequence. The export spans several
// pages, and holds every status.
func TestSubscribersExportImportRoundTrip(t *testing.T) {
	ctx := context.Background()
	rdbA, prefixA := testkit.Redis(t)
	_, prefixB := testkit.Redis(t)
	deskEnv(t, prefixA)

	const n = 2*service.ExportPageSize + 3
	var b strings.Builder
	b.WriteString("email,name,status,sequence\n")
	names := []string{"Ada Lovelace", "Hopper, Grace", `Ida "Bee" Rhodes`, "Łucja Żółć", ""}
	for i := range n {
		status, seq := "confirmed", "guide"
		switch i % 4 {
		case 1:
			status = "pending"
		case 2:
			seq = ""
		}
		w := csv.NewWriter(&b)
		w.Write([]string{fmt.Sprintf("reader%04d@example.org", i), names[i%len(names)], status, seq})
		w.Flush()
	}
	list := filepath.Join(t.TempDir(), "list.csv")
	if err := os.WriteFile(list, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runDesk("subscribers", "import", list)
	var res service.ImportResult
	if code != 0 || json.Unmarshal([]byte(out), &res) != nil || res.Imported != n {
		t.Fatalf("import: exit %d, %s %s", code, out, errOut)
	}
	// One of them leaves: the export holds every status.
	storeA := redisstore.New(rdbA, prefixA)
	left, err := storeA.SubscriberByEmail(ctx, "reader0007@example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := storeA.SetStatus(ctx, left.ID, newsletter.StatusUnsubscribed, time.Now()); err != nil {
		t.Fatal(err)
	}

	exported := exportRows(t)
	if want := []string{"email", "name", "status", "sequence", "step", "created_at"}; !slices.Equal(exported[0], want) {
		t.Fatalf("header %v, want %v", exported[0], want)
	}
	if len(exported) != n+1 {
		t.Fatalf("%d rows exported, want %d", len(exported)-1, n)
	}
	statuses := map[string]int{}
	leftRow := 0
	for i, r := range exported[1:] {
		statuses[r[2]]++
		if r[0] == "reader0007@example.org" {
			leftRow = i + 2 // the header is row 1
		}
		if _, err := time.Parse(time.RFC3339, r[5]); err != nil {
			t.Errorf("created_at %q: %v", r[5], err)
		}
	}
	if statuses["unsubscribed"] != 1 || statuses["pending"] != n/4+1 || statuses["confirmed"] != n-n/4-2 {
		t.Errorf("statuses %v", statuses)
	}
	if pending := exportRows(t, "--status", "pending"); len(pending)-1 != statuses["pending"] {
		t.Errorf("--status pending: %d rows, want %d", len(pending)-1, statuses["pending"])
	}

	// Into another service.
	file := filepath.Join(t.TempDir(), "export.csv")
	var exportedCSV strings.Builder
	w := csv.NewWriter(&exportedCSV)
	w.WriteAll(exported)
	if err := os.WriteFile(file, []byte(exportedCSV.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("REDIS_PREFIX", prefixB)
	code, out, errOut = runDesk("subscribers", "import", file)
	res = service.ImportResult{}
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatalf("import: exit %d, %q %s", code, out, errOut)
	}
	// Import takes confirmed and pending only (the contract): the one who
	// left is reported by row, the rest come across.
	if code != 1 || res.Imported != n-1 || res.Skipped != 0 || len(res.Errors) != 1 ||
		res.Errors[0].Row != leftRow || !strings.Contains(res.Errors[0].Error, "status") {
		t.Fatalf("import of the export: exit %d, %+v (the unsubscribed row is %d)", code, res, leftRow)
	}
	var want [][]string
	for _, r := range exported {
		if r[2] != "unsubscribed" {
			want = append(want, r)
		}
	}
	if got := exportRows(t); !slices.Equal(sansCreatedAt(got), sansCreatedAt(want)) {
		t.Errorf("the round trip changed the list:\n got %d rows, e.g. %v\nwant %d rows, e.g. %v",
			len(got)-1, got[1:3], len(want)-1, want[1:3])
	}

	// Without REDIS_URL nothing runs; a file without an email column is
	// refused as the API refuses it.
	t.Setenv("REDIS_URL", "")
	if code, _, errOut := runDesk("subscribers", "export"); code != 1 || !strings.Contains(errOut, "REDIS_URL is empty") {
		t.Errorf("export without REDIS_URL: exit %d, %q", code, errOut)
	}
	noEmail := filepath.Join(t.TempDir(), "bad.csv")
	if err := os.WriteFile(noEmail, []byte("name\nAda\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := runDesk("subscribers", "import", noEmail); code != 1 || !strings.Contains(errOut, "email column") {
		t.Errorf("a CSV without email column: exit %d, %q", code, errOut)
	}
}
