package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/satina/newsletter/internal/app"
	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

// check validates the sequences (SEQUENCES_DIR or the built-in ones) and
// the templates (parsed when the program starts), printing file:line: message for each problem.
func check(stdout, stderr io.Writer) int {
	set, err := app.LoadSequences(config.Env("SEQUENCES_DIR"))
	bad := 0
	var ps sequences.Problems
	switch {
	case errors.As(err, &ps):
		for _, p := range ps {
			fmt.Fprintln(stderr, p.String())
		}
		bad += len(ps)
	case err != nil:
		fmt.Fprintln(stderr, err)
		bad++
	}
	if set != nil {
		if _, ok := set.Get(config.Env("DEFAULT_SEQUENCE")); !ok {
			fmt.Fprintf(stderr, "DEFAULT_SEQUENCE: no sequence called %q\n", config.Env("DEFAULT_SEQUENCE"))
			bad++
		}
	}
	if bad > 0 {
		fmt.Fprintf(stderr, "%d problem(s)\n", bad)
		return 1
	}
	ids := []string{}
	if set != nil {
		ids = set.IDs()
	}
	fmt.Fprintf(stdout, "ok: %d sequence(s) %v, %d page template(s)\n", len(ids), ids, len(templates.PageNames()))
	return 0
}
