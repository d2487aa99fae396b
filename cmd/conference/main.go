// Command conference is the conference platform: one binary that serves the web pages and the API,
// works the mail queue, migrates the database and manages accounts from the command line.
//
//	conference serve              serve HTTP and work the job queue
//	conference migrate up|down|status
//	conference user create --email E --name N [--admin]
//	conference seed challenging-norms | demo [--proposals N] [--reviewers N]
//	conference version
//
// Configuration comes from environment variables; see README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/challenging-norms/conference/internal/apperr"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Environ(), os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "conference:", err)
		}
		os.Exit(exitCode(err))
	}
}

// usageError marks a mistake on the command line (exit status 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) || errors.Is(err, flag.ErrHelp) {
		return 2
	}
	return 1
}

const usage = `Usage: conference <command> [arguments]

Commands:
  serve                      serve the web pages and API, and send queued mail
  migrate up|down|status     apply, roll back (one step) or list database migrations
  user create                create an account (e.g. the first admin)
  seed challenging-norms     create the Challenging Norms conference and its call (idempotent)
  seed demo                  add synthetic submitters and proposals (--proposals N)
  version                    print the version

Run 'conference <command> --help' for a command's flags. Configuration is read from
environment variables (HTTP_ADDR, BASE_URL, DATABASE_URL, SMTP_URL, MAIL_FROM, SECRET_KEY,
APP_ENV, ...); see README.md.
`

// run is the whole program, with its environment passed in so tests can call it.
func run(ctx context.Context, args, env []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	}
	switch args[0] {
	case "serve":
		return cmdServe(ctx, args[1:], env, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args[1:], env, stdout, stderr)
	case "user":
		return cmdUser(ctx, args[1:], env, stdin, stdout, stderr)
	case "seed":
		return explain(cmdSeed(ctx, args[1:], env, stdout, stderr))
	case "version", "--version":
		fmt.Fprintln(stdout, "conference", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unknown command %q", args[0])}
}

// explain adds the field-level messages of a domain error to it, for the command line, where no
// form shows them.
func explain(err error) error {
	ae, ok := apperr.As(err)
	if !ok || len(ae.Fields) == 0 {
		return err
	}
	parts := make([]string, len(ae.Fields))
	for i, f := range ae.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return fmt.Errorf("%w (%s)", err, strings.Join(parts, "; "))
}
