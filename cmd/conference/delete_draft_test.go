package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/challenging-norms/conference/internal/submission"
)

// TestADraftNeverSubmittedCanBeDeleted: its owner deletes a draft started by mistake, after a page
// that asks, with its versions and its pending invitations; one that was ever submitted, one that
// someone else co-presents, and anyone but its owner are refused; the API does the same.
func TestADraftNeverSubmittedCanBeDeleted(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	_, email := presenter(t, ta, "Amina Yusuf")
	p := principalOf(t, ta, email)
	ws := f.formats["Workshop"]
	draft, _, err := ta.subs.Create(ctx, p, f.conf, submission.CreateInput{Content: submission.Content{FormatID: ws.ID, Title: "Started by mistake"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.subs.Invite(ctx, p, f.conf, draft.ID, "Sam Rivera", uniqueEmail("sam")); err != nil {
		t.Fatal(err)
	}
	page := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, draft.ID)

	// In the browser: offered on the proposal's page, asked, done.
	c := startChromium(t, ta.URL)
	c.axe = axeSource(t)
	c.logIn(email, strongPassword)
	c.open(page)
	c.follow(chromedp.Click(chromedp.CSS(`main a[href="` + page + `/delete"]`)))
	c.wantText("h1", "Delete “Started by mistake”?")
	c.audit("delete a draft")
	c.follow(chromedp.Click(chromedp.CSS(`main button.danger`)))
	c.wantText(".flash", "The draft “Started by mistake” is deleted.")
	for _, q := range []string{`SELECT count(*) FROM proposals WHERE id = $1`, `SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`,
		`SELECT count(*) FROM proposal_presenters WHERE proposal_id = $1`} {
		if n := count(t, ta, q, draft.ID); n != 0 {
			t.Errorf("%s: %d rows left", q, n)
		}
	}
	if n := count(t, ta, `SELECT count(*) FROM audit_log WHERE action = 'proposal.deleted' AND subject = $1 AND details = 'Started by mistake'`,
		fmt.Sprintf("proposal:%d", draft.ID)); n != 1 {
		t.Errorf("%d audit entries of the deletion, want 1", n)
	}

	// Submitted once, then withdrawn and restored: kept, and not offered.
	b := loggedIn(t, ta, email)
	kept := submitPosterAs(t, ta, f, email, "Submitted once")
	if _, err := ta.subs.Withdraw(ctx, p, f.conf, kept.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.subs.Restore(ctx, p, f.conf, kept.ID); err != nil {
		t.Fatal(err)
	}
	kpage := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, kept.ID)
	if pg := b.get(kpage); pg.Doc.Find(`a[href$="/delete"]`).Length() != 0 {
		t.Error("a draft once submitted offers to be deleted")
	}
	if pg := b.post(kpage+"/delete", kpage+"/delete", url.Values{}); pg.Status != http.StatusForbidden ||
		!strings.Contains(text(pg.Doc.Find(".lead")), "Only a draft that was never submitted can be deleted") {
		t.Errorf("deleting a draft once submitted: %d %q", pg.Status, text(pg.Doc.Find(".lead")))
	}

	// Co-presented: kept until the co-presenter is removed; never by the co-presenter.
	api := "/api/v1/conferences/" + f.conf.Slug
	token, _ := apiToken(t, ta, email)
	shared, _, err := ta.subs.Create(ctx, p, f.conf, submission.CreateInput{Content: submission.Content{FormatID: ws.ID, Title: "Ours"}})
	if err != nil {
		t.Fatal(err)
	}
	_, coEmail := presenter(t, ta, "Jordan Lee")
	if _, err := ta.subs.Invite(ctx, p, f.conf, shared.ID, "Jordan Lee", coEmail); err != nil {
		t.Fatal(err)
	}
	link := linkIn(t, ta.waitMail(coEmail, "invites you"), "/invitations/")
	co := principalOf(t, ta, coEmail)
	if _, err := ta.subs.AnswerInvitation(ctx, co, secretOf(link), true); err != nil {
		t.Fatal(err)
	}
	item := fmt.Sprintf("%s/proposals/%d", api, shared.ID)
	r := sendJSON(t, ta, http.MethodDelete, item, token, "")
	wantProblem(t, "deleting a co-presented draft", r.apiResponse, http.StatusForbidden, "forbidden")
	if !strings.Contains(fmt.Sprint(r.JSON["detail"]), "Jordan Lee co-presents this draft") {
		t.Errorf("the refusal: %v", r.JSON["detail"])
	}
	coToken, _ := apiToken(t, ta, coEmail)
	wantProblem(t, "a co-presenter deleting", sendJSON(t, ta, http.MethodDelete, item, coToken, "").apiResponse, http.StatusForbidden, "forbidden")
	if err := ta.subs.RemovePresenter(ctx, p, f.conf, shared.ID, coPresenterID(t, ta, shared.ID)); err != nil {
		t.Fatal(err)
	}
	if r = sendJSON(t, ta, http.MethodDelete, item, token, ""); r.Status != http.StatusNoContent {
		t.Errorf("deleting a draft through the API: %d %v", r.Status, r.JSON)
	}
	wantContract(t, http.MethodDelete, "/api/v1/conferences/:slug/proposals/:id", r.Status, r.Body)
	wantProblem(t, "deleting it again", sendJSON(t, ta, http.MethodDelete, item, token, "").apiResponse, http.StatusNotFound, "not_found")
}

// coPresenterID is the id of the one presenter of proposal id who is not its owner.
func coPresenterID(t *testing.T, ta *testApp, id int64) int64 {
	t.Helper()
	var pid int64
	if err := ta.db.SQL.QueryRow(`SELECT id FROM proposal_presenters WHERE proposal_id = $1 AND NOT is_owner`, id).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	return pid
}
