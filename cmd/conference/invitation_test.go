package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/cfp"
)

// closeCall moves the call's deadline a minute into the past, and waits out the time servers keep
// the call read.
func closeCall(t *testing.T, ta *testApp, f callFixture) {
	t.Helper()
	if _, err := ta.db.SQL.Exec(`UPDATE calls SET closes_at = now() - interval '1 minute', version = version + 1 WHERE conference_id = $1`,
		f.conf.ID); err != nil {
		t.Fatal(err)
	}
	time.Sleep(cfp.CacheTTL + 100*time.Millisecond)
}

// TestAClosedCallIsHeadedByWhatHappened: refusals that a deadline causes are headed by it, not by a
// matter of access: starting a proposal after the call closed.
func TestAClosedCallIsHeadedByWhatHappened(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	_, email := presenter(t, ta, "Amara Okafor")
	closeCall(t, ta, f)
	b := loggedIn(t, ta, email)
	p := b.get("/c/" + f.conf.Slug + "/proposals/new")
	if p.Status != http.StatusForbidden || text(p.Doc.Find("h1")) != "The call for proposals has closed" ||
		!strings.HasPrefix(text(p.Doc.Find(".lead")), "The call for proposals closed on ") {
		t.Errorf("starting a proposal after the call closed: %d %q %q", p.Status, text(p.Doc.Find("h1")), text(p.Doc.Find(".lead")))
	}
}

// secretOf is the secret of an invitation link.
func secretOf(link string) string { return link[strings.LastIndex(link, "/")+1:] }

