package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/PuerkitoBio/goquery"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/mail"
	"github.com/challenging-norms/conference/internal/mail/smtptest"
)

type emailState struct {
	ID       int64
	Status   string
	Attempts int
	Error    string
}

func emailTo(t *testing.T, ta *testApp, to, subject string) emailState {
	t.Helper()
	var e emailState
	err := ta.db.SQL.QueryRow(`SELECT id, status, attempts, last_error FROM email_messages
		WHERE recipient = $1 AND subject LIKE '%' || $2 || '%' ORDER BY id DESC LIMIT 1`, to, subject).
		Scan(&e.ID, &e.Status, &e.Attempts, &e.Error)
	if err != nil {
		t.Fatalf("email to %s (%s): %v", to, subject, err)
	}
	return e
}

// waitEmailStatus waits until the newest such message has the status (the SMTP server sees a message
// a moment before its delivery is committed).
func waitEmailStatus(t *testing.T, ta *testApp, to, subject, status string) emailState {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		e := emailTo(t, ta, to, subject)
		if e.Status == status || time.Now().After(deadline) {
			return e
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestMailThroughQueueToSMTP sends the mail a change causes through the queue to a real SMTP server,
// retries after a temporary refusal, and never sends one message twice.
func TestMailThroughQueueToSMTP(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	sender, err := mail.NewSMTP(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ta := startApp(t, withFreshDB(t), withSender(sender))
	b := ta.browser()

	p := b.post("/signup", "/signup", url.Values{"name": {"Kofi Mensah"}, "email": {"kofi@example.org"}, "password": {"a long enough passphrase"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("sign-up: %d %s", p.Status, p.problem())
	}
	got := srv.Wait(t, 1, 15*time.Second)[0]
	if got.To[0] != "kofi@example.org" || !strings.Contains(got.Header.Get("Subject"), "Confirm your email") {
		t.Fatalf("arrived: to %v subject %q", got.To, got.Header.Get("Subject"))
	}
	if !strings.Contains(got.Text, ta.URL+"/verify?token=") {
		t.Errorf("verification link missing from:\n%s", got.Text)
	}
	if e := waitEmailStatus(t, ta, "kofi@example.org", "Confirm", "sent"); e.Status != "sent" || e.Attempts != 1 {
		t.Errorf("after delivery: %+v", e)
	}

	// A temporary refusal: the queue tries again and the message arrives once.
	srv.FailNext(1)
	p = b.post("/password/forgot", "/password/forgot", url.Values{"email": {"kofi@example.org"}})
	if p.Status != http.StatusOK {
		t.Fatalf("forgot: %d %s", p.Status, p.problem())
	}
	msgs := srv.Wait(t, 2, 30*time.Second)
	if !strings.Contains(msgs[1].Header.Get("Subject"), "new password") {
		t.Fatalf("second message: %q", msgs[1].Header.Get("Subject"))
	}
	e := waitEmailStatus(t, ta, "kofi@example.org", "new password", "sent")
	if e.Status != "sent" || e.Attempts != 2 || e.Error != "" {
		t.Errorf("after a retry: %+v", e)
	}

	// Delivering an already sent message again (the queue runs jobs at least once) sends nothing.
	d := mail.Delivery{Store: ta.mailbox(), Sender: sender, From: "x@example.org", Domain: "example.org"}
	if err := d.Deliver(context.Background(), e.ID, false); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if n := len(srv.Messages()); n != 2 {
		t.Errorf("%d messages after a repeated delivery, want 2", n)
	}

	// Enqueueing the same event twice yields one message.
	key := "test-event:1"
	for range 2 {
		if _, err := ta.mailbox().Enqueue(context.Background(), &mail.Email{EventKey: key, Recipient: "once@example.org", Subject: "Once", Text: "t", HTML: "h", Status: mail.Queued}); err != nil {
			t.Fatal(err)
		}
	}
	var n int
	_ = ta.db.SQL.QueryRow(`SELECT count(*) FROM email_messages WHERE event_key = $1`, key).Scan(&n)
	if n != 1 {
		t.Errorf("%d rows for one event", n)
	}
}

type failingSender struct{}

func (failingSender) Send(context.Context, mail.Envelope) error {
	return errors.New("550 mailbox unavailable")
}
func (failingSender) Describe() string { return "a failing sender" }

// TestMailLogShowsFailures checks that a message that failed its last attempt is marked failed with
// its error, and that admins see it in the mail log.
func TestMailLogShowsFailures(t *testing.T) {
	t.Parallel()
	ta := startApp(t, withFreshDB(t), withSender(failingSender{}))
	ctx := context.Background()
	if _, err := ta.accounts.CreateUser(ctx, account.CreateUserInput{Email: "admin.mail@example.org", Name: "Ada Admin", Password: "admin password here", Admin: true}); err != nil {
		t.Fatal(err)
	}
	if err := ta.accounts.RequestPasswordReset(ctx, "admin.mail@example.org"); err != nil {
		t.Fatal(err)
	}
	e := emailTo(t, ta, "admin.mail@example.org", "new password")
	d := mail.Delivery{Store: ta.mailbox(), Sender: failingSender{}, From: "x@example.org", Domain: "example.org"}
	if err := d.Deliver(ctx, e.ID, true); err == nil {
		t.Fatal("want the sender's error")
	}
	e = emailTo(t, ta, "admin.mail@example.org", "new password")
	if e.Status != "failed" || !strings.Contains(e.Error, "550") || e.Attempts < 1 {
		t.Errorf("after the last attempt: %+v", e)
	}

	b := ta.browser()
	if p := b.post("/login", "/login", url.Values{"email": {"admin.mail@example.org"}, "password": {"admin password here"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("log-in: %d %s", p.Status, p.problem())
	}
	p := b.get("/admin/mail")
	found := false
	for _, tr := range rowsText(p) {
		if strings.Contains(tr, "admin.mail@example.org") && strings.Contains(tr, "failed") && strings.Contains(tr, "550 mailbox unavailable") {
			found = true
		}
	}
	if !found {
		t.Errorf("mail log does not show the failure; rows: %q", rowsText(p))
	}

	// People who are not admins do not see the installation's mail log.
	if _, err := ta.accounts.CreateUser(ctx, account.CreateUserInput{Email: "nia.mail@example.org", Name: "Nia", Password: "another good password"}); err != nil {
		t.Fatal(err)
	}
	nb := ta.browser()
	if p := nb.post("/login", "/login", url.Values{"email": {"nia.mail@example.org"}, "password": {"another good password"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("log-in: %d %s", p.Status, p.problem())
	}
	if p := nb.get("/admin/mail"); p.Status != http.StatusForbidden {
		t.Errorf("a non-admin gets %d from /admin/mail, want 403", p.Status)
	}
}

// rowsText returns the text of each table body row.
func rowsText(p page) []string {
	var out []string
	p.Doc.Find("tbody tr").Each(func(_ int, s *goquery.Selection) {
		out = append(out, strings.Join(strings.Fields(s.Text()), " "))
	})
	return out
}

type acceptingSender struct{}

func (acceptingSender) Send(context.Context, mail.Envelope) error { return nil }
func (acceptingSender) Describe() string                          { return "an accepting sender" }

// TestDevMailboxReadsTheOutbox: the development mailbox shows the messages delivered into it, newest
// first, each once however often its delivery runs, with its own attachments, the configured sender
// and its Message-ID; a message another sender delivered, or one not yet delivered, is not in it.
func TestDevMailboxReadsTheOutbox(t *testing.T) {
	t.Parallel()
	ta := startApp(t, withFreshDB(t))
	ctx := context.Background()
	box, ok := ta.devMailbox.(mail.DevMailbox)
	if !ok {
		t.Fatalf("the app without SMTP has no development mailbox but %T", ta.devMailbox)
	}
	d := mail.Delivery{Store: ta.mailbox(), Sender: box, From: box.From, Domain: box.Domain}
	ids := []int64{insertEmail(t, ta, "one@example.org", "Kept", "queued"), insertEmail(t, ta, "two@example.org", "Kept", "queued"),
		insertEmail(t, ta, "three@example.org", "Kept", "queued")}
	if _, err := ta.db.SQL.Exec(`INSERT INTO email_attachments (email_id, name, content_type, data) VALUES ($1, 'invite.ics', 'text/calendar', 'BEGIN:VCALENDAR')`, ids[1]); err != nil {
		t.Fatal(err)
	}
	elsewhere := insertEmail(t, ta, "smtp@example.org", "Elsewhere", "queued")
	waiting := insertEmail(t, ta, "later@example.org", "Waiting", "queued")
	for range 2 {
		if err := d.DeliverMany(ctx, ids, false); err != nil {
			t.Fatal(err)
		}
	}
	if err := (mail.Delivery{Store: ta.mailbox(), Sender: acceptingSender{}, From: box.From, Domain: box.Domain}).Deliver(ctx, elsewhere, false); err != nil {
		t.Fatal(err)
	}

	msgs, err := box.DevMails(ctx, 10)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range msgs {
		got = append(got, m.To)
	}
	if strings.Join(got, " ") != "three@example.org two@example.org one@example.org" {
		t.Errorf("in the mailbox: %q", got)
	}
	m, err := box.DevMail(ctx, ids[1])
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Attachments) != 1 || m.Attachments[0].Name != "invite.ics" || string(m.Attachments[0].Data) != "BEGIN:VCALENDAR" {
		t.Errorf("attachments: %+v", m.Attachments)
	}
	if m.From != box.From || m.From == "" || m.MessageID != fmt.Sprintf("mail-%d@%s", ids[1], box.Domain) || m.ReceivedAt.IsZero() || m.Text != "text" {
		t.Errorf("message: %+v", m)
	}
	for _, id := range []int64{elsewhere, waiting} {
		if _, err := box.DevMail(ctx, id); !apperr.Is(err, apperr.NotFound) {
			t.Errorf("message %d, not delivered into the mailbox: %v", id, err)
		}
	}
	var states string
	if err := ta.db.SQL.QueryRow(`SELECT string_agg(status || ':' || attempts || ':' || dev_mailbox, ' ' ORDER BY id) FROM email_messages WHERE id = ANY($1)`,
		append(ids, elsewhere, waiting)).Scan(&states); err != nil {
		t.Fatal(err)
	}
	if states != "sent:1:true sent:1:true sent:1:true sent:1:false queued:0:false" {
		t.Errorf("in the outbox: %s", states)
	}

	// The page lists them, and a message shows its attachment.
	b := ta.browser()
	if p := b.get("/dev/mailbox"); p.Status != http.StatusOK || len(rowsText(p)) != 3 {
		t.Errorf("/dev/mailbox: %d, rows %q", p.Status, rowsText(p))
	}
	if p := b.get(fmt.Sprintf("/dev/mailbox/%d", ids[1])); p.Status != http.StatusOK || !strings.Contains(p.Doc.Find("main").Text(), "invite.ics") {
		t.Errorf("/dev/mailbox/%d: %d", ids[1], p.Status)
	}
	if p := b.get(fmt.Sprintf("/dev/mailbox/%d", elsewhere)); p.Status != http.StatusNotFound {
		t.Errorf("a message sent elsewhere: %d, want 404", p.Status)
	}
}

// smtpApp starts a real SMTP server, a sender to it, and the app on a fresh database.
func smtpApp(t *testing.T) (*smtptest.Server, mail.Sender, *testApp) {
	t.Helper()
	srv := smtptest.Start(t)
	sender, err := mail.NewSMTP(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	return srv, sender, startApp(t, withFreshDB(t))
}

// insertEmail stores a message to the address with the subject and status and no delivery job, so
// that only the test delivers it.
func insertEmail(t *testing.T, ta *testApp, to, subject, status string) int64 {
	t.Helper()
	var id int64
	if err := ta.db.SQL.QueryRow(`INSERT INTO email_messages (event_key, recipient, subject, body_text, body_html, status)
		VALUES ('test:' || $1 || ':' || $2, $1, $2, 'text', '<p>html</p>', $3) RETURNING id`, to, subject, status).Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestMessagesDeliveredTogether: messages queued together are delivered by one job to a real SMTP
// server: a refusal is recorded for its own message while the others go out, with their
// attachments; a message already sent is not sent again; the next attempt sends only what is left,
// and the last one marks what still fails as failed.
func TestMessagesDeliveredTogether(t *testing.T) {
	t.Parallel()
	srv, sender, ta := smtpApp(t)
	ctx := context.Background()
	d := mail.Delivery{Store: ta.mailbox(), Sender: sender, From: "x@example.org", Domain: "example.org"}
	insert := func(to, status string) int64 { return insertEmail(t, ta, to, "Together "+to, status) }
	first, withFile, third, sent := insert("first@example.org", "queued"), insert("file@example.org", "queued"),
		insert("third@example.org", "queued"), insert("sent@example.org", "sent")
	if _, err := ta.db.SQL.Exec(`INSERT INTO email_attachments (email_id, name, content_type, data) VALUES ($1, 'invite.ics', 'text/calendar', 'BEGIN:VCALENDAR')`, withFile); err != nil {
		t.Fatal(err)
	}
	state := func(id int64) (status string, attempts int, lastErr string) {
		t.Helper()
		if err := ta.db.SQL.QueryRow(`SELECT status, attempts, last_error FROM email_messages WHERE id = $1`, id).Scan(&status, &attempts, &lastErr); err != nil {
			t.Fatal(err)
		}
		return
	}

	srv.FailNext(1) // the first message, sent first, is refused
	if err := d.DeliverMany(ctx, []int64{first, withFile, third, sent}, false); err == nil || !strings.Contains(err.Error(), "1 of 3 messages not sent") {
		t.Fatalf("first attempt: %v", err)
	}
	got := srv.Messages()
	if len(got) != 2 || got[0].To[0] != "file@example.org" || got[1].To[0] != "third@example.org" {
		t.Fatalf("arrived after the first attempt: %+v", got)
	}
	if len(got[0].Attachments) != 1 || got[0].Attachments[0].Name != "invite.ics" {
		t.Errorf("the attachment: %+v", got[0].Attachments)
	}
	if s, n, e := state(first); s != "queued" || n != 1 || e == "" {
		t.Errorf("the refused message: %s, %d attempts, %q", s, n, e)
	}
	for _, id := range []int64{withFile, third} {
		if s, n, e := state(id); s != "sent" || n != 1 || e != "" {
			t.Errorf("message %d: %s, %d attempts, %q", id, s, n, e)
		}
	}
	if s, n, _ := state(sent); s != "sent" || n != 0 {
		t.Errorf("the message sent before: %s, %d attempts", s, n)
	}

	if err := d.DeliverMany(ctx, []int64{first, withFile, third, sent}, false); err != nil {
		t.Fatal(err)
	}
	if got := srv.Messages(); len(got) != 3 || got[2].To[0] != "first@example.org" {
		t.Fatalf("arrived after the second attempt: %d messages", len(got))
	}
	if s, n, e := state(first); s != "sent" || n != 2 || e != "" {
		t.Errorf("the refused message, sent: %s, %d attempts, %q", s, n, e)
	}

	// On the last attempt, what still fails is marked failed; the others are sent.
	late, fine := insert("late@example.org", "queued"), insert("fine@example.org", "queued")
	srv.FailNext(1)
	if err := d.DeliverMany(ctx, []int64{late, fine}, true); err == nil {
		t.Fatal("want the refusal")
	}
	if s, _, e := state(late); s != "failed" || e == "" {
		t.Errorf("refused on the last attempt: %s, %q", s, e)
	}
	if s, _, _ := state(fine); s != "sent" {
		t.Errorf("the other message on the last attempt: %s", s)
	}
}

// cancelAfterSend sends through its sender, then ends the delivery's context, as a job's time limit
// or a shutdown would.
type cancelAfterSend struct {
	mail.Sender
	cancel context.CancelFunc
}

func (c cancelAfterSend) Send(ctx context.Context, e mail.Envelope) error {
	err := c.Sender.Send(ctx, e)
	c.cancel()
	return err
}

// TestDeliveryOutOfTimeRecordsWhatWentOut: when a delivery job's context ends while its messages go
// out, the ones sent are recorded as sent (never sent again) and the rest wait, unattempted, for the
// next attempt.
func TestDeliveryOutOfTimeRecordsWhatWentOut(t *testing.T) {
	t.Parallel()
	srv, sender, ta := smtpApp(t)
	ids := []int64{insertEmail(t, ta, "in.time@example.org", "Timed", "queued"), insertEmail(t, ta, "too.late@example.org", "Timed", "queued")}
	ctx, cancel := context.WithCancel(context.Background())
	d := mail.Delivery{Store: ta.mailbox(), Sender: cancelAfterSend{sender, cancel}, From: "x@example.org", Domain: "example.org"}
	if err := d.DeliverMany(ctx, ids, false); err == nil || !strings.Contains(err.Error(), "1 of 2 messages left for the next attempt") {
		t.Fatalf("delivery out of time: %v", err)
	}
	if got := srv.Messages(); len(got) != 1 || got[0].To[0] != "in.time@example.org" {
		t.Fatalf("arrived: %+v", got)
	}
	if e := emailTo(t, ta, "in.time@example.org", "Timed"); e.Status != "sent" || e.Attempts != 1 {
		t.Errorf("the message that went out: %+v", e)
	}
	if e := emailTo(t, ta, "too.late@example.org", "Timed"); e.Status != "queued" || e.Attempts != 0 {
		t.Errorf("the message left: %+v", e)
	}
}

// TestRepliesGoToTheConference: a conference's message, delivered to a real SMTP server, says to
// reply to its call's contact address (its sender is a no-reply address); a message of no
// conference leaves replies to the sender; the development mailbox shows the address too.
func TestRepliesGoToTheConference(t *testing.T) {
	t.Parallel()
	srv, sender, ta := smtpApp(t)
	f := openCall(t, ta, time.Time{})
	ofConference := insertEmail(t, ta, "amara@example.org", "Received: Listening first", "queued")
	if _, err := ta.db.SQL.Exec(`UPDATE email_messages SET conference_id = $1 WHERE id = $2`, f.conf.ID, ofConference); err != nil {
		t.Fatal(err)
	}
	ofNone := insertEmail(t, ta, "amara@example.org", "Confirm your email", "queued")
	d := mail.Delivery{Store: ta.mailbox(), Sender: sender, From: "Conference <no-reply@example.org>", Domain: "example.org"}
	if err := d.DeliverMany(context.Background(), []int64{ofConference, ofNone}, false); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, m := range srv.Wait(t, 2, 15*time.Second) {
		got[m.Header.Get("Subject")] = m.Header.Get("Reply-To")
	}
	if got["Received: Listening first"] != "<program@challengingnorms.example.org>" || got["Confirm your email"] != "" {
		t.Errorf("Reply-To headers: %q", got)
	}

	// In the development mailbox.
	dev := insertEmail(t, ta, "amara@example.org", "Received: Kept here", "queued")
	if _, err := ta.db.SQL.Exec(`UPDATE email_messages SET conference_id = $1 WHERE id = $2`, f.conf.ID, dev); err != nil {
		t.Fatal(err)
	}
	if err := (mail.Delivery{Store: ta.mailbox(), Sender: mail.DevMailbox{Store: ta.mailbox()}, From: "x@example.org", Domain: "example.org"}).Deliver(context.Background(), dev, false); err != nil {
		t.Fatal(err)
	}
	m, err := ta.mailbox().DevMail(context.Background(), dev)
	if err != nil || m.ReplyTo != "program@challengingnorms.example.org" {
		t.Errorf("the development mailbox's message: %q %v", m.ReplyTo, err)
	}
}
