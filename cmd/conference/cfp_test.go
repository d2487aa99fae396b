package main

import (
	"context"
	"encoding/json"
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
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/submission"
)

// callFixture is a conference with the Challenging Norms call, open now, and its organizer.
type callFixture struct {
	conf      conference.Conference
	formats   map[string]cfp.Format // by name
	tracks    []cfp.Track
	organizer string // email
}

// openCall creates a conference with the Challenging Norms call, open from an hour ago until the
// given close (zero: in sixty days), and an organizer.
func openCall(t testing.TB, ta *testApp, closes time.Time) callFixture {
	t.Helper()
	ctx := context.Background()
	slug := fmt.Sprintf("cn-%d", unique())
	conf, err := ta.confs.Seed(ctx, conference.CreateInput{Slug: slug, Name: "Challenging Norms " + slug[3:], TimeZone: "America/New_York",
		StartsOn: "2027-10-08", EndsOn: "2027-10-09"})
	if err != nil {
		t.Fatal(err)
	}
	loc := conf.Location()
	if closes.IsZero() {
		closes = time.Now().Add(60 * 24 * time.Hour)
	}
	if _, err := ta.calls.Seed(ctx, conf, challengingNormsCall(time.Now().Add(-time.Hour).In(loc), closes.In(loc), slug)); err != nil {
		t.Fatal(err)
	}
	f := callFixture{conf: conf, formats: map[string]cfp.Format{}}
	formats, _ := ta.calls.Formats(ctx, conf)
	for _, x := range formats {
		f.formats[x.Name] = x
	}
	f.tracks, _ = ta.calls.Tracks(ctx, conf)
	f.organizer = uniqueEmail("organizer")
	newUser(t, ta, f.organizer, "Olu Organizer")
	admin := &access.Principal{Admin: true, UserID: newUser(t, ta, uniqueEmail("admin"), "Ada Admin").ID}
	if err := ta.confs.Grant(ctx, admin, conf, f.organizer, access.Organizer); err != nil {
		t.Fatal(err)
	}
	return f
}

// presenter makes an account with a complete profile.
func presenter(t testing.TB, ta *testApp, name string) (account.User, string) {
	t.Helper()
	email := uniqueEmail(strings.ToLower(strings.Fields(name)[0]))
	u := newUser(t, ta, email, name)
	u, err := ta.accounts.UpdateProfile(context.Background(), u, name, account.Profile{Pronouns: "she/her", Role: account.HouseStaff,
		Institution: "Riverside Family Medicine Residency", Bio: name + " is a resident physician."})
	if err != nil {
		t.Fatal(err)
	}
	return u, email
}

// workshopForm is a complete workshop proposal as the form sends it.
func workshopForm(f callFixture, title string) url.Values {
	w := f.formats["Workshop"]
	return url.Values{
		"format_id": {strconv.FormatInt(w.ID, 10)}, "track_id": {strconv.FormatInt(f.tracks[1].ID, 10)},
		"title":                 {title},
		"abstract":              {"Participants practise responding to bias in resident evaluations using realistic cases."},
		"answers.objectives":    {"Recognise biased language in evaluations. Rewrite feedback to be specific."},
		"answers.plan":          {"Ten minutes of framing, forty minutes of cases in small groups, twenty of practice, twenty of reflection."},
		"answers.audience":      {"Faculty", "Residents and fellows"},
		"answers.size":          {"Up to 50"},
		"answers.accessibility": {"Captions; cases shared in advance; an alternative to breakout rooms."},
		"client_key":            {"k-" + title},
	}
}

func proposalIDFrom(t *testing.T, location string) int64 {
	t.Helper()
	i := strings.LastIndex(location, "/")
	id, err := strconv.ParseInt(location[i+1:], 10, 64)
	if err != nil {
		t.Fatalf("no proposal id in %q", location)
	}
	return id
}

