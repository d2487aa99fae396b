package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/challenging-norms/conference/internal/store"
)

// TestProposalTextsMoveToRevisions migrates proposals written while their texts lived in their own
// rows (migration 00017) to texts kept in revisions (00018), and back: a proposal whose current
// version has its revision keeps it, one without gets one, and one whose revision differs gets the
// texts the proposal showed; reads through the store return each proposal's texts; rolling back puts
// them in the proposals' rows again.
func TestProposalTextsMoveToRevisions(t *testing.T) {
	ctx := context.Background()
	db := migrated(t, "texts")
	downTo(t, db, 17)
	exec := execer(t, db)
	seedConference(t, db)
	exec(`INSERT INTO proposals (id, conference_id, owner_id, format_id, title, abstract, answers, version) VALUES
		(1, 1, 1, 1, 'Kept', 'The revision holds this.', '{"stage":["Planned"]}', 2),
		(2, 1, 1, 1, 'Missing', 'No revision of version 3.', '{"stage":["Done"]}', 3),
		(3, 1, 1, 1, 'Differs', 'What the proposal showed.', '{}', 1),
		(4, 1, 1, 1, 'Long', repeat('Residents listened. ', 200), '{}', 1)`)
	exec(`INSERT INTO proposal_revisions (proposal_id, version, status, format_id, title, abstract, answers) VALUES
		(1, 1, 'draft', 1, 'Kept', 'An older text.', '{}'),
		(1, 2, 'draft', 1, 'Kept', 'The revision holds this.', '{"stage":["Planned"]}'),
		(2, 1, 'draft', 1, 'Missing', 'Version one.', '{}'),
		(3, 1, 'draft', 1, 'Differs', 'Something else.', '{}'),
		(4, 1, 'draft', 1, 'Long', repeat('Residents listened. ', 200), '{}')`)

	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[int64]struct{ abstract, stage string }{1: {"The revision holds this.", "Planned"}, 2: {"No revision of version 3.", "Done"}, 3: {"What the proposal showed.", ""},
		4: {strings.Repeat("Residents listened. ", 200), ""}}
	ps := store.Proposals{DB: db}
	for id, w := range want {
		p, err := ps.Get(ctx, 1, id, false)
		if err != nil {
			t.Fatal(err)
		}
		if p.Abstract != w.abstract || p.Answers.Value("stage") != w.stage {
			t.Errorf("proposal %d after the move: %q, stage %q; want %q, %q", id, p.Abstract, p.Answers.Value("stage"), w.abstract, w.stage)
		}
	}
	if n := count(t, db, `SELECT count(*) FROM proposal_revisions`); n != 6 {
		t.Errorf("%d revisions after the move, want 6 (one made for proposal 2)", n)
	}
	if n := count(t, db, `SELECT count(*) FROM proposal_revisions WHERE proposal_id = 1 AND version = 1 AND abstract = 'An older text.'`); n != 1 {
		t.Error("an older revision was changed")
	}
	if n := count(t, db, `SELECT count(*) FROM information_schema.columns WHERE table_name = 'proposals' AND column_name IN ('abstract', 'answers')`); n != 0 {
		t.Errorf("the proposals still have %d text columns", n)
	}

	downTo(t, db, 17)
	for id, w := range want {
		if n := count(t, db, `SELECT count(*) FROM proposals WHERE id = $1 AND abstract = $2`, id, w.abstract); n != 1 {
			t.Errorf("proposal %d after rolling back: not %q", id, w.abstract)
		}
	}
	// 00014 compresses with lz4 where the server can (the revisions' texts show whether it could).
	lz4 := count(t, db, `SELECT count(*) FROM pg_attribute WHERE attrelid = 'proposal_revisions'::regclass
		AND attname = 'abstract' AND attcompression = 'l'`) == 1
	if n := count(t, db, `SELECT count(*) FROM pg_attribute WHERE attrelid = 'proposals'::regclass
		AND attname IN ('abstract', 'answers') AND attcompression = 'l'`); lz4 && n != 2 {
		t.Errorf("after rolling back, %d of the proposals' text columns are compressed with lz4, as 00014 left them; want 2", n)
	}
}

// execer runs statements on db, failing the test on an error.
func execer(t *testing.T, db *store.DB) func(q string, args ...any) {
	return func(q string, args ...any) {
		t.Helper()
		if _, err := db.SQL.Exec(q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// seedConference makes user 1 and conference 1 with format 1, with no more than the tables need.
func seedConference(t *testing.T, db *store.DB) {
	t.Helper()
	exec := execer(t, db)
	exec(`INSERT INTO users (id, email, name, password_hash) VALUES (1, 'ama@example.org', 'Ama Owusu', '')`)
	exec(`INSERT INTO conferences (id, slug, name, time_zone, starts_on, ends_on) VALUES (1, 'cn', 'Challenging Norms', 'America/New_York', '2027-10-15', '2027-10-16')`)
	exec(`INSERT INTO formats (id, conference_id, name, duration_minutes, max_presenters, abstract_max_words) VALUES (1, 1, 'Poster abstract', 10, 2, 300)`)
}

func count(t *testing.T, db *store.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL.QueryRow(q, args...).Scan(&n); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// downTo rolls back the migrations newer than version.
func downTo(t *testing.T, db *store.DB, version int64) {
	t.Helper()
	for {
		v, err := db.MigrateDown(context.Background())
		if err != nil || v <= version {
			t.Fatalf("down to %05d: rolled back %d, %v", version, v, err)
		}
		if v == version+1 {
			return
		}
	}
}
