// Package store is the PostgreSQL persistence of the platform, through GORM on a pgx pool. GORM and the
// row structs live here only: every method converts rows to domain types at the boundary.
//
// Transactions travel in the context: InTx puts the transaction on ctx and every method uses it when
// present, so a domain service can make several changes, its audit record and its outgoing mail
// (the outbox) commit or roll back together.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/batch"
	"github.com/challenging-norms/conference/internal/submission"
)

// Options configures Open.
type Options struct {
	URL              string
	MaxConns         int32
	StatementTimeout time.Duration
	Logger           *slog.Logger
}

// DB is the database: one pgx pool shared by GORM (through database/sql) and the job queue.
type DB struct {
	Pool   *pgxpool.Pool
	SQL    *sql.DB
	gorm   *gorm.DB
	river  *river.Client[*sql.Tx] // inserts jobs inside our transactions
	logger *slog.Logger
	// principals keeps authenticated API tokens while Listen runs.
	principals *principalCache
	// saves writes together the saves of proposals that arrive together.
	saves *batch.Batcher[submission.ContentSave, savedContent]
	// creates writes together the new proposals that arrive together.
	creates *batch.Batcher[newProposal, createdProposal]
	// tokens looks up together the API tokens that arrive together.
	tokens *batch.Batcher[tokenUse, *principalEntry]
}

// Open connects to PostgreSQL and checks the connection.
func Open(ctx context.Context, o Options) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(o.URL)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL: %s", strings.ReplaceAll(err.Error(), o.URL, "…"))
	}
	if o.MaxConns > 0 {
		cfg.MaxConns = o.MaxConns
	}
	cfg.MaxConnIdleTime = 5 * time.Minute
	if o.StatementTimeout > 0 {
		cfg.ConnConfig.RuntimeParams["statement_timeout"] = fmt.Sprint(o.StatementTimeout.Milliseconds())
	}
	cfg.ConnConfig.RuntimeParams["application_name"] = "conference"
	cfg.ConnConfig.Tracer = counter{}
	cfg.AfterConnect = func(_ context.Context, c *pgx.Conn) error { return registerArrayCodecs(c.TypeMap()) }
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pingCtx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to database at %s:%d/%s: %w", cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database, err)
	}
	sqlDB := stdlib.OpenDBFromPool(pool)
	lg := o.Logger
	if lg == nil {
		lg = slog.Default()
	}
	g, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{
		// Unique violations are turned into field-level conflicts by translate, which needs the
		// driver's own error (its constraint name), so GORM's translation stays off.
		TranslateError:         false,
		PrepareStmt:            false,
		SkipDefaultTransaction: true,
		// Parameterized SQL only, never values: no personal data in logs.
		Logger: logger.New(slogWriter{lg}, logger.Config{SlowThreshold: 500 * time.Millisecond, LogLevel: logger.Warn,
			IgnoreRecordNotFoundError: true, ParameterizedQueries: true}),
		NowFunc: func() time.Time { return time.Now().UTC() },
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("open gorm: %w", err)
	}
	rc, err := river.NewClient(riverdatabasesql.New(sqlDB), &river.Config{})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("job queue client: %w", err)
	}
	db := &DB{Pool: pool, SQL: sqlDB, gorm: g, river: rc, logger: lg, principals: newPrincipalCache()}
	// Two statements at once leave the pool's other connections to the other requests; 64 saves
	// or creates of a few kilobytes each make a statement of a few hundred kilobytes.
	db.saves = &batch.Batcher[submission.ContentSave, savedContent]{Max: 64, Parallel: 2, Timeout: 30 * time.Second,
		Write: func(ctx context.Context, cs []submission.ContentSave) ([]savedContent, error) {
			return Proposals{db}.saveContents(ctx, cs)
		}}
	db.creates = &batch.Batcher[newProposal, createdProposal]{Max: 64, Parallel: 2, Timeout: 30 * time.Second,
		Write: func(ctx context.Context, in []newProposal) ([]createdProposal, error) {
			return Proposals{db}.createProposals(ctx, in)
		}}
	db.tokens = &batch.Batcher[tokenUse, *principalEntry]{Max: 64, Parallel: 2, Timeout: 30 * time.Second,
		Write: func(ctx context.Context, in []tokenUse) ([]*principalEntry, error) {
			return Accounts{db}.useAPITokens(ctx, in)
		}}
	return db, nil
}

// Waited returns a function that reports whether any request for a connection has had to wait for
// one, all of them in use, since the function was last called: the sign of a database working flat
// out, for background work to yield to requests. (The pool counts an acquire that opened a new
// connection as a wait too; those are told apart by the count of connections opened.)
func (db *DB) Waited() func() bool {
	var mu sync.Mutex
	st := db.Pool.Stat()
	waits, opened := st.EmptyAcquireCount(), st.NewConnsCount()
	return func() bool {
		mu.Lock()
		defer mu.Unlock()
		st := db.Pool.Stat()
		w, o := st.EmptyAcquireCount(), st.NewConnsCount()
		waited := w-waits > o-opened
		waits, opened = w, o
		return waited
	}
}

