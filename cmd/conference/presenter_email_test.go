package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/mail"
	"github.com/challenging-norms/conference/internal/mail/smtptest"
	"github.com/challenging-norms/conference/internal/review"
	"github.com/challenging-norms/conference/internal/submission"
)

// smtpMail waits for a message to the address, whose subject contains subject, to arrive at the SMTP
// server, and returns it.
func smtpMail(t *testing.T, srv *smtptest.Server, to, subject string) smtptest.Message {
	t.Helper()
	for end := time.Now().Add(20 * time.Second); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		for _, m := range srv.Messages() {
			if slices.Contains(m.To, to) && strings.Contains(m.Header.Get("Subject"), subject) {
				return m
			}
		}
	}
	t.Fatalf("no mail to %s with subject containing %q arrived", to, subject)
	return smtptest.Message{}
}

// smtpSubjects are the subjects of the messages to the address the SMTP server received.
func smtpSubjects(srv *smtptest.Server, to string) []string {
	var out []string
	for _, m := range srv.Messages() {
		if slices.Contains(m.To, to) {
			out = append(out, m.Header.Get("Subject"))
		}
	}
	return out
}

// changeAddress changes the address of the account, as a change of address in the account's settings
// writes it.
func changeAddress(t *testing.T, ta *testApp, from, to string) {
	t.Helper()
	if _, err := ta.db.SQL.Exec(`UPDATE users SET email = $2, updated_at = now() WHERE email = $1`, from, to); err != nil {
		t.Fatal(err)
	}
}

