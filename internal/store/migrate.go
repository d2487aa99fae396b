package store

import (
	"context"
	"fmt"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/challenging-norms/conference/migrations"
)

// riverLockID is the advisory lock held while the job queue's own schema is migrated.
const riverLockID = 7_204_511_990_001

// MigrationStatus is one migration and whether it is applied.
type MigrationStatus struct {
	Version int64
	Source  string
	Applied bool
}

func (db *DB) provider() (*goose.Provider, error) {
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, fmt.Errorf("migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db.SQL, migrations.FS, goose.WithSessionLocker(locker))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return p, nil
}

// MigrateUp applies every pending migration, ours and the job queue's, under a lock so that several
// processes starting at once apply each migration once. It returns the versions it applied.
func (db *DB) MigrateUp(ctx context.Context) ([]int64, error) {
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	res, err := p.Up(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate up: %w", err)
	}
	var applied []int64
	for _, r := range res {
		applied = append(applied, r.Source.Version)
	}
	return applied, db.migrateQueue(ctx, rivermigrate.DirectionUp)
}

// MigrateDown rolls back the newest of our migrations.
func (db *DB) MigrateDown(ctx context.Context) (int64, error) {
	p, err := db.provider()
	if err != nil {
		return 0, err
	}
	r, err := p.Down(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate down: %w", err)
	}
	return r.Source.Version, nil
}

// MigrationStatus lists our migrations and whether each is applied.
func (db *DB) MigrationStatus(ctx context.Context) ([]MigrationStatus, error) {
	p, err := db.provider()
	if err != nil {
		return nil, err
	}
	st, err := p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migration status: %w", err)
	}
	out := make([]MigrationStatus, 0, len(st))
	for _, s := range st {
		out = append(out, MigrationStatus{Version: s.Source.Version, Source: s.Source.Path, Applied: s.State == goose.StateApplied})
	}
	return out, nil
}

// SchemaCurrent reports whether every migration, ours and the job queue's, is applied.
func (db *DB) SchemaCurrent(ctx context.Context) (bool, error) {
	p, err := db.provider()
	if err != nil {
		return false, err
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return false, fmt.Errorf("migration status: %w", err)
	}
	if pending {
		return false, nil
	}
	m, err := rivermigrate.New(riverdatabasesql.New(db.SQL), nil)
	if err != nil {
		return false, err
	}
	res, err := m.Validate(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("job queue schema: %w", err)
	}
	return res.OK, nil
}

func (db *DB) migrateQueue(ctx context.Context, dir rivermigrate.Direction) error {
	m, err := rivermigrate.New(riverdatabasesql.New(db.SQL), nil)
	if err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	// Each queue migration runs in a transaction of its own (some add enum values, which PostgreSQL
	// does not let the same transaction use); a session lock on a connection of its own keeps
	// concurrent starts from running them twice.
	conn, err := db.SQL.Conn(ctx)
	if err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", riverLockID); err != nil {
		return fmt.Errorf("job queue migrations: lock: %w", err)
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", riverLockID)
	}()
	if _, err := m.Migrate(ctx, dir, nil); err != nil {
		return fmt.Errorf("job queue migrations: %w", err)
	}
	return nil
}
