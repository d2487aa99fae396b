package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/audit"
	"github.com/challenging-norms/conference/internal/pgtest"
	"github.com/challenging-norms/conference/internal/store"
	"github.com/challenging-norms/conference/internal/submission"
)

// TestLockedReadAfterAWriter reads a proposal with its lock while another transaction holds the
// lock, writes the proposal's next version and adds a presenter: the read waits, and returns that
// version with the texts of its revision and the new presenter, none of which the statement that
// began waiting could see.
func TestLockedReadAfterAWriter(t *testing.T) {
	ctx := context.Background()
	db := migrated(t, "locked")
	seedProposal(t, db, "The first text.", `{}`)

	writer, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = writer.Rollback() }()
	for _, q := range []string{
		`SELECT 1 FROM proposals WHERE id = 10 FOR UPDATE`,
		`UPDATE proposals SET version = 2, title = 'Story circles, again' WHERE id = 10`,
		`INSERT INTO proposal_revisions (proposal_id, version, status, format_id, title, abstract, answers)
			VALUES (10, 2, 'draft', 1, 'Story circles, again', 'The second text.', '{"stage":["Done"]}')`,
		`INSERT INTO proposal_presenters (proposal_id, email, name, is_owner, status, position) VALUES (10, 'kofi@example.org', 'Kofi Mensah', false, 'invited', 1)`,
	} {
		if _, err := writer.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	type read struct {
		p   submission.Proposal
		err error
	}
	got := make(chan read, 1)
	go func() {
		var r read
		r.err = db.InTx(ctx, func(ctx context.Context) error {
			var err error
			r.p, err = store.Proposals{DB: db}.Get(ctx, 1, 10, true)
			return err
		})
		got <- r
	}()
	// The read is waiting for the lock once the server says so (no other session here waits for one).
	for deadline := time.Now().Add(10 * time.Second); count(t, db, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock'`) == 0; {
		select {
		case r := <-got:
			t.Fatalf("the locked read did not wait for the writer: %+v", r)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatal("the locked read never waited for the lock")
		}
	}
	if err := writer.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-got:
		if r.err != nil {
			t.Fatal(r.err)
		}
		if r.p.Version != 2 || r.p.Title != "Story circles, again" || r.p.Abstract != "The second text." || r.p.Answers.Value("stage") != "Done" {
			t.Errorf("after waiting: version %d, %q, %q, stage %q; want version 2 with its texts",
				r.p.Version, r.p.Title, r.p.Abstract, r.p.Answers.Value("stage"))
		}
		if len(r.p.Presenters) != 2 {
			t.Errorf("after waiting: %d presenters, want the owner and the one invited meanwhile", len(r.p.Presenters))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the locked read did not finish")
	}
}