type slogWriter struct{ l *slog.Logger }

func (w slogWriter) Printf(format string, args ...any) {
	w.l.Warn("database", "message", fmt.Sprintf(format, args...))
}

// Close closes the pool.
func (db *DB) Close() {
	_ = db.SQL.Close()
	db.Pool.Close()
}

// Ping checks that the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.Pool.Ping(ctx) }

type txKey struct{}

// conn returns the transaction on ctx, or the pool, bound to ctx.
func (db *DB) conn(ctx context.Context) *gorm.DB {
	if tx, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return tx.WithContext(ctx)
	}
	return db.gorm.WithContext(ctx)
}

// Joined reports whether ctx carries a transaction (InTx's), which what is done with ctx joins.
func (db *DB) Joined(ctx context.Context) bool {
	_, ok := ctx.Value(txKey{}).(*gorm.DB)
	return ok
}

// InTx runs fn in a transaction carried by fn's ctx. A nested call joins the outer transaction.
// fn's error rolls back and is returned as it is.
func (db *DB) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(*gorm.DB); ok {
		return fn(ctx)
	}
	hooks := &commitHooks{}
	err := db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		return fn(context.WithValue(context.WithValue(ctx, txKey{}, tx), commitHooksKey{}, hooks))
	})
	if err == nil {
		for _, f := range hooks.fns {
			f()
		}
	}
	return err
}

// commitHooks are what runs once InTx's transaction has committed.
type commitHooks struct{ fns []func() }

type commitHooksKey struct{}

// afterCommit runs fn once the transaction on ctx has committed (never if it rolls back), or at once
// when there is none.
func afterCommit(ctx context.Context, fn func()) {
	if h, ok := ctx.Value(commitHooksKey{}).(*commitHooks); ok {
		h.fns = append(h.fns, fn)
		return
	}
	fn()
}

// principalChanging is called before a write that changes what an account's API tokens
// authenticate as, and the function it returns after it: the kept tokens are dropped at once, and
// again when the change has committed, since a lookup in between may still have read the old rows.
func (db *DB) principalChanging(ctx context.Context, userID int64) (done func()) {
	db.principals.forget(userID)
	return func() { afterCommit(ctx, func() { db.principals.forget(userID) }) }
}

// sqlTx returns the database/sql transaction under the GORM transaction on ctx.
func sqlTx(ctx context.Context) (*sql.Tx, bool) {
	tx, ok := ctx.Value(txKey{}).(*gorm.DB)
	if !ok {
		return nil, false
	}
	st, ok := tx.Statement.ConnPool.(*sql.Tx)
	return st, ok
}

// uniqueFields maps unique constraints to the input field they concern and a message.
var uniqueFields = map[string]apperr.FieldError{
	"users_email_key":               {Field: "email", Message: "An account already uses this email address."},
	"conferences_slug_key":          {Field: "slug", Message: "Another conference already uses this short name."},
	"conference_roles_pkey":         {Field: "role", Message: "The person already has this role."},
	"tracks_name_key":               {Field: "name", Message: "Another track already has this name."},
	"formats_name_key":              {Field: "name", Message: "Another format already has this name."},
	"calls_pkey":                    {Field: "opens_at", Message: "This conference already has a call for proposals."},
	"proposal_presenters_email_key": {Field: "email", Message: "This person already presents the proposal."},
}

// versionFits reports whether v can be a row's version in an optimistic update that writes v+1:
// versions are 32-bit integers, so any other v (a client's, say) matches no row and is stale.
func versionFits(v int) bool { return v > math.MinInt32 && v < math.MaxInt32 }

// translate turns driver errors into apperr errors: unique violations into Conflict with a field
// message, a missing row into NotFound, anything else into Internal keeping the cause for the log.
func translate(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return apperr.Wrap(apperr.NotFound, "Not found.", err)
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		switch pg.Code {
		case "23505":
			if fe, ok := uniqueFields[pg.ConstraintName]; ok {
				return &apperr.Error{Code: apperr.Conflict, Message: fe.Message, Fields: []apperr.FieldError{fe}, Err: err}
			}
			return apperr.Wrap(apperr.Conflict, "This already exists.", err)
		case "22021", "22P05": // text PostgreSQL cannot store (a NUL byte, broken encoding)
			return apperr.Wrap(apperr.Invalid, "The text contains a character that cannot be saved. Retype it without that character.", err)
		case "57014":
			return apperr.Wrap(apperr.Internal, "The database took too long to answer.", fmt.Errorf("%s: %w", op, err))
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return apperr.Wrap(apperr.Internal, "The request was cancelled.", fmt.Errorf("%s: %w", op, err))
	}
	return apperr.Wrap(apperr.Internal, "A database error occurred.", fmt.Errorf("%s: %w", op, err))
}
