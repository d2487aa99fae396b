package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// text is the text of a selection with its spaces collapsed.
func text(s *goquery.Selection) string { return strings.Join(strings.Fields(s.Text()), " ") }

// TestFormatFieldKinds: a format's table of fields names each field's kind as people read it, not
// by its code.
func TestFormatFieldKinds(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	b := loggedIn(t, ta, f.organizer)
	p := b.get(fmt.Sprintf("/c/%s/manage/formats/%d", f.conf.Slug, f.formats["Workshop"].ID))
	if p.Status != http.StatusOK {
		t.Fatalf("the format's page: %d", p.Status)
	}
	var kinds []string
	p.Doc.Find("table tbody tr").Each(func(_ int, tr *goquery.Selection) { kinds = append(kinds, text(tr.Find("td").Eq(1))) })
	got := strings.Join(kinds, ", ")
	for _, want := range []string{"Long text", "Multiple choice", "Single choice"} {
		if !strings.Contains(got, want) {
			t.Errorf("the Kind column lacks %q: %q", want, got)
		}
	}
	if strings.Contains(got, "_") {
		t.Errorf("the Kind column shows a code: %q", got)
	}
}

// TestProposalsExportSaysItsZone: the export's moments are in the conference's time zone, named in
// their headers, as dates a spreadsheet reads; the status is worded as the list words it.
func TestProposalsExportSaysItsZone(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	_, email := presenter(t, ta, "Zoe Zone")
	prop := submitPosterAs(t, ta, f, email, "Time zones in the curriculum")
	b := loggedIn(t, ta, f.organizer)
	r := send(t, ta, http.MethodGet, "/c/"+f.conf.Slug+"/manage/proposals.csv", nil, "Cookie", cookieHeader(b))
	if r.Status != http.StatusOK || !strings.HasPrefix(r.Body, "\ufeffID,Status,") || !strings.Contains(r.Body, "\r\n") {
		t.Fatalf("export: %d %.60q", r.Status, r.Body)
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("export: %d rows, %v", len(rows), err)
	}
	col := map[string]int{}
	for i, h := range rows[0] {
		col[h] = i
	}
	for _, h := range []string{"Created (America/New_York)", "Submitted (America/New_York)", "Last saved (America/New_York)", "Deadline (America/New_York)"} {
		if _, ok := col[h]; !ok {
			t.Errorf("no column %q in %q", h, rows[0])
		}
	}
	row := rows[1]
	if got := row[col["Status"]]; got != "Submitted" {
		t.Errorf("the status reads %q, want Submitted", got)
	}
	want := prop.SubmittedAt.In(f.conf.Location()).Format("2006-01-02 15:04")
	if got := row[col["Submitted (America/New_York)"]]; got != want {
		t.Errorf("submitted at %q, want %q (New York time, as a spreadsheet reads a date)", got, want)
	}
	call, _ := ta.calls.Call(context.Background(), f.conf)
	if got, want := row[col["Deadline (America/New_York)"]], call.ClosesAt.In(f.conf.Location()).Format("2006-01-02 15:04"); got != want {
		t.Errorf("the deadline %q, want the call's close %q", got, want)
	}
}

// TestOneProposalIsOne: lists of proposals say "1 proposal", not "1 proposals".
func TestOneProposalIsOne(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	_, email := presenter(t, ta, "Una Single")
	submitPosterAs(t, ta, f, email, "A single proposal")
	b := loggedIn(t, ta, f.organizer)
	base := "/c/" + f.conf.Slug + "/manage"
	p := b.get(base + "/proposals")
	if got := text(p.Doc.Find("main p[role=status]")); !strings.HasPrefix(got, "Showing 1 proposal.") {
		t.Errorf("the list says %q", got)
	}
	if got := text(p.Doc.Find("main > p").Eq(1)); got != "1 submitted, 0 drafts, 0 withdrawn." {
		t.Errorf("the counts say %q", got)
	}
	p = b.get(base + "/assignments")
	if got := text(p.Doc.Find("main > p").Eq(1)); !strings.HasPrefix(got, "1 submitted proposal, 0 reviewers; 1 proposal has fewer reviewers") {
		t.Errorf("the assignments say %q (%d)", got, p.Status)
	}
}

