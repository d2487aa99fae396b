package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/mail"
)

// TestInvitationsSentAndAnsweredTwice: an invitation form sent twice at once (a double click: the
// form's token and key, twice) is sent once, both answers say so, and its link works; an answer sent
// twice is the answer given, not "this link is not valid"; an invitation can be declined without an
// account; inviting one's own address says so.
func TestInvitationsSentAndAnsweredTwice(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	_, ownerEmail := presenter(t, ta, "Amara Okafor")
	owner, _ := apiToken(t, ta, ownerEmail)
	base := "/api/v1/conferences/" + f.conf.Slug
	id := apiDraft(t, ta, owner, base, f.formats["Workshop"].ID, "Learning to listen")
	b := loggedIn(t, ta, ownerEmail)
	page := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, id)

	// One's own address.
	p := b.post(page, page+"/presenters", url.Values{"name": {"Amara Okafor"}, "email": {ownerEmail}})
	if p.Status != http.StatusUnprocessableEntity || p.fieldError("email") != "That is your own address: you present this proposal already. Enter the address of the person to invite." {
		t.Errorf("inviting oneself: %d %q", p.Status, p.fieldError("email"))
	}

	// Sent twice at once: one mail, whose link works.
	_, jordan := presenter(t, ta, "Jordan Lee")
	v := formValues(b.get(page), page+"/presenters", "client_key")
	if v.Get("client_key") == "" {
		t.Fatal("the invitation form has no key")
	}
	v.Set("name", "Jordan Lee")
	v.Set("email", jordan)
	ps, flashes := twice(b, page, page+"/presenters", v, true)
	wantSaved(t, "an invitation sent twice at once", ps, flashes, page+"#presenters", "An invitation is on its way to Jordan Lee at "+jordan+".")
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

