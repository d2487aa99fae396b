package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/access"
)

// TestAssignmentSentTwice: the same reviewer assigned twice to a proposal by hand (a double click on
// the web page, an API call retried or sent twice at once) is assigned once, emailed once, and the
// second request answers as the first did; a conflict of interest is still refused.
func TestAssignmentSentTwice(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	_, authorEmail := presenter(t, ta, "Nadia Haddad")
	byWeb := submitPosterAs(t, ta, f, authorEmail, "Feedback that residents ask for").ID
	byAPI := submitPosterAs(t, ta, f, authorEmail, "Peer coaching in the first year").ID
	atOnce := submitPosterAs(t, ta, f, authorEmail, "Night float without the fatigue").ID
	reviewerEmail, conflictedEmail := uniqueEmail("tomas.reviewer"), uniqueEmail("celia.reviewer")
	reviewer := newUser(t, ta, reviewerEmail, "Tomás Reviewer").ID
	conflicted := newUser(t, ta, conflictedEmail, "Celia Reviewer").ID
	admin := &access.Principal{Admin: true, UserID: newUser(t, ta, uniqueEmail("admin"), "Ada Admin").ID}
	for _, email := range []string{reviewerEmail, conflictedEmail} {
		if err := ta.confs.Grant(ctx, admin, f.conf, email, access.Reviewer); err != nil {
			t.Fatal(err)
		}
	}
	if err := ta.reviews.DeclareConflict(ctx, principalOf(t, ta, conflictedEmail), f.conf, byWeb, "My former resident."); err != nil {
		t.Fatal(err)
	}
	assignments := func(proposal, user int64) int {
		return count(t, ta, `SELECT count(*) FROM review_assignments WHERE proposal_id = $1 AND user_id = $2`, proposal, user)
	}

	// The web form, submitted twice with the same token, as a double click sends it.
	b := loggedIn(t, ta, f.organizer)
	sheet := fmt.Sprintf("/c/%s/review/proposals/%d", f.conf.Slug, byWeb)
	action := fmt.Sprintf("/c/%s/manage/review/proposals/%d/assignments", f.conf.Slug, byWeb)
	form := url.Values{"kind": {"add"}, "reviewer": {fmt.Sprint(reviewer)}}
	first := b.post(sheet, action, form)
	second := b.postRaw(action, form)
	for i, pg := range []page{first, second} {
		if pg.Status != http.StatusSeeOther || pg.Header.Get("Location") != first.Header.Get("Location") {
			t.Fatalf("web submission %d: %d to %q, want 303 to %q; %s", i+1, pg.Status, pg.Header.Get("Location"), first.Header.Get("Location"), pg.problem())
		}
	}
	if got := b.get(second.Header.Get("Location")).Doc.Find(".flash").Text(); !strings.Contains(got, "The assignments of this proposal are changed") {
		t.Errorf("after the second submission the page says %q", got)
	}
	if n := assignments(byWeb, reviewer); n != 1 {
		t.Errorf("%d assignments after the double submission, want 1", n)
	}

	// The API, the same call twice in a row, then twice at once.
	token, _ := apiToken(t, ta, f.organizer)
	path := "/api/v1/conferences/" + f.conf.Slug + "/manage/review/assignments"
	add := func(proposal, user int64) string {
		return fmt.Sprintf(`{"change":"add","proposal_id":%d,"user_id":%d}`, proposal, user)
	}
	for i := 1; i <= 2; i++ {
		if r := sendJSON(t, ta, http.MethodPost, path, token, add(byAPI, reviewer)); r.Status != http.StatusNoContent {
			t.Fatalf("API call %d: %d %v", i, r.Status, r.JSON)
		}
	}
	if n := assignments(byAPI, reviewer); n != 1 {
		t.Errorf("%d assignments after the API call sent twice, want 1", n)
	}
	rs := sendTwice(t, ta, true, http.MethodPost, path, add(atOnce, reviewer), "Content-Type", "application/json", "Authorization", "Bearer "+token)
	statuses := []int{rs[0].Status, rs[1].Status}
	if statuses[0] != http.StatusNoContent || statuses[1] != http.StatusNoContent {
		t.Errorf("the same call twice at once answered %v, want 204 both times", statuses)
	}
	if n := assignments(atOnce, reviewer); n != 1 {
		t.Errorf("%d assignments after the call sent twice at once, want 1", n)
	}

	// One email per proposal: the outbox holds three, and three arrive.
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1`, reviewerEmail); n != 3 {
		t.Errorf("%d emails queued to the reviewer, want 3 (one per proposal)", n)
	}
	deadline := time.Now().Add(15 * time.Second)
	for ta.countMail(reviewerEmail) < 3 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if n := ta.countMail(reviewerEmail); n != 3 {
		t.Errorf("%d emails arrived to the reviewer, want 3", n)
	}
	ta.waitMail(reviewerEmail, "1 proposal to review")

	// A swap and a removal sent twice, at once and again later: done, as the first left them.
	lenaEmail := uniqueEmail("lena.reviewer")
	lena := newUser(t, ta, lenaEmail, "Lena Reviewer").ID
	if err := ta.confs.Grant(ctx, admin, f.conf, lenaEmail, access.Reviewer); err != nil {
		t.Fatal(err)
	}
	h := []string{"Content-Type", "application/json", "Authorization", "Bearer " + token}
	swap := fmt.Sprintf(`{"change":"swap","proposal_id":%d,"user_id":%d,"replacement_id":%d}`, byAPI, reviewer, lena)
	remove := fmt.Sprintf(`{"change":"remove","proposal_id":%d,"user_id":%d}`, byAPI, lena)
	for _, body := range []string{swap, remove} {
		rs := sendTwice(t, ta, true, http.MethodPost, path, body, h...)
		rs[1] = send(t, ta, http.MethodPost, path, strings.NewReader(body), h...)
		for i, r := range rs {
			if r.Status != http.StatusNoContent {
				t.Errorf("%s, answer %d: %d %v", body, i+1, r.Status, r.JSON)
			}
		}
		if body == swap && (assignments(byAPI, reviewer) != 0 || assignments(byAPI, lena) != 1) {
			t.Errorf("after a swap sent three times: %d and %d assignments, want 0 and 1", assignments(byAPI, reviewer), assignments(byAPI, lena))
		}
	}
	if n := assignments(byAPI, lena); n != 0 {
		t.Errorf("after a removal sent three times, %d assignments", n)
	}
	if n := count(t, ta, `SELECT count(*) FROM audit_log WHERE action = 'assignment.removed' AND subject = $1`, fmt.Sprintf("proposal:%d", byAPI)); n != 2 {
		t.Errorf("%d removals recorded for one swap and one removal, want 2", n)
	}
	ta.waitMail(lenaEmail, "1 proposal to review")
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1`, lenaEmail); n != 1 {
		t.Errorf("%d emails to the replacement of a swap sent three times, want 1", n)
	}
	form = url.Values{"kind": {"remove"}, "reviewer": {fmt.Sprint(reviewer)}}
	first = b.post(sheet, action, form) // which sets the form's token, sent again as a double click does
	second = b.postRaw(action, form)
	for i, pg := range []page{first, second} {
		if pg.Status != http.StatusSeeOther {
			t.Errorf("a removal on the web, submission %d: %d %s", i+1, pg.Status, pg.problem())
		}
	}
	if n := assignments(byWeb, reviewer); n != 0 {
		t.Errorf("%d assignments after a removal submitted twice", n)
	}
	// A swap from someone not on the proposal to someone not on it either is still refused.
	r := sendJSON(t, ta, http.MethodPost, path, token, fmt.Sprintf(`{"change":"swap","proposal_id":%d,"user_id":%d,"replacement_id":%d}`, atOnce, lena, conflicted))
	if r.Status != http.StatusConflict || assignments(atOnce, conflicted) != 0 {
		t.Errorf("a swap of a reviewer not assigned: %d %v", r.Status, r.JSON)
	}

	// Two different swaps of one reviewer at once: one is made, the other refused.
	tomEmail := uniqueEmail("tom.reviewer")
	tom := newUser(t, ta, tomEmail, "Tom Reviewer").ID
	if err := ta.confs.Grant(ctx, admin, f.conf, tomEmail, access.Reviewer); err != nil {
		t.Fatal(err)
	}
	if r := sendJSON(t, ta, http.MethodPost, path, token, add(byAPI, reviewer)); r.Status != http.StatusNoContent {
		t.Fatalf("add again: %d %v", r.Status, r.JSON)
	}
	var swaps [2]reply
	var wg sync.WaitGroup
	for i, to := range []int64{lena, tom} {
		body := fmt.Sprintf(`{"change":"swap","proposal_id":%d,"user_id":%d,"replacement_id":%d}`, byAPI, reviewer, to)
		wg.Go(func() { swaps[i] = send(t, ta, http.MethodPost, path, strings.NewReader(body), h...) })
	}
	wg.Wait()
	statuses = []int{swaps[0].Status, swaps[1].Status}
	slices.Sort(statuses)
	if statuses[0] != http.StatusNoContent || statuses[1] != http.StatusConflict {
		t.Errorf("two different swaps at once answered %v, want one 204 and one 409", statuses)
	}
	if n := assignments(byAPI, lena) + assignments(byAPI, tom); n != 1 || assignments(byAPI, reviewer) != 0 {
		t.Errorf("after two different swaps at once: %d replacements assigned, want 1", n)
	}

	// A conflict of interest is refused as before, on the web and through the API.
	pg := b.post(sheet, action, url.Values{"kind": {"add"}, "reviewer": {fmt.Sprint(conflicted)}})
	if pg.Status != http.StatusConflict || !strings.Contains(pg.Doc.Find(".error-summary").Text(), "conflict of interest") {
		t.Errorf("adding a conflicted reviewer on the web: %d %q", pg.Status, pg.Doc.Find(".error-summary").Text())
	}
	r = sendJSON(t, ta, http.MethodPost, path, token, add(byWeb, conflicted))
	wantProblem(t, "adding a conflicted reviewer", r.apiResponse, http.StatusConflict, "conflict")
	if n := assignments(byWeb, conflicted); n != 0 {
		t.Errorf("the conflicted reviewer is assigned %d times", n)
	}
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1`, conflictedEmail); n != 0 {
		t.Errorf("%d emails queued to the conflicted reviewer", n)
	}
}
