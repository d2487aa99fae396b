package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/cfp"
)

// TestSubmitterErrorsLeadSomewhere: what keeps a proposal from being submitted is said where it can
// be corrected. A format not chosen is an error, not a blank page; a question left empty is named;
// a profile without a bio, which the profile page does not call optional, links to the profile from
// the form and from the proposal's page; a withdrawn proposal offers no change of its presenters and
// refuses one saying it was withdrawn.
func TestSubmitterErrorsLeadSomewhere(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/c/" + f.conf.Slug
	email := uniqueEmail("ines")
	u := newUser(t, ta, email, "Inés Okafor")
	if _, err := ta.accounts.UpdateProfile(context.Background(), u, u.Name, account.Profile{Role: account.Faculty, Institution: "Lakeside College of Medicine"}); err != nil {
		t.Fatal(err)
	}
	b := loggedIn(t, ta, email)

	p := b.get("/account/profile")
	if label := strings.Join(strings.Fields(p.Doc.Find(`label[for="bio"]`).Text()), " "); label != "Short bio" {
		t.Errorf("the bio's label: %q", label)
	}
	if hint := p.Doc.Find("#bio-hint").Text(); !strings.Contains(hint, "Needed to submit a proposal") {
		t.Errorf("the bio's hint: %q", hint)
	}

	// The format choice sent with nothing ticked.
	p = b.get(base + "/proposals/new?choose=format")
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldError("format"), "Choose one of the formats") {
		t.Errorf("no format chosen: %d %q", p.Status, p.fieldError("format"))
	}
	if p = b.get(base + "/proposals/new"); p.Doc.Find(`input[type="hidden"][name="choose"][value="format"]`).Length() != 1 {
		t.Error("the format choice does not name itself")
	}

	// Save and submit with a title too long and questions left empty: both in one round.
	ws := f.formats["Workshop"]
	both := workshopForm(f, strings.Repeat("Long ", 50))
	both.Del("answers.objectives")
	both.Set("action", "submit")
	both.Set("client_key", "k-both")
	p = b.post(fmt.Sprintf("%s/proposals/new?format=%d", base, ws.ID), base+"/proposals", both)
	if p.Status != http.StatusUnprocessableEntity || p.fieldError("title") == "" || p.Doc.Find(`[id="answers.objectives-error"]`).Length() != 1 {
		t.Errorf("a long title and an empty question: %d %s", p.Status, summaryItems(p))
	}
	if n := p.Doc.Find(".error-summary li").Length(); !strings.Contains(p.problem(), fmt.Sprintf("the %d highlighted fields", n)) {
		t.Errorf("the summary's count: %q over %d problems", p.problem(), n)
	}

	// Save and submit with the workshop's questions left empty: each error names its question.
	form := workshopForm(f, "Listening sessions")
	form.Del("answers.objectives")
	form.Del("answers.plan")
	form.Set("action", "submit")
	p = b.post(fmt.Sprintf("%s/proposals/new?format=%d", base, ws.ID), base+"/proposals", form)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("submit without answers: %d %s", p.Status, p.problem())
	}
	for _, field := range []string{"answers.objectives", "answers.plan"} {
		label := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(p.Doc.Find(`label[for="`+field+`"]`).Text()), "(optional)"))
		if got := p.Doc.Find(`[id="` + field + `-error"]`).Text(); label == "" || !strings.Contains(got, "“"+label+"”") {
			t.Errorf("%s: %q does not name its question %q", field, got, label)
		}
	}
	id := count(t, ta, `SELECT id FROM proposals WHERE conference_id = $1`, f.conf.ID)
	page := fmt.Sprintf("%s/proposals/%d", base, id)

	// Complete, but the profile has no bio: the summary links to the profile, on the form and on the
	// proposal's page.
	form = workshopForm(f, "Listening sessions")
	form.Set("version", "1")
	form.Set("action", "submit")
	p = b.post(page+"/edit", page, form)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("submit without a bio: %d %s", p.Status, p.problem())
	}
	profile := "/account/profile?next=" + page
	if p.Doc.Find(`.error-summary a[href="`+profile+`"]`).Length() != 1 {
		t.Errorf("the form's summary does not link to the profile: %s", summaryItems(p))
	}
	p = b.post(page, page+"/submit", url.Values{"version": {"2"}})
	if p.Status != http.StatusUnprocessableEntity || p.Doc.Find(`.error-summary a[href="`+profile+`"]`).Length() != 1 {
		t.Errorf("the proposal page's summary: %d %s", p.Status, summaryItems(p))
	}

	// The history shows each version's text.
	p = b.get(page)
	if n := p.Doc.Find(".history details.revision").Length(); n != 2 {
		t.Errorf("%d versions in the history, want 2", n)
	}
	if got := p.Doc.Find(".history details.revision").First().Text(); !strings.Contains(got, "Version 2") || !strings.Contains(got, "Recognise biased language in evaluations") || !strings.Contains(got, "Learning objectives") {
		t.Errorf("the second version's text: %q", got)
	}

	// Withdrawn: no presenter can be removed, and a removal says why.
	_, samEmail := presenter(t, ta, "Sam Achebe")
	if p = b.post(page, page+"/presenters", url.Values{"name": {"Sam Achebe"}, "email": {samEmail}}); p.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d %s", p.Status, p.problem())
	}
	invited := count(t, ta, `SELECT id FROM proposal_presenters WHERE proposal_id = $1 AND NOT is_owner`, id)
	remove := fmt.Sprintf("%s/presenters/%d/remove", page, invited)
	if p = b.get(page); p.Doc.Find(`a[href="`+remove+`"]`).Length() != 1 {
		t.Error("a draft does not offer to remove its invited presenter")
	}
	// Asked first, on a page of its own.
	if p = b.get(remove); p.Doc.Find("h1").Text() != "Remove Sam Achebe from “"+p.Doc.Find(".breadcrumb a").Text()+"”?" ||
		!strings.Contains(p.Doc.Find(".lead").Text(), "Their invitation stops working.") || p.Doc.Find(`form[action="`+remove+`"]`).Length() != 1 {
		t.Errorf("the page that asks before removing: %d %q", p.Status, p.Doc.Find("h1").Text())
	}
	if p = b.post(page+"/withdraw", page+"/withdraw", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d %s", p.Status, p.problem())
	}
	if p = b.get(page); p.Doc.Find(`a[href="`+remove+`"]`).Length() != 0 {
		t.Error("a withdrawn proposal offers to remove a presenter")
	}
	p = b.post(page, remove, url.Values{})
	if p.Status != http.StatusForbidden || !strings.Contains(p.Body, "This proposal was withdrawn") || strings.Contains(p.Body, "deadline") {
		t.Errorf("removing a presenter of a withdrawn proposal: %d %s", p.Status, p.problem())
	}
}

