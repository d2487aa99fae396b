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
	// Only tables the server may analyze (its role owns them, or is a member of the role that does):
	// PostgreSQL would skip another's with a warning, and it would be found grown again and again.
	rows, err := db.Pool.Query(ctx, `SELECT s.schemaname, s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
		WHERE s.schemaname = current_schema() AND s.n_mod_since_analyze > greatest($1, c.reltuples)
			AND pg_has_role(c.relowner, 'MEMBER')
		ORDER BY s.relname`, least)
	if err != nil {
		return nil, fmt.Errorf("grown tables: %w", err)
	}
	grown, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Schema, Name string }])
	if err != nil {
		return nil, fmt.Errorf("grown tables: %w", err)
	}
	tables := make([]string, len(grown))
	for i, t := range grown {
		if _, err := db.Pool.Exec(ctx, "ANALYZE (SKIP_LOCKED) "+pgx.Identifier{t.Schema, t.Name}.Sanitize()); err != nil {
			return nil, fmt.Errorf("analyze %s: %w", t.Name, err)
		}
		tables[i] = t.Name
	}
	return tables, nil
}
