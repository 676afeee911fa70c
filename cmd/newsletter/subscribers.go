package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/satina/newsletter/newsletter"
	"github.com/satina/newsletter/newsletter/service"
)

const subscribersUsage = `Usage:
  newsletter subscribers export [--status STATUS] > list.csv
      Write every subscriber (or those with STATUS: pending, confirmed, unsubscribed or
      bounced) as CSV, oldest first, with the header email,name,status,sequence,step,created_at.
  newsletter subscribers import list.csv
      Import a CSV with the header email,name,status,sequence ("-" reads standard input),
      as POST /admin/api/subscribers does: status confirmed (consent given elsewhere) joins
      the sequence at once, pending gets a confirmation mail; known addresses are skipped.
      Prints {"imported","skipped","errors":[{"row","error"}]}; row 1 is the header. Exits 1
      when any row was not imported.
`

// subscribersCommand runs `newsletter subscribers ...`.
func subscribersCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, subscribersUsage)
		return 2
	}
	ctx, stop := signalContext()
	defer stop()
	var err error
	status := 0
	switch args[0] {
	case "export":
		err = exportSubscribers(ctx, args[1:], stdout, stderr)
	case "import":
		status, err = importSubscribers(ctx, args[1:], os.Stdin, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, subscribersUsage)
		return 0
	default:
		fmt.Fprintf(stderr, "newsletter subscribers: unknown command %q\n\n", args[0])
		err = errUsage
	}
	if err != nil {
		return fail(stderr, "subscribers "+args[0], subscribersUsage, err)
	}
	return status
}

// exportSubscribers writes the list as CSV through Service.ExportCSV, a
// page at a time.
func exportSubscribers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("subscribers export", stderr)
	st := fs.String("status", "", "only subscribers with this status")
	if rest, err := parseArgs(fs, args); err != nil || len(rest) != 0 {
		return errUsage
	}
	status := newsletter.Status(*st)
	if status != "" && !status.Valid() {
		return fmt.Errorf("--status: %q is not pending, confirmed, unsubscribed or bounced", *st)
	}
	dk, err := openDesk(ctx, "subscribers export", stderr)
	if err != nil {
		return err
	}
	defer dk.close()
	w := bufio.NewWriterSize(stdout, 64<<10)
	n, err := dk.svc.ExportCSV(ctx, w, status)
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "exported %d subscriber(s)\n", n)
	return nil
}

// importSubscribers reads a CSV with service.ParseImportCSV and imports
// it through Service.Import, as the admin API does with a text/csv body.
func importSubscribers(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (int, error) {
	fs := newFlagSet("subscribers import", stderr)
	files, err := parseArgs(fs, args)
	if err != nil || len(files) != 1 {
		return 0, errUsage
	}
	in := stdin
	if files[0] != "-" {
		f, err := os.Open(files[0])
		if err != nil {
			return 0, err
		}
		defer f.Close()
		in = f
	}
	rows, err := service.ParseImportCSV(bufio.NewReaderSize(in, 64<<10))
	if err != nil {
		return 0, fmt.Errorf("%s: %w", files[0], err)
	}
	dk, err := openDesk(ctx, "subscribers import", stderr)
	if err != nil {
		return 0, err
	}
	defer dk.close()
	res, err := dk.svc.Import(ctx, rows, 2) // row 1 is the header
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	if jerr := enc.Encode(res); jerr != nil && err == nil {
		err = jerr
	}
	if err != nil {
		return 0, fmt.Errorf("stopped after %d row(s): %w", res.Imported+res.Skipped+len(res.Errors), err)
	}
	if len(res.Errors) > 0 {
		return 1, nil
	}
	return 0, nil
}
