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

// TestAnInvitedAddressIsTheirsOnceAccepted: a co-presenter who accepted from an account with another
// address keeps the address they were invited at: inviting it again is refused on the email field, on
// the page and through the API, and adds no presenter.
func TestAnInvitedAddressIsTheirsOnceAccepted(t *testing.T) {
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