// TestNewProposalFormSentAgain: the form of a new proposal sent again with the same key (after going
// back in the browser) and changed text saves the change over the draft it made; sent again once
// the draft has moved on, it comes back with the newer text, nothing overwritten.
func TestNewProposalFormSentAgain(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/c/" + f.conf.Slug
	_, email := presenter(t, ta, "Ruth Adeyemi")
	b := loggedIn(t, ta, email)
	ws := f.formats["Workshop"]
	from := fmt.Sprintf("%s/proposals/new?format=%d", base, ws.ID)
	form := workshopForm(f, "Bias in evaluations")
	form.Set("action", "save")
	p := b.post(from, base+"/proposals", form)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", p.Status, p.problem())
	}
	id := proposalIDFrom(t, p.Header.Get("Location"))

	changed := workshopForm(f, "Bias in resident evaluations")
	changed.Set("action", "save")
	changed.Set("client_key", form.Get("client_key"))
	p = b.post(from, base+"/proposals", changed)
	if p.Status != http.StatusSeeOther || proposalIDFrom(t, p.Header.Get("Location")) != id {
		t.Fatalf("the form sent again: %d to %q %s", p.Status, p.Header.Get("Location"), p.problem())
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND title = 'Bias in resident evaluations' AND version = 2`, id); n != 1 {
		t.Error("the change in the form sent again was not saved")
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE owner_id = (SELECT owner_id FROM proposals WHERE id = $1)`, id); n != 1 {
		t.Errorf("%d proposals, want 1", n)
	}

	p = b.post(from, base+"/proposals", form)
	if p.Status != http.StatusConflict || !strings.Contains(p.Doc.Find("#newer-title").Parent().Text(), "Bias in resident evaluations") {
		t.Errorf("the first form sent once more: %d", p.Status)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND title = 'Bias in resident evaluations' AND version = 2`, id); n != 1 {
		t.Error("the old form overwrote the newer draft")
	}

	// A new form sent again with a change the save refuses: the form comes back as the draft's, at
	// the version it made, and once corrected it saves.
	second := workshopForm(f, "Story circles")
	second.Set("action", "save")
	second.Set("client_key", "k-second")
	if p = b.post(from, base+"/proposals", second); p.Status != http.StatusSeeOther {
		t.Fatalf("create the second: %d %s", p.Status, p.problem())
	}
	page := p.Header.Get("Location")
	bad := workshopForm(f, strings.Repeat("Long ", 50))
	bad.Set("action", "save")
	bad.Set("client_key", "k-second")
	p = b.post(from, base+"/proposals", bad)
	if v, _ := p.Doc.Find(`input[name="version"]`).Attr("value"); p.Status != http.StatusUnprocessableEntity || v != "1" {
		t.Fatalf("the form sent again, refused: %d, version %q", p.Status, v)
	}
	fixed := workshopForm(f, "Story circles, fixed")
	fixed.Set("action", "save")
	fixed.Set("version", "1")
	if p = b.post(page+"/edit", page, fixed); p.Status != http.StatusSeeOther {
		t.Fatalf("the corrected form: %d %s", p.Status, p.problem())
	}

	// The account page leads to the proposals.
	p = b.get("/account")
	if got := strings.Join(strings.Fields(p.Doc.Find("ul.presenting li").Text()), " "); got != f.conf.Name+": 2 proposals, 0 submitted" ||
		p.Doc.Find(`ul.presenting a[href="`+base+`/proposals"]`).Length() != 1 {
		t.Errorf("the account page's proposals: %q", got)
	}
	_, other := presenter(t, ta, "Tomás Quispe")
	if got := loggedIn(t, ta, other).get("/account").Doc.Find("main").Text(); !strings.Contains(got, "You have not proposed a session yet.") {
		t.Error("the account page of someone without proposals does not say so")
	}
}

// TestNewProposalFormTidied: a new proposal's form whose text is kept tidied (line ends as the
// browser sends them, spaces at the ends) is made once, at version 1, and says so with the advice
// about blind review when the text names a presenter, as a save does; sent again, it changes nothing.
func TestNewProposalFormTidied(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/c/" + f.conf.Slug
	_, email := presenter(t, ta, "Adaeze Nwosu")
	b := loggedIn(t, ta, email)
	ws := f.formats["Workshop"]
	from := fmt.Sprintf("%s/proposals/new?format=%d", base, ws.ID)
	for _, abstract := range []string{
		"  Adaeze Nwosu leads residents through feedback cases.\r\nThen they rewrite them together.\r\n",
		"Adaeze Nwosu leads residents through feedback cases. Then they rewrite them together.",
	} {
		form := workshopForm(f, "Feedback cases "+strconv.Itoa(len(abstract)))
		form.Set("abstract", abstract)
		form.Set("action", "save")
		p := b.post(from, base+"/proposals", form)
		if p.Status != http.StatusSeeOther {
			t.Fatalf("create: %d %s", p.Status, p.problem())
		}
		id := proposalIDFrom(t, p.Header.Get("Location"))
		flash := strings.Join(strings.Fields(b.get(p.Header.Get("Location")).Doc.Find(".flash").Text()), " ")
		if !strings.Contains(flash, "Your draft is saved.") || !strings.Contains(flash, "advice about blind review") {
			t.Errorf("after the create of %q the page says %q", abstract, flash)
		}
		tidied := strings.TrimSpace(strings.ReplaceAll(abstract, "\r\n", "\n"))
		if n := count(t, ta, `SELECT count(*) FROM proposals p JOIN proposal_revisions r ON r.proposal_id = p.id
			WHERE p.id = $1 AND p.version = 1 AND r.version = 1 AND r.abstract = $2`, id, tidied); n != 1 {
			t.Errorf("the proposal of %q is not at version 1 with its text tidied", abstract)
		}
		if p = b.post(from, base+"/proposals", form); p.Status != http.StatusSeeOther || proposalIDFrom(t, p.Header.Get("Location")) != id {
			t.Fatalf("the form sent again: %d to %q", p.Status, p.Header.Get("Location"))
		}
		if n := count(t, ta, `SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, id); n != 1 {
			t.Errorf("%d revisions of the proposal of %q, want 1", n, abstract)
		}
	}
}

