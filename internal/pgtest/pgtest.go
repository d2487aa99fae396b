// Package pgtest gives each test package a PostgreSQL database of its own, migrated with the
// production migrations and dropped afterwards. Tests use a real server: TEST_DATABASE_URL names its
// maintenance database (default postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable;
// `make test` finds or starts one).
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/challenging-norms/conference/internal/store"
)

// AdminURL returns the URL of the server's maintenance database.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

var unsafe = regexp.MustCompile(`[^a-z0-9_]+`)

// redact hides a password in a URL.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}

// Database is a fresh database for one test package.
type Database struct {
	URL  string
	name string
}

// New creates an empty database named after the calling package and returns it with a function that
// drops it. It fails with a clear message when no server answers.
func New(prefix string) (*Database, func(), error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, AdminURL())
	if err != nil {
		return nil, nil, fmt.Errorf("no PostgreSQL for tests at TEST_DATABASE_URL=%s (run the tests with `make test`, which finds or starts one): %w", redact(AdminURL()), err)
	}
	defer admin.Close(context.Background())
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	name := "test_" + unsafe.ReplaceAllString(strings.ToLower(prefix), "_") + "_" + hex.EncodeToString(b)
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{name}.Sanitize()); err != nil {
		return nil, nil, fmt.Errorf("create test database: %w", err)
	}
	u, err := url.Parse(AdminURL())
	if err != nil {
		return nil, nil, err
	}
	u.Path = "/" + name
	db := &Database{URL: u.String(), name: name}
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		conn, err := pgx.Connect(ctx, AdminURL())
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		_, _ = conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	}
	return db, drop, nil
}

// Open connects to the database and applies every migration.
func (d *Database) Open(ctx context.Context) (*store.DB, error) {
	db, err := store.Open(ctx, store.Options{URL: d.URL, MaxConns: 10, StatementTimeout: 30 * time.Second})
	if err != nil {
		return nil, err
	}
	if _, err := db.MigrateUp(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Main runs a package's tests with a database of its own in *db, and exits. Use it from TestMain:
//
//	func TestMain(m *testing.M) { pgtest.Main(m, &testDB) }
func Main(m *testing.M, db **Database) {
	wd, _ := os.Getwd()
	d, drop, err := New(filepath.Base(wd))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*db = d
	code := m.Run()
	drop()
	os.Exit(code)
}

// Strings runs a query whose rows are one text column and returns them in order; any error fails
// the test.
func Strings(t testing.TB, db *sql.DB, query string, args ...any) []string {
	t.Helper()
	rows, err := db.Query(query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}
