package main

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/pgtest"
	"github.com/challenging-norms/conference/migrations"
)

func runCLI(t *testing.T, env []string, stdin string, args ...string) (string, string, error) {
	t.Helper()
	var out, errb bytes.Buffer
	err := run(context.Background(), args, env, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), err
}

func TestCLIHelpAndVersion(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
	if out, _, err = runCLI(t, env, "", "migrate", "down"); err != nil || !strings.Contains(out, "rolled back "+newestMigration(t)) {
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

// newestMigration is the version of the newest migration file, as "00042".
func newestMigration(t *testing.T) string {
	t.Helper()
	names, err := fs.Glob(migrations.FS, "*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no migrations: %v", err)
	}
	slices.Sort(names)
	return strings.SplitN(names[len(names)-1], "_", 2)[0]
}

// TestCLISeed seeds Challenging Norms twice (the second time changes nothing), then demo proposals.
func TestCLISeed(t *testing.T) {
	t.Parallel()
	d, drop, err := pgtest.New("seed")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	env := []string{"DATABASE_URL=" + d.URL, "DATA_DIR=" + t.TempDir(), "LOG_LEVEL=error"}
	if _, _, err := runCLI(t, env, "", "seed"); exitCode(err) != 2 {
		t.Errorf("seed without a subcommand: %v", err)
	}
	if _, _, err := runCLI(t, env, "", "seed", "demo", "--proposals", "-3"); exitCode(err) != 2 {
		t.Errorf("a negative number of proposals: %v", err)
	}
	if _, _, err := runCLI(t, env, "", "seed", "demo"); err == nil || !strings.Contains(err.Error(), "seed challenging-norms") {
		t.Errorf("demo before the conference exists: %v", err)
	}
	out, _, err := runCLI(t, env, "", "seed", "challenging-norms")
	if err != nil || !strings.Contains(out, "Created Challenging Norms") {
		t.Fatalf("seed: %q %v", out, err)
	}
	out, _, err = runCLI(t, env, "", "seed", "challenging-norms")
	if err != nil || !strings.Contains(out, "already exists: nothing to do") {
		t.Fatalf("seed again: %q %v", out, err)
	}
	tokens := t.TempDir() + "/tokens.json"
	out, _, err = runCLI(t, env, "", "seed", "demo", "--proposals", "40", "--submitters", "10", "--tokens", tokens)
	if err != nil || !strings.Contains(out, "Added 40 proposals by 10 submitters") {
		t.Fatalf("demo: %q %v", out, err)
	}
	b, err := os.ReadFile(tokens)
	if err != nil || strings.Count(string(b), `"token":"cnp_`) != 10 {
		t.Errorf("tokens file: %v %.80s", err, b)
	}
	db, err := d.Open(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var formats, tracks, byFormat, words int
	_ = db.SQL.QueryRow(`SELECT count(*) FROM formats`).Scan(&formats)
	_ = db.SQL.QueryRow(`SELECT count(*) FROM tracks`).Scan(&tracks)
	_ = db.SQL.QueryRow(`SELECT count(DISTINCT format_id) FROM proposals`).Scan(&byFormat)
	_ = db.SQL.QueryRow(`SELECT min(array_length(regexp_split_to_array(t.abstract, '\s+'), 1))
		FROM proposals p JOIN proposal_revisions t ON t.proposal_id = p.id AND t.version = p.version`).Scan(&words)
	if formats != 4 || tracks != 3 || byFormat != 4 || words < 100 {
		t.Errorf("seeded %d formats, %d tracks, proposals in %d formats, shortest abstract %d words", formats, tracks, byFormat, words)
	}
	// Reviews: only with an organizer to act for the organizers.
	if _, _, err := runCLI(t, env, "", "seed", "demo", "--proposals", "0", "--reviewers", "12"); err == nil || !strings.Contains(err.Error(), "no organizer") {
		t.Errorf("reviews without an organizer: %v", err)
	}
	if _, _, err := runCLI(t, env, "", "user", "create", "--email", "olu@example.org", "--name", "Olu Organizer"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL.Exec(`INSERT INTO conference_roles (conference_id, user_id, role) SELECT c.id, u.id, 'organizer' FROM conferences c, users u WHERE u.email = 'olu@example.org'`); err != nil {
		t.Fatal(err)
	}
	out, _, err = runCLI(t, env, "", "seed", "demo", "--proposals", "0", "--reviewers", "12", "--reviews", "2")
	var submitted, reviews, lonely int
	_ = db.SQL.QueryRow(`SELECT count(*) FROM proposals WHERE status = 'submitted'`).Scan(&submitted)
	_ = db.SQL.QueryRow(`SELECT count(*) FROM reviews WHERE status = 'submitted'`).Scan(&reviews)
	_ = db.SQL.QueryRow(`SELECT count(*) FROM proposals p WHERE status = 'submitted' AND (SELECT count(*) FROM reviews r WHERE r.proposal_id = p.id) <> 2`).Scan(&lonely)
	if err != nil || !strings.Contains(out, fmt.Sprintf("Added 12 reviewers, %d assignments and %d submitted reviews", 2*submitted, 2*submitted)) || reviews != 2*submitted || lonely != 0 {
		t.Errorf("demo reviews: %q %v; %d submitted proposals, %d reviews, %d without 2", out, err, submitted, reviews, lonely)
	}
	var closes time.Time
	_ = db.SQL.QueryRow(`SELECT closes_at FROM calls`).Scan(&closes)
	ny, _ := time.LoadLocation("America/New_York")
	if c := closes.In(ny); c.Month() != time.June || c.Day() != 30 || c.Hour() != 23 || c.Minute() != 59 {
		t.Errorf("the call closes %v", c)
	}
}
