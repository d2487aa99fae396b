package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/question"
)

// completeBody is a proposal of format f with every question answered, as the API takes it.
func completeBody(f cfp.Format, track int64, title string, version int) string {
	answers := map[string]any{}
	for _, q := range f.Fields {
		switch q.Kind {
		case question.SingleChoice:
			answers[q.ID] = q.Options[0]
		case question.MultipleChoice:
			answers[q.ID] = []string{q.Options[0]}
		case question.Checkbox:
			answers[q.ID] = true
		default:
			answers[q.ID] = "An answer of a few words."
		}
	}
	b, _ := json.Marshal(map[string]any{"format_id": f.ID, "track_id": track, "title": title, "version": version,
		"abstract": "How a residency program rewrote its evaluations with its residents.", "answers": answers})
	return string(b)
}

// answerAll answers every question of format f in form, as the proposal form sends them.
func answerAll(form url.Values, f cfp.Format) {
	for _, q := range f.Fields {
		switch q.Kind {
		case question.SingleChoice, question.MultipleChoice:
			form.Set("answers."+q.ID, q.Options[0])
		case question.Checkbox:
			form.Set("answers."+q.ID, "yes")
		default:
			form.Set("answers."+q.ID, "An answer of a few words.")
		}
	}
}

// TestASubmittedProposalChangesOnlyToAFormatItsPresentersFit: a submitted proposal must stay one
// that could be submitted, so a change to a format that allows fewer presenters than it has
// (invitations included) is refused on the format, with nothing saved, on the API and on the form;
// a draft may change (its submit says what to remove), and a format they fit is taken.
func TestASubmittedProposalChangesOnlyToAFormatItsPresentersFit(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/api/v1/conferences/" + f.conf.Slug
	_, email := presenter(t, ta, "Bola Ade")
	token, _ := apiToken(t, ta, email)
	poster, narrative := f.formats["Poster abstract"], f.formats["Personal narrative"]
	if narrative.MaxPresenters != 2 || poster.MaxPresenters < 3 {
		t.Fatalf("the fixture's formats: a poster for %d, a narrative for %d", poster.MaxPresenters, narrative.MaxPresenters)
	}
	r := sendJSON(t, ta, http.MethodPost, base+"/proposals", token, completeBody(poster, f.tracks[0].ID, "Evaluations rewritten", 0))
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %v", r.Status, r.JSON)
	}
	id := int64(r.JSON["proposal"].(map[string]any)["id"].(float64))
	item := fmt.Sprintf("%s/proposals/%d", base, id)
	for _, who := range []string{"carol", "dele"} {
		if r = sendJSON(t, ta, http.MethodPost, item+"/presenters", token, fmt.Sprintf(`{"name":%q,"email":%q}`, who, uniqueEmail(who))); r.Status != http.StatusCreated {
			t.Fatalf("invite %s: %d %v", who, r.Status, r.JSON)
		}
	}
	if r = sendJSON(t, ta, http.MethodPost, item+"/submit", token, ""); r.Status != http.StatusOK {
		t.Fatalf("submit: %d %v", r.Status, r.JSON)
	}
	version := int(r.JSON["proposal"].(map[string]any)["version"].(float64))

	r = sendJSON(t, ta, http.MethodPut, item, token, completeBody(narrative, f.tracks[0].ID, "Evaluations rewritten", version))
	wantProblem(t, "a submitted proposal of three presenters made a narrative", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if d := fieldDetail(r.apiResponse, "format_id"); d != "A proposal of the format “Personal narrative” has at most 2 presenters, and this one has 3 (invitations included). Remove 1, or keep its format." {
		t.Errorf("the refusal: %q (%v)", d, r.JSON["errors"])
	}
	var format int64
	var v int
	if err := ta.db.SQL.QueryRow(`SELECT format_id, version FROM proposals WHERE id = $1`, id).Scan(&format, &v); err != nil || format != poster.ID || v != version {
		t.Errorf("after the refusal the proposal is of format %d at version %d (%v), want %d at %d", format, v, err, poster.ID, version)
	}

	// The form says it next to the format, with what was typed kept.
	b := loggedIn(t, ta, email)
	page := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, id)
	form := url.Values{"version": {strconv.Itoa(version)}, "format_id": {strconv.FormatInt(narrative.ID, 10)}, "track_id": {strconv.FormatInt(f.tracks[0].ID, 10)},
		"title": {"Evaluations rewritten, told"}, "abstract": {"How a residency program rewrote its evaluations with its residents."}, "action": {"save"}}
	answerAll(form, narrative)
	p := b.post(page+"/edit", page, form)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldError("format_id"), "has at most 2 presenters, and this one has 3") {
		t.Errorf("the form changing the format: %d %q %s", p.Status, p.fieldError("format_id"), summaryItems(p))
	}
	if got, _ := p.Doc.Find(`input[name="title"]`).Attr("value"); got != "Evaluations rewritten, told" {
		t.Errorf("the title typed is not kept: %q", got)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND format_id = $2 AND version = $3`, id, poster.ID, version); n != 1 {
		t.Error("the form's refused change was saved")
	}

	// A draft may change: its page says how many presenters to remove before it is submitted.
	r = sendJSON(t, ta, http.MethodPost, base+"/proposals", token, completeBody(poster, f.tracks[0].ID, "A draft of three", 0))
	draft := int64(r.JSON["proposal"].(map[string]any)["id"].(float64))
	ditem := fmt.Sprintf("%s/proposals/%d", base, draft)
	for _, who := range []string{"efe", "funmi"} {
		if r = sendJSON(t, ta, http.MethodPost, ditem+"/presenters", token, fmt.Sprintf(`{"name":%q,"email":%q}`, who, uniqueEmail(who))); r.Status != http.StatusCreated {
			t.Fatalf("invite %s: %d %v", who, r.Status, r.JSON)
		}
	}
	if r = sendJSON(t, ta, http.MethodPut, ditem, token, completeBody(narrative, f.tracks[0].ID, "A draft of three", 1)); r.Status != http.StatusOK {
		t.Fatalf("a draft of three presenters made a narrative: %d %v", r.Status, r.JSON)
	}
	dp := b.get(fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, draft))
	if got := text(dp.Doc.Find("#presenters-full")); got != "The proposal has 3 presenters, invitations included: 1 presenter more than a personal narrative allows. Remove 1 before submitting." {
		t.Errorf("a draft over its format's limit: %q", got)
	}

	// One invitation declined, the three presenters are two, and the narrative takes them.
	if _, err := ta.db.SQL.Exec(`UPDATE proposal_presenters SET status = 'declined' WHERE proposal_id = $1 AND NOT is_owner AND id = (
		SELECT max(id) FROM proposal_presenters WHERE proposal_id = $1)`, id); err != nil {
		t.Fatal(err)
	}
	r = sendJSON(t, ta, http.MethodPut, item, token, completeBody(narrative, f.tracks[0].ID, "Evaluations rewritten", version))
	if r.Status != http.StatusOK || r.JSON["proposal"].(map[string]any)["format_id"] != float64(narrative.ID) {
		t.Errorf("a change to a format the presenters fit: %d %v", r.Status, r.JSON)
	}
}

// TestAnotherFormatsQuestionsBeforeTheSave: on a submitted proposal's form, choosing another format
// and asking for its questions shows them, with what was typed and nothing saved; answered, the
// change is saved in one go. The Enter key, whose default is that first button, saves as Save does
// while the format is unchanged.
func TestAnotherFormatsQuestionsBeforeTheSave(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	_, email := presenter(t, ta, "Bola Ade")
	poster, narrative := f.formats["Poster abstract"], f.formats["Personal narrative"]
	prop := submitPosterAs(t, ta, f, email, "Evaluations rewritten")
	b := loggedIn(t, ta, email)
	page := fmt.Sprintf("/c/%s/proposals/%d", f.conf.Slug, prop.ID)
	edit := b.get(page + "/edit")
	if edit.Doc.Find(`form button[name="action"][value="format"]`).Length() != 1 {
		t.Fatal("the form offers no way to see another format's questions")
	}
	form := url.Values{"version": {strconv.Itoa(prop.Version)}, "format_id": {strconv.FormatInt(narrative.ID, 10)},
		"shown_format_id": {strconv.FormatInt(poster.ID, 10)}, "track_id": {strconv.FormatInt(f.tracks[0].ID, 10)},
		"title": {"Evaluations rewritten, told"}, "abstract": {"How a residency program rewrote its evaluations."}, "action": {"format"}}
	for _, q := range poster.Fields {
		form["answers."+q.ID] = prop.Answers[q.ID]
	}
	p := b.post(page+"/edit", page, form)
	if p.Status != http.StatusOK || !strings.HasPrefix(text(p.Doc.Find(".flash")), "These are the questions of the format “Personal narrative”") {
		t.Fatalf("the narrative's questions: %d %q %s", p.Status, text(p.Doc.Find(".flash")), p.problem())
	}
	if got, _ := p.Doc.Find(`input[name="title"]`).Attr("value"); got != "Evaluations rewritten, told" {
		t.Errorf("the title typed: %q", got)
	}
	for _, q := range narrative.Fields {
		if p.Doc.Find(`[name="answers.`+q.ID+`"]`).Length() == 0 {
			t.Errorf("the narrative's question %q is not on the form", q.Label)
		}
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND format_id = $2 AND version = $3`, prop.ID, poster.ID, prop.Version); n != 1 {
		t.Error("showing another format's questions saved the proposal")
	}
	// Answered, saved in one go.
	form.Set("action", "save")
	answerAll(form, narrative)
	if p = b.post(page+"/edit", page, form); p.Status != http.StatusSeeOther {
		t.Fatalf("the change saved: %d %s %v", p.Status, p.problem(), summaryItems(p))
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND format_id = $2 AND status = 'submitted'`, prop.ID, narrative.ID); n != 1 {
		t.Error("the proposal is not a submitted narrative")
	}
	// The format unchanged, the same button saves.
	form.Set("action", "format")
	form.Set("version", strconv.Itoa(prop.Version+1))
	form.Set("shown_format_id", strconv.FormatInt(narrative.ID, 10))
	form.Set("title", "Evaluations rewritten, told again")
	if p = b.post(page+"/edit", page, form); p.Status != http.StatusSeeOther {
		t.Fatalf("Enter in the title: %d %s", p.Status, p.problem())
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND title = 'Evaluations rewritten, told again'`, prop.ID); n != 1 {
		t.Error("Enter in the title did not save")
	}
}