// TestUsedUpLinkIsThePagesProblem: a new proposal's form sent through an access link that has been
// used as many times as it allows is refused with what was typed kept to copy; the refusal is the
// page's problem, not a field's, so the error summary links to nothing (the form has no field for
// the link; the browser checks every page it gets for summary links that lead nowhere).
func TestUsedUpLinkIsThePagesProblem(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/c/" + f.conf.Slug
	_, email := presenter(t, ta, "Amina Yusuf")
	b := loggedIn(t, ta, email)

	// A link for two proposals, used twice; a third form started from it is refused.
	ob := loggedIn(t, ta, f.organizer)
	p := ob.post(base+"/manage/extensions", base+"/manage/links", url.Values{"label": {"Invited panel"}, "expires_at": {"2031-08-01T12:00"}, "max_uses": {"2"}})
	linkURL, _ := p.Doc.Find("#new-link").Attr("value")
	if p.Status != http.StatusCreated || linkURL == "" {
		t.Fatalf("make the link: %d %s", p.Status, p.problem())
	}
	start, _ := b.get(strings.TrimPrefix(linkURL, ta.URL)).Doc.Find(`main a.button`).Attr("href")
	formPage := start + "&format=" + strconv.FormatInt(f.formats["Workshop"].ID, 10)
	secret := start[strings.Index(start, "access=")+len("access="):]
	for i := range 3 {
		form := workshopForm(f, fmt.Sprintf("Invited panel %d", i+1))
		form.Set("access", secret)
		p = b.post(formPage, base+"/proposals", form)
		if i < 2 && p.Status != http.StatusSeeOther {
			t.Fatalf("use %d of the link: %d %s", i+1, p.Status, p.problem())
		}
	}
	if p.Status != http.StatusForbidden || !strings.HasPrefix(p.problem(), "This link to the call has been used as many times as it allows.") {
		t.Errorf("a third use of a link for two: %d %q", p.Status, p.problem())
	}
	if n := p.Doc.Find(".error-summary li").Length(); n != 0 {
		t.Errorf("the used-up link is listed as a field's problem too: %s", summaryItems(p))
	}
	if got := p.Doc.Find("#title").AttrOr("value", ""); got != "Invited panel 3" {
		t.Errorf("the title typed, kept to copy: %q", got)
	}
}