// TestSubmitterPath follows a submitter through the web pages: the call page, the format, a draft,
// two tabs, submission with its receipt, a co-presenter, blind-review advice, withdrawal, and the
// deadline.
func TestSubmitterPath(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/c/" + f.conf.Slug
	_, email := presenter(t, ta, "Nia Johnson")
	b := loggedIn(t, ta, email)

	p := b.get(base)
	if p.Status != http.StatusOK || p.Doc.Find(`a[href="`+base+`/proposals/new"]`).Length() != 1 {
		t.Fatalf("call page: %d, no way to start a proposal", p.Status)
	}
	if got := p.Doc.Find(".deadline-panel strong").Text(); !strings.Contains(got, "Open for proposals until") {
		t.Errorf("deadline panel says %q", got)
	}
	if p.Doc.Find(".cards .card").Length() != 4 {
		t.Errorf("the call page lists %d formats, want 4", p.Doc.Find(".cards .card").Length())
	}
	p = b.get(base + "/proposals/new")
	if p.Doc.Find(`input[name="format"]`).Length() != 4 {
		t.Fatalf("format choice: %d options", p.Doc.Find(`input[name="format"]`).Length())
	}
	ws := f.formats["Workshop"]
	p = b.get(fmt.Sprintf("%s/proposals/new?format=%d", base, ws.ID))
	for _, name := range []string{"title", "track_id", "abstract", "answers.objectives", "answers.plan", "answers.size", "answers.accessibility"} {
		if p.Doc.Find(`[name="`+name+`"]`).Length() == 0 {
			t.Errorf("the workshop form has no field %q", name)
		}
	}
	if got := p.Doc.Find(`[data-word-count="abstract"]`).Text(); !strings.Contains(got, "0 of 250 words") {
		t.Errorf("abstract word count: %q", got)
	}
	key, _ := p.Doc.Find(`input[name="client_key"]`).Attr("value")

	// A draft with only a title, sent twice (a double click): one proposal.
	draft := url.Values{"format_id": {strconv.FormatInt(ws.ID, 10)}, "title": {"Feedback without bias"}, "client_key": {key}, "action": {"save"}}
	p = b.post(fmt.Sprintf("%s/proposals/new?format=%d", base, ws.ID), base+"/proposals", draft)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("save draft: %d %s", p.Status, p.problem())
	}
	id := proposalIDFrom(t, p.Header.Get("Location"))
	p = b.post(fmt.Sprintf("%s/proposals/new?format=%d", base, ws.ID), base+"/proposals", draft)
	if got := proposalIDFrom(t, p.Header.Get("Location")); got != id {
		t.Errorf("the repeated create made proposal %d besides %d", got, id)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE conference_id = $1`, f.conf.ID); n != 1 {
		t.Errorf("%d proposals after a double click, want 1", n)
	}
	page := fmt.Sprintf("%s/proposals/%d", base, id)
	p = b.get(page)
	if got := p.Doc.Find(".status").First().Text(); got != "Draft, not submitted" {
		t.Errorf("status at a glance: %q", got)
	}
	if p.Doc.Find("#todo-title").Length() != 1 || !strings.Contains(p.Doc.Find("#todo-title").Parent().Text(), "Write an abstract.") {
		t.Errorf("the draft's page does not list what is missing")
	}
	if p.Doc.Find(`form[action="`+page+`/submit"]`).Length() != 0 {
		t.Error("an incomplete draft offers to submit")
	}

	// Two tabs: both open version 1; the second save is refused with the newer text.
	form := workshopForm(f, "Feedback without bias")
	form.Set("version", "1")
	form.Set("action", "save")
	p = b.post(page+"/edit", page, form)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("first tab's save: %d %s", p.Status, p.problem())
	}
	other := workshopForm(f, "Feedback without bias, second tab")
	other.Set("version", "1")
	other.Set("action", "save")
	p = b.post(page+"/edit", page, other)
	if p.Status != http.StatusConflict {
		t.Fatalf("second tab's save: %d, want 409", p.Status)
	}
	// Only the title differs: the panel shows the newer one, not the abstract both have.
	if got := p.Doc.Find("#newer-title").Parent().Find("dl.newer").Text(); !strings.Contains(got, "Feedback without bias") ||
		strings.Contains(got, "Participants practise responding") {
		t.Errorf("the panel does not show just the newer title: %q", got)
	}
	if got, _ := p.Doc.Find("#title").Attr("value"); got != "Feedback without bias, second tab" {
		t.Errorf("the second tab's own text is not kept: %q", got)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND title = 'Feedback without bias'`, id); n != 1 {
		t.Error("the stale save overwrote the newer one")
	}

	// Over the word limit: the save keeps the draft, the submit says what to fix.
	long := workshopForm(f, "Feedback without bias")
	long.Set("version", "2")
	long.Set("abstract", "Nia Johnson "+strings.Repeat("word ", 249))
	long.Set("action", "submit")
	p = b.post(page+"/edit", page, long)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldError("abstract"), "251 words; the limit is 250") {
		t.Fatalf("submit over the limit: %d %q", p.Status, p.fieldError("abstract"))
	}
	if !strings.Contains(p.Doc.Find("main").Text(), "The abstract mentions the name of Nia Johnson") {
		t.Error("the refused submit does not give the advice about blind review")
	}
	if !strings.Contains(p.problem(), "saved as a draft") {
		t.Errorf("the problem does not say the draft is saved: %q", p.problem())
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND version = 3 AND status = 'draft'`, id); n != 1 {
		t.Error("the over-long save was not kept as a draft")
	}

	// Submit, with the receipt.
	ok := workshopForm(f, "Feedback without bias")
	ok.Set("version", "3")
	ok.Set("action", "submit")
	p = b.post(page+"/edit", page, ok)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d %s %v", p.Status, p.problem(), summaryItems(p))
	}
	b.get(page) // its message read
	// The same form again (a double click): it says the proposal is submitted, not merely saved.
	if p = b.post(page+"/edit", page, ok); p.Status != http.StatusSeeOther {
		t.Fatalf("submit pressed twice: %d %s", p.Status, p.problem())
	}
	if flash := b.get(page).Doc.Find(".flash").Text(); !strings.HasPrefix(strings.TrimSpace(flash), "Your proposal is submitted.") {
		t.Errorf("after submit pressed twice: %q", flash)
	}
	m := ta.waitMail(email, "Received: Feedback without bias")
	for _, want := range []string{"Interactive plan and timeline", "Ten minutes of framing", "Graduate medical education", "Nia Johnson"} {
		if !strings.Contains(m.Text, want) {
			t.Errorf("the receipt lacks %q", want)
		}
	}
	p = b.post(page, page+"/submit", url.Values{"version": {"4"}})
	if p.Status != http.StatusSeeOther {
		t.Errorf("submitting again: %d", p.Status)
	}
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1 AND subject LIKE 'Received:%'`, email); n != 1 {
		t.Errorf("%d receipts, want 1", n)
	}

	// A co-presenter, invited by email, accepts under another account and is asked for a profile.
	p = b.post(page, page+"/presenters", url.Values{"name": {"Sam Rivera"}, "email": {"not an address"}})
	if p.Status != http.StatusUnprocessableEntity || p.fieldError("email") == "" {
		t.Fatalf("invite with a bad address: %d", p.Status)
	}
	samEmail := uniqueEmail("sam")
	p = b.post(page, page+"/presenters", url.Values{"name": {"Sam Rivera"}, "email": {samEmail}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d %s", p.Status, p.problem())
	}
	inv := ta.waitMail(samEmail, "invites you to co-present")
	link := linkIn(t, inv, "/invitations/")
	anon := ta.browser()
	if p = anon.get(link); p.Status != http.StatusOK || p.Doc.Find(`a[href^="/login?next=/invitations/"]`).Length() != 1 {
		t.Errorf("the invitation page for someone logged out: %d", p.Status)
	}
	// The owner opening the link (sent to the wrong address, say) is not offered to accept it.
	if p = b.get(link); !strings.Contains(p.Doc.Find("main").Text(), "who already presents this proposal") || p.Doc.Find(`button[value="accept"]`).Length() != 0 {
		t.Errorf("the invitation page for its proposal's owner: %d %q", p.Status, p.Doc.Find("main p").Last().Text())
	}
	sam := newUser(t, ta, uniqueEmail("samuel"), "Samuel Rivera")
	sb := loggedIn(t, ta, sam.Email)
	p = sb.post(link, link, url.Values{"answer": {"accept"}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/account/profile?next="+page) {
		t.Fatalf("accept: %d to %q", p.Status, p.Header.Get("Location"))
	}
	ta.waitMail(email, "Samuel Rivera accepted your invitation")
	if p = sb.get(page); p.Status != http.StatusOK {
		t.Errorf("the co-presenter cannot see the proposal: %d", p.Status)
	}
	// Accepted again (a double click, or the link followed again): the proposal, not an error.
	if p = sb.post(link, link, url.Values{"answer": {"accept"}}); p.Status != http.StatusSeeOther {
		t.Errorf("a used invitation link, accepted again by who accepted it: %d", p.Status)
	}
	// A co-presenter is not offered to withdraw what only its owner can.
	if p = sb.get(page + "/withdraw"); p.Status != http.StatusSeeOther || p.Header.Get("Location") != page+"#presenters" {
		t.Errorf("the withdrawal page for a co-presenter: %d to %q", p.Status, p.Header.Get("Location"))
	}
	if got := sb.get(page).Doc.Find(".flash").Text(); !strings.HasPrefix(got, "Only Nia Johnson, who made the proposal, can withdraw it.") {
		t.Errorf("what the co-presenter is told: %q", got)
	}

	// A submitted proposal's change that leaves it incomplete is refused whole, and says so.
	before := count(t, ta, `SELECT version FROM proposals WHERE id = $1`, id)
	incomplete := workshopForm(f, "Feedback without bias")
	incomplete.Set("version", strconv.Itoa(before))
	incomplete.Set("abstract", "")
	p = b.post(page+"/edit", page, incomplete)
	if p.Status != http.StatusUnprocessableEntity || !strings.HasPrefix(p.problem(), "Nothing was saved: a submitted proposal must stay complete.") || p.fieldError("abstract") == "" {
		t.Errorf("a submitted proposal emptied: %d %q", p.Status, p.problem())
	}
	if v := count(t, ta, `SELECT version FROM proposals WHERE id = $1`, id); v != before {
		t.Errorf("the refused change was saved: version %d", v)
	}

	// An organizer, who may read it, may not change it: refused, with no form to send again.
	ob := loggedIn(t, ta, f.organizer)
	orgSave := workshopForm(f, "Changed by an organizer")
	orgSave.Set("version", "4")
	if p = ob.post(page, page, orgSave); p.Status != http.StatusForbidden || p.Doc.Find(`input[name="title"]`).Length() != 0 {
		t.Errorf("an organizer's save of a proposal: %d, %d title fields", p.Status, p.Doc.Find(`input[name="title"]`).Length())
	}

	// Someone else's proposal does not exist for a stranger.
	_, strangerEmail := presenter(t, ta, "Stranger Danger")
	st := loggedIn(t, ta, strangerEmail)
	for _, path := range []string{page, page + "/edit", page + "/withdraw"} {
		if p = st.get(path); p.Status != http.StatusNotFound {
			t.Errorf("a stranger's GET %s: %d, want 404", path, p.Status)
		}
	}
	if p = st.post(base+"/proposals", page+"/withdraw", url.Values{}); p.Status != http.StatusNotFound {
		t.Errorf("a stranger's withdrawal: %d, want 404", p.Status)
	}

	// The deadline passes: the proposal is read-only, clearly said; saving is refused. A draft
	// left unfinished no longer lists what it needs to be submitted.
	unfinished, _, err := ta.subs.Create(context.Background(), principalOf(t, ta, email), f.conf, submission.CreateInput{
		Content: submission.Content{FormatID: f.formats["Workshop"].ID, Title: "Unfinished"}})
	if err != nil {
		t.Fatal(err)
	}
	organizer := &access.Principal{UserID: userID(t, ta, f.organizer), Email: f.organizer, Roles: []access.Membership{{ConferenceID: f.conf.ID, Role: access.Organizer}}}
	call, _ := ta.calls.Call(context.Background(), f.conf)
	loc := f.conf.Location()
	if _, err := ta.calls.SaveCall(context.Background(), organizer, f.conf, call.Version, cfp.CallInput{
		Opens: time.Now().Add(-48 * time.Hour).In(loc).Format(cfp.LocalLayout), Closes: time.Now().Add(-2 * time.Minute).In(loc).Format(cfp.LocalLayout),
		IntroMD: call.IntroMD, GuideMD: call.GuideMD, FAQMD: call.FAQMD}); err != nil {
		t.Fatal(err)
	}
	if p = b.get(fmt.Sprintf("%s/proposals/%d", base, unfinished.ID)); p.Doc.Find("#todo-title").Length() != 0 {
		t.Error("a draft's page lists what it needs to be submitted after the deadline")
	}
	p = b.get(page)
	if !strings.Contains(p.Doc.Find(".panel.warning").Text(), "The deadline has passed: this proposal is read-only.") {
		t.Errorf("the page after the deadline does not say it is read-only")
	}
	if p.Doc.Find(`a[href="`+page+`/edit"]`).Length() != 0 {
		t.Error("the page offers to edit after the deadline")
	}
	if p.Doc.Find(`a[href$="/remove"]`).Length() != 0 {
		t.Error("the owner is offered to remove a presenter after the deadline")
	}
	leave, _ := sb.get(page).Doc.Find(`a[href$="/remove"]:contains('Leave this proposal')`).Attr("href")
	if leave == "" {
		t.Error("the co-presenter has no way to leave after the deadline")
	}
	// Leaving is asked first, on a page of its own (it works without the script); the owner may
	// not remove anyone after the deadline, and is sent back.
	if p = sb.get(leave); p.Doc.Find("h1").Text() != "Leave “Feedback without bias”?" || p.Doc.Find(`form[action="`+leave+`"] button`).Text() != "Yes, leave it" {
		t.Errorf("the page that asks before leaving: %d %q", p.Status, p.Doc.Find("h1").Text())
	}
	if p = b.get(leave); p.Status != http.StatusSeeOther {
		t.Errorf("the owner's page to remove a presenter after the deadline: %d", p.Status)
	}
	if p = b.get(page + "/edit"); p.Status != http.StatusSeeOther {
		t.Errorf("the edit form after the deadline: %d", p.Status)
	}
	late := workshopForm(f, "Too late")
	late.Set("version", "4")
	p = b.post(page, page, late)
	// Refused, the form comes back with what was typed, read-only, and says so: nothing typed at
	// the last minute is lost, and nothing offers to save it.
	summary := p.Doc.Find(".error-summary").Text()
	if p.Status != http.StatusForbidden || !strings.Contains(summary, "The deadline for proposals passed on") ||
		!strings.Contains(summary, "Nothing was saved: what you typed is below, read-only, for you to copy.") {
		t.Errorf("a save after the deadline: %d %q", p.Status, summary)
	}
	if got, _ := p.Doc.Find(`input[name="title"]`).Attr("value"); got != "Too late" || !strings.Contains(p.Doc.Find(`textarea[name="answers.plan"]`).Text(), "Ten minutes of framing") {
		t.Errorf("the text typed, after a save refused at the deadline: %q", got)
	}
	wantRefusedForm(t, "a save after the deadline", p)
	// The choices made are said in words, in the order of the options, in read-only fields the
	// keyboard reaches.
	for name, want := range map[string]string{"answers.audience": "Residents and fellows; Faculty", "answers.size": "Up to 50"} {
		if got, _ := p.Doc.Find(`input[name="` + name + `"][readonly]`).Attr("value"); got != want {
			t.Errorf("the read-only answer to %s after a save refused at the deadline: %q, want %q", name, got, want)
		}
	}
	if p = b.get(base); !strings.Contains(p.Doc.Find(".deadline-panel").Text(), "The call closed on") {
		t.Error("the call page does not say the call closed")
	}
	if p = b.get(base + "/faq"); p.Doc.Find(`main a[href$="/proposals/new"]`).Length() != 0 {
		t.Error("the FAQ of a closed call offers to start a proposal")
	}
	if p = b.get(base + "/proposals/new"); p.Status != http.StatusForbidden {
		t.Errorf("starting a proposal after the deadline: %d", p.Status)
	}
	// A new proposal sent after the call closed: not made, said so, and its text kept.
	late.Set("client_key", "late-new")
	p = b.post(base+"/proposals/new", base+"/proposals", late)
	summary = p.Doc.Find(".error-summary").Text()
	if p.Status != http.StatusForbidden || !strings.Contains(summary, "so the proposal was not made") || !strings.Contains(summary, "Nothing was saved") {
		t.Errorf("a proposal made after the call closed: %d %q", p.Status, summary)
	}
	if got, _ := p.Doc.Find(`input[name="title"]`).Attr("value"); got != "Too late" {
		t.Errorf("the text typed, after a new proposal refused at the deadline: %q", got)
	}
	wantRefusedForm(t, "a new proposal after the deadline", p)

	// Withdrawal stays possible, after a confirmation.
	p = b.get(page + "/withdraw")
	if p.Doc.Find("h1").Text() != "Withdraw “Feedback without bias”?" {
		t.Errorf("the confirmation page: %q", p.Doc.Find("h1").Text())
	}
	p = b.post(page+"/withdraw", page+"/withdraw", url.Values{})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d %s", p.Status, p.problem())
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND status = 'withdrawn'`, id); n != 1 {
		t.Error("the proposal is not withdrawn")
	}
	ta.waitMail(sam.Email, "Withdrawn: Feedback without bias")
	p = b.get(base + "/proposals")
	if got := p.Doc.Find("tr:contains('Feedback without bias') td .status").First().Text(); got != "Withdrawn" {
		t.Errorf("the dashboard shows %q (%d)", got, p.Status)
	}
}

func userID(t testing.TB, ta *testApp, email string) int64 {
	t.Helper()
	return int64(count(t, ta, `SELECT id FROM users WHERE email = $1`, email))
}

// TestOrganizerManagesCall edits the call, its tracks, formats and fields with their mistakes, then
// reads, searches and exports the proposals and lets people in after the deadline.
func TestOrganizerManagesCall(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/c/" + f.conf.Slug + "/manage"
	b := loggedIn(t, ta, f.organizer)

	if p := b.get(base); p.Status != http.StatusSeeOther || p.Header.Get("Location") != base+"/proposals" {
		t.Errorf("the management home: %d to %q", p.Status, p.Header.Get("Location"))
	}
	_, submitterEmail := presenter(t, ta, "Sub Mitter")
	if p := loggedIn(t, ta, submitterEmail).get(base + "/proposals"); p.Status != http.StatusForbidden {
		t.Errorf("a submitter on the organizers' list: %d", p.Status)
	}

	// The call: a close before the opening, a bad contact; then a good save; then a stale one.
	p := b.get(base + "/call")
	version, _ := p.Doc.Find(`input[name="version"]`).Attr("value")
	opens, _ := p.Doc.Find("#opens_at").Attr("value")
	p = b.post(base+"/call", base+"/call", url.Values{"version": {version}, "opens_at": {opens}, "closes_at": {"2020-01-01T10:00"}, "contact_email": {"nope"}})
	if p.Status != http.StatusUnprocessableEntity || p.fieldError("closes_at") != "The call must close after it opens." || p.fieldError("contact_email") == "" {
		t.Fatalf("bad call: %d %q %q", p.Status, p.fieldError("closes_at"), p.fieldError("contact_email"))
	}
	good := url.Values{"version": {version}, "opens_at": {opens}, "closes_at": {"2031-06-30T23:59"}, "contact_email": {"Program@Example.org"},
		"guide_md": {"# Tracks\n\nRead <script>alert(1)</script> this."}}
	if p = b.post(base+"/call", base+"/call", good); p.Status != http.StatusSeeOther {
		t.Fatalf("save call: %d %s", p.Status, p.problem())
	}
	// The same form again is the same save (a double click); another change on its version is stale.
	if p = b.post(base+"/call", base+"/call", good); p.Status != http.StatusSeeOther {
		t.Errorf("the same save again: %d %s", p.Status, p.problem())
	}
	stale := url.Values{"version": {version}, "opens_at": {opens}, "closes_at": {"2031-06-29T23:59"}, "contact_email": {"Program@Example.org"},
		"guide_md": good["guide_md"]}
	if p = b.post(base+"/call", base+"/call", stale); p.Status != http.StatusConflict {
		t.Errorf("a save on a stale version: %d", p.Status)
	}
	guide := b.get("/c/" + f.conf.Slug + "/guide")
	if guide.Doc.Find("main h2#tracks").Length() != 1 || strings.Contains(guide.Body, "<script>alert") {
		t.Errorf("the guide is not rendered safely:\n%s", guide.Doc.Find("main").Text())
	}
	// Read to the end, an open call's guide leads to starting a proposal.
	if start := guide.Doc.Find(`main a[href="/c/` + f.conf.Slug + `/proposals/new"]`); text(start) != "Start a proposal" ||
		!strings.Contains(text(start.Parent()), "The call is open until Monday 30 June 2031, 23:59 EDT.") {
		t.Errorf("the guide's way to start a proposal: %q", text(start.Parent()))
	}
	if n := count(t, ta, `SELECT count(*) FROM calls WHERE conference_id = $1 AND contact_email = 'program@example.org'
		AND closes_at = '2031-06-30 23:59:59.999999-04'`, f.conf.ID); n != 1 {
		t.Error("the call's close is not the end of 23:59 in New York")
	}

	// Tracks.
	p = b.post(base+"/tracks", base+"/tracks", url.Values{"name": {f.tracks[0].Name}})
	if p.fieldError("name") != "Another track already has this name." {
		t.Errorf("duplicate track: %d %q", p.Status, p.fieldError("name"))
	}
	p = b.post(base+"/tracks", base+"/tracks", url.Values{"name": {strings.ToUpper(f.tracks[0].Name)}})
	if p.fieldError("name") != "Another track already has this name." {
		t.Errorf("a track's name in capitals: %d %q", p.Status, p.fieldError("name"))
	}
	if p = b.post(base+"/tracks", base+"/tracks", url.Values{"name": {"Wellbeing"}, "description": {"Of learners."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("add track: %d %s", p.Status, p.problem())
	}
	tracks, _ := ta.calls.Tracks(context.Background(), f.conf)
	last := tracks[len(tracks)-1]
	if p = b.post(base+"/tracks", fmt.Sprintf("%s/tracks/%d/move", base, last.ID), url.Values{"direction": {"up"}}); p.Status != http.StatusSeeOther {
		t.Errorf("move track: %d", p.Status)
	}
	if got := b.get(base + "/tracks").Doc.Find(".ordered-list > li strong").Eq(2).Text(); got != "Wellbeing" {
		t.Errorf("after moving up, the third track is %q", got)
	}

	// A format, and a field with its mistakes.
	p = b.post(base+"/formats/new", base+"/formats", url.Values{"name": {""}, "duration_minutes": {"two hours"}, "max_presenters": {"0"}, "abstract_max_words": {"10"}})
	for _, field := range []string{"name", "duration_minutes", "max_presenters", "abstract_max_words"} {
		if p.fieldError(field) == "" {
			t.Errorf("bad format: no error for %s", field)
		}
	}
	if got, _ := p.Doc.Find("#duration_minutes").Attr("value"); got != "two hours" {
		t.Errorf("what was typed is not kept: %q", got)
	}
	// Every mistake of the format's form is named at once.
	p = b.post(base+"/formats/new", base+"/formats", url.Values{"name": {""}, "duration_minutes": {"abc"}, "max_presenters": {"0"},
		"abstract_max_words": {"123456789012"}, "description": {strings.Repeat("d", 4001)}})
	for field, want := range map[string]string{"name": "Enter the format's name", "duration_minutes": "between 5 and 480",
		"max_presenters": "between 1 and 20", "abstract_max_words": "between 20 and 3000", "description": "at most 4000"} {
		if got := p.fieldError(field); p.Status != http.StatusUnprocessableEntity || !strings.Contains(got, want) {
			t.Errorf("the format form's %s: %d %q", field, p.Status, got)
		}
	}
	p = b.post(base+"/formats/new", base+"/formats", url.Values{"name": {"Lightning talk"}, "duration_minutes": {"5"}, "max_presenters": {"1"},
		"abstract_max_words": {"100"}, "accepting": {"yes"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add format: %d %s %v", p.Status, p.problem(), summaryItems(p))
	}
	fpage := p.Header.Get("Location")
	fv := func() string { v, _ := b.get(fpage).Doc.Find(`input[name="version"]`).Attr("value"); return v }
	p = b.post(fpage+"/fields/new", fpage+"/fields", url.Values{"version": {fv()}, "label": {"Level"}, "kind": {"single_choice"}, "options": {"Only one"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldError("options"), "at least two options") {
		t.Errorf("a choice with one option: %d %q", p.Status, p.fieldError("options"))
	}
	p = b.post(fpage+"/fields/new", fpage+"/fields", url.Values{"version": {fv()}, "label": {"Title again"}, "kind": {"text"}, "id": {"title"}})
	if !strings.Contains(p.fieldError("id"), "used by the proposal form itself") {
		t.Errorf("a reserved id: %q", p.fieldError("id"))
	}
	p = b.post(fpage+"/fields/new", fpage+"/fields", url.Values{"version": {fv()}, "label": {"Level of the talk"}, "kind": {"single_choice"},
		"options": {"Introductory\r\nAdvanced\r\n"}, "required": {"yes"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add field: %d %s %v", p.Status, p.problem(), summaryItems(p))
	}
	p = b.post(fpage+"/fields/new", fpage+"/fields", url.Values{"version": {fv()}, "label": {"Slides link"}, "kind": {"text"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add second field: %d %s", p.Status, p.problem())
	}
	if p = b.post(fpage, fpage+"/fields/slides_link/move", url.Values{"version": {fv()}, "direction": {"up"}}); p.Status != http.StatusSeeOther {
		t.Errorf("move field: %d", p.Status)
	}
	lt := mustFormat(t, ta, f.conf, "Lightning talk")
	if len(lt.Fields) != 2 || lt.Fields[0].ID != "slides_link" || lt.Fields[1].ID != "level_of_the_talk" || !lt.Fields[1].Required {
		t.Errorf("fields: %+v", lt.Fields)
	}
	if p = b.post(fpage, fpage+"/fields/slides_link/delete", url.Values{"version": {"1"}}); p.Status != http.StatusSeeOther ||
		!strings.HasPrefix(b.get(fpage).Doc.Find(".flash").Text(), "Someone changed this format") {
		t.Errorf("a field change on a stale version: %d", p.Status)
	}

	// Proposals: demo ones, and one whose title would be a formula in a spreadsheet.
	if _, err := seedDemo(context.Background(), ta.app, f.conf.Slug, 12, 4, strongPassword); err != nil {
		t.Fatal(err)
	}
	_, email := presenter(t, ta, "Formula Writer")
	pb := loggedIn(t, ta, email)
	form := workshopForm(f, `=HYPERLINK("http://evil.example","click")`)
	form.Set("action", "submit")
	p = pb.post("/c/"+f.conf.Slug+"/proposals/new", "/c/"+f.conf.Slug+"/proposals", form)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d %s %v", p.Status, p.problem(), summaryItems(p))
	}
	id := proposalIDFrom(t, p.Header.Get("Location"))

	// A question proposals answered keeps its kind: their answers would read as something else.
	wpage := fmt.Sprintf("%s/formats/%d", base, f.formats["Workshop"].ID)
	wv, _ := b.get(wpage).Doc.Find(`input[name="version"]`).Attr("value")
	field := b.get(wpage + "/fields/audience")
	label, _ := field.Doc.Find("#label").Attr("value")
	p = b.post(wpage+"/fields/audience", wpage+"/fields/audience", url.Values{"version": {wv}, "label": {label}, "kind": {"checkbox"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldError("kind"), "its kind cannot change") {
		t.Errorf("changing the kind of an answered question: %d %q %s", p.Status, p.fieldError("kind"), summaryItems(p))
	}
	if w := mustFormat(t, ta, f.conf, "Workshop"); w.Fields[slices.IndexFunc(w.Fields, func(q question.Question) bool { return q.ID == "audience" })].Kind != question.MultipleChoice {
		t.Error("the answered question's kind changed")
	}
	// Nor does a new question take the id of an answered one that was removed; the answers given to
	// it stay in view, under the question as it was asked, and it can be asked again as it was.
	audience := mustFormat(t, ta, f.conf, "Workshop").Fields[slices.IndexFunc(mustFormat(t, ta, f.conf, "Workshop").Fields,
		func(q question.Question) bool { return q.ID == "audience" })]
	if p = b.post(wpage, wpage+"/fields/audience/delete", url.Values{"version": {wv}}); p.Status != http.StatusSeeOther {
		t.Fatalf("remove the question: %d %s", p.Status, p.problem())
	}
	wv, _ = b.get(wpage).Doc.Find(`input[name="version"]`).Attr("value")
	p = b.post(wpage+"/fields/new", wpage+"/fields", url.Values{"version": {wv}, "label": {"Audience"}, "kind": {"checkbox"}, "id": {"audience"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldError("id"), "another id") ||
		!strings.Contains(p.fieldError("id"), "“"+label+"”, which had this id and was a multiple choice question") {
		t.Errorf("a new question with an answered question's id: %d %q %s", p.Status, p.fieldError("id"), summaryItems(p))
	}
	shown := func() string {
		t.Helper()
		return strings.Join(strings.Fields(b.get(fmt.Sprintf("%s/proposals/%d", base, id)).Doc.Find("main").Text()), " ")
	}
	if got := shown(); !strings.Contains(got, label+" (no longer asked)Residents and fellows, Faculty") {
		t.Errorf("the answer to the removed question is not shown under it: %q", got)
	}
	export := b.get(base + "/proposals.csv").Body
	if !strings.Contains(export, "Workshop: "+label+" (no longer asked)") || !strings.Contains(export, "Residents and fellows; Faculty") {
		t.Errorf("the export leaves out the answers to the removed question: %.400q", export)
	}
	p = b.post(wpage+"/fields/new", wpage+"/fields", url.Values{"version": {wv}, "label": {label}, "kind": {"multiple_choice"}, "id": {"audience"},
		"options": {strings.Join(audience.Options, "\n")}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("the removed question asked again: %d %q %s", p.Status, p.fieldError("id"), summaryItems(p))
	}
	if w := mustFormat(t, ta, f.conf, "Workshop"); !slices.ContainsFunc(w.Fields, func(q question.Question) bool { return q.ID == "audience" }) || len(w.Retired) != 0 {
		t.Errorf("asked again: fields %+v, no longer asked %+v", w.Fields, w.Retired)
	}
	if got := shown(); strings.Contains(got, "no longer asked") || !strings.Contains(got, label+"Residents and fellows, Faculty") {
		t.Errorf("the answer to the question asked again: %q", got)
	}
	// The format's page lists what it no longer asks, with a button to ask it again.
	wv, _ = b.get(wpage).Doc.Find(`input[name="version"]`).Attr("value")
	if p = b.post(wpage, wpage+"/fields/audience/delete", url.Values{"version": {wv}}); p.Status != http.StatusSeeOther {
		t.Fatalf("remove the question again: %d %s", p.Status, p.problem())
	}
	// A save of the proposal keeps its answer to the question no longer asked, read back as it is.
	api := "/api/v1/conferences/" + f.conf.Slug
	token, _ := apiToken(t, ta, email)
	read := sendJSON(t, ta, http.MethodGet, fmt.Sprintf("%s/proposals/%d", api, id), token, "").JSON
	answers := read["answers"].(map[string]any)
	answers["objectives"] = []string{"Recognise biased language in evaluations."}
	body, _ := json.Marshal(map[string]any{"format_id": read["format_id"], "track_id": read["track_id"], "title": read["title"],
		"abstract": read["abstract"], "answers": answers, "version": read["version"]})
	if rr := sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/proposals/%d", api, id), token, string(body)); rr.Status != http.StatusOK {
		t.Fatalf("a save with the answer to the question no longer asked: %d %v", rr.Status, rr.JSON)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals p JOIN proposal_revisions t ON t.proposal_id = p.id AND t.version = p.version
		WHERE p.id = $1 AND t.answers -> 'objectives' = '["Recognise biased language in evaluations."]'
			AND t.answers -> 'audience' = '["Residents and fellows", "Faculty"]'`, id); n != 1 {
		t.Error("the save dropped the answer to the question no longer asked")
	}
	// A new question worded as the one no longer asked gets an id of its own, and none of its answers.
	wv, _ = b.get(wpage).Doc.Find(`input[name="version"]`).Attr("value")
	if p = b.post(wpage+"/fields/new", wpage+"/fields", url.Values{"version": {wv}, "label": {"Audience"}, "kind": {"multiple_choice"},
		"options": {"Beginners\nExperts"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("a new question worded as the removed one: %d %s %s", p.Status, p.problem(), summaryItems(p))
	}
	if w := mustFormat(t, ta, f.conf, "Workshop"); slices.ContainsFunc(w.Fields, func(q question.Question) bool { return q.ID == "audience" }) {
		t.Errorf("the new question took the id of the one no longer asked: %+v", w.Fields)
	}
	if got := shown(); !strings.Contains(got, label+" (no longer asked)Residents and fellows, Faculty") {
		t.Errorf("the new question took the old answers: %q", got)
	}
	// Asked again as it was, but without an option that proposals chose: refused.
	w := mustFormat(t, ta, f.conf, "Workshop")
	fields := []map[string]any{}
	for _, q := range w.Fields {
		fields = append(fields, map[string]any{"id": q.ID, "label": q.Label, "kind": q.Kind, "required": q.Required, "options": q.Options, "max_words": q.MaxWords})
	}
	fields = append(fields, map[string]any{"id": "audience", "label": label, "kind": "multiple_choice", "options": []string{"Faculty", "Students"}})
	body, _ = json.Marshal(map[string]any{"name": w.Name, "duration_minutes": w.DurationMinutes, "max_presenters": w.MaxPresenters,
		"abstract_max_words": w.AbstractMaxWords, "fields": fields, "version": w.Version})
	orgToken, _ := apiToken(t, ta, f.organizer)
	rr := sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/manage/formats/%d", api, w.ID), orgToken, string(body))
	if d := fieldDetail(rr.apiResponse, fmt.Sprintf("fields.%d.options", len(fields)-1)); rr.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(d, "chose “") || !strings.Contains(d, "keep it among the options") {
		t.Errorf("asking again without an option chosen: %d %q %v", rr.Status, d, rr.JSON)
	}
	fp := b.get(wpage)
	again := fp.Doc.Find(`form[action="` + wpage + `/fields/audience/ask-again"]`)
	if !strings.Contains(fp.Doc.Find("#retired + p + ul").Text(), label+" (multiple choice)") || again.Length() != 1 {
		t.Fatalf("the format's page does not offer to ask %q again", label)
	}
	if p = b.post(wpage, wpage+"/fields/audience/ask-again", url.Values{"version": {again.Find(`input[name="version"]`).AttrOr("value", "")}}); p.Status != http.StatusSeeOther {
		t.Fatalf("ask again: %d %s", p.Status, p.problem())
	}
	if w := mustFormat(t, ta, f.conf, "Workshop"); w.Fields[len(w.Fields)-1].ID != "audience" || len(w.Retired) != 0 || b.get(wpage).Doc.Find("#retired").Length() != 0 {
		t.Errorf("after asking again: fields %+v, no longer asked %+v", w.Fields, w.Retired)
	}
	if got := shown(); strings.Contains(got, "no longer asked") || !strings.Contains(got, label+"Residents and fellows, Faculty") {
		t.Errorf("the answer to the question asked again, after a save: %q", got)
	}
	wv, _ = b.get(wpage).Doc.Find(`input[name="version"]`).Attr("value")
	if p = b.post(wpage, wpage+"/fields/audience/ask-again", url.Values{"version": {wv}}); p.Status != http.StatusNotFound {
		t.Errorf("asking again a question asked: %d", p.Status)
	}
	// An option a proposal chose stays among the options; others may go.
	size := mustFormat(t, ta, f.conf, "Workshop").Fields[slices.IndexFunc(mustFormat(t, ta, f.conf, "Workshop").Fields,
		func(q question.Question) bool { return q.ID == "size" })]
	sizeForm := func(options ...string) url.Values {
		v, _ := b.get(wpage).Doc.Find(`input[name="version"]`).Attr("value")
		return url.Values{"version": {v}, "label": {size.Label}, "kind": {string(size.Kind)}, "options": {strings.Join(options, "\n")}, "required": {"yes"}}
	}
	p = b.post(wpage+"/fields/size", wpage+"/fields/size", sizeForm(slices.DeleteFunc(slices.Clone(size.Options), func(o string) bool { return o == "Up to 50" })...))
	chose := count(t, ta, `SELECT count(*) FROM proposals p JOIN proposal_revisions t ON t.proposal_id = p.id AND t.version = p.version
		WHERE p.format_id = $1 AND t.answers -> 'size' @> '["Up to 50"]'`, f.formats["Workshop"].ID)
	if want := fmt.Sprintf("%d proposals chose “Up to 50”: keep it among the options, or their answer would no longer be one of them.", chose); chose < 2 ||
		p.Status != http.StatusUnprocessableEntity || p.fieldError("options") != want {
		t.Errorf("removing an option %d proposals chose: %d %q %s", chose, p.Status, p.fieldError("options"), summaryItems(p))
	}
	if p = b.post(wpage+"/fields/size", wpage+"/fields/size", sizeForm(append(slices.Clone(size.Options), "Any size")...)); p.Status != http.StatusSeeOther {
		t.Errorf("adding an option: %d %q %s", p.Status, p.fieldError("options"), summaryItems(p))
	}
	if p = b.post(wpage+"/fields/size", wpage+"/fields/size", sizeForm(size.Options...)); p.Status != http.StatusSeeOther {
		t.Errorf("removing an option nobody chose: %d %q %s", p.Status, p.fieldError("options"), summaryItems(p))
	}

	p = b.get(base + "/proposals")
	if got := p.Doc.Find("main p[role=status]").Text(); !strings.Contains(got, "of 13 proposals") {
		t.Errorf("the list says %q", got)
	}
	p = b.get(base + "/proposals?q=" + url.QueryEscape(`"resident evaluations"`) + "&status=submitted")
	if p.Doc.Find("tbody tr").Length() != 1 || !strings.Contains(p.Doc.Find("tbody").Text(), "HYPERLINK") {
		t.Errorf("search found %d rows", p.Doc.Find("tbody tr").Length())
	}
	p = b.get(fmt.Sprintf("%s/proposals?format=%d", base, f.formats["Poster abstract"].ID))
	if n := p.Doc.Find("tbody tr").Length(); n != 3 {
		t.Errorf("the poster filter shows %d, want 3", n)
	}
	if p = b.get(base + "/proposals?status=bogus"); p.Status != http.StatusUnprocessableEntity || p.Doc.Find(`a[href=""]`).Length() != 0 {
		t.Errorf("a bad status filter: %d, or a link to nowhere", p.Status)
	}
	if p = b.get(base + "/proposals.csv?status=bogus"); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Doc.Find("main").Text(), "This export's filter is not one the list of proposals offers") {
		t.Errorf("an export with a bad filter: %d %q", p.Status, strings.TrimSpace(p.Doc.Find("main").Text()))
	}
	if p = b.get(base + "/proposals?format=abc"); p.Status != http.StatusUnprocessableEntity || p.fieldError("format") == "" {
		t.Errorf("a bad filter: %d", p.Status)
	}
	// A page that is not a number is the first; one past the end sends to the last; the order
	// offers each choice once.
	if p = b.get(base + "/proposals?page=abc"); p.Status != http.StatusOK || !strings.Contains(p.Doc.Find("main p[role=status]").Text(), "Showing 1 to 13 of 13") {
		t.Errorf("page=abc: %d %q", p.Status, p.Doc.Find("main p[role=status]").Text())
	}
	for _, page := range []string{"99999", "9223372036854775807"} {
		if p = b.get(base + "/proposals?status=submitted&page=" + page); p.Status != http.StatusSeeOther || p.Header.Get("Location") != base+"/proposals?status=submitted" {
			t.Errorf("page=%s: %d to %q", page, p.Status, p.Header.Get("Location"))
		}
	}
	if n := b.get(base + "/proposals").Doc.Find(`#sort option`).FilterFunction(func(_ int, s *goquery.Selection) bool { return strings.Contains(s.Text(), "Newest") }).Length(); n != 1 {
		t.Errorf("the order offers newest first %d times", n)
	}

	// The export, for Excel.
	r := send(t, ta, http.MethodGet, base+"/proposals.csv?status=submitted", nil, "Cookie", cookieHeader(b))
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(r.Body, "\ufeffID,Status,Title") {
		t.Fatalf("export: %d %q %q", r.Status, r.Header.Get("Content-Type"), r.Body[:min(40, len(r.Body))])
	}
	if !strings.Contains(r.Body, `"'=HYPERLINK(""http://evil.example"",""click"")"`) {
		t.Error("the formula title is not neutralized in the export")
	}
	if !strings.Contains(r.Body, "Workshop: Learning objectives") || !strings.Contains(r.Body, "Formula Writer") {
		t.Error("the export lacks the fields' columns or the presenters")
	}

	// A proposal's page for organizers, with its history, and its own deadline.
	mp := fmt.Sprintf("%s/proposals/%d", base, id)
	p = b.get(mp)
	if p.Doc.Find("details.revision").Length() != 3 || !strings.Contains(p.Doc.Find(".presenter").Text(), "Riverside Family Medicine Residency") {
		t.Errorf("organizer's proposal page: %d revisions", p.Doc.Find("details.revision").Length())
	}
	if p = b.post(mp, mp+"/extend", url.Values{"until": {"yesterday"}}); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("a bad extension: %d", p.Status)
	}
	if p = b.post(mp, mp+"/extend", url.Values{"until": {"2031-07-15T12:00"}}); p.Status != http.StatusSeeOther {
		t.Errorf("extend: %d %s", p.Status, p.problem())
	}
	if got := b.get(mp).Doc.Find(".flash").Text(); got != "The proposal can now be changed until Tuesday 15 July 2031, 12:00 EDT. Its presenter is told by email." {
		t.Errorf("after the extension: %q", got)
	}
	// The list shows a deadline after the call's close.
	listed := b.get(base + "/proposals").Doc.Find(fmt.Sprintf(`tr:has(a[href="%s"])`, mp))
	if got := listed.Find(".muted").Text(); got != "Deadline Tuesday 15 July 2031, 12:00 EDT" {
		t.Errorf("the list's row of the extended proposal: %q", got)
	}

	// Extensions for people, and an access link used after the call closed.
	p = b.post(base+"/extensions", base+"/extensions", url.Values{"email": {"nobody@example.org"}, "until": {"2031-07-10T23:59"}})
	if !strings.Contains(p.fieldError("email"), "No account uses this address") {
		t.Errorf("an extension for an unknown address: %q", p.fieldError("email"))
	}
	if p = b.post(base+"/extensions", base+"/extensions", url.Values{"email": {email}, "until": {"2031-07-10T23:59"}, "reason": {"family"}}); p.Status != http.StatusSeeOther {
		t.Errorf("grant: %d %s", p.Status, p.problem())
	}
	p = b.post(base+"/extensions", base+"/links", url.Values{"label": {"Invited panel"}, "expires_at": {"2031-08-01T12:00"}, "max_uses": {"1"}})
	linkURL, _ := p.Doc.Find("#new-link").Attr("value")
	if p.Status != http.StatusCreated || !strings.Contains(linkURL, "/call/access/") {
		t.Fatalf("make link: %d %q", p.Status, linkURL)
	}
	if strings.Contains(b.get(base+"/extensions").Body, linkURL) {
		t.Error("the link is shown again")
	}
	call, _ := ta.calls.Call(context.Background(), f.conf)
	_, err := ta.calls.SaveCall(context.Background(), organizerOf(t, ta, f), f.conf, call.Version, cfp.CallInput{Opens: "2020-01-01T00:00", Closes: "2020-06-30T23:59"})
	if err != nil {
		t.Fatal(err)
	}
	_, guestEmail := presenter(t, ta, "Guest Panelist")
	gb := loggedIn(t, ta, guestEmail)
	path := strings.TrimPrefix(linkURL, ta.URL)
	p = gb.get(path)
	start, _ := p.Doc.Find(`main a.button`).Attr("href")
	if p.Status != http.StatusOK || !strings.Contains(start, "access=") {
		t.Fatalf("the link's page: %d %q", p.Status, start)
	}
	// The form of a proposal started with the link gives the link's deadline, not the call's.
	p = gb.get(start + "&format=" + strconv.FormatInt(f.formats["Workshop"].ID, 10))
	if got := p.Doc.Find("main strong").First().Text(); p.Status != http.StatusOK || got != "Friday 1 August 2031, 12:00 EDT" {
		t.Errorf("the deadline on the link's form: %d %q", p.Status, got)
	}
	form = workshopForm(f, "An invited panel")
	form.Set("action", "submit")
	form.Set("access", strings.TrimPrefix(start[strings.Index(start, "access="):], "access="))
	p = gb.post(start, "/c/"+f.conf.Slug+"/proposals", form)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("a proposal through the link after the call closed: %d %s", p.Status, p.problem())
	}
	form.Set("client_key", "another")
	if p = gb.post(start, "/c/"+f.conf.Slug+"/proposals", form); p.Status != http.StatusForbidden {
		t.Errorf("a second use of a one-use link: %d", p.Status)
	}
	invited := count(t, ta, `SELECT id FROM proposals WHERE title = 'An invited panel' AND conference_id = $1`, f.conf.ID)

	// Withdrawn, the link keeps the proposal's time; that time can be ended afterwards.
	p = b.get(base + "/extensions")
	row := p.Doc.Find("tr:contains('Invited panel')")
	if got := strings.TrimSpace(row.Find("td").Eq(3).Text()); got != "1" || row.Find("button:contains('Withdraw and end its time')").Length() != 1 {
		t.Errorf("the link's row: with its deadline %q, buttons %q", got, row.Find("button").Text())
	}
	revoke, _ := row.Find("form").Attr("action")
	if p = b.post(base+"/extensions", revoke, url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d %s", p.Status, p.problem())
	}
	p = b.get(base + "/extensions")
	if got := p.Doc.Find(".flash").Text(); got != "The link “Invited panel” no longer works. The proposal started with it keeps its deadline, Friday 1 August 2031, 12:00 EDT." {
		t.Errorf("after the withdrawal: %q", got)
	}
	if got := b.get(fmt.Sprintf("%s/proposals/%d", base, invited)).Doc.Find("dt:contains('Deadline') + dd").First().Text(); !strings.HasSuffix(got, "(from the access link “Invited panel”, since withdrawn)") {
		t.Errorf("the proposal's deadline after the withdrawal: %q", got)
	}
	// Withdrawn again (a double click): said, not an error.
	if p = b.post(base+"/extensions", revoke, url.Values{}); p.Status != http.StatusSeeOther {
		t.Errorf("withdraw again: %d %s", p.Status, p.problem())
	}
	p = b.get(base + "/extensions")
	if got := p.Doc.Find(".flash").Text(); got != "The link “Invited panel” was already withdrawn." {
		t.Errorf("after withdrawing again: %q", got)
	}
	row = p.Doc.Find("tr:contains('Invited panel')")
	end, _ := row.Find("form").Attr("action")
	if row.Find(`input[type="hidden"][name="proposals"][value="end"]`).Length() != 1 || row.Find("button:contains('End its time')").Length() != 1 {
		t.Fatalf("no button to end the withdrawn link's time: %s", row.Text())
	}
	if p = b.post(base+"/extensions", end, url.Values{"proposals": {"end"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("end the link's time: %d %s", p.Status, p.problem())
	}
	p = b.get(base + "/extensions")
	if got := p.Doc.Find(".flash").Text(); got != "The time the link “Invited panel” gave is ended: the proposal started with it that needed it can no longer be changed, unless its proposer has an extension. Its presenters are told by email." {
		t.Errorf("after the time ended: %q", got)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND deadline IS NULL`, invited); n != 1 {
		t.Error("the proposal still has the link's deadline")
	}
	if n := count(t, ta, `SELECT count(*) FROM audit_log WHERE action = 'proposal.extended' AND subject = $1 AND details LIKE 'removed: the time of access_link:%'`,
		fmt.Sprintf("proposal:%d", invited)); n != 1 {
		t.Errorf("audit entries of the proposal's ended time: %d", n)
	}
	if got := p.Doc.Find("tr:contains('Invited panel') form").Length(); got != 0 {
		t.Errorf("%d forms left on a withdrawn link with no proposal holding its time", got)
	}
}

func mustFormat(t *testing.T, ta *testApp, conf conference.Conference, name string) cfp.Format {
	t.Helper()
	list, err := ta.calls.Formats(context.Background(), conf)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range list {
		if x.Name == name {
			return x
		}
	}
	t.Fatalf("no format %q", name)
	return cfp.Format{}
}

func organizerOf(t *testing.T, ta *testApp, f callFixture) *access.Principal {
	return &access.Principal{UserID: userID(t, ta, f.organizer), Email: f.organizer,
		Roles: []access.Membership{{ConferenceID: f.conf.ID, Role: access.Organizer}}}
}

// cookieHeader returns the browser's cookies as a Cookie header.
func cookieHeader(b *browser) string {
	u, _ := url.Parse(b.base)
	var parts []string
	for _, c := range b.c.Jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// TestFewerPresentersThanProposalsHave lowers a format's limit of presenters below what proposals of
// it have: the change is made, the organizer is told what it means for them, and the draft over the
// limit must come down to it before it is submitted, while the submitted one keeps its presenters.
func TestFewerPresentersThanProposalsHave(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	poster := f.formats["Poster abstract"]
	_, email := presenter(t, ta, "Amina Yusuf")
	p := principalOf(t, ta, email)
	done := submitPosterAs(t, ta, f, email, "Naming racism in the curriculum")
	if _, err := ta.subs.Invite(ctx, p, f.conf, done.ID, "Li Wei", uniqueEmail("li")); err != nil {
		t.Fatal(err)
	}
	draft, _, err := ta.subs.Create(ctx, p, f.conf, submission.CreateInput{Content: submission.Content{FormatID: poster.ID, Title: "A draft"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Li Wei", "Ana Silva"} {
		if _, err := ta.subs.Invite(ctx, p, f.conf, draft.ID, name, uniqueEmail("co")); err != nil {
			t.Fatal(err)
		}
	}

	b := loggedIn(t, ta, f.organizer)
	item := fmt.Sprintf("/c/%s/manage/formats/%d", f.conf.Slug, poster.ID)
	pg := b.get(item)
	if hint := pg.Doc.Find("#max_presenters-hint").Text(); hint != "Counting the person who proposes." {
		t.Errorf("the hint with no proposal over the limit: %q", hint)
	}
	version, _ := pg.Doc.Find(`input[name="version"]`).Attr("value")
	form := url.Values{"version": {version}, "name": {poster.Name}, "duration_minutes": {strconv.Itoa(poster.DurationMinutes)}, "max_presenters": {"1"},
		"abstract_max_words": {strconv.Itoa(poster.AbstractMaxWords)}, "accepting": {"yes"}}
	if pg = b.post(item, item, form); pg.Status != http.StatusSeeOther {
		t.Fatalf("lower the limit: %d %s", pg.Status, pg.problem())
	}
	if n := count(t, ta, `SELECT max_presenters FROM formats WHERE id = $1`, poster.ID); n != 1 {
		t.Errorf("stored limit %d", n)
	}
	want := "A proposal of the format “Poster abstract” may now have at most 1 presenter, and 2 of them have more (up to 3, invitations included). " +
		"One is a draft: its proposer will be asked to remove some before submitting. One was submitted: it keeps its presenters."
	pg = b.get(item)
	if flash := pg.Doc.Find(".flash").Text(); !strings.Contains(flash, "is saved. "+want) {
		t.Errorf("the message after the save: %q", flash)
	}
	if hint := pg.Doc.Find("#max_presenters-hint").Text(); hint != "Counting the person who proposes. "+want {
		t.Errorf("the hint: %q", hint)
	}

	// The draft must come down to the limit; the submitted proposal is as it was.
	_, _, err = ta.subs.Submit(ctx, p, f.conf, draft.ID, 0)
	var msg string
	if ae, ok := apperr.As(err); ok {
		for _, x := range ae.Fields {
			if x.Field == "presenters" {
				msg = x.Message
			}
		}
	}
	if msg != "A proposal of the format “Poster abstract” has at most 1 presenter, and this one has 3 (invitations included). Remove 2 before submitting." {
		t.Errorf("submit the draft over the limit: %v", err)
	}
	if got, err := ta.subs.Get(ctx, p, f.conf, done.ID); err != nil || got.Status != submission.Submitted || len(got.Presenting()) != 2 {
		t.Errorf("the submitted proposal: %v %v", got.Status, err)
	}
}

// TestSessionEndedKeepsTheText: a proposal form sent after its session ended (a logout in another
// tab) is not saved, and the page shows what was typed, to copy, with the way to log in again;
// the form's token and keys are not shown.
func TestSessionEndedKeepsTheText(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	_, email := presenter(t, ta, "Lena Ortiz")
	b := loggedIn(t, ta, email)
	form := fmt.Sprintf("/c/%s/proposals/new?format=%d", f.conf.Slug, f.formats["Workshop"].ID)
	token, _ := b.get(form).Doc.Find(`input[name="_csrf"]`).First().Attr("value")
	if p := b.postRaw("/logout", url.Values{"_csrf": {token}}); p.Status != http.StatusSeeOther {
		t.Fatalf("log out: %d", p.Status)
	}
	values := workshopForm(f, "Kept across a logout")
	values.Set("_csrf", token)
	values.Set("", "a field with no name") // a hand-made body: still a page, not a dropped connection
	p := b.postRaw("/c/"+f.conf.Slug+"/proposals", values)
	if p.Status != http.StatusUnauthorized || p.Doc.Find("h1").Text() != "Your session has ended" {
		t.Fatalf("a form sent after the session ended: %d %q", p.Status, p.Doc.Find("h1").Text())
	}
	// Named and ordered as the form asked it.
	kept := map[string]string{}
	var order []string
	p.Doc.Find("main .field").Each(func(_ int, s *goquery.Selection) {
		kept[s.Find("label").Text()] = s.Find("textarea").Text()
		order = append(order, s.Find("label").Text())
	})
	if kept["Title"] != "Kept across a logout" || !strings.HasPrefix(kept["Interactive plan and timeline"], "Ten minutes of framing") || kept["Who is it for?"] != "Faculty\nResidents and fellows" {
		t.Errorf("what was typed, kept: %q", kept)
	}
	var want []string
	for _, q := range f.formats["Workshop"].Fields {
		if _, ok := kept[q.Label]; ok {
			want = append(want, q.Label)
		}
	}
	if want = append([]string{"Title", "Abstract"}, want...); !slices.Equal(order[:len(want)], want) {
		t.Errorf("what was typed is shown in the order %q, want %q first", order, want)
	}
	for label := range kept {
		if strings.Contains(strings.ToLower(label), "csrf") || strings.Contains(strings.ToLower(label), "client") {
			t.Errorf("the page shows the form's %q", label)
		}
	}
	href, _ := p.Doc.Find(`a[href^="/login?next="]`).Attr("href")
	if next, _ := url.QueryUnescape(strings.TrimPrefix(href, "/login?next=")); next != fmt.Sprintf("/c/%s/proposals/new?format=%d", f.conf.Slug, f.formats["Workshop"].ID) {
		t.Errorf("the way back: %q", href)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE title = 'Kept across a logout'`); n != 0 {
		t.Errorf("%d proposals saved without a session", n)
	}
}

// TestRestoreFromTheProposalPage: a withdrawn proposal's page, and the list of one's proposals,
// offer its owner, before the deadline, to make it a draft again; the draft is then listed as one.
func TestRestoreFromTheProposalPage(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	_, email := presenter(t, ta, "Lena Ortiz")
	p := principalOf(t, ta, email)
	prop, _, err := ta.subs.Create(context.Background(), p, f.conf, submission.CreateInput{Content: submission.Content{FormatID: f.formats["Workshop"].ID, Title: "Second thoughts"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.subs.Withdraw(context.Background(), p, f.conf, prop.ID); err != nil {
		t.Fatal(err)
	}
	b := loggedIn(t, ta, email)
	page := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, prop.ID)
	// The list of one's proposals says it can still be restored, and until when.
	call, _ := ta.calls.Call(context.Background(), f.conf)
	want := "No: withdrawn; you can restore it as a draft until " + cfp.FormatTime(call.ClosesAt, f.conf.Location())
	if got := strings.TrimSpace(b.get("/c/" + f.conf.Slug + "/proposals").Doc.Find("tbody tr td").Last().Text()); got != want {
		t.Errorf("the list of proposals says %q, want %q", got, want)
	}
	pg := b.get(page)
	action, ok := pg.Doc.Find("form:has(button:contains('Restore it as a draft'))").Attr("action")
	if !ok || action != page+"/restore" {
		t.Fatalf("the withdrawn proposal's page offers no restoration: %q", pg.Doc.Find(".panel").First().Text())
	}
	if pg = b.post(page, action, url.Values{}); pg.Status != http.StatusSeeOther {
		t.Fatalf("restore: %d %s", pg.Status, pg.problem())
	}
	pg = b.get(page)
	if got := pg.Doc.Find(".status").First().Text(); got != "Draft, not submitted" || !strings.HasPrefix(pg.Doc.Find(".flash").Text(), "The proposal is a draft again.") {
		t.Errorf("after the restoration: status %q, %q", got, pg.Doc.Find(".flash").Text())
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND status = 'draft' AND withdrawn_at IS NULL`, prop.ID); n != 1 {
		t.Error("the proposal is not a draft again")
	}
}

// TestExtensionForAPersonSaysWhatItCovers: an extension for a person covers the proposals they
// make; the list says how many, and how many they present that others made, which keep their own
// deadlines, on the page and in the API.
func TestExtensionForAPersonSaysWhatItCovers(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	_, xEmail := presenter(t, ta, "Xiomara Diaz")
	_, yEmail := presenter(t, ta, "Yusuf Bello")
	submitPosterAs(t, ta, f, xEmail, "Mentoring across difference")
	theirs := submitPosterAs(t, ta, f, yEmail, "Holistic admissions, five years on")
	if _, err := ta.subs.Invite(ctx, principalOf(t, ta, yEmail), f.conf, theirs.ID, "Xiomara Diaz", xEmail); err != nil {
		t.Fatal(err)
	}
	invitation := linkIn(t, ta.waitMail(xEmail, "Yusuf Bello invites you to co-present at "+f.conf.Name), "/invitations/")
	if _, err := ta.subs.AnswerInvitation(ctx, principalOf(t, ta, xEmail), invitation[strings.LastIndex(invitation, "/")+1:], true); err != nil {
		t.Fatal(err)
	}

	b := loggedIn(t, ta, f.organizer)
	base := "/c/" + f.conf.Slug + "/manage/extensions"
	p := b.get(base)
	if p = b.post(base, base, url.Values{"email": {xEmail}, "until": {"2031-07-10T23:59"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("grant: %d %s", p.Status, p.problem())
	}
	p = b.get(base)
	row := p.Doc.Find("#ext-caption").Parent().Find("tr:contains('Xiomara Diaz')")
	if got := strings.TrimSpace(row.Find("td").Eq(2).Text()); got != "1 made; presents 1 made by others, which keep their own deadline" {
		t.Errorf("the extension's proposals: %q", got)
	}
	token, _ := apiToken(t, ta, f.organizer)
	r := sendJSON(t, ta, http.MethodGet, "/api/v1/conferences/"+f.conf.Slug+"/manage/extensions", token, "")
	list, _ := r.JSON["extensions"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["made"] != 1.0 || list[0].(map[string]any)["presents"] != 1.0 {
		t.Errorf("the API's list: %d %v", r.Status, r.JSON)
	}

	// Taken back, by name; a second time (a double click) is said.
	revoke, _ := row.Find("form").Attr("action")
	for _, want := range []string{"The extension of Xiomara Diaz is taken back: the proposals they made have the call's deadline again, unless a proposal has a deadline of its own. They are told by email.",
		"That extension was already taken back."} {
		if p = b.post(base, revoke, url.Values{}); p.Status != http.StatusSeeOther {
			t.Fatalf("take back: %d %s", p.Status, p.problem())
		}
		if got := b.get(base).Doc.Find(".flash").Text(); got != want {
			t.Errorf("after taking it back: %q", got)
		}
	}

	// A link for a number of proposals too large to read is told the range.
	p = b.post(base, "/c/"+f.conf.Slug+"/manage/links", url.Values{"label": {"Panel"}, "expires_at": {"2031-08-01T12:00"}, "max_uses": {"99999999999999999999999"}})
	if got := p.fieldError("max_uses"); got != "Allow between 1 and 1000 proposals through the link." {
		t.Errorf("a huge number of uses: %d %q", p.Status, got)
	}
}

// TestOrganizersFindProposalsByPresenter: the list, its export and the API keep the proposals with
// a presenter whose name or address contains what was typed, whatever its case and accents; an
// invitation counts, a declined one does not; % and _ are only characters.
func TestOrganizersFindProposalsByPresenter(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	_, lucia := presenter(t, ta, "Lucía Ramírez")
	_, sam := presenter(t, ta, "Sam Okoro")
	hers := submitPosterAs(t, ta, f, lucia, "Community voices in admissions")
	his := submitPosterAs(t, ta, f, sam, "Peer mentoring for first-generation students")
	if _, err := ta.subs.Invite(ctx, principalOf(t, ta, sam), f.conf, his.ID, "Dana Park", "dana.park@example.org"); err != nil {
		t.Fatal(err)
	}

	b := loggedIn(t, ta, f.organizer)
	base := "/c/" + f.conf.Slug + "/manage/proposals"
	titles := func(p page) []string {
		var out []string
		p.Doc.Find("table tbody tr td:first-child a").Each(func(_ int, s *goquery.Selection) { out = append(out, s.Text()) })
		return out
	}
	for q, want := range map[string][]string{
		"ramirez": {hers.Title}, "RAMÍREZ": {hers.Title}, "dana": {his.Title}, "PARK@example": {his.Title}, "%": nil, "_": nil,
		"％": nil, "＿": nil, "l％z": nil, "riverside family": {his.Title, hers.Title},
	} {
		p := b.get(base + "?presenter=" + url.QueryEscape(q))
		if got := titles(p); p.Status != http.StatusOK || !slices.Equal(got, want) {
			t.Errorf("presenter=%q: %d %q", q, p.Status, got)
		}
	}
	p := b.get(base + "?presenter=ramirez")
	export, _ := p.Doc.Find(`a[href*="proposals.csv"]`).Attr("href")
	if r := send(t, ta, http.MethodGet, export, nil, "Cookie", cookieHeader(b)); !strings.Contains(r.Body, hers.Title) || strings.Contains(r.Body, his.Title) {
		t.Errorf("the export of %q: %d\n%s", export, r.Status, r.Body)
	}
	if p = b.get(base + "?presenter=" + strings.Repeat("a", 201)); !strings.Contains(p.fieldError("presenter"), "at most 200 characters") {
		t.Errorf("a presenter too long: %d %q", p.Status, p.fieldError("presenter"))
	}

	token, _ := apiToken(t, ta, f.organizer)
	r := sendJSON(t, ta, http.MethodGet, "/api/v1/conferences/"+f.conf.Slug+"/manage/proposals?presenter=Ram%C3%ADrez", token, "")
	if r.Status != http.StatusOK || r.JSON["total"] != 1.0 {
		t.Errorf("the API's list by presenter: %d %v", r.Status, r.JSON["total"])
	}
}

// TestAccessLinkForAFormatOfItsOwn: an organizer opens a format that takes no proposals (an invited
// panel's) to a link's holders alone; the link's page, the choice of format and the form offer it,
// and no other format.
func TestAccessLinkForAFormatOfItsOwn(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	ws := f.formats["Workshop"]
	if _, err := ta.calls.UpdateFormatFrom(ctx, organizerOf(t, ta, f), f.conf, ws.ID, ws.Version, func(x cfp.Format) cfp.FormatInput {
		return cfp.FormatInput{Name: x.Name, Description: x.Description, DurationMinutes: x.DurationMinutes, MaxPresenters: x.MaxPresenters, AbstractMaxWords: x.AbstractMaxWords}
	}); err != nil {
		t.Fatal(err)
	}
	b := loggedIn(t, ta, f.organizer)
	base := "/c/" + f.conf.Slug + "/manage/extensions"
	p := b.post(base, "/c/"+f.conf.Slug+"/manage/links", url.Values{"label": {"Panel"}, "expires_at": {"2031-08-01T12:00"}, "max_uses": {"3"},
		"format_ids": {"abc"}})
	if got := p.fieldError("format_ids"); got != "Choose from the formats listed." {
		t.Errorf("a format that is not one: %d %q", p.Status, got)
	}
	p = b.post(base, "/c/"+f.conf.Slug+"/manage/links", url.Values{"label": {"Invited panel"}, "expires_at": {"2031-08-01T12:00"}, "max_uses": {"3"},
		"format_ids": {strconv.FormatInt(ws.ID, 10)}})
	linkURL, _ := p.Doc.Find("#new-link").Attr("value")
	if p.Status != http.StatusCreated || linkURL == "" {
		t.Fatalf("make the link: %d %s", p.Status, p.problem())
	}
	if got := p.Doc.Find("tr:contains('Invited panel') td").First().Find(".muted").Text(); got != "Formats: Workshop" {
		t.Errorf("the link's formats in the list: %q", got)
	}

	_, guest := presenter(t, ta, "Guest Panelist")
	gb := loggedIn(t, ta, guest)
	p = gb.get(strings.TrimPrefix(linkURL, ta.URL))
	start, _ := p.Doc.Find(`main a.button`).Attr("href")
	if !strings.Contains(p.Doc.Find("main").Text(), "The format you can propose with it: Workshop.") || start == "" {
		t.Fatalf("the link's page: %d %q", p.Status, p.Doc.Find("main").Text())
	}
	p = gb.get(start)
	if n := p.Doc.Find(`input[name="format"]`).Length(); n != 1 || p.Doc.Find(`label[for="format-0"]`).Text() != "Workshop" {
		t.Errorf("the formats offered through the link: %d %q", n, p.Doc.Find(`label[for^="format-"]`).Text())
	}
	p = gb.get(start + "&format=" + strconv.FormatInt(f.formats["Poster abstract"].ID, 10))
	if p.Status != http.StatusNotFound || !strings.Contains(p.Body, "does not start proposals of the format “Poster abstract”") {
		t.Errorf("another format through the link: %d", p.Status)
	}
	if p = gb.get(start + "&format=" + strconv.FormatInt(ws.ID, 10)); p.Status != http.StatusOK {
		t.Fatalf("the workshop's form through the link: %d %s", p.Status, p.problem())
	}
	form := workshopForm(f, "An invited panel")
	form.Set("access", strings.TrimPrefix(start[strings.Index(start, "access="):], "access="))
	if p = gb.post(start, "/c/"+f.conf.Slug+"/proposals", form); p.Status != http.StatusSeeOther {
		t.Fatalf("a workshop through the link: %d %s", p.Status, p.problem())
	}
	// Without the link the format takes nothing.
	form.Del("access")
	form.Set("client_key", "without")
	if p = gb.post("/c/"+f.conf.Slug+"/proposals/new", "/c/"+f.conf.Slug+"/proposals", form); !strings.Contains(p.Doc.Find(".error-summary").Text(), "no longer takes new proposals") {
		t.Errorf("a workshop without the link: %d %q %s", p.Status, p.fieldError("format_id"), p.problem())
	}

	// The API tells the link's holder the same.
	secret := linkURL[strings.LastIndex(linkURL, "/")+1:]
	r := sendJSON(t, ta, http.MethodGet, "/api/v1/conferences/"+f.conf.Slug+"/call/access/"+secret, "", "")
	wantContract(t, http.MethodGet, "/api/v1/conferences/:slug/call/access/:token", r.Status, r.Body)
	if formats, _ := r.JSON["formats"].([]any); r.Status != http.StatusOK || len(formats) != 1 || formats[0].(map[string]any)["name"] != "Workshop" ||
		r.JSON["uses_left"] != 2.0 || r.JSON["label"] != "Invited panel" {
		t.Errorf("the link through the API: %d %v", r.Status, r.JSON)
	}
	wantProblem(t, "a secret that is no link's", sendJSON(t, ta, http.MethodGet, "/api/v1/conferences/"+f.conf.Slug+"/call/access/nope", "", "").apiResponse,
		http.StatusNotFound, "not_found")

	token, _ := apiToken(t, ta, f.organizer)
	r = sendJSON(t, ta, http.MethodPost, "/api/v1/conferences/"+f.conf.Slug+"/manage/access-links", token,
		fmt.Sprintf(`{"label":"Keynote","expires_at":"2031-08-01T12:00","max_uses":1,"format_ids":[%d]}`, ws.ID))
	wantContract(t, http.MethodPost, "/api/v1/conferences/:slug/manage/access-links", r.Status, r.Body)
	if ids, _ := r.JSON["format_ids"].([]any); r.Status != http.StatusCreated || len(ids) != 1 || ids[0] != float64(ws.ID) {
		t.Errorf("a link for a format through the API: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodGet, "/api/v1/conferences/"+f.conf.Slug+"/manage/access-links", token, "")
	wantContract(t, http.MethodGet, "/api/v1/conferences/:slug/manage/access-links", r.Status, r.Body)
}

// TestFormatRulesChangedAfterSubmission: a lower word limit or a new required field is saved, and
// the organizer is told which submitted proposals no longer meet the format's rules, after the
// save, on the format's page and in the API's answer.
func TestFormatRulesChangedAfterSubmission(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	poster := f.formats["Poster abstract"]
	_, email := presenter(t, ta, "Amina Yusuf")
	ctx := context.Background()
	p := principalOf(t, ta, email)
	prop, _, err := ta.subs.Create(ctx, p, f.conf, submission.CreateInput{Content: posterOf(f, "Naming racism in the curriculum", strings.Repeat("We read the curriculum again. ", 6))})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err = ta.subs.Submit(ctx, p, f.conf, prop.ID, 0); err != nil {
		t.Fatal(err)
	}

	b := loggedIn(t, ta, f.organizer)
	item := fmt.Sprintf("/c/%s/manage/formats/%d", f.conf.Slug, poster.ID)
	pg := b.get(item)
	if pg.Doc.Find("#overruns-title").Length() != 0 {
		t.Error("a notice of proposals under other rules before any change")
	}
	version, _ := pg.Doc.Find(`input[name="version"]`).Attr("value")
	form := url.Values{"version": {version}, "name": {poster.Name}, "duration_minutes": {strconv.Itoa(poster.DurationMinutes)},
		"max_presenters": {strconv.Itoa(poster.MaxPresenters)}, "abstract_max_words": {"20"}, "accepting": {"yes"}}
	if pg = b.post(item, item, form); pg.Status != http.StatusSeeOther {
		t.Fatalf("lower the word limit: %d %s", pg.Status, pg.problem())
	}
	want := "Submitted before the format's rules changed: 1 proposal with an abstract over 20 words. They stay submitted as they are; " +
		"a change to one of them must meet the rules. Drafts are checked when they are submitted."
	if flash := b.get(item).Doc.Find(".flash").Text(); !strings.HasSuffix(flash, "is saved. "+want) {
		t.Errorf("after the lower limit: %q", flash)
	}
	pg = b.get(item)
	version, _ = pg.Doc.Find(`input[name="version"]`).Attr("value")
	if pg = b.post(item+"/fields/new", item+"/fields", url.Values{"version": {version}, "label": {"Community partners"}, "kind": {"text"}, "required": {"yes"}}); pg.Status != http.StatusSeeOther {
		t.Fatalf("a new required field: %d %s", pg.Status, pg.problem())
	}
	pg = b.get(item)
	if flash := pg.Doc.Find(".flash").Text(); !strings.Contains(flash, "is saved. Submitted before the format's rules changed: 1 proposal with no answer to “Community partners”.") {
		t.Errorf("after the new field: %q", flash)
	}
	if got := pg.Doc.Find("#overruns-title").Parent().Text(); !strings.Contains(got, "1 proposal with an abstract over 20 words; and 1 proposal with no answer to “Community partners”.") {
		t.Errorf("the format's page: %q", got)
	}

	token, _ := apiToken(t, ta, f.organizer)
	version, _ = pg.Doc.Find(`input[name="version"]`).Attr("value")
	r := sendJSON(t, ta, http.MethodPut, fmt.Sprintf("/api/v1/conferences/%s/manage/formats/%d", f.conf.Slug, poster.ID), token,
		fmt.Sprintf(`{"name":%q,"duration_minutes":%d,"max_presenters":%d,"abstract_max_words":20,"version":%s}`, poster.Name, poster.DurationMinutes, poster.MaxPresenters, version))
	wantContract(t, http.MethodPut, "/api/v1/conferences/:slug/manage/formats/:id", r.Status, r.Body)
	if w := fmt.Sprint(r.JSON["warnings"]); r.Status != http.StatusOK || !strings.Contains(w, "field:abstract_max_words") || !strings.Contains(w, "field:fields") {
		t.Errorf("the API's warnings: %d %s", r.Status, w)
	}
}

// TestHistoryShowsSpacingAndEscapes: a change of line breaks alone is named where it is, for
// sighted readers and screen readers alike; HTML in a text is shown as text in the changes.
func TestHistoryShowsSpacingAndEscapes(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	_, email := presenter(t, ta, "Amina Yusuf")
	p := principalOf(t, ta, email)
	c := posterOf(f, "Naming racism", "First paragraph.\nSecond paragraph.")
	prop, _, err := ta.subs.Create(ctx, p, f.conf, submission.CreateInput{Content: c})
	if err != nil {
		t.Fatal(err)
	}
	c.Title = `Naming racism <script>alert("x")</script>`
	c.Abstract = "First paragraph.\n\nSecond paragraph. <img src=x onerror=alert(1)>"
	if prop, _, err = ta.subs.Save(ctx, p, f.conf, prop.ID, prop.Version, c); err != nil {
		t.Fatal(err)
	}
	c.Abstract = "First paragraph.\nSecond paragraph. <img src=x onerror=alert(1)>"
	if prop, _, err = ta.subs.Save(ctx, p, f.conf, prop.ID, prop.Version, c); err != nil {
		t.Fatal(err)
	}
	page := loggedIn(t, ta, f.organizer).get(fmt.Sprintf("/c/%s/manage/proposals/%d", f.conf.Slug, prop.ID))
	if n := page.Doc.Find(".history script, .history img").Length(); n != 0 {
		t.Errorf("%d elements made from a proposal's text", n)
	}
	version := func(n int) *goquery.Selection {
		return page.Doc.Find("details.revision").FilterFunction(func(_ int, s *goquery.Selection) bool {
			return strings.HasPrefix(strings.TrimSpace(s.Find("summary").Text()), fmt.Sprintf("Version %d:", n))
		})
	}
	part := func(v *goquery.Selection, label string) *goquery.Selection {
		return v.Find("dl.changes dt").FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Text() == label }).Next()
	}
	if got := part(version(2), "Title").Find("ins").Text(); got != `[put in:  <script>alert("x")</script>]` {
		t.Errorf("the title's change: %q", got)
	}
	abstract := part(version(3), "Abstract")
	if del, ins := abstract.Find("del .spacing").Text(), abstract.Find("ins .spacing").Text(); del != "2 line breaks" || ins != "a line break" {
		t.Errorf("a change of line breaks alone, as seen: taken out %q, put in %q", del, ins)
	}
	if got := abstract.Find("del").Text(); got != "[taken out: 2 line breaks]" {
		t.Errorf("a change of line breaks alone, as read: %q", got)
	}
}

// TestHistorySaysWhatChanged: each version in a proposal's history names what differs from the
// version before it.
func TestHistorySaysWhatChanged(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	_, email := presenter(t, ta, "Amina Yusuf")
	p := principalOf(t, ta, email)
	poster := f.formats["Poster abstract"]
	c := posterOf(f, "Naming racism", "A first abstract.")
	prop, _, err := ta.subs.Create(ctx, p, f.conf, submission.CreateInput{Content: c})
	if err != nil {
		t.Fatal(err)
	}
	c.Title, c.Answers["approach"] = "Naming racism in the curriculum", []string{"A mixed-methods audit."}
	if prop, _, err = ta.subs.Save(ctx, p, f.conf, prop.ID, prop.Version, c); err != nil {
		t.Fatal(err)
	}
	if _, _, err = ta.subs.Submit(ctx, p, f.conf, prop.ID, 0); err != nil {
		t.Fatal(err)
	}
	b := loggedIn(t, ta, f.organizer)
	page := b.get(fmt.Sprintf("/c/%s/manage/proposals/%d", f.conf.Slug, prop.ID))
	summaries := map[string]string{}
	page.Doc.Find("details.revision summary").Each(func(_ int, s *goquery.Selection) {
		summaries[strings.Fields(s.Text())[1]] = s.Text()
	})
	approach, _ := poster.Field("approach")
	if got := summaries["1:"]; strings.Contains(got, "changed") {
		t.Errorf("the first version: %q", got)
	}
	if got := summaries["2:"]; !strings.HasSuffix(got, "; changed: Title, "+approach.Label) {
		t.Errorf("the saved version: %q", got)
	}
	if got := summaries["3:"]; strings.Contains(got, "changed") {
		t.Errorf("the submission, a change of status alone: %q", got)
	}

	// Inside the version, word by word, what was taken out and what was put in.
	second := page.Doc.Find("details.revision").FilterFunction(func(_ int, s *goquery.Selection) bool {
		return strings.HasPrefix(strings.TrimSpace(s.Find("summary").Text()), "Version 2:")
	})
	if h := second.Find("h3").First().Text(); h != "What changed from version 1" {
		t.Errorf("the heading of the changes: %q", h)
	}
	changes := second.Find("dl.changes")
	title := changes.Find("dt").FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Text() == "Title" }).Next()
	if ins, del, html := title.Find("ins").Text(), title.Find("del").Length(), title.Text(); ins != "[put in:  in the curriculum]" || del != 0 ||
		html != "Naming racism[put in:  in the curriculum]" {
		t.Errorf("the title's change: put in %q, %d taken out, read as %q", ins, del, html)
	}
	answer := changes.Find("dt").FilterFunction(func(_ int, s *goquery.Selection) bool { return s.Text() == approach.Label }).Next()
	if del, ins := answer.Find("del").Text(), answer.Find("ins").Text(); del != "[taken out: How]" || ins != "[put in: A mixed-methods audit]" {
		t.Errorf("the answer's change: taken out %q, put in %q", del, ins)
	}
	if n := changes.Find("dt").Length(); n != 2 {
		t.Errorf("%d parts shown as changed, want the title and the approach", n)
	}
	if second.Find("dl.facts").Last().Find("dd").First().Text() != "Naming racism in the curriculum" {
		t.Error("the version as saved is no longer shown after its changes")
	}
	// The submitter's history shows the same.
	own := loggedIn(t, ta, email).get(fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, prop.ID))
	if got := own.Doc.Find("details.revision dl.changes ins").First().Text(); got != "[put in:  in the curriculum]" {
		t.Errorf("the submitter's history: %q", got)
	}
}
