package mail_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	goical "github.com/arran4/golang-ical"

	"github.com/challenging-norms/conference/internal/calendar"
	"github.com/challenging-norms/conference/internal/mail"
	"github.com/challenging-norms/conference/internal/mail/smtptest"
	"github.com/challenging-norms/conference/internal/notify"
	"github.com/challenging-norms/conference/web"
)

func TestSMTPSendsTextAndHTML(t *testing.T) {
	srv := smtptest.Start(t)
	srv.Username, srv.Password = "mailer", "s3cret pass"
	s, err := mail.NewSMTP(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	r, err := mail.NewRenderer(web.FS, "Challenging Norms")
	if err != nil {
		t.Fatal(err)
	}
	subject, text, html, err := r.Render("reset_password", struct {
		Name, Link   string
		ValidMinutes int
	}{"Dr. Ruth <Reyes>", "https://example.org/password/reset?token=abc", 60})
	if err != nil {
		t.Fatal(err)
	}
	err = s.Send(context.Background(), mail.Envelope{MessageID: "mail-7@example.org", From: "Challenging Norms <no-reply@example.org>",
		To: "ruth@example.org", ToName: "Dr. Ruth Reyes", Subject: subject, Text: text, HTML: html})
	if err != nil {
		t.Fatal(err)
	}
	m := srv.Wait(t, 1, 5*time.Second)[0]
	if m.From != "no-reply@example.org" || len(m.To) != 1 || m.To[0] != "ruth@example.org" {
		t.Errorf("envelope from %q to %v", m.From, m.To)
	}
	if got := m.Header.Get("Message-Id"); got != "<mail-7@example.org>" {
		t.Errorf("Message-ID = %q", got)
	}
	if got := m.Header.Get("Subject"); got != "Choose a new password for Challenging Norms" {
		t.Errorf("Subject = %q", got)
	}
	if !strings.Contains(m.Header.Get("Content-Type"), "multipart/alternative") {
		t.Errorf("Content-Type = %q, want multipart/alternative", m.Header.Get("Content-Type"))
	}
	// The name is escaped in HTML and kept as typed in text.
	if !strings.Contains(m.HTML, "Dr. Ruth &lt;Reyes&gt;") || !strings.Contains(m.Text, "Hello Dr. Ruth <Reyes>,") {
		t.Errorf("name not rendered as expected in both parts:\n%s", m.Raw)
	}
	if !strings.Contains(m.Text, "https://example.org/password/reset?token=abc") || !strings.Contains(m.HTML, `href="https://example.org/password/reset?token=abc"`) {
		t.Error("link missing from the message")
	}
}

func TestSMTPReportsRefusal(t *testing.T) {
	srv := smtptest.Start(t)
	srv.FailNext(1)
	s, err := mail.NewSMTP(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	env := mail.Envelope{MessageID: "x@example.org", From: "a@example.org", To: "b@example.org", Subject: "s", Text: "t"}
	if err := s.Send(context.Background(), env); err == nil || !strings.Contains(err.Error(), "451") {
		t.Fatalf("first send: want a 451 error, got %v", err)
	}
	if err := s.Send(context.Background(), env); err != nil {
		t.Fatalf("second send: %v", err)
	}
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages arrived, want 1", n)
	}
}

func TestNewSMTPRejectsBadURL(t *testing.T) {
	if _, err := mail.NewSMTP("smtp://host:notaport"); err == nil {
		t.Error("want an error for a bad port")
	}
}

func TestRendererRefusesUnknownTemplate(t *testing.T) {
	r, err := mail.NewRenderer(web.FS, "X")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, _, err := r.Render("no_such_template", nil); err == nil {
		t.Error("want an error")
	}
	// A template whose data lacks a field fails loudly instead of sending a broken message.
	if _, _, _, err := r.Render("verify_email", struct{ Name string }{"A"}); err == nil {
		t.Error("want an error for missing data")
	}
}

// TestSMTPSendsAttachment sends a calendar file with a message: it arrives as an attachment with its
// name, media type and bytes, next to the text and HTML bodies.
func TestSMTPSendsAttachment(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.NewSMTP(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ics := calendar.ICS("Challenging Norms", calendar.Event{UID: "registration-1@example.org", Summary: "Challenging Norms",
		AllDay: true, Start: time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 6, 2, 0, 0, 0, 0, time.UTC), Stamp: time.Now()})
	err = s.Send(context.Background(), mail.Envelope{MessageID: "mail-9@example.org", From: "no-reply@example.org", To: "ama@example.org",
		Subject: "You are registered", Text: "See you there.", HTML: "<p>See you there.</p>",
		Attachments: []notify.Attachment{{Name: "challenging-norms.ics", ContentType: calendar.ContentType, Data: ics}}})
	if err != nil {
		t.Fatal(err)
	}
	m := srv.Wait(t, 1, 5*time.Second)[0]
	if !strings.Contains(m.Header.Get("Content-Type"), "multipart/mixed") {
		t.Errorf("Content-Type = %q, want multipart/mixed", m.Header.Get("Content-Type"))
	}
	if strings.TrimSpace(m.Text) != "See you there." || !strings.Contains(m.HTML, "<p>See you there.</p>") {
		t.Errorf("bodies: %q %q", m.Text, m.HTML)
	}
	if len(m.Attachments) != 1 {
		t.Fatalf("%d attachments:\n%s", len(m.Attachments), m.Raw)
	}
	a := m.Attachments[0]
	if a.Name != "challenging-norms.ics" || a.ContentType != "text/calendar" || string(a.Data) != string(ics) {
		t.Errorf("attachment %q %q:\n%s", a.Name, a.ContentType, a.Data)
	}
	cal, err := goical.ParseCalendar(strings.NewReader(string(a.Data)))
	if err != nil || len(cal.Events()) != 1 || cal.Events()[0].Id() != "registration-1@example.org" {
		t.Errorf("the attachment does not parse as the event sent: %v", err)
	}
}

// TestSMTPSendsManyOverOneConnection: messages sent together go over one connection; a refusal is
// its own message's; once the context ends no further message is started, and with it ended
// before, none is and no connection is made.
func TestSMTPSendsManyOverOneConnection(t *testing.T) {
	srv := smtptest.Start(t)
	s, err := mail.NewSMTP(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	env := func(to string) mail.Envelope {
		return mail.Envelope{MessageID: to, From: "no-reply@example.org", To: to, Subject: "Together", Text: "t"}
	}
	srv.FailNext(1)
	errs := s.SendAll(context.Background(), []mail.Envelope{env("one@example.org"), env("two@example.org"), env("three@example.org")})
	if len(errs) != 3 || errs[0] == nil || !strings.Contains(errs[0].Error(), "451") || errs[1] != nil || errs[2] != nil {
		t.Fatalf("outcomes: %v", errs)
	}
	got := srv.Messages()
	if len(got) != 2 || got[0].To[0] != "two@example.org" || got[1].To[0] != "three@example.org" || got[0].Session != 1 || got[1].Session != 1 {
		t.Fatalf("arrived: %+v", got)
	}
	if n := srv.Sessions(); n != 1 {
		t.Errorf("%d connections, want 1", n)
	}

	ctx, cancel := context.WithCancel(context.Background())
	srv.AfterMessage(cancel)
	errs = s.SendAll(ctx, []mail.Envelope{env("in.time@example.org"), env("too.late@example.org")})
	if len(errs) != 1 || errs[0] != nil {
		t.Fatalf("outcomes once the context ended: %v", errs)
	}
	if got := srv.Messages(); len(got) != 3 || got[2].To[0] != "in.time@example.org" {
		t.Fatalf("arrived: %d messages", len(got))
	}
	if errs := s.SendAll(ctx, []mail.Envelope{env("never@example.org")}); len(errs) != 0 {
		t.Errorf("outcomes with the context ended before: %v", errs)
	}
	if n := srv.Sessions(); n != 2 {
		t.Errorf("%d connections, want 2", n)
	}

	// A server that closes each connection after one message: each is still sent, and counted sent
	// although the connection failed after the server accepted it.
	srv.AfterMessage(nil)
	srv.DropAfter(1)
	errs = s.SendAll(context.Background(), []mail.Envelope{env("four@example.org"), env("five@example.org"), env("six@example.org")})
	if len(errs) != 3 || errs[0] != nil || errs[1] != nil || errs[2] != nil {
		t.Fatalf("outcomes with a connection per message: %v", errs)
	}
	got = srv.Messages()
	if len(got) != 6 || got[3].To[0] != "four@example.org" || got[5].To[0] != "six@example.org" || got[3].Session != 3 || got[5].Session != 5 {
		t.Fatalf("arrived: %+v", got[3:])
	}
}

// TestRendersAtOnceKeepTheirOwnText renders many messages at once, some failing part-way through
// (data that lacks a field): each message holds its own name and link and no other's, as the
// buffers they are rendered into are used again.
func TestRendersAtOnceKeepTheirOwnText(t *testing.T) {
	r, err := mail.NewRenderer(web.FS, "Challenging Norms")
	if err != nil {
		t.Fatal(err)
	}
	type data struct {
		Name, Link   string
		ValidMinutes int
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			for k := range 50 {
				if k%5 == 0 {
					// Fails after writing part of the message.
					if _, _, _, err := r.Render("reset_password", struct{ Name string }{fmt.Sprintf("Broken %d-%d", i, k)}); err == nil {
						t.Error("want an error for missing data")
					}
					continue
				}
				name, link := fmt.Sprintf("Person %d-%d", i, k), fmt.Sprintf("https://example.org/reset?token=t%d-%d", i, k)
				_, text, html, err := r.Render("reset_password", data{name, link, 60})
				if err != nil {
					t.Error(err)
					return
				}
				for _, part := range []string{text, html} {
					if strings.Count(part, "Person ") != 1 || !strings.Contains(part, name+",") || !strings.Contains(part, link) ||
						strings.Contains(part, "Broken") {
						t.Errorf("message for %s holds another's text:\n%s", name, part)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}
