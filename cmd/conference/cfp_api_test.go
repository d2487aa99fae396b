package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestProposalAPI drives the call and proposals through /api/v1: the public call, drafts with an
// idempotency key, stale saves, submission with everything missing said at once, co-presenters, the
// organizers' list and export, and their changes to the call.
func TestProposalAPI(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/api/v1/conferences/" + f.conf.Slug
	u, email := presenter(t, ta, "Amina Yusuf")
	token, _ := apiToken(t, ta, email)

	r := sendJSON(t, ta, http.MethodGet, base+"/call", "", "")
	formats, _ := r.JSON["formats"].([]any)
	if r.Status != http.StatusOK || r.JSON["state"] != "open" || len(formats) != 4 {
		t.Fatalf("GET call: %d %v", r.Status, r.JSON)
	}
	if closes, _ := r.JSON["closes_at"].(string); !strings.HasSuffix(closes, "-04:00") && !strings.HasSuffix(closes, "-05:00") {
		t.Errorf("closes_at %q is not in New York time", closes)
	}
	ws := f.formats["Workshop"]
	poster := f.formats["Poster abstract"]

	// Creating: the caller must be known, the body readable, each answer of a known shape.
	wantProblem(t, "create without a token", sendJSON(t, ta, http.MethodPost, base+"/proposals", "", `{}`).apiResponse, http.StatusUnauthorized, "unauthenticated")
	wantProblem(t, "create with broken JSON", sendJSON(t, ta, http.MethodPost, base+"/proposals", token, `{"format_id":`).apiResponse, http.StatusBadRequest, "malformed")
	// Bodies out of the usual shape are read, and refused, field by field as any other body is.
	for _, c := range []struct {
		name, body  string
		status      int
		code, field string
	}{
		{"an unknown field", fmt.Sprintf(`{"format_id":%d,"colour":"red"}`, ws.ID), http.StatusBadRequest, "malformed", "colour"},
		{"a fraction for the format", `{"format_id":1.5}`, http.StatusUnprocessableEntity, "invalid", "format_id"},
		{"a string for the version", fmt.Sprintf(`{"format_id":%d,"version":"2"}`, ws.ID), http.StatusUnprocessableEntity, "invalid", "version"},
		{"two objects", fmt.Sprintf(`{"format_id":%d} {}`, ws.ID), http.StatusBadRequest, "malformed", ""},
	} {
		r := sendJSON(t, ta, http.MethodPost, base+"/proposals", token, c.body)
		wantProblem(t, "create with "+c.name, r.apiResponse, c.status, c.code)
		if c.field != "" && fieldDetail(r.apiResponse, c.field) == "" {
			t.Errorf("create with %s: no error for the field %s: %v", c.name, c.field, r.JSON)
		}
	}
	r = sendJSON(t, ta, http.MethodPost, base+"/proposals", token,
		fmt.Sprintf(`{"format_id":%d,"title":"The \"hidden\" curriculum \u2014 again","answers":{"background":"Race was \"taught\"."}}`, poster.ID))
	if p, _ := r.JSON["proposal"].(map[string]any); r.Status != http.StatusCreated || p["title"] != `The "hidden" curriculum — again` ||
		!strings.Contains(fmt.Sprint(p["answers"]), `Race was "taught".`) {
		t.Errorf("create with escaped text: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPost, base+"/proposals", token, fmt.Sprintf(`{"format_id":%d,"answers":{"size":12}}`, ws.ID))
	wantProblem(t, "an answer that is a number", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if fieldDetail(r.apiResponse, "answers.size") == "" {
		t.Errorf("no field error for answers.size: %v", r.JSON)
	}
	// Mistakes of every kind are said at once: a list for one answer, a question not asked, and a
	// box ticked with a word.
	narrative := f.formats["Personal narrative"]
	r = sendJSON(t, ta, http.MethodPost, base+"/proposals", token, fmt.Sprintf(`{"format_id":%d,"answers":{"content_notes":["a","b"],"bogus":"x","support":"maybe"}}`, narrative.ID))
	for _, field := range []string{"answers.content_notes", "answers.bogus", "answers.support"} {
		if fieldDetail(r.apiResponse, field) == "" {
			t.Errorf("three mistakes at once: no error for %s: %d %v", field, r.Status, r.JSON["errors"])
		}
	}
	r = sendJSON(t, ta, http.MethodPost, base+"/proposals", token, fmt.Sprintf(`{"format_id":%d,"answers":{"size":"Up to a thousand"}}`, ws.ID))
	if !strings.Contains(fieldDetail(r.apiResponse, "answers.size"), "not one of the options") {
		t.Errorf("a choice not offered: %v", r.JSON)
	}
	body := fmt.Sprintf(`{"format_id":%d,"title":"Naming racism in the curriculum","abstract":%q}`, poster.ID, strings.Repeat("word ", 260))
	first := send(t, ta, http.MethodPost, base+"/proposals", strings.NewReader(body), "Content-Type", "application/json",
		"Authorization", "Bearer "+token, "Idempotency-Key", "poster-1")
	again := send(t, ta, http.MethodPost, base+"/proposals", strings.NewReader(body), "Content-Type", "application/json",
		"Authorization", "Bearer "+token, "Idempotency-Key", "poster-1")
	prop, _ := first.JSON["proposal"].(map[string]any)
	prop2, _ := again.JSON["proposal"].(map[string]any)
	if first.Status != http.StatusCreated || prop["status"] != "draft" || prop["id"] != prop2["id"] {
		t.Fatalf("create twice with one key: %d %v / %v", first.Status, prop["id"], prop2["id"])
	}
	id := int64(prop["id"].(float64))
	item := fmt.Sprintf("%s/proposals/%d", base, id)
	// The key with another body is not a retry: refused, and no proposal made.
	reused := send(t, ta, http.MethodPost, base+"/proposals", strings.NewReader(fmt.Sprintf(`{"format_id":%d,"title":"Another"}`, poster.ID)),
		"Content-Type", "application/json", "Authorization", "Bearer "+token, "Idempotency-Key", "poster-1")
	if reused.Status != http.StatusUnprocessableEntity || !strings.Contains(fmt.Sprint(reused.JSON["detail"]), "was used for another request") {
		t.Errorf("a key used again with another body: %d %v", reused.Status, reused.JSON)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE title = 'Another' AND conference_id = $1`, f.conf.ID); n != 0 {
		t.Errorf("%d proposals made under a key used before", n)
	}
	// Read back, a draft says what keeps it from being submitted, as its page does.
	shown := send(t, ta, http.MethodGet, item, nil, "Authorization", "Bearer "+token)
	wantContract(t, http.MethodGet, "/api/v1/conferences/:slug/proposals/:id", shown.Status, shown.Body)
	if problems := fmt.Sprint(shown.JSON["problems"]); shown.Status != http.StatusOK || !strings.Contains(problems, "field:abstract") ||
		!strings.Contains(problems, "the limit is 250") || !strings.Contains(problems, "field:track_id") || shown.JSON["warnings"] == nil {
		t.Errorf("a draft read back: %d %v", shown.Status, shown.JSON)
	}

	// Saving: the version read is required; an older one is a conflict that shows the newer proposal.
	r = sendJSON(t, ta, http.MethodPut, item, token, fmt.Sprintf(`{"format_id":%d,"title":"x"}`, poster.ID))
	wantProblem(t, "save without a version", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	full := fmt.Sprintf(`{"format_id":%d,"track_id":%d,"title":"Naming racism in the curriculum","version":%%d,
		"abstract":"Amina Yusuf and a student team reviewed every lecture for race-based medicine.",
		"answers":{"background":"Race was taught as biology.","approach":"A review of 120 lectures.","outcomes":"Forty were revised.",
		"implications":"Others can use our checklist.","stage":"Completed"}}`, poster.ID, f.tracks[0].ID)
	r = sendJSON(t, ta, http.MethodPut, item, token, fmt.Sprintf(full, 1))
	res, _ := r.JSON["proposal"].(map[string]any)
	warns, _ := r.JSON["warnings"].([]any)
	if r.Status != http.StatusOK || res["version"] != float64(2) || len(warns) == 0 {
		t.Fatalf("save: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, item, token, strings.Replace(fmt.Sprintf(full, 1), "Forty", "Fifty", 1))
	wantProblem(t, "a stale save", r.apiResponse, http.StatusConflict, "conflict")
	if cur, _ := r.JSON["current"].(map[string]any); cur["version"] != float64(2) || !strings.Contains(fmt.Sprint(cur["answers"]), "Forty were revised") {
		t.Errorf("the conflict does not carry the newer proposal: %v", r.JSON["current"])
	}
	if r = sendJSON(t, ta, http.MethodPut, item, token, fmt.Sprintf(full, 1)); r.Status != http.StatusOK {
		t.Errorf("the same save again: %d %v", r.Status, r.JSON)
	}

	// Someone else's proposal does not exist.
	_, otherEmail := presenter(t, ta, "Other Person")
	other, _ := apiToken(t, ta, otherEmail)
	for _, call := range []struct{ method, path, body string }{
		{http.MethodGet, item, ""}, {http.MethodPut, item, fmt.Sprintf(full, 2)}, {http.MethodPost, item + "/submit", ""},
		{http.MethodPost, item + "/withdraw", ""}, {http.MethodGet, item + "/revisions", ""},
	} {
		wantProblem(t, call.method+" "+call.path+" by a stranger", sendJSON(t, ta, call.method, call.path, other, call.body).apiResponse, http.StatusNotFound, "not_found")
	}

	// Submitting a workshop with everything missing lists every problem, the profile's too.
	bare := newUser(t, ta, uniqueEmail("bare"), "Bare Profile")
	bareToken, _ := apiToken(t, ta, bare.Email)
	r = sendJSON(t, ta, http.MethodPost, base+"/proposals", bareToken, fmt.Sprintf(`{"format_id":%d}`, ws.ID))
	wid := int64(r.JSON["proposal"].(map[string]any)["id"].(float64))
	r = sendJSON(t, ta, http.MethodPost, fmt.Sprintf("%s/proposals/%d/submit", base, wid), bareToken, "")
	wantProblem(t, "submit an empty workshop", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	for _, field := range []string{"title", "track_id", "abstract", "answers.objectives", "answers.plan", "answers.audience", "answers.size",
		"answers.accessibility", "profile.participant_role", "profile.institution", "profile.bio"} {
		if fieldDetail(r.apiResponse, field) == "" {
			t.Errorf("submit: no error for %s", field)
		}
	}

	// Submitting the poster, twice: one receipt.
	for range 2 {
		r = sendJSON(t, ta, http.MethodPost, item+"/submit", token, `{"version":2}`)
		if r.Status != http.StatusOK || r.JSON["proposal"].(map[string]any)["status"] != "submitted" {
			t.Fatalf("submit: %d %v", r.Status, r.JSON)
		}
	}
	ta.waitMail(email, "Received: Naming racism in the curriculum")
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1 AND subject LIKE 'Received:%'`, email); n != 1 {
		t.Errorf("%d receipts", n)
	}
	r = sendJSON(t, ta, http.MethodGet, item+"/revisions", token, "")
	if revs, _ := r.JSON["revisions"].([]any); len(revs) != 3 {
		t.Errorf("%d revisions, want 3 (created, saved, submitted)", len(revs))
	}

	// A co-presenter through the API: both wrong fields named at once, then the right ones.
	r = sendJSON(t, ta, http.MethodPost, item+"/presenters", token, `{"email":"not an address"}`)
	wantProblem(t, "invite without a name, with a bad address", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if fieldDetail(r.apiResponse, "name") == "" || fieldDetail(r.apiResponse, "email") == "" {
		t.Errorf("invite without a name, with a bad address: want both fields named, got %v", r.JSON["errors"])
	}
	r = sendJSON(t, ta, http.MethodPost, item+"/presenters", token, `{"name":"Li Wei","email":"li.wei.api@example.org"}`)
	if r.Status != http.StatusCreated || r.JSON["status"] != "invited" {
		t.Fatalf("invite: %d %v", r.Status, r.JSON)
	}
	link := linkIn(t, ta.waitMail("li.wei.api@example.org", "invites you"), "/invitations/")
	secret := link[strings.LastIndex(link, "/")+1:]
	wantProblem(t, "accept with a wrong secret", sendJSON(t, ta, http.MethodPost, "/api/v1/invitations/nope/accept", other, "").apiResponse, http.StatusNotFound, "not_found")
	r = sendJSON(t, ta, http.MethodPost, "/api/v1/invitations/"+secret+"/accept", other, "")
	if r.Status != http.StatusOK || r.JSON["status"] != "accepted" || r.JSON["proposal_id"] != float64(id) {
		t.Fatalf("accept: %d %v", r.Status, r.JSON)
	}
	if r = sendJSON(t, ta, http.MethodGet, item, other, ""); r.Status != http.StatusOK {
		t.Errorf("the co-presenter reads the proposal: %d", r.Status)
	}
	wantProblem(t, "a co-presenter withdraws", sendJSON(t, ta, http.MethodPost, item+"/withdraw", other, "").apiResponse, http.StatusForbidden, "forbidden")
	if r = sendJSON(t, ta, http.MethodGet, base+"/proposals", other, ""); len(r.JSON["proposals"].([]any)) != 1 {
		t.Errorf("the co-presenter's list: %v", r.JSON)
	}

	// Organizers: the list, search, filters and export.
	orgToken, _ := apiToken(t, ta, f.organizer)
	wantProblem(t, "a submitter lists all", sendJSON(t, ta, http.MethodGet, base+"/manage/proposals", token, "").apiResponse, http.StatusForbidden, "forbidden")
	r = sendJSON(t, ta, http.MethodGet, base+"/manage/proposals?q=curriculum&status=submitted", orgToken, "")
	if r.Status != http.StatusOK || r.JSON["total"] != float64(1) {
		t.Errorf("search: %d %v", r.Status, r.JSON["total"])
	}
	r = sendJSON(t, ta, http.MethodGet, base+"/manage/proposals?limit=0", orgToken, "")
	wantProblem(t, "limit 0", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if r.JSON["detail"] != "Please correct the field named in errors." {
		t.Errorf("a problem's detail speaks of the API's errors, not a page: %q", r.JSON["detail"])
	}
	r = sendJSON(t, ta, http.MethodGet, base+"/manage/proposals?status=accepted", orgToken, "")
	wantProblem(t, "an unknown status", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	// A filter that is not a number: the list and its export say the same, against the parameter.
	listBad := fieldDetail(sendJSON(t, ta, http.MethodGet, base+"/manage/proposals?format=abc", orgToken, "").apiResponse, "format")
	csvBad := sendJSON(t, ta, http.MethodGet, base+"/manage/proposals.csv?format=abc", orgToken, "")
	if listBad == "" || csvBad.Status != http.StatusUnprocessableEntity || fieldDetail(csvBad.apiResponse, "format") != listBad {
		t.Errorf("format=abc: the list says %q, the export %d %q", listBad, csvBad.Status, fieldDetail(csvBad.apiResponse, "format"))
	}
	if r := send(t, ta, http.MethodGet, base+"/manage/proposals.csv?limit=0", nil, "Authorization", "Bearer "+orgToken); r.Status != http.StatusOK {
		t.Errorf("the export has no limit to get wrong: %d", r.Status)
	}
	csv := send(t, ta, http.MethodGet, base+"/manage/proposals.csv", nil, "Authorization", "Bearer "+orgToken)
	if csv.Status != http.StatusOK || !strings.Contains(csv.Body, "Naming racism in the curriculum") || !strings.Contains(csv.Body, "Poster abstract: Background") {
		t.Errorf("export: %d", csv.Status)
	}
	_ = u

	// Fewer presenters than a proposal has: the change is made, and its answer says what it means.
	fmtURL := fmt.Sprintf("%s/manage/formats/%d", base, poster.ID)
	put := func(max, version int) apiResponse {
		return sendJSON(t, ta, http.MethodPut, fmtURL, orgToken, fmt.Sprintf(`{"name":%q,"duration_minutes":%d,"max_presenters":%d,"abstract_max_words":%d,"version":%d}`,
			poster.Name, poster.DurationMinutes, max, poster.AbstractMaxWords, version)).apiResponse
	}
	r.apiResponse = put(1, poster.Version)
	saved, _ := json.Marshal(r.JSON)
	wantContract(t, http.MethodPut, "/api/v1/conferences/:slug/manage/formats/:id", r.Status, string(saved))
	if w := fmt.Sprint(r.JSON["warnings"]); r.Status != http.StatusOK || r.JSON["max_presenters"] != float64(1) ||
		!strings.Contains(w, "max_presenters") || !strings.Contains(w, "one of them has more (up to 2, invitations included). One was submitted: it keeps its presenters.") {
		t.Errorf("fewer presenters than a submitted proposal has: %d %v", r.Status, r.JSON)
	}
	if r.apiResponse = put(poster.MaxPresenters, poster.Version+1); r.Status != http.StatusOK || r.JSON["warnings"] != nil {
		t.Errorf("the limit restored: %d %v", r.Status, r.JSON)
	}

	// Organizers change the call.
	r = sendJSON(t, ta, http.MethodPut, base+"/manage/call", orgToken, `{"version":1,"opens_at":"2026-01-01T09:00","closes_at":"2027-03-14T02:30"}`)
	if !strings.Contains(fieldDetail(r.apiResponse, "closes_at"), "no such time") {
		t.Errorf("a close time the clocks skip: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, base+"/manage/call", orgToken, `{"version":1,"opens_at":"2027-01-01T09:00","closes_at":"2026-01-01T09:00"}`)
	if fieldDetail(r.apiResponse, "closes_at") == "" {
		t.Errorf("a call closing before it opens: %v", r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, base+"/manage/call", orgToken, `{"version":1,"opens_at":"2026-01-01T09:00","closes_at":"2031-06-30T23:59","contact_email":"cfp@example.org"}`)
	if r.Status != http.StatusOK || r.JSON["version"] != float64(2) {
		t.Fatalf("save call: %d %v", r.Status, r.JSON)
	}
	wantProblem(t, "a stale call", sendJSON(t, ta, http.MethodPut, base+"/manage/call", orgToken,
		`{"version":1,"opens_at":"2026-01-01T09:00","closes_at":"2031-06-29T23:59"}`).apiResponse, http.StatusConflict, "conflict")
	r = sendJSON(t, ta, http.MethodPost, base+"/manage/tracks", orgToken, fmt.Sprintf(`{"name":%q}`, f.tracks[0].Name))
	wantProblem(t, "a duplicate track", r.apiResponse, http.StatusConflict, "conflict")
	wantProblem(t, "delete a used track", sendJSON(t, ta, http.MethodDelete, fmt.Sprintf("%s/manage/tracks/%d", base, f.tracks[0].ID), orgToken, "").apiResponse,
		http.StatusConflict, "conflict")
	r = sendJSON(t, ta, http.MethodPost, base+"/manage/formats", orgToken, `{"name":"Panel","duration_minutes":60,"max_presenters":5,"abstract_max_words":200,
		"fields":[{"label":"Panelists\u0000 perspectives","kind":"long_text","max_words":100,"required":true},{"label":"Format of discussion","kind":"single_choice","options":["Moderated","Debate"]}]}`)
	if fieldDetail(r.apiResponse, "fields.0.label") == "" {
		t.Errorf("a NUL in a field's label: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPost, base+"/manage/formats", orgToken, `{"name":"Panel","duration_minutes":60,"max_presenters":5,"abstract_max_words":200,
		"fields":[{"label":"Panelists' perspectives","kind":"long_text","max_words":100,"required":true},{"label":"Format of discussion","kind":"single_choice","options":["Moderated","Debate"]}]}`)
	fields, _ := r.JSON["fields"].([]any)
	if r.Status != http.StatusCreated || len(fields) != 2 || fields[0].(map[string]any)["id"] != "panelists_perspectives" {
		t.Fatalf("create format: %d %v", r.Status, r.JSON)
	}
	fid := int64(r.JSON["id"].(float64))
	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/manage/formats/%d", base, fid), orgToken, `{"name":"Panel","duration_minutes":60,"max_presenters":5,"abstract_max_words":200,"version":1,"accepting":false}`)
	if r.Status != http.StatusOK || r.JSON["accepting"] != false || len(r.JSON["fields"].([]any)) != 2 {
		t.Errorf("update format keeping its fields: %d %v", r.Status, r.JSON)
	}
	wantProblem(t, "delete a used format", sendJSON(t, ta, http.MethodDelete, fmt.Sprintf("%s/manage/formats/%d", base, poster.ID), orgToken, "").apiResponse,
		http.StatusConflict, "conflict")
	if r = sendJSON(t, ta, http.MethodDelete, fmt.Sprintf("%s/manage/formats/%d", base, fid), orgToken, ""); r.Status != http.StatusNoContent {
		t.Errorf("delete an unused format: %d", r.Status)
	}
	r = sendJSON(t, ta, http.MethodPost, base+"/manage/access-links", orgToken, `{"label":"Keynote panel","expires_at":"2031-08-01T12:00","max_uses":2}`)
	if r.Status != http.StatusCreated || !strings.Contains(fmt.Sprint(r.JSON["url"]), "/call/access/") {
		t.Errorf("make link: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodGet, base+"/manage/access-links", orgToken, "")
	if links, _ := r.JSON["links"].([]any); len(links) != 1 || links[0].(map[string]any)["url"] != nil {
		t.Errorf("the list shows the link's url: %v", r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPost, base+"/manage/extensions", orgToken, fmt.Sprintf(`{"email":%q,"until":"2031-07-05T23:59"}`, email))
	if r.Status != http.StatusCreated || r.JSON["email"] != email {
		t.Errorf("grant extension: %d %v", r.Status, r.JSON)
	}
	// A proposal made now answers with the deadline its owner has.
	r = sendJSON(t, ta, http.MethodPost, base+"/proposals", token, fmt.Sprintf(`{"format_id":%d,"title":"Under an extension"}`, poster.ID))
	if made, _ := r.JSON["proposal"].(map[string]any); r.Status != http.StatusCreated || !strings.HasPrefix(fmt.Sprint(made["deadline"]), "2031-07-05T23:59:59") || made["editable"] != true {
		t.Errorf("a proposal made under an extension: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, item[:strings.Index(item, "/proposals/")]+fmt.Sprintf("/manage/proposals/%d/deadline", id), orgToken, `{}`)
	if fieldDetail(r.apiResponse, "until") == "" {
		t.Errorf("a deadline without until: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, item[:strings.Index(item, "/proposals/")]+fmt.Sprintf("/manage/proposals/%d/deadline", id), orgToken, `{"until":"2031-07-20T12:00"}`)
	if r.Status != http.StatusOK || !strings.HasPrefix(fmt.Sprint(r.JSON["deadline"]), "2031-07-20T12:00:59") {
		t.Errorf("a proposal's own deadline: %d %v", r.Status, r.JSON["deadline"])
	}

	// Withdraw.
	r = sendJSON(t, ta, http.MethodPost, item+"/withdraw", token, "")
	if r.Status != http.StatusOK || r.JSON["proposal"].(map[string]any)["status"] != "withdrawn" {
		t.Errorf("withdraw: %d %v", r.Status, r.JSON)
	}
	// Restored, it is a draft again; its history names the restoration as the contract says.
	r = sendJSON(t, ta, http.MethodPost, item+"/restore", token, "")
	if r.Status != http.StatusOK || r.JSON["proposal"].(map[string]any)["status"] != "draft" {
		t.Errorf("restore: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodGet, item+"/revisions", token, "")
	wantContract(t, http.MethodGet, "/api/v1/conferences/:slug/proposals/:id/revisions", r.Status, r.Body)
	if revs, _ := r.JSON["revisions"].([]any); len(revs) == 0 || revs[0].(map[string]any)["note"] != "restored" {
		t.Errorf("the newest revision after a restoration: %v", r.JSON["revisions"])
	}
}

// TestAPIOrdersTracksAndFormats: organizers list the tracks, move a track or a format through the
// API as the pages do, and see the questions a format no longer asks.
func TestAPIOrdersTracksAndFormats(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/api/v1/conferences/" + f.conf.Slug + "/manage"
	orgToken, _ := apiToken(t, ta, f.organizer)
	_, email := presenter(t, ta, "Sam Submitter")
	token, _ := apiToken(t, ta, email)

	names := func(r reply, key string) []string {
		var out []string
		list, _ := r.JSON[key].([]any)
		for _, x := range list {
			out = append(out, fmt.Sprint(x.(map[string]any)["name"]))
		}
		return out
	}
	r := sendJSON(t, ta, http.MethodGet, base+"/tracks", orgToken, "")
	wantContract(t, http.MethodGet, "/api/v1/conferences/:slug/manage/tracks", r.Status, r.Body)
	before := names(r, "tracks")
	if r.Status != http.StatusOK || len(before) != 3 || before[0] != f.tracks[0].Name {
		t.Fatalf("tracks: %d %v", r.Status, before)
	}
	wantProblem(t, "a submitter lists the tracks", sendJSON(t, ta, http.MethodGet, base+"/tracks", token, "").apiResponse, http.StatusForbidden, "forbidden")

	move := fmt.Sprintf("%s/tracks/%d/move", base, f.tracks[0].ID)
	r = sendJSON(t, ta, http.MethodPost, move, orgToken, `{"direction":"down"}`)
	wantContract(t, http.MethodPost, "/api/v1/conferences/:slug/manage/tracks/:id/move", r.Status, r.Body)
	if got := names(r, "tracks"); r.Status != http.StatusOK || len(got) != 3 || got[0] != before[1] || got[1] != before[0] {
		t.Errorf("moved down: %d %v", r.Status, got)
	}
	if got := fieldDetail(sendJSON(t, ta, http.MethodPost, move, orgToken, `{"direction":"sideways"}`).apiResponse, "direction"); got != `Give "up" or "down".` {
		t.Errorf("a direction that is neither: %q", got)
	}
	wantProblem(t, "a track of no call", sendJSON(t, ta, http.MethodPost, base+"/tracks/999999999/move", orgToken, `{"direction":"up"}`).apiResponse,
		http.StatusNotFound, "not_found")
	wantProblem(t, "a submitter moves a track", sendJSON(t, ta, http.MethodPost, move, token, `{"direction":"up"}`).apiResponse, http.StatusForbidden, "forbidden")

	ws := f.formats["Workshop"]
	r = sendJSON(t, ta, http.MethodGet, base+"/formats", orgToken, "")
	formats := names(r, "formats")
	i := slices.Index(formats, ws.Name)
	r = sendJSON(t, ta, http.MethodPost, fmt.Sprintf("%s/formats/%d/move", base, ws.ID), orgToken, `{"direction":"up"}`)
	wantContract(t, http.MethodPost, "/api/v1/conferences/:slug/manage/formats/:id/move", r.Status, r.Body)
	if got := names(r, "formats"); r.Status != http.StatusOK || i < 1 || got[i-1] != ws.Name {
		t.Errorf("a format moved up from place %d: %d %v", i, r.Status, got)
	}
	version := ws.Version
	for _, x := range r.JSON["formats"].([]any) {
		if x := x.(map[string]any); x["id"] == float64(ws.ID) {
			version = int(x["version"].(float64))
		}
	}

	// A stale version is told as an API client can act on it.
	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/formats/%d", base, ws.ID), orgToken, fmt.Sprintf(`{"name":%q,"duration_minutes":%d,"max_presenters":%d,"abstract_max_words":%d,"version":%d}`,
		ws.Name, ws.DurationMinutes+15, ws.MaxPresenters, ws.AbstractMaxWords, ws.Version))
	if r.Status != http.StatusConflict || !strings.HasSuffix(fmt.Sprint(r.JSON["detail"]), "Read it again (GET) to see it and its new version, then make your change again.") {
		t.Errorf("a stale version: %d %v", r.Status, r.JSON["detail"])
	}

	// A question left out of a format's fields is no longer asked, and listed as such.
	var kept []map[string]any
	for _, q := range ws.Fields[1:] {
		kept = append(kept, map[string]any{"id": q.ID, "label": q.Label, "kind": string(q.Kind), "required": q.Required, "max_words": q.MaxWords, "options": q.Options})
	}
	body, _ := json.Marshal(map[string]any{"name": ws.Name, "duration_minutes": ws.DurationMinutes, "max_presenters": ws.MaxPresenters,
		"abstract_max_words": ws.AbstractMaxWords, "accepting": true, "version": version, "fields": kept})
	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/formats/%d", base, ws.ID), orgToken, string(body))
	retired, _ := r.JSON["no_longer_asked"].([]any)
	if r.Status != http.StatusOK || len(retired) != 1 || retired[0].(map[string]any)["id"] != ws.Fields[0].ID {
		t.Errorf("a field left out: %d %v", r.Status, r.JSON)
	}
	wantContract(t, http.MethodPut, "/api/v1/conferences/:slug/manage/formats/:id", r.Status, r.Body)
	if public := sendJSON(t, ta, http.MethodGet, "/api/v1/conferences/"+f.conf.Slug+"/call", "", ""); strings.Contains(public.Body, "no_longer_asked") {
		t.Error("the public call lists the questions no longer asked")
	}
}
