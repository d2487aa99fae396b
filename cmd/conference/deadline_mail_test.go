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
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	_, email := presenter(t, ta, "Grace Mwangi")
	b := loggedIn(t, ta, f.organizer)
	base := "/c/" + f.conf.Slug + "/manage/extensions"

	p := b.get(base)
	if got := text(p.Doc.Find("main h3:contains('Grant an extension') + p")); got != "The person is emailed their new deadline and that it covers the proposals they make; "+
		"those who present these proposals with them are emailed the deadline that now applies. "+
		"Granting the same deadline again sends no second email; a new date, or taking the extension back while it still counts, emails them again." {
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
	if len(got) != 2 || !strings.Contains(got[1].Text, "changed your deadline for your proposals from Thursday 10 July 2031, 23:59 EDT to Sunday 20 July 2031, 17:00 EDT.") {
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

// TestProposalDeadlineEmailsItsPresenters: an organizer sets a proposal's own deadline on its page
// and changes it through the API; its presenters who accepted are emailed the deadline that now
// applies, in the conference's time zone, once for a double click; the one only invited is not.
// Removing it tells them the call's deadline.
func TestProposalDeadlineEmailsItsPresenters(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := t.Context()
	_, owner := presenter(t, ta, "Priya Raman")
	_, co := presenter(t, ta, "Tomás Ortega")
	prop := submitPosterAs(t, ta, f, owner, "Structural competency in the first year")
	if _, err := ta.subs.Invite(ctx, principalOf(t, ta, owner), f.conf, prop.ID, "Tomás Ortega", co); err != nil {
		t.Fatal(err)
	}
	invitation := linkIn(t, ta.waitMail(co, "Priya Raman invites you to co-present at "+f.conf.Name), "/invitations/")
	if _, err := ta.subs.AnswerInvitation(ctx, principalOf(t, ta, co), invitation[strings.LastIndex(invitation, "/")+1:], true); err != nil {
		t.Fatal(err)
	}
	invited := uniqueEmail("invited")
	if _, err := ta.subs.Invite(ctx, principalOf(t, ta, owner), f.conf, prop.ID, "Ivan Invited", invited); err != nil {
		t.Fatal(err)
	}

	b := loggedIn(t, ta, f.organizer)
	mp := fmt.Sprintf("/c/%s/manage/proposals/%d", f.conf.Slug, prop.ID)
	if got := text(b.get(mp).Doc.Find("#until-hint")); !strings.HasSuffix(got, "When this changes the proposal's deadline, the presenters who accepted are emailed the new one.") {
		t.Errorf("the deadline's hint: %q", got)
	}
	for range 2 {
		if p := b.post(mp, mp+"/extend", url.Values{"until": {"2031-07-15T12:00"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("extend: %d %s", p.Status, p.problem())
		}
	}
	prefix := fmt.Sprintf("proposal-deadline:%d:", prop.ID)
	got := outboxOf(t, ta, f.conf.ID, prefix)
	if len(got) != 2 {
		t.Fatalf("%d messages after setting one deadline twice, want 2 (one to each presenter who accepted)", len(got))
	}
	to := map[string]bool{}
	for _, m := range got {
		to[m.Recipient] = true
		if m.Subject != "New deadline: Structural competency in the first year ("+f.conf.Name+")" ||
			!strings.Contains(m.Text, "more time: its deadline is now Tuesday 15 July 2031, 12:00 EDT.") ||
			!strings.Contains(m.Text, fmt.Sprintf("%s/c/%s/proposals/%d", ta.URL, f.conf.Slug, prop.ID)) {
			t.Errorf("the message to %s: %q\n%s", m.Recipient, m.Subject, m.Text)
		}
	}
	if !to[owner] || !to[co] || to[invited] {
		t.Errorf("told %v; want %s and %s, not %s, who is only invited", to, owner, co, invited)
	}
	// The first click told them; the second, which changed nothing, says nothing of email.
	if got := b.get(mp).Doc.Find(".flash").Text(); got != "The proposal can now be changed until Tuesday 15 July 2031, 12:00 EDT." {
		t.Errorf("after setting the same deadline again: %q", got)
	}
	ta.waitMail(co, "New deadline: Structural competency in the first year")

	// Through the API: a new date, told; removed, told the call's deadline.
	token, _ := apiToken(t, ta, f.organizer)
	api := fmt.Sprintf("/api/v1/conferences/%s/manage/proposals/%d/deadline", f.conf.Slug, prop.ID)
	r := sendJSON(t, ta, http.MethodPut, api, token, `{"until":"2031-07-20T09:30"}`)
	wantContract(t, http.MethodPut, "/api/v1/conferences/:slug/manage/proposals/:id/deadline", r.Status, r.Body)
	if r.Status != http.StatusOK {
		t.Fatalf("a new deadline through the API: %d %v", r.Status, r.JSON)
	}
	if got = outboxOf(t, ta, f.conf.ID, prefix); len(got) != 4 || !strings.Contains(got[3].Text, "its deadline is now Sunday 20 July 2031, 09:30 EDT.") {
		t.Fatalf("%d messages after a new date through the API, want 4; the last:\n%s", len(got), got[len(got)-1].Text)
	}
	call, err := ta.calls.Call(ctx, f.conf)
	if err != nil {
		t.Fatal(err)
	}
	closes := call.ClosesAt.In(f.conf.Location()).Format("Monday 2 January 2006, 15:04 MST")
	if r = sendJSON(t, ta, http.MethodPut, api, token, `{"until":""}`); r.Status != http.StatusOK {
		t.Fatalf("removing the deadline through the API: %d %v", r.Status, r.JSON)
	}
	got = outboxOf(t, ta, f.conf.ID, prefix)
	if len(got) != 6 {
		t.Fatalf("%d messages after removing the deadline, want 6", len(got))
	}
	for _, m := range got[4:] {
		if !strings.Contains(m.Text, "have removed the deadline they had given the proposal") || !strings.Contains(m.Text, "The deadline that applies to it now is "+closes+".") ||
			!strings.Contains(m.Text, "It is submitted, and until then you can still edit it") {
			t.Errorf("the message of the removal to %s:\n%s", m.Recipient, m.Text)
		}
	}
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE conference_id = $1 AND recipient = $2 AND event_key LIKE 'proposal-deadline:%'`, f.conf.ID, invited); n != 0 {
		t.Errorf("%d deadline messages to the presenter only invited", n)
	}
}

// TestEndingALinksTimeEmailsItsPresenters: after the call closed, proposals started through an access
// link have the link's time; when the organizers withdraw the link and end that time, the presenters
// who accepted each proposal it still gave time are emailed, once, that its deadline is now the
// call's, which has passed; the one only invited is not, nor are the presenters of a proposal
// decided already. The link's label, the organizers' own, is not in the message.
func TestEndingALinksTimeEmailsItsPresenters(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := t.Context()
	base := "/c/" + f.conf.Slug + "/manage"
	ob := loggedIn(t, ta, f.organizer)
	p := ob.post(base+"/extensions", base+"/links", url.Values{"label": {"Guests of the dean"}, "expires_at": {"2031-08-01T12:00"}, "max_uses": {"3"}})
	linkURL, _ := p.Doc.Find("#new-link").Attr("value")
	if p.Status != http.StatusCreated || linkURL == "" {
		t.Fatalf("make the link: %d %s", p.Status, p.problem())
	}
	closeCallLongAgo(t, ta, f)

	_, owner := presenter(t, ta, "Priya Raman")
	_, co := presenter(t, ta, "Tomás Ortega")
	id := startWithLink(t, ta, f, loggedIn(t, ta, owner), linkURL, "An invited panel")
	if _, err := ta.subs.Invite(ctx, principalOf(t, ta, owner), f.conf, id, "Tomás Ortega", co); err != nil {
		t.Fatal(err)
	}
	invitation := linkIn(t, ta.waitMail(co, "Priya Raman invites you to co-present at "+f.conf.Name), "/invitations/")
	if _, err := ta.subs.AnswerInvitation(ctx, principalOf(t, ta, co), invitation[strings.LastIndex(invitation, "/")+1:], true); err != nil {
		t.Fatal(err)
	}
	invited := uniqueEmail("invited")
	if _, err := ta.subs.Invite(ctx, principalOf(t, ta, owner), f.conf, id, "Ivan Invited", invited); err != nil {
		t.Fatal(err)
	}
	_, other := presenter(t, ta, "Dara Decided")
	decided := startWithLink(t, ta, f, loggedIn(t, ta, other), linkURL, "A decided panel")
	if _, err := ta.db.SQL.Exec(`UPDATE proposals SET decision = 'accepted' WHERE id = $1`, decided); err != nil {
		t.Fatal(err)
	}

	// Withdrawn and its time ended, twice (a double click).
	row := ob.get(base + "/extensions").Doc.Find("tr:contains('Guests of the dean')")
	end := row.Find(`form:has(input[name="proposals"][value="end"])`)
	action, _ := end.Attr("action")
	if confirm, _ := end.Attr("data-confirm"); !strings.HasSuffix(confirm, "Their presenters are told by email.") {
		t.Errorf("the confirmation of ending the link's time: %q", confirm)
	}
	for i, want := range []string{
		"The link “Guests of the dean” no longer works, and the time it gave is ended: the proposal started with it that needed it can no longer be changed, " +
			"unless its proposer has an extension. Its presenters are told by email.",
		"The time the link “Guests of the dean” gave is ended: no proposal started with it needed it.",
	} {
		if p = ob.post(base+"/extensions", action, url.Values{"proposals": {"end"}}); p.Status != http.StatusSeeOther {
			t.Fatalf("withdraw and end the link's time (%d): %d %s", i+1, p.Status, p.problem())
		}
		if got := ob.get(base + "/extensions").Doc.Find(".flash").Text(); got != want {
			t.Errorf("after ending the link's time (%d): %q", i+1, got)
		}
	}
	got := outboxOf(t, ta, f.conf.ID, fmt.Sprintf("proposal-deadline:%d:", id))
	if len(got) != 2 {
		t.Fatalf("%d messages after ending the link's time twice, want 2 (one to each presenter who accepted)", len(got))
	}
	to := map[string]bool{}
	for _, m := range got {
		to[m.Recipient] = true
		if m.Subject != "New deadline: An invited panel ("+f.conf.Name+")" ||
			!strings.Contains(m.Text, "have removed the deadline they had given the proposal") ||
			!strings.Contains(m.Text, "The deadline that applies to it now is Tuesday 30 June 2020, 23:59 EDT.") ||
			!strings.Contains(m.Text, "That moment has passed, so the proposal can no longer be changed.") ||
			!strings.Contains(m.Text, fmt.Sprintf("%s/c/%s/proposals/%d", ta.URL, f.conf.Slug, id)) ||
			strings.Contains(m.Text, "Guests of the dean") {
			t.Errorf("the message to %s: %q\n%s", m.Recipient, m.Subject, m.Text)
		}
	}
	if !to[owner] || !to[co] || to[invited] {
		t.Errorf("told %v; want %s and %s, not %s, who is only invited", to, owner, co, invited)
	}
	if n := len(outboxOf(t, ta, f.conf.ID, fmt.Sprintf("proposal-deadline:%d:", decided))); n != 0 {
		t.Errorf("%d messages about the decided proposal", n)
	}
	ta.waitMail(co, "New deadline: An invited panel")
}