// TestStatusWriteChecksThePresenters writes a submit read before a presenter was invited: the write
// is refused, as one read at another version is, and made once read again, its revision copying
// the texts of the version before.
func TestStatusWriteChecksThePresenters(t *testing.T) {
	ctx := context.Background()
	db := migrated(t, "status")
	seedProposal(t, db, "The text.", `{"stage":["Done"]}`)
	exec := execer(t, db)
	ps := store.Proposals{DB: db}
	submit := func() bool {
		t.Helper()
		var saved []bool
		err := db.InTx(ctx, func(ctx context.Context) error {
			p, err := ps.Get(ctx, 1, 10, false)
			if err != nil {
				return err
			}
			if n := len(p.Presenters); n == 1 {
				// Invited after the read, before the write.
				exec(`INSERT INTO proposal_presenters (proposal_id, email, name, is_owner, status, position) VALUES (10, 'kofi@example.org', 'Kofi Mensah', false, 'invited', 1)`)
			}
			now := time.Now()
			old := p.Version
			p.Status, p.SubmittedAt, p.UpdatedAt, p.Version = submission.Submitted, &now, now, p.Version+1
			owner := int64(1)
			saved, err = ps.SaveStatuses(ctx, []submission.StatusSave{{P: p, OldVersion: old,
				Revision: submission.Revision{SavedBy: &owner, Note: "submitted"}, Entry: audit.Entry{Action: "proposal.submitted", Subject: "proposal:10"}}})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return saved[0]
	}
	if submit() {
		t.Fatal("a submit read before a presenter was invited was written")
	}
	if n := count(t, db, `SELECT version FROM proposals WHERE id = 10`); n != 1 {
		t.Fatalf("the refused write left the proposal at version %d", n)
	}
	if !submit() {
		t.Fatal("the submit read again was not written")
	}
	if n := count(t, db, `SELECT count(*) FROM proposals p JOIN proposal_revisions r ON r.proposal_id = p.id AND r.version = p.version
		WHERE p.id = 10 AND p.version = 2 AND p.status = 'submitted' AND r.abstract = 'The text.' AND r.answers = '{"stage":["Done"]}'`); n != 1 {
		t.Error("the submit's revision does not hold the texts of the version before")
	}
}

// TestAnswerAndChangeOfAnInvitationDoNotDeadlock answers an invitation (read by its hash, then its
// proposal locked) while another transaction, holding the proposal as every change of presenters
// does, changes the same invitation: the answer waits for it and reads the invitation as changed;
// neither transaction is chosen to fail a deadlock.
func TestAnswerAndChangeOfAnInvitationDoNotDeadlock(t *testing.T) {
	ctx := context.Background()
	db := migrated(t, "invite")
	seedProposal(t, db, "The text.", `{}`)
	exec := execer(t, db)
	exec(`INSERT INTO proposal_presenters (proposal_id, email, name, is_owner, status, position, token_hash, invited_by)
		VALUES (10, 'kofi@example.org', 'Kofi Mensah', false, 'invited', 1, '\x0102', 1)`)
	ps := store.Proposals{DB: db}

	changer, err := db.SQL.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = changer.Rollback() }()
	if _, err := changer.Exec(`SELECT 1 FROM proposals WHERE id = 10 FOR UPDATE`); err != nil {
		t.Fatal(err)
	}
	answered := make(chan error, 1)
	var name string
	go func() {
		answered <- db.InTx(ctx, func(ctx context.Context) error {
			inv, err := ps.InvitationByHash(ctx, []byte{1, 2})
			if err != nil {
				return err
			}
			name = inv.Presenter.Name
			_, err = ps.Get(ctx, 1, 10, true)
			return err
		})
	}()
	for deadline := time.Now().Add(10 * time.Second); count(t, db, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND wait_event_type = 'Lock'`) == 0; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the answer never waited for the proposal")
		}
	}
	if _, err := changer.Exec(`UPDATE proposal_presenters SET name = 'Kofi A. Mensah' WHERE token_hash = '\x0102'`); err != nil {
		t.Fatalf("the change of the invitation: %v", err)
	}
	if err := changer.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-answered:
		if err != nil {
			t.Fatalf("the answer: %v", err)
		}
		if name != "Kofi A. Mensah" {
			t.Errorf("the answer read the invitation as %q, before the change it waited for", name)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the answer did not finish")
	}
}

// migrated is a database of its own for the test, its schema up to date; it is closed and dropped
// when the test ends.
func migrated(t *testing.T, name string) *store.DB {
	t.Helper()
	d, drop, err := pgtest.New(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(drop)
	db, err := store.Open(context.Background(), store.Options{URL: d.URL})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	if _, err := db.MigrateUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// seedProposal makes the conference (seedConference) and its draft proposal 10, "Story circles", at
// version 1 with the texts given, presented by its owner, user 1.
func seedProposal(t *testing.T, db *store.DB, abstract, answers string) {
	t.Helper()
	seedConference(t, db)
	exec := execer(t, db)
	exec(`INSERT INTO proposals (id, conference_id, owner_id, format_id, title) VALUES (10, 1, 1, 1, 'Story circles')`)
	exec(`INSERT INTO proposal_revisions (proposal_id, version, status, format_id, title, abstract, answers)
		VALUES (10, 1, 'draft', 1, 'Story circles', $1, $2)`, abstract, answers)
	exec(`INSERT INTO proposal_presenters (proposal_id, user_id, email, name, is_owner, status) VALUES (10, 1, 'ama@example.org', 'Ama Owusu', true, 'accepted')`)
}
