package store

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
)

// AnalyzeGrown gathers the planner's statistics (ANALYZE) of each of the schema's tables whose rows
// changed, since they were last gathered, more than the table then held and more than least, and
// returns the tables it analyzed.
//
// PostgreSQL plans a statement run often on one connection once, for every execution, from the
// statistics of that moment. A call's tables start nearly empty and fill in the hours before its
// deadline, faster than autovacuum (which looks once a minute, and then by a tenth of a table)
// catches up: the batched saves' plans, made when a few hundred proposals existed, went on scanning
// the whole table once it held thousands, 15–20 ms a save on a quiet server against 2–3 ms after an
// ANALYZE. New statistics make every connection plan such statements again. A table analyzed by
// someone else at that moment is skipped.
func (db *DB) AnalyzeGrown(ctx context.Context, least int) ([]string, error) {
	rows, err := db.Pool.Query(ctx, `SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
		WHERE s.schemaname = current_schema() AND s.n_mod_since_analyze > greatest($1, c.reltuples)
		ORDER BY s.relname`, least)
	if err != nil {
		return nil, fmt.Errorf("grown tables: %w", err)
	}
	tables, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, fmt.Errorf("grown tables: %w", err)
	}
	for _, t := range tables {
		if _, err := db.Pool.Exec(ctx, "ANALYZE (SKIP_LOCKED) "+pgx.Identifier{t}.Sanitize()); err != nil {
			return nil, fmt.Errorf("analyze %s: %w", t, err)
		}
	}
	return tables, nil
}
