package store_test

import (
	"context"
	"testing"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/store"
)

// TestDevMailboxMovesToTheOutbox migrates a development mailbox that kept copies (migration 00018)
// to one that reads the outbox (00019), and back: the messages it held are still in it, with their
// attachments, and no other; rolling back makes the copies again.
func TestDevMailboxMovesToTheOutbox(t *testing.T) {
	ctx := context.Background()
	db := migrated(t, "devmailbox")
	downTo(t, db, 18)
	exec := execer(t, db)
	exec(`INSERT INTO email_messages (id, event_key, recipient, recipient_name, subject, body_text, body_html, status, sent_at) VALUES
		(1, 'a', 'ama@example.org', 'Ama Owusu', 'Received: Story circles', 'text one', '<p>one</p>', 'sent', now()),
		(2, 'b', 'ben@example.org', '', 'Your invitation', 'text two', '<p>two</p>', 'sent', now()),
		(3, 'c', 'cy@example.org', '', 'Sent by SMTP', 'text three', '<p>three</p>', 'sent', now()),
		(4, 'd', 'di@example.org', '', 'Waiting', 'text four', '<p>four</p>', 'queued', NULL)`)
	exec(`INSERT INTO email_attachments (email_id, name, content_type, data) VALUES (2, 'invite.ics', 'text/calendar', 'BEGIN:VCALENDAR')`)
	exec(`INSERT INTO dev_mailbox (message_id, sender, recipient, subject, body_text, body_html) VALUES
		('mail-1@localhost', 'cfp@example.org', 'Ama Owusu <ama@example.org>', 'Received: Story circles', 'text one', '<p>one</p>'),
		('mail-2@localhost', 'cfp@example.org', 'ben@example.org', 'Your invitation', 'text two', '<p>two</p>'),
		('<elsewhere@example.org>', 'cfp@example.org', 'x@example.org', 'Not from the outbox', 't', 'h')`)
	exec(`INSERT INTO dev_mailbox_attachments (dev_mail_id, name, content_type, data) SELECT id, 'invite.ics', 'text/calendar', 'BEGIN:VCALENDAR' FROM dev_mailbox WHERE message_id = 'mail-2@localhost'`)

	if _, err := db.MigrateUp(ctx); err != nil {
		t.Fatal(err)
	}
	box := store.Mail{DB: db}
	msgs, err := box.DevMails(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].ID != 2 || msgs[1].ID != 1 || msgs[1].To != "Ama Owusu <ama@example.org>" || msgs[1].Text != "text one" {
		t.Errorf("in the mailbox after migrating: %+v", msgs)
	}
	m, err := box.DevMail(ctx, 2)
	if err != nil || len(m.Attachments) != 1 || m.Attachments[0].Name != "invite.ics" {
		t.Errorf("message 2: %+v, %v", m, err)
	}
	for _, id := range []int64{3, 4} {
		if _, err := box.DevMail(ctx, id); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("message %d, never in the mailbox: %v", id, err)
		}
	}

	downTo(t, db, 18)
	if n := count(t, db, `SELECT count(*) FROM dev_mailbox d JOIN dev_mailbox_attachments a ON a.dev_mail_id = d.id
		WHERE d.message_id = 'mail-2@localhost' AND a.name = 'invite.ics'`); n != 1 {
		t.Errorf("after rolling back, message 2 has %d attachments in the mailbox", n)
	}
	if n := count(t, db, `SELECT count(*) FROM dev_mailbox WHERE recipient IN ('Ama Owusu <ama@example.org>', 'ben@example.org')`); n != 2 {
		t.Errorf("after rolling back, %d of the 2 messages are in the mailbox", n)
	}
}