// TestCheckboxesAreNotOptional: a checkbox left unticked answers "no", so its label never says
// "(optional)"; one that must be ticked says it is required.
func TestCheckboxesAreNotOptional(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	b := loggedIn(t, ta, f.organizer)
	narrative := f.formats["Personal narrative"]
	fpage := fmt.Sprintf("/c/%s/manage/formats/%d", f.conf.Slug, narrative.ID)
	label := func(p page, id string) string { return text(p.Doc.Find(`label[for="` + id + `"]`)) }
	p := b.get(fpage)
	if got := label(p, "accepting"); got != "Accepting new proposals" {
		t.Errorf("the format's checkbox: %q", got)
	}
	if got := label(b.get(fpage+"/fields/new"), "required"); got != "An answer is required to submit" {
		t.Errorf("the field's checkbox: %q", got)
	}
	version, _ := p.Doc.Find(`input[name="version"]`).Attr("value")
	if p = b.post(fpage+"/fields/new", fpage+"/fields", url.Values{"version": {version}, "label": {"I agree to be recorded"}, "kind": {"checkbox"},
		"required": {"yes"}, "id": {"recorded"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("add a required checkbox: %d %s", p.Status, p.problem())
	}
	_, email := presenter(t, ta, "Cora Checkbox")
	p = loggedIn(t, ta, email).get(fmt.Sprintf("/c/%s/proposals/new?format=%d", f.conf.Slug, narrative.ID))
	if got := label(p, "answers.support"); p.Status != http.StatusOK || got != "I would like to talk my narrative through with an organizer before the conference" {
		t.Errorf("a submitter's checkbox: %d %q", p.Status, got)
	}
	if got := label(p, "answers.recorded"); got != "I agree to be recorded (required)" {
		t.Errorf("a submitter's required checkbox: %q", got)
	}
}

// TestQuestionLimitsWordedForEachClient: the field form and the API word a choice's options and
// the word limit as each takes them; the form's hint and its error say the same.
func TestQuestionLimitsWordedForEachClient(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	b := loggedIn(t, ta, f.organizer)
	fpage := fmt.Sprintf("/c/%s/manage/formats/%d", f.conf.Slug, f.formats["Workshop"].ID)
	p := b.get(fpage + "/fields/new")
	if got := text(p.Doc.Find("#max_words-hint")); !strings.Contains(got, "leave empty for no limit") {
		t.Errorf("the word limit's hint: %q", got)
	}
	version, _ := p.Doc.Find(`input[name="version"]`).Attr("value")
	p = b.post(fpage+"/fields/new", fpage+"/fields", url.Values{"version": {version}, "label": {"Notes"}, "kind": {"long_text"}, "max_words": {"5000"}})
	if got := p.fieldError("max_words"); got != "Set a word limit between 1 and 3000, or leave it empty for no limit." {
		t.Errorf("the form's word limit: %d %q", p.Status, got)
	}
	p = b.post(fpage+"/fields/new", fpage+"/fields", url.Values{"version": {version}, "label": {"Level"}, "kind": {"single_choice"}, "options": {"Only one"}})
	if got := p.fieldError("options"); got != "Give at least two options, one per line." {
		t.Errorf("the form's options: %d %q", p.Status, got)
	}

	token, _ := apiToken(t, ta, f.organizer)
	r := sendJSON(t, ta, http.MethodPost, "/api/v1/conferences/"+f.conf.Slug+"/manage/formats", token, `{"name": "Panel", "duration_minutes": 60,
		"max_presenters": 4, "abstract_max_words": 200, "accepting": true, "fields": [
		{"id": "level", "label": "Level", "kind": "single_choice", "options": ["Only one"]},
		{"id": "notes", "label": "Notes", "kind": "long_text", "max_words": 5000}]}`)
	if got := fieldDetail(r.apiResponse, "fields.0.options"); got != "Give at least two options in the list of options." {
		t.Errorf("the API's options: %d %q %v", r.Status, got, r.JSON)
	}
	if got := fieldDetail(r.apiResponse, "fields.1.max_words"); got != "Set a word limit between 1 and 3000, or 0 for no limit." {
		t.Errorf("the API's word limit: %d %q", r.Status, got)
	}
}

// TestOrganizerInputsSayTheirBounds: the call's times name the hint that gives their zone, and the
// numbers of formats and fields carry the bounds the server holds them to.
func TestOrganizerInputsSayTheirBounds(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	b := loggedIn(t, ta, f.organizer)
	base := "/c/" + f.conf.Slug + "/manage"
	p := b.get(base + "/call")
	hint := p.Doc.Find("#call-times-hint")
	if !strings.Contains(hint.Text(), "America/New_York") {
		t.Errorf("the call's time-zone hint: %q", hint.Text())
	}
	for _, id := range []string{"opens_at", "closes_at"} {
		if d, _ := p.Doc.Find("#" + id).Attr("aria-describedby"); !slices.Contains(strings.Fields(d), "call-times-hint") {
			t.Errorf("%s is described by %q", id, d)
		}
	}
	fpage := fmt.Sprintf("%s/formats/%d", base, f.formats["Workshop"].ID)
	bounds := func(p page, id string) string {
		lo, _ := p.Doc.Find("#" + id).Attr("min")
		hi, _ := p.Doc.Find("#" + id).Attr("max")
		return lo + "–" + hi
	}
	p = b.get(fpage)
	for id, want := range map[string]string{"duration_minutes": "5–480", "max_presenters": "1–20", "abstract_max_words": "20–3000"} {
		if got := bounds(p, id); got != want {
			t.Errorf("%s: bounds %q, want %q", id, got, want)
		}
	}
	if got := bounds(b.get(fpage+"/fields/new"), "max_words"); got != "0–3000" {
		t.Errorf("a field's word limit: bounds %q", got)
	}
}

// TestEditedFieldShowsItsID: a field's page shows the id that names its answers in the API, which
// cannot change.
func TestEditedFieldShowsItsID(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	b := loggedIn(t, ta, f.organizer)
	p := b.get(fmt.Sprintf("/c/%s/manage/formats/%d/fields/objectives", f.conf.Slug, f.formats["Workshop"].ID))
	in := p.Doc.Find("#field-id")
	v, _ := in.Attr("value")
	_, readonly := in.Attr("readonly")
	_, named := in.Attr("name")
	if p.Status != http.StatusOK || v != "objectives" || !readonly || named {
		t.Errorf("the field's id: %d value %q, read-only %v, sent %v", p.Status, v, readonly, named)
	}
	if got := text(p.Doc.Find(`label[for="field-id"]`)); got != "Field id" {
		t.Errorf("the id's label: %q", got)
	}
}

// TestGuideDropsScriptText: the guide and the FAQ leave out raw HTML with what a script or style
// holds, and the call's form says that HTML is removed.
func TestGuideDropsScriptText(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	b := loggedIn(t, ta, f.organizer)
	base := "/c/" + f.conf.Slug + "/manage"
	p := b.get(base + "/call")
	for _, id := range []string{"guide_md", "faq_md"} {
		if got := text(p.Doc.Find("#" + id + "-hint")); !strings.Contains(got, "HTML tags are removed.") {
			t.Errorf("the hint of %s: %q", id, got)
		}
	}
	version, _ := p.Doc.Find(`input[name="version"]`).Attr("value")
	opens, _ := p.Doc.Find("#opens_at").Attr("value")
	closes, _ := p.Doc.Find("#closes_at").Attr("value")
	if p = b.post(base+"/call", base+"/call", url.Values{"version": {version}, "opens_at": {opens}, "closes_at": {closes},
		"guide_md": {"# Tracks\n\nRead <script>alert(2)</script> this.\n\n<style>body{display:none}</style>\n\nThe end."},
		"faq_md":   {"# Can I?\n\nYes <noscript>alert(3)</noscript> you can."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("save the call: %d %s %s", p.Status, p.problem(), summaryItems(p))
	}
	guide := text(b.get("/c/" + f.conf.Slug + "/guide").Doc.Find("main"))
	if strings.Contains(guide, "alert(2)") || strings.Contains(guide, "display:none") || !strings.Contains(guide, "Read this.") || !strings.Contains(guide, "The end.") {
		t.Errorf("the guide: %q", guide)
	}
	faq := text(b.get("/c/" + f.conf.Slug + "/faq").Doc.Find("main"))
	if strings.Contains(faq, "alert(3)") || !strings.Contains(faq, "Yes you can.") {
		t.Errorf("the FAQ: %q", faq)
	}
}

// TestTrackConfirmationsNameIt: saving and deleting a track say which track, by its saved name.
func TestTrackConfirmationsNameIt(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	b := loggedIn(t, ta, f.organizer)
	tracks := "/c/" + f.conf.Slug + "/manage/tracks"
	if p := b.post(tracks, tracks, url.Values{"name": {"  Wellbeing  "}}); p.Status != http.StatusSeeOther {
		t.Fatalf("add a track: %d %s", p.Status, p.problem())
	}
	if got := text(b.get(tracks).Doc.Find(".flash")); got != "The track “Wellbeing” is saved." {
		t.Errorf("after saving: %q", got)
	}
	all, _ := ta.calls.Tracks(context.Background(), f.conf)
	last := all[len(all)-1]
	if p := b.post(tracks, fmt.Sprintf("%s/%d/delete", tracks, last.ID), url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("delete the track: %d %s", p.Status, p.problem())
	}
	if got := text(b.get(tracks).Doc.Find(".flash")); got != "The track “Wellbeing” is deleted." {
		t.Errorf("after deleting: %q", got)
	}
}
