// Command newsletter runs the newsletter service: the signup pages, the
// links in mail, the admin API and the worker that sends the drip
// sequences and letters.
//
//	newsletter [serve]   HTTP server and worker in one process
//	newsletter web       the HTTP side alone
//	newsletter worker    the worker alone (run several to scale out)
//	newsletter check     validate sequences and templates
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
)

const usage = `newsletter: a self-hosted newsletter and lead-magnet service.

Usage:
  newsletter [serve]   run the HTTP server and the sending worker in one process
  newsletter web       run the HTTP side alone
  newsletter worker    run the sending worker alone (run several to share the load)
  newsletter check     validate sequences and templates; prints file:line: message per problem
  newsletter help      show this help (also -h, --help)

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
	switch cmd {
	case "help", "-h", "--help", "-help":
		printHelp(stdout)
		return 0
	case "check":
		return check(stdout, stderr)
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

func printHelp(w io.Writer) {
	fmt.Fprint(w, usage)
	for _, v := range variables {
		def := v.def
		if def == "" {
			def = "(empty)"
		}
		fmt.Fprintf(w, "  %-17s %s\n  %-17s default: %s\n", v.name, v.help, "", def)
	}
}
