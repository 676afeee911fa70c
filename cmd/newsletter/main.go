// Command newsletter runs the newsletter service: the signup pages, the
// links in mail, the admin API and the worker that sends the drip
// sequences and letters.
//
//	newsletter [serve]   HTTP server and worker in one process
//	newsletter web       the HTTP side alone
//	newsletter worker    the worker alone (run several to scale out)
//	newsletter check     validate sequences and templates
//	newsletter letter    schedule or preview a letter written as a file
//	newsletter subscribers  export or import the subscriber list as CSV
//
// Configuration is environment variables only; see --help.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
	_ "time/tzdata" // time zones even on machines without a zoneinfo database

	"github.com/satina/newsletter/internal/config"
)

const usage = `newsletter: a self-hosted newsletter and lead-magnet service.

Usage:
  newsletter [serve]   run the HTTP server and the sending worker in one process
  newsletter web       run the HTTP side alone
  newsletter worker    run the sending worker alone (run several to share the load)
  newsletter check     validate sequences and templates; prints file:line: message per problem
  newsletter letter schedule FILE.md --at TIME
                       schedule a letter written as a Markdown file with front matter
                       (subject:, optional skip_in_sequence: true); TIME is RFC 3339,
                       "2026-12-01 08:00" in DEFAULT_TZ, or now; prints the letter's id
  newsletter letter preview FILE.md [--out DIR]
                       write DIR/letter.html and DIR/letter.txt, the mail as a sample
                       subscriber gets it (needs no Redis)
  newsletter subscribers export [--status S] > list.csv
                       every subscriber as CSV: email,name,status,sequence,step,created_at
  newsletter subscribers import list.csv
                       import a CSV (email,name,status,sequence) as POST /admin/api/subscribers
                       does; prints the result as JSON
  newsletter doctor    check the setup as the world meets it (DKIM, SPF, DMARC, https,
                       postal address, Redis persistence): ok, warn or fail with the fix
  newsletter version   print the version (also --version)
  newsletter help      show this help (also -h, --help)

The letter and subscribers commands work on the running service's Redis: give them the
same REDIS_URL and REDIS_PREFIX (they refuse to run without REDIS_URL).

Environment variables (a .env file is never read; export them):
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 {
		cmd = args[0]
	}
	if (cmd == "check" || cmd == "serve" || cmd == "web" || cmd == "worker") && len(args) > 1 && isHelp(args[1]) {
		cmd = "help"
	}
	switch cmd {
	case "help", "-h", "--help", "-help":
		printHelp(stdout)
		return 0
	case "version", "--version", "-version":
		fmt.Fprintln(stdout, "newsletter", versionString())
		return 0
	case "check":
		return check(stdout, stderr)
	case "doctor":
		return doctorCommand(stdout, stderr)
	case "letter":
		return letterCommand(args[1:], stdout, stderr)
	case "subscribers":
		return subscribersCommand(args[1:], stdout, stderr)
	case "serve", "web", "worker":
	default:
		fmt.Fprintf(stderr, "newsletter: unknown command %q\n\n", cmd)
		printHelp(stderr)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := serve(ctx, cmd, stderr); err != nil && !errors.Is(err, context.Canceled) {
		fmt.Fprintf(stderr, "newsletter: %v\n", err)
		return 1
	}
	return 0
}

func isHelp(arg string) bool {
	return arg == "help" || arg == "-h" || arg == "--help" || arg == "-help"
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, usage)
	for _, v := range config.Variables {
		def := v.Default
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(w, "  %-17s %s\n  %-17s default: %s\n", v.Name, v.Help, "", def)
	}
}
