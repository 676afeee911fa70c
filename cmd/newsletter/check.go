package main

import (
	"errors"
	"fmt"
	"io"

	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

// check validates the sequences (SEQUENCES_DIR or the built-in ones) and
// the templates (parsed when the program starts), printing file:line: message for each problem.
func check(stdout, stderr io.Writer) int {
	set, err := loadSequences(env("SEQUENCES_DIR"))
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
		if _, ok := set.Get(env("DEFAULT_SEQUENCE")); !ok {
			fmt.Fprintf(stderr, "DEFAULT_SEQUENCE: no sequence called %q\n", env("DEFAULT_SEQUENCE"))
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

// loadSequences loads dir, or the built-in sequences when dir is empty.
func loadSequences(dir string) (*sequences.Set, error) {
	if dir == "" {
		return sequences.Load(sequences.Builtin)
	}
	return sequences.LoadDir(dir)
}
