package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/satina/newsletter/internal/app"
	"github.com/satina/newsletter/internal/config"
	"github.com/satina/newsletter/newsletter/redisstore"
	"github.com/satina/newsletter/sequences"
	"github.com/satina/newsletter/templates"
)

// check validates the sequences (SEQUENCES_DIR or the built-in ones) and
// the templates (parsed when the program starts), printing file:line:
// message for each problem. With REDIS_URL set it also lists the steps
// changed from the desk and checks them over the files, as the service
// will lay them.
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
		bad += checkOverrides(set, stdout, stderr)
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

// checkOverrides reads the steps changed from the desk from REDIS_URL
// (nothing to do without it), lists them and lays them over set,
// printing each one that would not be used. It returns the number of
// problems.
func checkOverrides(set *sequences.Set, stdout, stderr io.Writer) int {
	raw := config.Env("REDIS_URL")
	if raw == "" {
		return 0
	}
	files := redisstore.TLSFiles{CA: config.Env("REDIS_CA_FILE"), Cert: config.Env("REDIS_CERT_FILE"), Key: config.Env("REDIS_KEY_FILE")}
	opts, err := redisstore.ParseURL(raw, files)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	rdb := redisstore.Open(opts)
	defer rdb.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	ovs, err := redisstore.New(rdb, config.Env("REDIS_PREFIX")).SequenceOverrides(ctx, set.IDs())
	if err != nil {
		fmt.Fprintf(stderr, "REDIS_URL: cannot read the steps changed from the desk: %v\n", err)
		return 1
	}
	var names []string
	for id, steps := range ovs {
		for name := range steps {
			names = append(names, id+"/"+name)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		id, step, _ := strings.Cut(n, "/")
		o := ovs[id][step]
		when := ""
		if !o.At.IsZero() {
			when = " on " + o.At.UTC().Format("2006-01-02 15:04 UTC")
		}
		fmt.Fprintf(stdout, "changed from the desk%s: %s (subject %q, after %s)\n", when, n, o.Subject, o.After)
	}
	err = set.SetOverrides(ovs)
	var ps sequences.Problems
	switch {
	case errors.As(err, &ps):
		for _, p := range ps {
			fmt.Fprintln(stderr, p.String())
		}
		return len(ps)
	case err != nil:
		fmt.Fprintln(stderr, err)
		return 1
	}
	return 0
}
