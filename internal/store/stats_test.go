package store_test

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestAnalyzeGrown gathers the statistics of a table that has grown by more than it held when they
// were last gathered, once, and leaves it alone while it grows by less.
func TestAnalyzeGrown(t *testing.T) {
	ctx := context.Background()
	db, err := testDB.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	exec := func(q string) {
		t.Helper()
		if _, err := db.Pool.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	// Autovacuum, left on, could analyze it first.
	exec(`CREATE TABLE stats_probe (id bigserial PRIMARY KEY, v text) WITH (autovacuum_enabled = off)`)
	defer exec(`DROP TABLE stats_probe`)
	// Rows written, counted in the statistics as soon as the writing connection reports them.
	insert := func(n int) {
		t.Helper()
		c, err := db.Pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Release()
		if _, err := c.Exec(ctx, `INSERT INTO stats_probe (v) SELECT 'row ' || i FROM generate_series(1, $1) i`, n); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Exec(ctx, `SELECT pg_stat_force_next_flush()`); err != nil {
			t.Fatal(err)
		}
	}
	modified := func() int64 {
		t.Helper()
		var n int64
		if err := db.Pool.QueryRow(ctx, `SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'stats_probe'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	// analyzed runs AnalyzeGrown, waiting for the statistics of the last rows to arrive.
	analyzed := func(wantRows int64) bool {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); modified() < wantRows; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("the statistics count %d changed rows, not %d", modified(), wantRows)
			}
		}
		tables, err := db.AnalyzeGrown(ctx, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return slices.Contains(tables, "stats_probe")
	}

	insert(900)
	if analyzed(900) {
		t.Error("a table of 900 new rows was analyzed; the least is 1000")
	}
	insert(600)
	if !analyzed(1500) {
		t.Fatal("a table of 1500 new rows was not analyzed")
	}
	var reltuples float64
	if err := db.Pool.QueryRow(ctx, `SELECT reltuples FROM pg_class WHERE relname = 'stats_probe'`).Scan(&reltuples); err != nil || reltuples != 1500 {
		t.Errorf("the planner's count of rows after the analysis: %v %v", reltuples, err)
	}
	if n := modified(); n != 0 {
		t.Errorf("%d rows changed since the analysis, want 0", n)
	}
	insert(1200)
	if analyzed(1200) {
		t.Error("a table of 1500 rows that grew by 1200 was analyzed")
	}
	insert(400)
	if !analyzed(1600) {
		t.Error("a table of 1500 rows that grew by 1600 was not analyzed")
	}
}
