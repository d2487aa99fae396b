package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/challenging-norms/conference/internal/pgtest"
)

func runCLI(t *testing.T, env []string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, env, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func TestCLIHelpAndVersion(t *testing.T) {
	out, _, err := runCLI(t, nil, "", "version")
	if err != nil || !strings.HasPrefix(out, "conference ") {
		t.Errorf("version: %q %v", out, err)
	}
	for _, args := range [][]string{{"serve", "--help"}, {"migrate", "--help"}, {"user", "create", "--help"}} {
		_, stderr, err := runCLI(t, nil, "", args...)
		if exitCode(err) != 2 || !strings.Contains(stderr, "Usage: conference "+args[0]) {
			t.Errorf("%v: exit %d, stderr %q", args, exitCode(err), stderr)
		}
	}
	if _, _, err := runCLI(t, nil, "", "frobnicate"); exitCode(err) != 2 || !strings.Contains(err.Error(), "unknown command") {
		t.Errorf("unknown command: %v", err)
	}
	if _, _, err := runCLI(t, []string{"APP_ENV=staging"}, "", "migrate", "status"); err == nil || !strings.Contains(err.Error(), "APP_ENV") {
		t.Errorf("a wrong setting must name its variable: %v", err)
	}
}

func TestCLIMigrateAndCreateAdmin(t *testing.T) {
	d, drop, err := pgtest.New("cli")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	env := []string{"DATABASE_URL=" + d.URL, "DATA_DIR=" + t.TempDir(), "LOG_LEVEL=error"}

	out, _, err := runCLI(t, env, "", "migrate", "status")
	if err != nil || !strings.Contains(out, "00001  pending") {
		t.Fatalf("status on an empty database: %q %v", out, err)
	}
	if out, _, err = runCLI(t, env, "", "migrate", "up"); err != nil || !strings.Contains(out, "applied 00001") {
		t.Fatalf("up: %q %v", out, err)
	}
	if out, _, err = runCLI(t, env, "", "migrate", "up"); err != nil || !strings.Contains(out, "up to date") {
		t.Fatalf("second up: %q %v", out, err)
	}
	if out, _, err = runCLI(t, env, "", "migrate", "down"); err != nil || !strings.Contains(out, "rolled back 00001") {
		t.Fatalf("down: %q %v", out, err)
	}
	// serve refuses an outdated schema when it may not migrate.
	_, _, err = runCLI(t, append(env, "AUTO_MIGRATE=false", "HTTP_ADDR=127.0.0.1:0"), "", "serve")
	if err == nil || !strings.Contains(err.Error(), "migrate up") {
		t.Fatalf("serve on an outdated schema: %v", err)
	}

	// user create migrates as serve does, then creates a confirmed admin.
	out, _, err = runCLI(t, env, "", "user", "create", "--email", "Dean.Admin@Example.org", "--name", "Dean Admin", "--admin")
	if err != nil || !strings.Contains(out, "Created admin account") || !strings.Contains(out, "Password: ") {
		t.Fatalf("user create: %q %v", out, err)
	}
	out, _, err = runCLI(t, env, "a chosen passphrase\n", "user", "create", "--email", "second@example.org", "--name", "Second", "--password-stdin")
	if err != nil || strings.Contains(out, "Password:") {
		t.Fatalf("user create with --password-stdin: %q %v", out, err)
	}
	_, _, err = runCLI(t, env, "", "user", "create", "--email", "dean.admin@example.org", "--name", "Again")
	if err == nil || !strings.Contains(err.Error(), "already uses this email") {
		t.Errorf("duplicate email: %v", err)
	}
	_, _, err = runCLI(t, env, "short\n", "user", "create", "--email", "third@example.org", "--name", "Third", "--password-stdin")
	if err == nil || !strings.Contains(err.Error(), "--password: Use at least 10 characters") {
		t.Errorf("weak password: %v", err)
	}
	if _, _, err = runCLI(t, env, "", "user", "create", "--name", "No Email"); exitCode(err) != 2 {
		t.Errorf("missing --email: %v", err)
	}
}
