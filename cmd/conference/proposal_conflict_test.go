package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/submission"
)

// coPresented is a proposal its owner made (submitted, a poster, or a draft of one) with a second
// presenter who accepted; it returns the proposal and both addresses.
func coPresented(t *testing.T, ta *testApp, f callFixture, title string, submit bool) (submission.Proposal, string, string) {
	t.Helper()
	ctx := t.Context()
	_, owner := presenter(t, ta, "Amara Okafor")
	_, co := presenter(t, ta, "Jordan Lee")
	var prop submission.Proposal
	if submit {
		prop = submitPosterAs(t, ta, f, owner, title)
	} else {
		var err error
		if prop, _, err = ta.subs.Create(ctx, principalOf(t, ta, owner), f.conf, submission.CreateInput{Content: posterOf(f, title, "An abstract of "+title+".")}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := ta.subs.Invite(ctx, principalOf(t, ta, owner), f.conf, prop.ID, "Jordan Lee", co); err != nil {
		t.Fatal(err)
	}
	invitation := linkIn(t, ta.waitMail(co, "Amara Okafor invites you to co-present at "+f.conf.Name), "/invitations/")
	if _, err := ta.subs.AnswerInvitation(ctx, principalOf(t, ta, co), invitation[strings.LastIndex(invitation, "/")+1:], true); err != nil {
		t.Fatal(err)
	}
	prop, err := ta.subs.Get(ctx, principalOf(t, ta, owner), f.conf, prop.ID)
	if err != nil {
		t.Fatal(err)
	}
	return prop, owner, co
}

// posterForm is the poster c as its edit form sends it, saved over version.
func posterForm(c submission.Content, version int) url.Values {
	v := url.Values{"format_id": {strconv.FormatInt(c.FormatID, 10)}, "title": {c.Title}, "abstract": {c.Abstract},
		"version": {strconv.Itoa(version)}, "action": {"save"}}
	if c.TrackID != nil {
		v.Set("track_id", strconv.FormatInt(*c.TrackID, 10))
	}
	for id, a := range c.Answers {
		v["answers."+id] = a
	}
	return v
}

// newerPanel is what the "newer version" panel of an edit form lists: each label with its value,
// and the field it points to.
func newerPanel(p page) (values, links map[string]string) {
	values, links = map[string]string{}, map[string]string{}
	p.Doc.Find(`section[aria-labelledby="newer-title"] dl.newer dt`).Each(func(_ int, dt *goquery.Selection) {
		label := strings.TrimSpace(dt.Text())
		values[label] = strings.TrimSpace(dt.Next().Text())
		links[label], _ = dt.Find("a").Attr("href")
	})
	return values, links
}

// TestStaleSaveShowsTheTrackChangedMeanwhile: a co-presenter moved the proposal to another track
// while its owner had the form open. Her stale save is refused with every part of the proposal that
// differs from what she typed, the track by its name among them, and her form as she typed it; what
// she left as it was is not listed.
func TestStaleSaveShowsTheTrackChangedMeanwhile(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	prop, owner, co := coPresented(t, ta, f, "Mentoring residents of colour", true)
	page := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, prop.ID)
	b := loggedIn(t, ta, owner)
	opened := b.get(page + "/edit")
	if v, _ := opened.Doc.Find(`input[name="version"]`).Attr("value"); v != strconv.Itoa(prop.Version) {
		t.Fatalf("the form opens at version %q, want %d", v, prop.Version)
	}

	// Jordan saves the next version, in the third track.
	theirs := prop.Content()
	track := f.tracks[2].ID
	theirs.TrackID = &track
	if _, _, err := ta.subs.Save(t.Context(), principalOf(t, ta, co), f.conf, prop.ID, prop.Version, theirs); err != nil {
		t.Fatal(err)
	}
	revisions := count(t, ta, `SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, prop.ID)

	// Amara saves over the version she opened, with a new title and the track as it was.
	mine := prop.Content()
	mine.Title = "Mentoring residents of colour, revised"
	p := b.post(page+"/edit", page, posterForm(mine, prop.Version))
	if p.Status != http.StatusConflict {
		t.Fatalf("stale save: %d %s", p.Status, p.problem())
	}
	values, links := newerPanel(p)
	if values["Track"] != f.tracks[2].Name || links["Track"] != "#track_id" {
		t.Errorf("the panel does not name the track saved meanwhile: %v %v", values, links)
	}
	if values["Title"] != prop.Title {
		t.Errorf("the panel does not show the title saved now: %v", values)
	}
	for _, same := range []string{"Abstract", "Background", "Format", "Stage of the work"} {
		if _, ok := values[same]; ok {
			t.Errorf("the panel lists %s, the same in both: %v", same, values)
		}
	}
	if got := p.Doc.Find(`select#track_id option[selected]`).AttrOr("value", ""); got != strconv.FormatInt(f.tracks[0].ID, 10) {
		t.Errorf("the form does not keep the track typed: %q", got)
	}
	if got := p.Doc.Find("#title").AttrOr("value", ""); got != mine.Title {
		t.Errorf("the form does not keep the title typed: %q", got)
	}
	if got := p.Doc.Find(`input[name="version"]`).AttrOr("value", ""); got != strconv.Itoa(prop.Version+1) {
		t.Errorf("the form carries version %q, want the newer %d", got, prop.Version+1)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND track_id = $2 AND title = $3 AND version = $4`,
		prop.ID, track, prop.Title, prop.Version+1); n != 1 {
		t.Error("the stale save changed the proposal")
	}
	if n := count(t, ta, `SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, prop.ID); n != revisions {
		t.Errorf("%d revisions after the stale save, want %d", n, revisions)
	}

	// Saving the form again, with their track taken over, keeps both changes.
	mine.TrackID = &track
	if p = b.post(page+"/edit", page, posterForm(mine, prop.Version+1)); p.Status != http.StatusSeeOther {
		t.Fatalf("the save again: %d %s", p.Status, p.problem())
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND track_id = $2 AND title = $3`, prop.ID, track, mine.Title); n != 1 {
		t.Error("the save again did not keep both changes")
	}
}

// TestStaleSaveShowsTheFormatChangedMeanwhile: a co-presenter turned the draft poster into a
// personal narrative meanwhile; the owner's stale save names the new format and the answers to its
// questions, which her form does not ask.
func TestStaleSaveShowsTheFormatChangedMeanwhile(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	prop, owner, co := coPresented(t, ta, f, "A story of a first night on call", false)
	page := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, prop.ID)
	b := loggedIn(t, ta, owner)

	theirs := prop.Content()
	theirs.FormatID = f.formats["Personal narrative"].ID
	theirs.Answers = question.Answers{"narrative": {"The night a patient refused my care."}}
	saved, _, err := ta.subs.Save(t.Context(), principalOf(t, ta, co), f.conf, prop.ID, prop.Version, theirs)
	if err != nil {
		t.Fatal(err)
	}

	mine := prop.Content()
	mine.Abstract = "An abstract, rewritten."
	p := b.post(page+"/edit", page, posterForm(mine, prop.Version))
	if p.Status != http.StatusConflict {
		t.Fatalf("stale save: %d %s", p.Status, p.problem())
	}
	values, links := newerPanel(p)
	if values["Format"] != "Personal narrative" || links["Format"] != "#format_id" {
		t.Errorf("the panel does not name the format saved meanwhile: %v %v", values, links)
	}
	if values["Your narrative in outline"] != "The night a patient refused my care." || links["Your narrative in outline"] != "" {
		t.Errorf("the panel does not show the answer to the new format's question: %v %v", values, links)
	}
	if values["Abstract"] != prop.Abstract || values["Background"] != "(empty)" {
		t.Errorf("the panel does not show what the newer version has instead of what was typed: %v", values)
	}
	if got := p.Doc.Find(`select#format_id option[selected]`).AttrOr("value", ""); got != strconv.FormatInt(f.formats["Poster abstract"].ID, 10) {
		t.Errorf("the form does not keep the format typed: %q", got)
	}
	if got := p.Doc.Find(`input[name="version"]`).AttrOr("value", ""); got != strconv.Itoa(saved.Version) {
		t.Errorf("the form carries version %q, want the newer %d", got, saved.Version)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND format_id = $2 AND version = $3`, prop.ID, theirs.FormatID, saved.Version); n != 1 {
		t.Error("the stale save changed the proposal")
	}
}

// TestStaleInvalidSaveSaysItIsStale: a stale save of a submitted proposal that also leaves a
// required answer empty is told of the newer version first, with what to correct next to it, on
// the page and in the API; nothing is saved, and what was typed comes back.
func TestStaleInvalidSaveSaysItIsStale(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	prop, owner, co := coPresented(t, ta, f, "Bias in evaluations of residents", true)
	page := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, prop.ID)
	b := loggedIn(t, ta, owner)

	theirs := prop.Content()
	theirs.Abstract = "An abstract Jordan rewrote."
	newer, _, err := ta.subs.Save(t.Context(), principalOf(t, ta, co), f.conf, prop.ID, prop.Version, theirs)
	if err != nil {
		t.Fatal(err)
	}
	revisions := count(t, ta, `SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, prop.ID)

	// The page.
	mine := prop.Content()
	mine.Title = "Bias in evaluations, revised"
	form := posterForm(mine, prop.Version)
	form.Set("answers.background", "")
	p := b.post(page+"/edit", page, form)
	if p.Status != http.StatusConflict {
		t.Fatalf("stale and incomplete save: %d %s", p.Status, p.problem())
	}
	if values, _ := newerPanel(p); values["Abstract"] != theirs.Abstract || values["Background"] != "Why." {
		t.Errorf("the panel does not show the newer version: %v", values)
	}
	if !strings.Contains(p.problem(), "Someone saved this proposal after you opened it") {
		t.Errorf("the summary does not say someone saved meanwhile: %q", p.problem())
	}
	// The field's own message, next to it (its id has a dot: found by attribute).
	next := strings.TrimSpace(p.Doc.Find(`[id="answers.background-error"]`).Text())
	if !strings.Contains(next, "Answer “Background”") || !strings.Contains(summaryItems(p), "Answer “Background”") {
		t.Errorf("the field error is not shown: %q, summary %q", next, summaryItems(p))
	}
	if got := p.Doc.Find("#title").AttrOr("value", ""); got != mine.Title {
		t.Errorf("the form does not keep the title typed: %q", got)
	}
	if got := p.Doc.Find(`input[name="version"]`).AttrOr("value", ""); got != strconv.Itoa(newer.Version) {
		t.Errorf("the form carries version %q, want the newer %d", got, newer.Version)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, prop.ID); n != revisions {
		t.Errorf("%d revisions after the refused save, want %d", n, revisions)
	}
	// Corrected, on the version the form now carries, it saves.
	form.Set("answers.background", "Why, again.")
	form.Set("version", strconv.Itoa(newer.Version))
	if p = b.post(page+"/edit", page, form); p.Status != http.StatusSeeOther {
		t.Fatalf("the corrected save: %d %s", p.Status, p.problem())
	}
	newer.Version++
	revisions++

	// The API: the conflict before the field errors, with the newer proposal, its track and format.
	token, _ := apiToken(t, ta, owner)
	item := fmt.Sprintf("/api/v1/conferences/%s/proposals/%d", f.conf.Slug, prop.ID)
	body := func(version int, background string) string {
		return fmt.Sprintf(`{"format_id":%d,"track_id":%d,"title":"Bias, from the API","abstract":"An abstract.","version":%d,
			"answers":{"background":%s,"approach":"How.","outcomes":"What.","implications":"So what.","stage":"Completed"}}`,
			f.formats["Poster abstract"].ID, f.tracks[1].ID, version, background)
	}
	for _, c := range []struct{ what, background string }{
		{"an empty required answer", `""`},
		{"an answer that is a number", `12`},
	} {
		r := sendJSON(t, ta, http.MethodPut, item, token, body(prop.Version, c.background))
		wantProblem(t, "a stale save with "+c.what, r.apiResponse, http.StatusConflict, "conflict")
		wantContract(t, http.MethodPut, "/api/v1/conferences/:slug/proposals/:id", r.Status, r.Body)
		cur, _ := r.JSON["current"].(map[string]any)
		if cur["version"] != float64(newer.Version) || cur["track_id"] != float64(*newer.TrackID) ||
			cur["format_id"] != float64(newer.FormatID) || cur["title"] != mine.Title {
			t.Errorf("a stale save with %s: current %v", c.what, cur)
		}
		if fieldDetail(r.apiResponse, "answers.background") == "" {
			t.Errorf("a stale save with %s: no error for answers.background: %v", c.what, r.JSON["errors"])
		}
	}
	if n := count(t, ta, `SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, prop.ID); n != revisions {
		t.Errorf("%d revisions after the refused saves, want %d", n, revisions)
	}
	// On the version read, the same content is refused for its fields alone.
	r := sendJSON(t, ta, http.MethodPut, item, token, body(newer.Version, `""`))
	wantProblem(t, "an incomplete save", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
}

// TestStaleSubmitListsWhatElseStandsInTheWay: a co-presenter saved the draft while its owner had it
// open, and the owner's profile lacks a bio. Her "Save and submit" over the version she opened is told
// of the newer version first and, at once, of everything the submit would refuse as well: the title
// too long to save, the required answer she left empty, and her bio, in the summary and beside the
// fields. The submit of the version she read, from the proposal's page and through the API, is told
// the same of the version saved now. Nothing is saved, submitted or sent.
func TestStaleSubmitListsWhatElseStandsInTheWay(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	prop, owner, co := coPresented(t, ta, f, "Listening to patients' families", false)
	page := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, prop.ID)
	b := loggedIn(t, ta, owner)
	b.get(page + "/edit")

	// Jordan saves the next version, with one required answer left empty (a draft may).
	theirs := prop.Content()
	theirs.Abstract = "An abstract Jordan rewrote."
	theirs.Answers = question.Answers{"approach": {"How."}, "outcomes": {"What."}, "implications": {"So what."}, "stage": {"Completed"}}
	newer, _, err := ta.subs.Save(t.Context(), principalOf(t, ta, co), f.conf, prop.ID, prop.Version, theirs)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.db.SQL.Exec(`UPDATE users SET bio = '' WHERE email = $1`, owner); err != nil {
		t.Fatal(err)
	}
	revisions := count(t, ta, `SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, prop.ID)
	unchanged := func(what string) {
		t.Helper()
		if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND status = 'draft' AND version = $2`, prop.ID, newer.Version); n != 1 {
			t.Errorf("%s changed the proposal", what)
		}
		if n := count(t, ta, `SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, prop.ID); n != revisions {
			t.Errorf("%s: %d revisions, want %d", what, n, revisions)
		}
		if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE event_key LIKE $1`, fmt.Sprintf("proposal-receipt:%d:%%", prop.ID)); n != 0 {
			t.Errorf("%s: %d receipts queued", what, n)
		}
	}

	// The form, sent to be saved and submitted over the version opened.
	mine := prop.Content()
	mine.Title = strings.Repeat("Listening ", 21)
	form := posterForm(mine, prop.Version)
	form.Set("answers.background", "")
	form.Set("action", "submit")
	p := b.post(page+"/edit", page, form)
	if p.Status != http.StatusConflict {
		t.Fatalf("stale save and submit: %d %s", p.Status, p.problem())
	}
	if values, _ := newerPanel(p); values["Abstract"] != theirs.Abstract {
		t.Errorf("the panel does not show the newer version: %v", values)
	}
	lead := strings.TrimSpace(p.Doc.Find(".error-summary p").Text())
	if !strings.HasPrefix(lead, "Someone saved this proposal after you opened it") || !strings.Contains(lead, "It was not submitted either.") ||
		!strings.HasSuffix(lead, "Please correct the 2 highlighted fields, and follow the last link below for the other problem.") {
		t.Errorf("the summary's lead: %q", lead)
	}
	links := map[string]string{}
	p.Doc.Find(".error-summary li a").Each(func(_ int, a *goquery.Selection) { links[strings.TrimSpace(a.Text())] = a.AttrOr("href", "") })
	want := map[string]string{"#title": "The title is", "#answers.background": "Answer “Background”", "/account/profile?next=" + page: "a short bio"}
	for href, text := range want {
		found := false
		for msg, h := range links {
			found = found || h == href && strings.Contains(msg, text)
		}
		if !found {
			t.Errorf("the summary does not link %q to %s: %v", text, href, links)
		}
	}
	if len(links) != 3 {
		t.Errorf("the summary lists %d problems, want 3: %v", len(links), links)
	}
	if !strings.Contains(p.fieldError("title"), "The title is") || !strings.Contains(p.Doc.Find(`[id="answers.background-error"]`).Text(), "Answer “Background”") {
		t.Errorf("the problems are not beside their fields: %q, %q", p.fieldError("title"), p.Doc.Find(`[id="answers.background-error"]`).Text())
	}
	if got := p.Doc.Find("#title").AttrOr("value", ""); got != mine.Title {
		t.Errorf("the form does not keep the title typed: %q", got)
	}
	if got := p.Doc.Find(`input[name="version"]`).AttrOr("value", ""); got != strconv.Itoa(newer.Version) {
		t.Errorf("the form carries version %q, want the newer %d", got, newer.Version)
	}
	unchanged("the stale save and submit")

	// The proposal's own Submit, sent from a page opened before Jordan's save.
	p = b.post(page, page+"/submit", url.Values{"version": {strconv.Itoa(prop.Version)}})
	if p.Status != http.StatusConflict || !strings.HasPrefix(p.problem(), "Someone saved this proposal after you opened this page, so it was not submitted.") ||
		!strings.Contains(summaryItems(p), "Answer “Background”") || !strings.Contains(summaryItems(p), "a short bio") {
		t.Errorf("a stale submit from the proposal's page: %d %q", p.Status, summaryItems(p))
	}
	unchanged("the stale submit from the page")

	// The API's submit of the version read.
	token, _ := apiToken(t, ta, owner)
	r := sendJSON(t, ta, http.MethodPost, fmt.Sprintf("/api/v1/conferences/%s/proposals/%d/submit", f.conf.Slug, prop.ID), token,
		fmt.Sprintf(`{"version":%d}`, prop.Version))
	wantProblem(t, "a stale submit", r.apiResponse, http.StatusConflict, "conflict")
	wantContract(t, http.MethodPost, "/api/v1/conferences/:slug/proposals/:id/submit", r.Status, r.Body)
	if cur, _ := r.JSON["current"].(map[string]any); cur["version"] != float64(newer.Version) || cur["abstract"] != theirs.Abstract {
		t.Errorf("a stale submit: current %v", r.JSON["current"])
	}
	if fieldDetail(r.apiResponse, "answers.background") == "" || fieldDetail(r.apiResponse, "profile.bio") == "" || fieldDetail(r.apiResponse, "title") != "" {
		t.Errorf("a stale submit: errors %v", r.JSON["errors"])
	}
	if d, _ := r.JSON["detail"].(string); !strings.Contains(d, "fields named in errors") && !strings.Contains(d, "field named in errors") {
		t.Errorf("a stale submit: detail %q", d)
	}
	unchanged("the stale submit through the API")
}