// TestInvitationToALateDraftOffersNoAccept: after the deadline, an invitation to a draft that was
// never submitted says so up front, on its page and in the API, and offers only to decline; trying
// to accept anyway, or to start a proposal, is headed by what happened, not by a matter of access.
func TestInvitationToALateDraftOffersNoAccept(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/api/v1/conferences/" + f.conf.Slug
	_, ownerEmail := presenter(t, ta, "Amara Okafor")
	owner, _ := apiToken(t, ta, ownerEmail)
	_, coEmail := presenter(t, ta, "Jordan Lee")
	co, _ := apiToken(t, ta, coEmail)
	r := sendJSON(t, ta, http.MethodPost, base+"/proposals", owner, fmt.Sprintf(`{"format_id":%d,"title":"Learning to listen"}`, f.formats["Personal narrative"].ID))
	item := fmt.Sprintf("%s/proposals/%d", base, int64(r.JSON["proposal"].(map[string]any)["id"].(float64)))
	if r = sendJSON(t, ta, http.MethodPost, item+"/presenters", owner, fmt.Sprintf(`{"name":"Jordan Lee","email":%q}`, coEmail)); r.Status != http.StatusCreated {
		t.Fatalf("invite: %d %v", r.Status, r.JSON)
	}
	link := linkIn(t, ta.waitMail(coEmail, "invites you"), "/invitations/")
	link = strings.TrimPrefix(link, ta.URL)
	api := "/api/v1/invitations/" + secretOf(link)

	// Before the deadline: the API says it can be accepted.
	r = sendJSON(t, ta, http.MethodGet, api, co, "")
	wantContract(t, http.MethodGet, "/api/v1/invitations/:token", r.Status, r.Body)
	if r.Status != http.StatusOK || r.JSON["can_accept"] != true || r.JSON["cannot_accept_reason"] != "" || r.JSON["title"] != "Learning to listen" ||
		r.JSON["email"] != coEmail || r.JSON["invited_by"] != "Amara Okafor" {
		t.Errorf("the invitation before the deadline: %d %v", r.Status, r.JSON)
	}
	// Its owner, holding the link, has nothing to accept.
	if r = sendJSON(t, ta, http.MethodGet, api, owner, ""); r.JSON["can_accept"] != false ||
		!strings.HasPrefix(fmt.Sprint(r.JSON["cannot_accept_reason"]), "You already present this proposal") {
		t.Errorf("the invitation to its owner: %d %v", r.Status, r.JSON)
	}

	closeCall(t, ta, f)
	const why = "“Learning to listen” was not submitted before its deadline"

	// Logged in: no Accept, the reason, a Decline.
	b := loggedIn(t, ta, coEmail)
	p := b.get(link)
	if p.Status != http.StatusOK || p.Doc.Find(`button[value="accept"]`).Length() != 0 || p.Doc.Find(`button[value="decline"]`).Length() != 1 ||
		!strings.HasPrefix(text(p.Doc.Find("#cannot-accept p")), why) || text(p.Doc.Find("#cannot-accept h2")) != "The deadline has passed" {
		t.Errorf("the invitation page past the deadline: %d %q", p.Status, text(p.Doc.Find("main")))
	}
	// Logged out: the reason, and no way to accept.
	p = ta.browser().get(link)
	if p.Status != http.StatusOK || p.Doc.Find(`button[value="accept"]`).Length() != 0 || !strings.HasPrefix(text(p.Doc.Find("#cannot-accept p")), why) ||
		p.Doc.Find(`main a[href^="/signup"]`).Length() != 0 {
		t.Errorf("the invitation page past the deadline, logged out: %d %q", p.Status, text(p.Doc.Find("main")))
	}
	// The API says the same.
	r = sendJSON(t, ta, http.MethodGet, api, co, "")
	wantContract(t, http.MethodGet, "/api/v1/invitations/:token", r.Status, r.Body)
	if reason := fmt.Sprint(r.JSON["cannot_accept_reason"]); r.JSON["can_accept"] != false || !strings.HasPrefix(reason, why) ||
		!strings.Contains(reason, "to let Amara Okafor know") {
		t.Errorf("the API's invitation past the deadline: %d %v", r.Status, r.JSON)
	}

	// Accepting anyway (a page left open): refused, headed by the deadline.
	p = b.post(link, link, url.Values{"answer": {"accept"}})
	if p.Status != http.StatusForbidden || text(p.Doc.Find("h1")) != "The deadline has passed" || !strings.HasPrefix(text(p.Doc.Find(".lead")), why) {
		t.Errorf("accepting past the deadline: %d %q %q", p.Status, text(p.Doc.Find("h1")), text(p.Doc.Find(".lead")))
	}
	wantProblem(t, "accepting past the deadline through the API", sendJSON(t, ta, http.MethodPost, api+"/accept", co, "").apiResponse,
		http.StatusForbidden, "forbidden")

	// Declining still works, and the owner is told.
	if p = b.post(link, link, url.Values{"answer": {"decline"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("decline: %d %s", p.Status, text(p.Doc.Find("main")))
	}
	if n := count(t, ta, `SELECT count(*) FROM proposal_presenters WHERE email = $1 AND status = 'declined'`, coEmail); n != 1 {
		t.Errorf("%d declined invitations, want 1", n)
	}
	ta.waitMail(ownerEmail, "Jordan Lee declined your invitation")
}

// TestAnInvitedAddressIsTheirsOnceAccepted: a co-presenter who accepted from an account with another
// address keeps the address they were invited at: inviting it again is refused on the email field, on
// the page and through the API, and adds no presenter.
func TestAnInvitedAddressIsTheirsOnceAccepted(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/api/v1/conferences/" + f.conf.Slug
	_, ownerEmail := presenter(t, ta, "Amara Okafor")
	owner, _ := apiToken(t, ta, ownerEmail)
	_, jordanEmail := presenter(t, ta, "Jordan Lee")
	jordan, _ := apiToken(t, ta, jordanEmail)
	r := sendJSON(t, ta, http.MethodPost, base+"/proposals", owner, fmt.Sprintf(`{"format_id":%d,"title":"Learning to listen"}`, f.formats["Workshop"].ID))
	id := int64(r.JSON["proposal"].(map[string]any)["id"].(float64))
	item := fmt.Sprintf("%s/proposals/%d", base, id)
	invitedAt := uniqueEmail("jordan.community")
	if r = sendJSON(t, ta, http.MethodPost, item+"/presenters", owner, fmt.Sprintf(`{"name":"Jordan Lee","email":%q}`, invitedAt)); r.Status != http.StatusCreated {
		t.Fatalf("invite: %d %v", r.Status, r.JSON)
	}
	link := linkIn(t, ta.waitMail(invitedAt, "invites you"), "/invitations/")
	if r = sendJSON(t, ta, http.MethodPost, "/api/v1/invitations/"+secretOf(link)+"/accept", jordan, ""); r.Status != http.StatusOK {
		t.Fatalf("accept: %d %v", r.Status, r.JSON)
	}

	const want = "Jordan Lee already presents this proposal (invited at this address)."
	r = sendJSON(t, ta, http.MethodPost, item+"/presenters", owner, fmt.Sprintf(`{"name":"Jordan again","email":%q}`, invitedAt))
	wantProblem(t, "inviting the address Jordan accepted at", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	wantContract(t, http.MethodPost, "/api/v1/conferences/:slug/proposals/:id/presenters", r.Status, r.Body)
	if got := fieldDetail(r.apiResponse, "email"); got != want {
		t.Errorf("the API's refusal: %q", got)
	}
	b := loggedIn(t, ta, ownerEmail)
	page := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, id)
	p := b.post(page, page+"/presenters", url.Values{"name": {"Jordan again"}, "email": {strings.ToUpper(invitedAt)}})
	if p.Status != http.StatusUnprocessableEntity || p.fieldError("email") != want {
		t.Errorf("the page's refusal: %d %q", p.Status, p.fieldError("email"))
	}
	// Jordan's account address is refused as before.
	p = b.post(page, page+"/presenters", url.Values{"name": {"Jordan again"}, "email": {jordanEmail}})
	if p.Status != http.StatusUnprocessableEntity || p.fieldError("email") != "Jordan Lee already presents this proposal." {
		t.Errorf("inviting Jordan's account address: %d %q", p.Status, p.fieldError("email"))
	}
	if n := count(t, ta, `SELECT count(*) FROM proposal_presenters WHERE proposal_id = $1`, id); n != 2 {
		t.Errorf("%d presenters, want 2", n)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposal_presenters WHERE proposal_id = $1 AND email = $2 AND invited_email = $3`,
		id, jordanEmail, invitedAt); n != 1 {
		t.Errorf("Jordan's place does not keep the address of the invitation")
	}
}

// TestAFullProposalOffersNoInvitation: with as many presenters as its format allows, invitations
// included, the proposal's page says so and what to do instead of showing a form that can only be
// refused; with a place free again, the form is back.
func TestAFullProposalOffersNoInvitation(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	_, ownerEmail := presenter(t, ta, "Amara Okafor")
	owner, _ := apiToken(t, ta, ownerEmail)
	base := "/api/v1/conferences/" + f.conf.Slug
	id := apiDraft(t, ta, owner, base, f.formats["Personal narrative"].ID, "Learning to listen")
	b := loggedIn(t, ta, ownerEmail)
	page := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, id)
	form := `form[action="` + page + `/presenters"]`
	if p := b.get(page); p.Doc.Find(form).Length() != 1 || p.Doc.Find("#presenters-full").Length() != 0 {
		t.Fatalf("with a place free: form %d, full %q", p.Doc.Find(form).Length(), text(p.Doc.Find("#presenters-full")))
	}
	if p := b.post(page, page+"/presenters", url.Values{"name": {"Jordan Lee"}, "email": {uniqueEmail("jordan")}}); p.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d %s", p.Status, p.problem())
	}
	p := b.get(page)
	if p.Doc.Find(form).Length() != 0 || text(p.Doc.Find("#presenters-full")) !=
		"The proposal is full: it has 2 presenters, invitations included. To invite someone else, first remove a presenter or an invitation that has no answer yet. "+
			"An invitation with no answer yet can still be sent again from the list above." {
		t.Errorf("full: form %d, %q", p.Doc.Find(form).Length(), text(p.Doc.Find("#presenters-full")))
	}
	remove, ok := p.Doc.Find(`a[href*="/presenters/"][href$="/remove"]`).Attr("href")
	if !ok {
		t.Fatal("no way to remove the invitation")
	}
	if p = b.post(remove, remove, url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("remove: %d %s", p.Status, p.problem())
	}
	if p = b.get(page); p.Doc.Find(form).Length() != 1 || p.Doc.Find("#presenters-full").Length() != 0 {
		t.Errorf("with the place free again: form %d", p.Doc.Find(form).Length())
	}
}

// TestLogInSaysAnAccountIsNeeded: sent to log in on the way to starting a proposal or answering an
// invitation, a visitor is told that it needs an account, and that one is free, with a sign-up link
// that brings them back; a plain log-in page says nothing of it.
func TestLogInSaysAnAccountIsNeeded(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	anon := ta.browser()
	start := "/c/" + f.conf.Slug + "/proposals/new?format=" + fmt.Sprint(f.formats["Workshop"].ID)
	p := anon.get(start)
	loc := p.Header.Get("Location")
	if p.Status != http.StatusSeeOther || loc != "/login?next="+url.QueryEscape(start) {
		t.Fatalf("starting a proposal logged out: %d to %q", p.Status, loc)
	}
	for next, want := range map[string]string{start: "You need an account to propose a session.", "/invitations/abc": "You need an account to answer the invitation to co-present."} {
		p = anon.get("/login?next=" + url.QueryEscape(next))
		why := p.Doc.Find("#why-log-in")
		if !strings.HasPrefix(text(why), want) || !strings.Contains(text(why), "it is free") {
			t.Errorf("log in on the way to %s: %q", next, text(why))
		}
		href, _ := why.Find(`a[href^="/signup"]`).Attr("href")
		if u, err := url.Parse(href); err != nil || u.Query().Get("next") != next {
			t.Errorf("the sign-up link on the way to %s: %q", next, href)
		}
	}
	for _, path := range []string{"/login", "/login?next=/c/" + f.conf.Slug, "/login?next=//elsewhere.example.org/invitations/x"} {
		if p = anon.get(path); p.Doc.Find("#why-log-in").Length() != 0 {
			t.Errorf("%s says %q", path, text(p.Doc.Find("#why-log-in")))
		}
	}
}

// TestAPendingInvitationIsSentAgain: the owner of a proposal full of presenters can still send a
// pending invitation again, its link expired, from a button named for the person invited: a new
// invitation email is queued, the invitation's link and expiry are new, and the page says so. The
// link sent before no longer works. The button is there too while the proposal has places free, and
// only for the owner.
func TestAPendingInvitationIsSentAgain(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	_, ownerEmail := presenter(t, ta, "Amara Okafor")
	owner, _ := apiToken(t, ta, ownerEmail)
	base := "/api/v1/conferences/" + f.conf.Slug
	r := sendJSON(t, ta, http.MethodPost, base+"/proposals", owner, fmt.Sprintf(`{"format_id":%d,"title":"Learning to listen"}`, f.formats["Personal narrative"].ID))
	id := int64(r.JSON["proposal"].(map[string]any)["id"].(float64))
	b := loggedIn(t, ta, ownerEmail)
	page := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, id)
	jordan := uniqueEmail("jordan")
	if p := b.post(page, page+"/presenters", url.Values{"name": {"Jordan Lee"}, "email": {jordan}}); p.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d %s", p.Status, p.problem())
	}
	first := strings.TrimPrefix(linkIn(t, ta.waitMail(jordan, "invites you to co-present"), "/invitations/"), ta.URL)
	var pid int64
	if err := ta.db.SQL.QueryRow(`SELECT id FROM proposal_presenters WHERE proposal_id = $1 AND email = $2`, id, jordan).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	// The link has expired.
	if _, err := ta.db.SQL.Exec(`UPDATE proposal_presenters SET expires_at = now() - interval '1 day' WHERE id = $1`, pid); err != nil {
		t.Fatal(err)
	}

	p := b.get(page)
	action := fmt.Sprintf("%s/presenters/%d/invitation", page, pid)
	button := p.Doc.Find(`#presenters + ul.presenters form[action="` + action + `"][method="post"] button[type="submit"]`)
	if p.Doc.Find("#presenters-full").Length() != 1 || text(button) != "Send again the invitation to Jordan Lee" ||
		text(button.Find(".visually-hidden")) != "the invitation to Jordan Lee" {
		t.Fatalf("a full proposal with a pending invitation: full %d, button %q", p.Doc.Find("#presenters-full").Length(), text(button))
	}
	if !strings.Contains(text(p.Doc.Find("ul.presenters")), "The link sent expired on") {
		t.Errorf("the page does not say the link expired: %q", text(p.Doc.Find("ul.presenters")))
	}
	mails := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1 AND event_key LIKE $2`, jordan, fmt.Sprintf("presenter-invitation:%d:%%", pid))
	if mails != 1 {
		t.Fatalf("%d invitations queued before sending again, want 1", mails)
	}

	p = b.post(page, action, url.Values{})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != page+"#presenters" {
		t.Fatalf("send again: %d to %q %s", p.Status, p.Header.Get("Location"), p.problem())
	}
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1 AND event_key LIKE $2`, jordan, fmt.Sprintf("presenter-invitation:%d:%%", pid)); n != 2 {
		t.Errorf("%d invitations queued after sending again, want 2", n)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposal_presenters WHERE id = $1 AND status = 'invited' AND expires_at > now() + interval '29 days'`, pid); n != 1 {
		t.Error("the invitation's expiry did not move")
	}
	if n := count(t, ta, `SELECT count(*) FROM proposal_presenters WHERE proposal_id = $1`, id); n != 2 {
		t.Errorf("%d presenters after sending again, want 2", n)
	}
	p = b.get(page)
	if flash := text(p.Doc.Find(".flash")); !strings.HasPrefix(flash, "The invitation is on its way to Jordan Lee at "+jordan+" again. Its new link works until") {
		t.Errorf("the confirmation: %q", flash)
	}
	if !strings.Contains(text(p.Doc.Find("ul.presenters")), "The link sent works until") {
		t.Errorf("the page does not say until when the new link works: %q", text(p.Doc.Find("ul.presenters")))
	}
	// The new link works; the old one does not.
	if got := b.get(first); got.Status != http.StatusNotFound {
		t.Errorf("the link sent before: %d", got.Status)
	}
	var body string
	if err := ta.db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE event_key LIKE $1 ORDER BY id DESC LIMIT 1`,
		fmt.Sprintf("presenter-invitation:%d:%%", pid)).Scan(&body); err != nil {
		t.Fatal(err)
	}
	second := ""
	for _, l := range linkRE.FindAllString(body, -1) {
		if strings.Contains(l, "/invitations/") {
			second = strings.TrimPrefix(l, ta.URL)
		}
	}
	if got := b.get(second); second == "" || second == first || got.Status != http.StatusOK {
		t.Errorf("the new link %q: %d", second, got.Status)
	}

	// Not for anyone else to send.
	_, otherEmail := presenter(t, ta, "Kofi Mensah")
	if p := loggedIn(t, ta, otherEmail).post("/conferences", action, url.Values{}); p.Status != http.StatusNotFound {
		t.Errorf("someone who does not present the proposal sending the invitation again: %d", p.Status)
	}

	// A proposal with places free offers it as well.
	poster := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, apiDraft(t, ta, owner, base, f.formats["Poster abstract"].ID, "Posters with room"))
	if p := b.post(poster, poster+"/presenters", url.Values{"name": {"Jordan Lee"}, "email": {jordan}}); p.Status != http.StatusSeeOther {
		t.Fatalf("invite to the poster: %d %s", p.Status, p.problem())
	}
	p = b.get(poster)
	again := p.Doc.Find(`form[action$="/invitation"]`)
	if p.Doc.Find(`form[action="`+poster+`/presenters"]`).Length() != 1 || again.Length() != 1 {
		t.Fatalf("a proposal with places free: invitation form %d, send again %d", p.Doc.Find(`form[action="`+poster+`/presenters"]`).Length(), again.Length())
	}
	if p = b.post(poster, again.AttrOr("action", ""), url.Values{}); p.Status != http.StatusSeeOther {
		t.Errorf("send again with places free: %d %s", p.Status, p.problem())
	}
}
