package mail_test

import (
	"context"
	"testing"

	"github.com/challenging-norms/conference/internal/mail"
	"github.com/challenging-norms/conference/internal/notify"
	"github.com/challenging-norms/conference/internal/pgtest"
	"github.com/challenging-norms/conference/internal/store"
	"github.com/challenging-norms/conference/internal/submission"
	"github.com/challenging-norms/conference/web"
)

var testDB *pgtest.Database

func TestMain(m *testing.M) { pgtest.Main(m, &testDB) }

// TestOutboxQueuesManyAtOnce: messages queued together are each stored once with their attachments
// and a delivery job, and an event that has its message already (before, or earlier in the same
// batch) gets no second one.
func TestOutboxQueuesManyAtOnce(t *testing.T) {
	ctx := context.Background()
	db, err := testDB.Open(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	r, err := mail.NewRenderer(web.FS, "Test")
	if err != nil {
		t.Fatal(err)
	}
	outbox := mail.NewOutbox(r, store.Mail{DB: db})
	msg := func(key, to, title string) notify.Message {
		return notify.Message{EventKey: key, To: to, ToName: "Ada", Template: "proposal_withdrawn",
			Data: submission.WithdrawnMail{Name: "Ada", Conference: "Challenging Norms", Title: title, By: "Ada", Link: "http://conf.test/p/1"}}
	}
	if err := outbox.Enqueue(ctx, msg("ev-before", "before@example.org", "Queued before")); err != nil {
		t.Fatal(err)
	}
	withFile := msg("ev-file", "file@example.org", "With a file")
	withFile.Attachments = []notify.Attachment{{Name: "invite.ics", ContentType: "text/calendar", Data: []byte("BEGIN:VCALENDAR")}}
	batch := []notify.Message{
		msg("ev-1", "one@example.org", "First"),
		msg("ev-before", "before@example.org", "Queued again"),
		withFile,
		msg("ev-1", "one@example.org", "First, twice"),
	}
	if err := db.InTx(ctx, func(ctx context.Context) error { return notify.EnqueueAll(ctx, outbox, batch) }); err != nil {
		t.Fatal(err)
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := db.SQL.QueryRow(q, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	for key, want := range map[string]string{"ev-before": "%Queued before%", "ev-1": "%First%", "ev-file": "%With a file%"} {
		if n := count(`SELECT count(*) FROM email_messages WHERE event_key = $1 AND body_text LIKE $2 AND status = 'queued'`, key, want); n != 1 {
			t.Errorf("%s: %d messages like %q, want 1", key, n, want)
		}
		if n := count(`SELECT count(*) FROM river_job j JOIN email_messages e ON (j.args->'email_ids') @> to_jsonb(e.id) OR (j.args->>'email_id')::bigint = e.id WHERE e.event_key = $1`, key); n != 1 {
			t.Errorf("%s: %d delivery jobs, want 1", key, n)
		}
	}
	if n := count(`SELECT count(*) FROM email_messages WHERE body_text LIKE '%twice%' OR body_text LIKE '%again%'`); n != 0 {
		t.Errorf("%d second messages for one event", n)
	}
	if n := count(`SELECT count(*) FROM email_attachments a JOIN email_messages e ON e.id = a.email_id
		WHERE e.event_key = 'ev-file' AND a.name = 'invite.ics' AND a.data = 'BEGIN:VCALENDAR'`); n != 1 {
		t.Errorf("%d attachments of the message with a file, want 1", n)
	}
}
