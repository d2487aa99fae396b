package store_test

import (
	"context"
	"testing"
)

// TestInvitedAddressesOfEarlierAcceptances: presenters who accepted before the invited address was
// kept (migration 00027) get it from the last invitation sent to them before they answered (00028);
// one who accepted at the address invited, one still invited, one whose invitations are not in the
// outbox and one who already has it are left as they are.
func TestInvitedAddressesOfEarlierAcceptances(t *testing.T) {
	ctx := context.Background()
	db := migrated(t, "invitedemail")
	exec := execer(t, db)
	seedConference(t, db)
	exec(`INSERT INTO users (id, email, name, password_hash) VALUES
		(2, 'ben.work@example.org', 'Ben Adeyemi', ''), (3, 'cy@example.org', 'Cy Park', ''),
		(4, 'di.new@example.org', 'Di Osei', ''), (5, 'ed.home@example.org', 'Ed Lin', '')`)
	exec(`INSERT INTO proposals (id, conference_id, owner_id, format_id, title) VALUES (10, 1, 1, 1, 'Story circles')`)
	exec(`INSERT INTO proposal_presenters (id, proposal_id, user_id, email, name, is_owner, status, answered_at, invited_email) VALUES
		(1, 10, 1, 'ama@example.org', 'Ama Owusu', true, 'accepted', NULL, NULL),
		(2, 10, 2, 'ben.work@example.org', 'Ben Adeyemi', false, 'accepted', '2027-03-02 12:00+00', NULL),
		(3, 10, 3, 'cy@example.org', 'Cy Park', false, 'accepted', '2027-03-02 12:00+00', NULL),
		(4, 10, NULL, 'dee@example.org', 'Dee Osei', false, 'invited', NULL, NULL),
		(5, 10, 5, 'ed.home@example.org', 'Ed Lin', false, 'accepted', '2027-03-02 12:00+00', 'ed@example.org')`)
	exec(`INSERT INTO proposal_presenters (id, proposal_id, user_id, email, name, is_owner, status, answered_at) VALUES
		(6, 10, 4, 'di.new@example.org', 'Di Osei', false, 'accepted', '2027-03-02 12:00+00')`)
	exec(`INSERT INTO email_messages (event_key, recipient, subject, body_text, body_html, created_at) VALUES
		('presenter-invitation:2:1', 'ben.old@example.org', 'Invitation', 't', 'h', '2027-03-01 09:00+00'),
		('presenter-invitation:2:2', 'Ben@Example.org', 'Invitation', 't', 'h', '2027-03-01 10:00+00'),
		('presenter-invitation:2:3', 'ben.later@example.org', 'Invitation', 't', 'h', '2027-03-03 10:00+00'),
		('presenter-invitation:3:1', 'cy@example.org', 'Invitation', 't', 'h', '2027-03-01 10:00+00'),
		('presenter-invitation:4:1', 'dee@example.org', 'Invitation', 't', 'h', '2027-03-01 10:00+00'),
		('presenter-invitation:5:1', 'ed.other@example.org', 'Invitation', 't', 'h', '2027-03-01 10:00+00'),
		('presenter-invitation:60:1', 'not.di@example.org', 'Invitation', 't', 'h', '2027-03-01 10:00+00')`)
	downTo(t, db, 27)
	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	want := map[int]string{1: "", 2: "ben@example.org", 3: "", 4: "", 5: "ed@example.org", 6: ""}
	for id, w := range want {
		var got string
		if err := db.SQL.QueryRow(`SELECT coalesce(invited_email, '') FROM proposal_presenters WHERE id = $1`, id).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != w {
			t.Errorf("presenter %d: invited at %q, want %q", id, got, w)
		}
	}
}
