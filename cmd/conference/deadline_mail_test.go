package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// outboxMail is one message of a conference's outbox, as stored.
type outboxMail struct{ EventKey, Recipient, Subject, Text string }

// outboxOf lists the conference's messages whose event key starts with prefix, oldest first.
func outboxOf(t *testing.T, ta *testApp, conferenceID int64, prefix string) []outboxMail {
	t.Helper()
	rows, err := ta.db.SQL.Query(`SELECT event_key, recipient, subject, body_text FROM email_messages
		WHERE conference_id = $1 AND event_key LIKE $2 || '%' ORDER BY id`, conferenceID, prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []outboxMail
	for rows.Next() {
		var m outboxMail
		if err := rows.Scan(&m.EventKey, &m.Recipient, &m.Subject, &m.Text); err != nil {
			t.Fatal(err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestExtensionEmailsThePerson: an organizer grants an extension on the page and through the API;
// the person is emailed the new deadline in the conference's time zone, once for a double click,
// again for a new date, without the organizers' reason; taking it back, on the page or through
// the API, emails them the call's deadline. The mail goes through the queue to the mailbox.
func TestExtensionEmailsThePerson(t *testing.T) {
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	_, email := presenter(t, ta, "Grace Mwangi")
	b := loggedIn(t, ta, f.organizer)
	base := "/c/" + f.conf.Slug + "/manage/extensions"

	p := b.get(base)
	if got := text(p.Doc.Find("main h3:contains('Grant an extension') + p")); got != "The person is emailed their new deadline and that it covers the proposals they make. "+
		"Granting the same deadline again sends no second email; a new date, or taking the extension back, emails them again." {
		t.Errorf("the page says of email: %q", got)
	}
	if got := text(p.Doc.Find("#reason-hint")); got != "For the organizers' records; it is not in the email." {
		t.Errorf("the reason's hint: %q", got)
	}
	// Granted twice with one date (a double click): one message.
	for range 2 {
		if p = b.post(base, base, url.Values{"email": {email}, "until": {"2031-07-10T23:59"}, "reason": {"Caring for a parent"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("grant: %d %s", p.Status, p.problem())
		}
	}
	if got := b.get(base).Doc.Find(".flash").Text(); got != "Grace Mwangi can now propose, and edit the proposals they make, until Thursday 10 July 2031, 23:59 EDT. They are told by email." {
		t.Errorf("after the grant: %q", got)
	}
	got := outboxOf(t, ta, f.conf.ID, "extension-granted:")
	if len(got) != 1 {
		t.Fatalf("%d messages after granting one date twice, want 1", len(got))
	}
	if m := got[0]; m.Recipient != email || m.Subject != "Your deadline for "+f.conf.Name+" is now Thursday 10 July 2031, 23:59 EDT" ||
		!strings.Contains(m.Text, "covers the proposals you make yourself") || !strings.Contains(m.Text, ta.URL+"/c/"+f.conf.Slug+"/proposals") ||
		strings.Contains(m.Text, "Caring") {
		t.Errorf("the grant's message: to %q, %q\n%s", m.Recipient, m.Subject, m.Text)
	}
	delivered := ta.waitMail(email, "Your deadline for "+f.conf.Name+" is now Thursday 10 July 2031, 23:59 EDT")
	if !strings.Contains(delivered.Text, "Thursday 10 July 2031, 23:59 EDT") {
		t.Errorf("the delivered message:\n%s", delivered.Text)
	}

	// A new date through the API: a second message; the same again: none.
	token, _ := apiToken(t, ta, f.organizer)
	api := "/api/v1/conferences/" + f.conf.Slug + "/manage/extensions"
	for range 2 {
		r := sendJSON(t, ta, http.MethodPost, api, token, fmt.Sprintf(`{"email":%q,"until":"2031-07-20T17:00","reason":"Caring for a parent"}`, email))
		wantContract(t, http.MethodPost, "/api/v1/conferences/:slug/manage/extensions", r.Status, r.Body)
		if r.Status != http.StatusCreated {
			t.Fatalf("grant through the API: %d %v", r.Status, r.JSON)
		}
	}
	got = outboxOf(t, ta, f.conf.ID, "extension-granted:")
	if len(got) != 2 || !strings.Contains(got[1].Text, "a later deadline for your proposals: Sunday 20 July 2031, 17:00 EDT") {
		t.Fatalf("%d messages after a new date twice through the API, want 2; the last:\n%s", len(got), got[len(got)-1].Text)
	}

	// Taken back on the page: the call's deadline, still to come.
	call, err := ta.calls.Call(t.Context(), f.conf)
	if err != nil {
		t.Fatal(err)
	}
	closes := call.ClosesAt.In(f.conf.Location()).Format("Monday 2 January 2006, 15:04 MST")
	p = b.get(base)
	if confirm, _ := p.Doc.Find("tr:contains('Grace Mwangi') form").Attr("data-confirm"); confirm != "Take back the extension of Grace Mwangi? They are told by email." {
		t.Errorf("the confirmation of taking it back: %q", confirm)
	}
	revoke, _ := p.Doc.Find("tr:contains('Grace Mwangi') form").Attr("action")
	for range 2 {
		if p = b.post(base, revoke, url.Values{}); p.Status != http.StatusSeeOther {
			t.Fatalf("take back: %d %s", p.Status, p.problem())
		}
	}
	got = outboxOf(t, ta, f.conf.ID, "extension-revoked:")
	if len(got) != 1 {
		t.Fatalf("%d messages after taking it back twice, want 1", len(got))
	}
	if m := got[0]; m.Recipient != email || m.Subject != "Your deadline for "+f.conf.Name+" is the call's again" ||
		!strings.Contains(m.Text, "(Sunday 20 July 2031, 17:00 EDT)") || !strings.Contains(m.Text, "the call's deadline again: "+closes+".") ||
		!strings.Contains(m.Text, "Until then, you can start new proposals") {
		t.Errorf("the message taking it back: to %q, %q\n%s", m.Recipient, m.Subject, m.Text)
	}

	// Granted again and taken back through the API: told both times.
	r := sendJSON(t, ta, http.MethodPost, api, token, fmt.Sprintf(`{"email":%q,"until":"2031-07-20T17:00"}`, email))
	if r.Status != http.StatusCreated {
		t.Fatalf("grant again: %d %v", r.Status, r.JSON)
	}
	id, _ := r.JSON["id"].(float64)
	if r = sendJSON(t, ta, http.MethodDelete, fmt.Sprintf("%s/%d", api, int64(id)), token, ""); r.Status != http.StatusNoContent {
		t.Fatalf("take back through the API: %d %v", r.Status, r.JSON)
	}
	if n, m := len(outboxOf(t, ta, f.conf.ID, "extension-granted:")), len(outboxOf(t, ta, f.conf.ID, "extension-revoked:")); n != 3 || m != 2 {
		t.Errorf("%d grants and %d takings back told, want 3 and 2", n, m)
	}
	if r = sendJSON(t, ta, http.MethodDelete, fmt.Sprintf("%s/%d", api, int64(id)), token, ""); r.Status != http.StatusNotFound {
		t.Errorf("taking it back twice through the API: %d", r.Status)
	}
	if n := len(outboxOf(t, ta, f.conf.ID, "extension-revoked:")); n != 2 {
		t.Errorf("%d takings back told after a second DELETE, want 2", n)
	}
}