// TestPresentersAddressedByTheirAccountsAddressNow: after a presenter who accepted changes their
// account's address, every mail about the proposal (the receipt, the deadline, the decision, even one
// written before the change) arrives at the new address through SMTP and none at the old one; the
// organizers' pages, filter, export and API show the new address; the new address cannot be invited
// again, nor can the address the invitation went to, while the address the owner's account had is
// free for someone else. The rows keep the address each joined with.
func TestPresentersAddressedByTheirAccountsAddressNow(t *testing.T) {
	t.Parallel()
	srv := smtptest.Start(t)
	sender, err := mail.NewSMTP(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	ta := startApp(t, withFreshDB(t), withSender(sender))
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	base := "/c/" + f.conf.Slug
	rosa, rosaOld := presenter(t, ta, "Rosa Diaz")
	kofi, kofiOld := presenter(t, ta, "Kofi Mensah")
	b := loggedIn(t, ta, rosaOld)

	// A draft, and a co-presenter who accepts the invitation sent to their account's address.
	const title = "Naming the hidden curriculum"
	draft := workshopForm(f, title)
	draft.Set("action", "save")
	p := b.post(fmt.Sprintf("%s/proposals/new?format=%d", base, f.formats["Workshop"].ID), base+"/proposals", draft)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("save the draft: %d %s", p.Status, p.problem())
	}
	id := proposalIDFrom(t, p.Header.Get("Location"))
	page := fmt.Sprintf("%s/proposals/%d", base, id)
	if p = b.post(page, page+"/presenters", url.Values{"name": {"Kofi Mensah"}, "email": {kofiOld}}); p.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d %s", p.Status, p.problem())
	}
	link := linkIn(t, mail.DevMail{Text: smtpMail(t, srv, kofiOld, "invites you to co-present").Text}, "/invitations/")
	if p = loggedIn(t, ta, kofiOld).post(link, link, url.Values{"answer": {"accept"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d %s", p.Status, p.problem())
	}
	smtpMail(t, srv, rosaOld, "Kofi Mensah accepted your invitation")

	// Both change their account's address.
	kofiNew, rosaNew := uniqueEmail("kofi.new"), uniqueEmail("rosa.new")
	changeAddress(t, ta, kofiOld, kofiNew)
	changeAddress(t, ta, rosaOld, rosaNew)
	before := map[string]int{kofiOld: len(smtpSubjects(srv, kofiOld)), rosaOld: len(smtpSubjects(srv, rosaOld))}

	// The co-presenter's new address is theirs: inviting it is refused, on the page and through the
	// API; so is the address their invitation went to. The owner's old address is no one's on the
	// proposal any more, and may be invited.
	p = b.post(page, page+"/presenters", url.Values{"name": {"Kofi again"}, "email": {strings.ToUpper(kofiNew)}})
	if p.Status != http.StatusUnprocessableEntity || p.fieldError("email") != "Kofi Mensah already presents this proposal." {
		t.Errorf("inviting the new address on the page: %d %q", p.Status, p.fieldError("email"))
	}
	owner, _ := apiToken(t, ta, rosaNew)
	item := fmt.Sprintf("/api/v1/conferences/%s/proposals/%d", f.conf.Slug, id)
	r := sendJSON(t, ta, http.MethodPost, item+"/presenters", owner, fmt.Sprintf(`{"name":"Kofi again","email":%q}`, kofiNew))
	wantProblem(t, "inviting the new address through the API", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	wantContract(t, http.MethodPost, "/api/v1/conferences/:slug/proposals/:id/presenters", r.Status, r.Body)
	if got := fieldDetail(r.apiResponse, "email"); got != "Kofi Mensah already presents this proposal." {
		t.Errorf("the API's refusal: %q", got)
	}
	p = b.post(page, page+"/presenters", url.Values{"name": {"Kofi again"}, "email": {kofiOld}})
	if p.Status != http.StatusUnprocessableEntity || p.fieldError("email") != "Kofi Mensah already presents this proposal (invited at this address)." {
		t.Errorf("inviting the address the invitation went to: %d %q", p.Status, p.fieldError("email"))
	}
	if p = b.post(page, page+"/presenters", url.Values{"name": {"Sam Successor"}, "email": {rosaOld}}); p.Status != http.StatusSeeOther {
		t.Errorf("inviting the owner's old address: %d %s %q", p.Status, p.problem(), p.fieldError("email"))
	}
	smtpMail(t, srv, rosaOld, "invites you to co-present")

	// The rows: each accepted presenter keeps the address they joined with, the invitation its own.
	type row struct {
		Email, Status string
		UserID        int64
		InvitedEmail  string
	}
	var rows []row
	q, err := ta.db.SQL.Query(`SELECT email, status, coalesce(user_id, 0), coalesce(invited_email, '') FROM proposal_presenters
		WHERE proposal_id = $1 ORDER BY id`, id)
	if err != nil {
		t.Fatal(err)
	}
	for q.Next() {
		var x row
		if err := q.Scan(&x.Email, &x.Status, &x.UserID, &x.InvitedEmail); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, x)
	}
	q.Close()
	if want := []row{{rosaOld, "accepted", rosa.ID, ""}, {kofiOld, "accepted", kofi.ID, ""}, {rosaOld, "invited", 0, ""}}; !slices.Equal(rows, want) {
		t.Errorf("the presenters' rows:\n got %+v\nwant %+v", rows, want)
	}

	// The owner submits: the receipts go to the new addresses.
	prop, err := ta.subs.Get(ctx, principalOf(t, ta, rosaNew), f.conf, id)
	if err != nil {
		t.Fatal(err)
	}
	if p = b.post(page, page+"/submit", url.Values{"version": {strconv.Itoa(prop.Version)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d %s %v", p.Status, p.problem(), summaryItems(p))
	}
	for _, to := range []string{rosaNew, kofiNew} {
		smtpMail(t, srv, to, "Received: "+title)
	}
	if got := proposalFor(t, ta, kofiNew, f, id); got.Status != submission.Submitted {
		t.Errorf("the co-presenter, by their new address, reads the proposal as %s", got.Status)
	}

	// Organizers: the proposal's page, the filter by address, the export and the API.
	ob := loggedIn(t, ta, f.organizer)
	var shown []string
	ob.get(fmt.Sprintf("%s/manage/proposals/%d", base, id)).Doc.Find(".presenter.card > p:first-of-type").Each(func(_ int, s *goquery.Selection) {
		shown = append(shown, strings.Fields(s.Text())[0])
	})
	if want := []string{rosaNew, kofiNew, rosaOld}; !slices.Equal(shown, want) {
		t.Errorf("the proposal's page shows %q, want %q", shown, want)
	}
	list := base + "/manage/proposals"
	for q, want := range map[string]int{kofiNew: 1, rosaNew: 1, kofiOld: 0} {
		if got := ob.get(list + "?status=submitted&presenter=" + url.QueryEscape(q)).Doc.Find("table tbody tr").Length(); got != want {
			t.Errorf("presenter=%s: %d proposals, want %d", q, got, want)
		}
	}
	csvReply := send(t, ta, http.MethodGet, list+".csv?status=submitted", nil, "Cookie", cookieHeader(ob))
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(csvReply.Body, "\ufeff"))).ReadAll()
	if err != nil || len(records) != 2 {
		t.Fatalf("the export: %d %v\n%s", csvReply.Status, err, csvReply.Body)
	}
	col := slices.IndexFunc(records[0], func(h string) bool { return strings.Contains(strings.ToLower(h), "email") })
	if want := rosaNew + "; " + kofiNew + "; " + rosaOld; col < 0 || records[1][col] != want {
		t.Errorf("the export's addresses: %q (column %d), want %q", records[1], col, want)
	}
	token, _ := apiToken(t, ta, f.organizer)
	api := sendJSON(t, ta, http.MethodGet, "/api/v1/conferences/"+f.conf.Slug+"/manage/proposals?presenter="+url.QueryEscape(kofiNew), token, "")
	found, _ := api.JSON["proposals"].([]any)
	var emails []string
	if len(found) == 1 {
		for _, x := range found[0].(map[string]any)["presenters"].([]any) {
			emails = append(emails, x.(map[string]any)["email"].(string))
		}
	}
	if want := []string{rosaNew, kofiNew, rosaOld}; api.Status != http.StatusOK || !slices.Equal(emails, want) {
		t.Errorf("the API's list: %d %q, want %q", api.Status, emails, want)
	}

	// A new deadline for the proposal is told at the new addresses.
	mp := fmt.Sprintf("%s/manage/proposals/%d", base, id)
	if p := ob.post(mp, mp+"/extend", url.Values{"until": {"2031-07-15T12:00"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("extend: %d %s", p.Status, p.problem())
	}
	for _, to := range []string{rosaNew, kofiNew} {
		smtpMail(t, srv, to, "New deadline: "+title)
	}

	// A decision notice written now, and sent after the co-presenter changes address again, goes
	// to the address they have when it is sent, which the notice then keeps.
	org := principalOf(t, ta, f.organizer)
	cfg, err := ta.reviews.FormatConfig(ctx, f.conf, f.formats["Workshop"])
	if err != nil {
		t.Fatal(err)
	}
	slots := 4
	cfg.Slots = &slots
	if _, err := ta.reviews.SaveFormatConfig(ctx, org, f.conf, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.reviews.Decide(ctx, org, f.conf, id, review.DecisionInput{Decision: submission.Reject}); err != nil {
		t.Fatal(err)
	}
	if n, err := ta.reviews.GenerateNotices(ctx, org, f.conf); err != nil || n != 2 {
		t.Fatalf("notices: %d %v", n, err)
	}
	kofiNewer := uniqueEmail("kofi.newer")
	changeAddress(t, ta, kofiNew, kofiNewer)
	notices, err := ta.reviews.Notices(ctx, org, f.conf)
	if err != nil {
		t.Fatal(err)
	}
	var to []string
	subject := ""
	for _, n := range notices {
		to, subject = append(to, n.Recipient), n.Subject
	}
	slices.Sort(to)
	if want := []string{kofiNewer, rosaNew}; !slices.Equal(to, want) {
		t.Errorf("the notices are to %q, want %q", to, want)
	}
	if got := ob.get(base + "/manage/decisions").Doc.Find("td .muted").Map(func(_ int, s *goquery.Selection) string { return s.Text() }); !slices.Contains(got, kofiNewer) {
		t.Errorf("the decisions page shows the notices to %q", got)
	}
	if n, err := ta.reviews.SendNotices(ctx, org, f.conf, nil); err != nil || n != 2 {
		t.Fatalf("send: %d %v", n, err)
	}
	smtpMail(t, srv, kofiNewer, subject)
	smtpMail(t, srv, rosaNew, subject)
	if n := count(t, ta, `SELECT count(*) FROM notices WHERE proposal_id = $1 AND status = 'sent' AND recipient = $2`, id, kofiNewer); n != 1 {
		t.Errorf("%d sent notices record the address they went to, want 1", n)
	}

	// Nothing about the proposal went to the old addresses after the change but the invitation of
	// the owner's old address.
	for addr, n := range before {
		got := smtpSubjects(srv, addr)[n:]
		if addr == rosaOld && len(got) == 1 && strings.Contains(got[0], "invites you to co-present") {
			continue
		}
		if len(got) > 0 {
			t.Errorf("after the change, %s was sent %q", addr, got)
		}
	}
	if got := smtpSubjects(srv, kofiNew); slices.ContainsFunc(got, func(s string) bool { return s == subject }) {
		t.Errorf("the notice went to the address the co-presenter left too: %q", got)
	}

	// Conflicts of interest follow the account: a reviewer who declared one with the co-presenter by
	// the address they joined with keeps it, and one who shares the domain of their address now has
	// one once the address is there.
	admin := &access.Principal{Admin: true, UserID: newUser(t, ta, uniqueEmail("admin"), "Ada Admin").ID}
	declared, colleague := uniqueEmail("declared"), fmt.Sprintf("colleague.%d@riverside-med.org", time.Now().UnixNano())
	newUser(t, ta, declared, "Dee Declared")
	newUser(t, ta, colleague, "Cole Colleague")
	for _, who := range []string{declared, colleague} {
		if err := ta.confs.Grant(ctx, admin, f.conf, who, access.Reviewer); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ta.reviews.SaveProfile(ctx, principalOf(t, ta, declared), f.conf, review.Profile{MaxReviews: 5, ConflictPeople: []string{kofiOld}}); err != nil {
		t.Fatal(err)
	}
	conflict := func(who, reason string) int {
		return count(t, ta, `SELECT count(*) FROM conflict_pairs WHERE proposal_id = $1 AND user_id = $2 AND reason = $3`, id, userID(t, ta, who), reason)
	}
	if n := conflict(declared, "declared_person"); n != 1 {
		t.Errorf("the conflict declared with the address the co-presenter joined with: %d", n)
	}
	if n := conflict(colleague, "email_domain"); n != 0 {
		t.Errorf("a conflict by domain before the co-presenter's address is at it: %d", n)
	}
	changeAddress(t, ta, kofiNewer, fmt.Sprintf("kofi.%d@riverside-med.org", time.Now().UnixNano()))
	if n := conflict(colleague, "email_domain"); n != 1 {
		t.Errorf("a conflict by the domain of the co-presenter's address now: %d", n)
	}
	if n := conflict(declared, "declared_person"); n != 1 {
		t.Errorf("the declared conflict after another change: %d", n)
	}
}

// proposalFor reads the proposal as the account with the address.
func proposalFor(t *testing.T, ta *testApp, email string, f callFixture, id int64) submission.Proposal {
	t.Helper()
	prop, err := ta.subs.Get(context.Background(), principalOf(t, ta, email), f.conf, id)
	if err != nil {
		t.Fatal(err)
	}
	return prop
}