// TestInvitationKeys: the invitation form sent twice one after the other (its token and key, twice)
// sends one invitation, and both answers say it is sent; sent again changed, to another address, it
// invites no one, says so, and comes back with a new key that invites them. The form shown anew is a
// new request, however soon: it sends the invitation again, with a fresh link. Through the API, the
// same Idempotency-Key twice at once answers 201 twice with the one invitation it sent; with another
// body, the key is refused; without it, the request sends a fresh link again.
func TestInvitationKeys(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	_, ownerEmail := presenter(t, ta, "Amara Okafor")
	owner, _ := apiToken(t, ta, ownerEmail)
	base := "/api/v1/conferences/" + f.conf.Slug
	id := apiDraft(t, ta, owner, base, f.formats["Workshop"].ID, "Learning to listen")
	b := loggedIn(t, ta, ownerEmail)
	page := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, id)
	action := page + "/presenters"
	mails := func(email string) int {
		return count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1 AND event_key LIKE 'presenter-invitation:%'`, email)
	}
	rows := func(email string) int {
		return count(t, ta, `SELECT count(*) FROM proposal_presenters WHERE proposal_id = $1 AND email = $2`, id, email)
	}

	// One after the other.
	kofi := uniqueEmail("kofi")
	v := formValues(b.get(page), action, "client_key")
	v.Set("name", "Kofi Mensah")
	v.Set("email", kofi)
	ps, flashes := twice(b, page, action, v, false)
	wantSaved(t, "an invitation sent twice one after the other", ps, flashes, page+"#presenters", "An invitation is on its way to Kofi Mensah at "+kofi+".")
	ta.waitMail(kofi, "invites you to co-present")
	if n, m := rows(kofi), mails(kofi); n != 1 || m != 1 {
		t.Errorf("an invitation sent twice one after the other: %d presenters, %d mails", n, m)
	}

	// The same form, changed to another address: no one more is invited, and it comes back with a
	// new key.
	lena := uniqueEmail("lena")
	v.Set("name", "Lena Braun")
	v.Set("email", lena)
	p := b.post(page, action, v)
	again := formValues(p, action, "client_key", "name", "email")
	if p.Status != http.StatusConflict || !strings.HasPrefix(p.problem(), "This form was already used to add an invitation to Kofi Mensah ("+kofi+")") ||
		again.Get("email") != lena || again.Get("client_key") == "" || again.Get("client_key") == v.Get("client_key") {
		t.Errorf("the invitation form sent again, changed: %d %q %v", p.Status, p.problem(), again)
	}
	if n := rows(lena); n != 0 {
		t.Errorf("the changed form under a used key: %d presenters", n)
	}
	if p = b.post(page, action, again); p.Status != http.StatusSeeOther {
		t.Errorf("the changed form sent once more: %d %s", p.Status, p.problem())
	}
	ta.waitMail(lena, "invites you to co-present")
	if n, m := rows(lena), mails(lena); n != 1 || m != 1 {
		t.Errorf("the changed form sent once more: %d presenters, %d mails", n, m)
	}

	// The form shown anew is a new request, however soon after the first.
	fresh := formValues(b.get(page), action, "client_key")
	if fresh.Get("client_key") == v.Get("client_key") {
		t.Error("the form shown again has the key it had")
	}
	fresh.Set("name", "Kofi Mensah")
	fresh.Set("email", kofi)
	if p := b.post(page, action, fresh); p.Status != http.StatusSeeOther {
		t.Errorf("the form shown anew: %d %s", p.Status, p.problem())
	}
	if n, m := rows(kofi), mails(kofi); n != 1 || m != 2 {
		t.Errorf("the form shown anew: %d presenters, %d mails, want 1 and 2", n, m)
	}

	// The API, the same key twice at once.
	ravi := uniqueEmail("ravi")
	body := `{"name":"Ravi Shah","email":"` + ravi + `"}`
	h := []string{"Content-Type", "application/json", "Authorization", "Bearer " + owner, "Idempotency-Key", "invite-ravi"}
	rs := sendTwice(t, ta, true, http.MethodPost, base+fmt.Sprintf("/proposals/%d/presenters", id), body, h...)
	for i, r := range rs {
		if r.Status != http.StatusCreated || r.JSON["email"] != ravi || r.JSON["status"] != "invited" {
			t.Errorf("the API's invitation sent twice, answer %d: %d %v", i+1, r.Status, r.JSON)
		}
		wantContract(t, http.MethodPost, "/api/v1/conferences/:slug/proposals/:id/presenters", r.Status, r.Body)
	}
	if rs[0].JSON["id"] == nil || rs[0].JSON["id"] != rs[1].JSON["id"] {
		t.Errorf("the API's invitation sent twice: ids %v and %v", rs[0].JSON["id"], rs[1].JSON["id"])
	}
	ta.waitMail(ravi, "invites you to co-present")
	if n, m := rows(ravi), mails(ravi); n != 1 || m != 1 {
		t.Errorf("the API's invitation sent twice: %d presenters, %d mails", n, m)
	}
	// The key with another body invites no one, and says why.
	other := uniqueEmail("other")
	r2 := send(t, ta, http.MethodPost, base+fmt.Sprintf("/proposals/%d/presenters", id), strings.NewReader(`{"name":"Ravi Shah","email":"`+other+`"}`), h...)
	wantProblem(t, "the API's invitation with a used key", r2.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if d, _ := r2.JSON["detail"].(string); !strings.Contains(d, `The Idempotency-Key "invite-ravi" was used for another request`) {
		t.Errorf("the API's invitation with a used key: %v", r2.JSON)
	}
	if n := rows(other); n != 0 {
		t.Errorf("the API's invitation with a used key: %d presenters", n)
	}
	// Without the key, the same request is a new one: a fresh link.
	if r := send(t, ta, http.MethodPost, base+fmt.Sprintf("/proposals/%d/presenters", id), strings.NewReader(body), h[:4]...); r.Status != http.StatusCreated {
		t.Errorf("the API's invitation again without the key: %d %v", r.Status, r.JSON)
	}
	if n, m := rows(ravi), mails(ravi); n != 1 || m != 2 {
		t.Errorf("the API's invitation again without the key: %d presenters, %d mails, want 1 and 2", n, m)
	}
}

// TestInvitationSentAgainTwice: "Send again" pressed twice at once (the page's token and the
// button's key, twice) sends one fresh link, both answers say so, and the link of that one mail is
// the one that works; the same button on the page shown anew sends again.
func TestInvitationSentAgainTwice(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	_, ownerEmail := presenter(t, ta, "Amara Okafor")
	_, jordan := presenter(t, ta, "Jordan Lee")
	b := loggedIn(t, ta, ownerEmail)
	id := submitPosterAs(t, ta, f, ownerEmail, "Listening first").ID
	page := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, id)
	if p := b.post(page, page+"/presenters", url.Values{"name": {"Jordan Lee"}, "email": {jordan}}); p.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d %s", p.Status, p.problem())
	}
	first := strings.TrimPrefix(linkIn(t, ta.waitMail(jordan, "invites you to co-present"), "/invitations/"), ta.URL)
	var pid int64
	if err := ta.db.SQL.QueryRow(`SELECT id FROM proposal_presenters WHERE proposal_id = $1 AND email = $2`, id, jordan).Scan(&pid); err != nil {
		t.Fatalf("the invitation's row: %v", err)
	}
	action := fmt.Sprintf("%s/presenters/%d/invitation", page, pid)
	v := formValues(b.get(page), action, "client_key")
	if v.Get("client_key") == "" {
		t.Fatal(`the "Send again" button's form has no key`)
	}
	ps, flashes := twice(b, page, action, v, true)
	if flashes[0] != flashes[1] || !strings.HasPrefix(flashes[0], "The invitation is on its way to Jordan Lee at "+jordan+" again.") {
		t.Errorf("sent again twice at once: %q and %q", flashes[0], flashes[1])
	}
	for i, p := range ps {
		if p.Status != http.StatusSeeOther {
			t.Errorf("press %d: %d %s", i+1, p.Status, p.problem())
		}
	}
	sent := func() int {
		return count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1 AND subject LIKE '%invites you%'`, jordan)
	}
	if n := sent(); n != 2 {
		t.Fatalf("%d invitations mailed after one invitation and a double press of Send again, want 2", n)
	}
	latest := func() string {
		var body string
		if err := ta.db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE recipient = $1 AND subject LIKE '%invites you%' ORDER BY id DESC LIMIT 1`, jordan).Scan(&body); err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(linkIn(t, mail.DevMail{Text: body}, "/invitations/"), ta.URL)
	}
	again := latest()
	if again == first {
		t.Fatal("sent again with the same link")
	}
	if p := ta.browser().get(first); p.Status != http.StatusNotFound {
		t.Errorf("the first link after Send again: %d, want 404", p.Status)
	}
	// Shown anew, the button is a new press.
	if p := b.post(page, action, url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("send again from the page shown anew: %d %s", p.Status, p.problem())
	}
	if n := sent(); n != 3 {
		t.Errorf("%d invitations mailed after pressing Send again on the page shown anew, want 3", n)
	}
	jb := loggedIn(t, ta, jordan)
	link := latest()
	if p := jb.post(link, link, url.Values{"answer": {"accept"}}); p.Status != http.StatusSeeOther || p.Header.Get("Location") != page {
		t.Errorf("accepting the newest link: %d to %q", p.Status, p.Header.Get("Location"))
	}
}