// TestFormatStoppedWhileTheFormWasOpen: a new proposal of a format that stopped taking proposals
// while its form was open comes back with everything typed, its error summary linked to a choice of
// the formats that take proposals; the chosen format's form follows, nothing saved, with the answers
// it does not ask shown to copy, and is saved as that format.
func TestFormatStoppedWhileTheFormWasOpen(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	base := "/c/" + f.conf.Slug
	_, email := presenter(t, ta, "Amina Yusuf")
	b := loggedIn(t, ta, email)

	ws, fc := f.formats["Workshop"], f.formats["Fireside chat"]
	formPage := fmt.Sprintf("%s/proposals/new?format=%d", base, ws.ID)
	b.get(formPage)
	if _, err := ta.calls.UpdateFormatFrom(ctx, organizerOf(t, ta, f), f.conf, ws.ID, ws.Version, func(x cfp.Format) cfp.FormatInput {
		return cfp.FormatInput{Name: x.Name, Description: x.Description, DurationMinutes: x.DurationMinutes, MaxPresenters: x.MaxPresenters,
			AbstractMaxWords: x.AbstractMaxWords, Fields: x.Fields}
	}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(cfp.CacheTTL) // as another server would see it
	typed := workshopForm(f, "Responding to bias in evaluations")
	typed.Set("action", "submit")
	typed.Set("client_key", "k-stopped")
	p := b.postRaw(base+"/proposals", withCSRF(t, b, typed))
	if p.Status != http.StatusUnprocessableEntity || p.fieldError("format_id") != "Workshop no longer takes new proposals; choose another format." {
		t.Fatalf("a format that stopped taking proposals: %d %q %s", p.Status, p.fieldError("format_id"), summaryItems(p))
	}
	if p.Doc.Find(`.error-summary a[href="#format_id"]`).Length() != 1 || p.Doc.Find("select#format_id").Length() != 1 {
		t.Errorf("the summary's link and the choice of a format: %s", summaryItems(p))
	}
	var offered []string
	p.Doc.Find("select#format_id option").Each(func(_ int, o *goquery.Selection) { offered = append(offered, o.Text()) })
	if strings.Join(offered, ", ") != "Choose…, Poster abstract, Personal narrative, Fireside chat" {
		t.Errorf("the formats offered: %v", offered)
	}
	if got := text(p.Doc.Find("#format_id-hint")); got != "“Workshop” no longer takes proposals. Choose another: its form is shown before anything is saved, with what you typed here." {
		t.Errorf("the choice's hint: %q", got)
	}
	if p.Doc.Find(`input[name="format_id"][type="hidden"]`).Length() != 0 || p.Doc.Find(`input[name="shown_format_id"]`).AttrOr("value", "") != strconv.FormatInt(ws.ID, 10) {
		t.Error("the form still sends the format refused, or not which format's questions it shows")
	}
	if p.Doc.Find("#title").AttrOr("value", "") != "Responding to bias in evaluations" || !strings.HasPrefix(p.Doc.Find(`textarea[name="answers.plan"]`).Text(), "Ten minutes of framing") {
		t.Error("what was typed is not in the form")
	}

	// Sent again without choosing: the same form, the choice asked for.
	typed.Set("shown_format_id", strconv.FormatInt(ws.ID, 10))
	typed.Set("format_id", "")
	p = b.postRaw(base+"/proposals", withCSRF(t, b, typed))
	if p.Status != http.StatusUnprocessableEntity || p.fieldError("format_id") != "Choose a format." || p.Doc.Find(`textarea[name="answers.plan"]`).Length() != 1 {
		t.Errorf("no format chosen: %d %q %s", p.Status, p.fieldError("format_id"), summaryItems(p))
	}

	// The fireside chat chosen: its form, nothing saved, with what the workshop asked to copy.
	typed.Set("format_id", strconv.FormatInt(fc.ID, 10))
	p = b.postRaw(base+"/proposals", withCSRF(t, b, typed))
	if p.Status != http.StatusOK || text(p.Doc.Find("h1")) != "New fireside chat" || p.Doc.Find(`input[type="hidden"][name="format_id"]`).AttrOr("value", "") != strconv.FormatInt(fc.ID, 10) {
		t.Fatalf("the fireside chat's form: %d %q %s", p.Status, text(p.Doc.Find("h1")), p.problem())
	}
	if got := text(p.Doc.Find(".flash")); got != "This is the form of the format “Fireside chat”, with what you typed. Nothing is saved yet: check it, answer its questions, and save." {
		t.Errorf("what the page says: %q", got)
	}
	if p.Doc.Find("#title").AttrOr("value", "") != "Responding to bias in evaluations" || !strings.HasPrefix(p.Doc.Find("#abstract").Text(), "Participants practise") ||
		p.Doc.Find(`[id="answers.questions"]`).Length() != 1 {
		t.Error("the fireside chat's form lacks what was typed, or its own questions")
	}
	var kept []string
	p.Doc.Find("section:has(#kept-title) .field").Each(func(_ int, s *goquery.Selection) {
		kept = append(kept, text(s.Find("label"))+": "+s.Find("textarea").Text())
	})
	if len(kept) != 5 || kept[2] != "Who is it for?: Residents and fellows, Faculty" || !strings.HasPrefix(kept[0], "Learning objectives: Recognise biased language") {
		t.Errorf("the workshop's answers to copy: %q", kept)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE conference_id = $1 AND title = 'Responding to bias in evaluations'`, f.conf.ID); n != 0 {
		t.Errorf("%d proposals saved before the new format's form was seen", n)
	}
	// Saved as a fireside chat.
	typed.Del("shown_format_id")
	typed.Set("action", "save")
	typed.Set("answers.questions", "What would change if evaluations were read for bias?")
	if p = b.postRaw(base+"/proposals", withCSRF(t, b, typed)); p.Status != http.StatusSeeOther {
		t.Fatalf("the fireside chat saved: %d %s", p.Status, p.problem())
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE conference_id = $1 AND title = 'Responding to bias in evaluations' AND format_id = $2`, f.conf.ID, fc.ID); n != 1 {
		t.Errorf("%d fireside chats saved", n)
	}
}

// withCSRF sets the browser's CSRF token in the form, as the form it got would carry it.
func withCSRF(t *testing.T, b *browser, form url.Values) url.Values {
	t.Helper()
	token, ok := b.get("/account").Doc.Find(`input[name="_csrf"]`).First().Attr("value")
	if !ok {
		t.Fatal("no CSRF token")
	}
	form.Set("_csrf", token)
	return form
}
