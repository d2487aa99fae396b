package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
)

func cmdUser(ctx context.Context, args, env []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "create" {
		if len(args) > 0 && (args[0] == "--help" || args[0] == "-h") {
			fmt.Fprint(stdout, "Usage: conference user create --email E --name N [--admin] [--password-stdin]\n")
			return nil
		}
		fmt.Fprint(stderr, "Usage: conference user create --email E --name N [--admin] [--password-stdin]\n")
		return usageError{"user needs a subcommand: create"}
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the account's email address (required)")
	name := fs.String("name", "", "the person's full name (required)")
	admin := fs.Bool("admin", false, "make the account an administrator of the installation")
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input; otherwise one is generated and printed")
	fs.Usage = func() {
		fmt.Fprint(stderr, `Usage: conference user create --email E --name N [--admin] [--password-stdin]

Creates a confirmed account, e.g. the first administrator of a new installation. Without
--password-stdin a strong password is generated and printed once.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		fs.Usage()
		return usageError{"--email and --name are required"}
	}
	password := ""
	generated := false
	if *fromStdin {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			return fmt.Errorf("read password: %w", err)
		}
		password = strings.TrimRight(line, "\r\n")
	} else {
		b := make([]byte, 18)
		if _, err := rand.Read(b); err != nil {
			return err
		}
		password, generated = base64.RawURLEncoding.EncodeToString(b), true
	}
	cfg, err := loadConfig(env, nil, true)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	a, err := newApp(ctx, cfg, log, appOptions{})
	if err != nil {
		return err
	}
	defer a.close()
	u, err := a.accounts.CreateUser(ctx, account.CreateUserInput{Email: *email, Name: *name, Password: password, Admin: *admin})
	if err != nil {
		if ae, ok := apperr.As(err); ok && len(ae.Fields) > 0 {
			var parts []string
			for _, f := range ae.Fields {
				parts = append(parts, "--"+f.Field+": "+f.Message)
			}
			return fmt.Errorf("%s", strings.Join(parts, "; "))
		}
		return err
	}
	role := "account"
	if u.IsAdmin {
		role = "admin account"
	}
	fmt.Fprintf(stdout, "Created %s %d for %s <%s>.\n", role, u.ID, u.Name, u.Email)
	if generated {
		fmt.Fprintf(stdout, "Password: %s\n(shown once; change it with 'Forgot your password?' on the log-in page)\n", password)
	}
	return nil
}
