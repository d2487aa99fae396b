package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestInvitationsSentAndAnsweredTwice: an invitation sent twice at once (a double click) is sent
// once and its link works; an answer sent twice is the answer given, not "this link is not valid";
// an invitation can be declined without an account; inviting one's own address says so.
func TestInvitationsSentAndAnsweredTwice(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	_, ownerEmail := presenter(t, ta, "Amara Okafor")
	owner, _ := apiToken(t, ta, ownerEmail)
	base := "/api/v1/conferences/" + f.conf.Slug
	r := sendJSON(t, ta, http.MethodPost, base+"/proposals", owner, fmt.Sprintf(`{"format_id":%d,"title":"Learning to listen"}`, f.formats["Workshop"].ID))
	id := int64(r.JSON["proposal"].(map[string]any)["id"].(float64))
	b := loggedIn(t, ta, ownerEmail)
	page := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, id)

	// One's own address.
	p := b.post(page, page+"/presenters", url.Values{"name": {"Amara Okafor"}, "email": {ownerEmail}})
	if p.Status != http.StatusUnprocessableEntity || p.fieldError("email") != "That is your own address: you present this proposal already. Enter the address of the person to invite." {
		t.Errorf("inviting oneself: %d %q", p.Status, p.fieldError("email"))
	}

	// Sent twice at once: one mail, whose link works.
	_, jordan := presenter(t, ta, "Jordan Lee")
	for range 2 {
		if p = b.post(page, page+"/presenters", url.Values{"name": {"Jordan Lee"}, "email": {jordan}}); p.Status != http.StatusSeeOther {
			t.Fatalf("invite: %d %s", p.Status, p.problem())
		}
	}
	link := strings.TrimPrefix(linkIn(t, ta.waitMail(jordan, "invites you to co-present"), "/invitations/"), ta.URL)
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1 AND subject LIKE '%invites you%'`, jordan); n != 1 {
		t.Errorf("%d invitations sent for a double click, want 1", n)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposal_presenters WHERE proposal_id = $1`, id); n != 2 {
		t.Errorf("%d presenters after a double click, want 2", n)
	}

	// Accepted twice: the second lands on the proposal too.
	jb := loggedIn(t, ta, jordan)
	jtoken, _ := jb.get(link).Doc.Find(`input[name="_csrf"]`).First().Attr("value")
	for i := range 2 { // both from the page as it was shown
		if p = jb.postRaw(link, url.Values{"answer": {"accept"}, "_csrf": {jtoken}}); p.Status != http.StatusSeeOther || p.Header.Get("Location") != page {
			t.Fatalf("accept, press %d: %d to %q %q", i+1, p.Status, p.Header.Get("Location"), text(p.Doc.Find("main")))
		}
	}
	if flash := text(jb.get(page).Doc.Find(".flash")); !strings.HasPrefix(flash, "You now co-present “Learning to listen”.") {
		t.Errorf("after accepting twice: %q", flash)
	}
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1 AND subject LIKE '%accepted%'`, ownerEmail); n != 1 {
		t.Errorf("the owner was told %d times of the acceptance, want 1", n)
	}
	// The used link is no way in for anyone else.
	_, other := presenter(t, ta, "Other Person")
	if p = loggedIn(t, ta, other).post(link, link, url.Values{"answer": {"accept"}}); p.Status != http.StatusNotFound {
		t.Errorf("someone else accepting a used link: %d", p.Status)
	}
	if p = ta.browser().get(link); p.Status != http.StatusNotFound {
		t.Errorf("a used link, opened: %d", p.Status)
	}

	// Declined without an account, twice.
	sam := uniqueEmail("sam")
	if p = b.post(page, page+"/presenters", url.Values{"name": {"Sam Rivera"}, "email": {sam}}); p.Status != http.StatusSeeOther {
		t.Fatalf("invite Sam: %d %s", p.Status, p.problem())
	}
	samLink := strings.TrimPrefix(linkIn(t, ta.waitMail(sam, "invites you to co-present"), "/invitations/"), ta.URL)
	anon := ta.browser()
	shown := anon.get(samLink)
	if shown.Doc.Find(`form button[value="decline"]`).Length() != 1 || shown.Doc.Find(`button[value="accept"]`).Length() != 0 {
		t.Errorf("the invitation, logged out: %q", text(shown.Doc.Find("main")))
	}
	token, _ := shown.Doc.Find(`input[name="_csrf"]`).First().Attr("value")
	for i := range 2 { // both from the page as it was shown
		if p = anon.postRaw(samLink, url.Values{"answer": {"decline"}, "_csrf": {token}}); p.Status != http.StatusSeeOther {
			t.Fatalf("decline without an account, press %d: %d %q", i+1, p.Status, text(p.Doc.Find("main")))
		}
	}
	if n := count(t, ta, `SELECT count(*) FROM proposal_presenters WHERE proposal_id = $1 AND email = $2 AND status = 'declined' AND user_id IS NULL`, id, sam); n != 1 {
		t.Error("the invitation is not declined")
	}
	ta.waitMail(ownerEmail, "Sam Rivera declined your invitation")
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1 AND subject LIKE '%declined%'`, ownerEmail); n != 1 {
		t.Errorf("the owner was told %d times of the refusal, want 1", n)
	}
	if n := count(t, ta, `SELECT count(*) FROM audit_log WHERE action = 'presenter.declined' AND subject = $1 AND actor_id IS NULL`, fmt.Sprintf("proposal:%d", id)); n != 1 {
		t.Errorf("%d audit entries of the refusal without an account, want 1", n)
	}
}
