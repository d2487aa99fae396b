package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// wantFields checks that a 422 problem names exactly these fields, each with a message that
// contains the text given, and that it conforms to the contract's Problem.
func wantFields(t *testing.T, what string, r reply, want map[string]string) {
	t.Helper()
	wantProblem(t, what, r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	list, _ := r.JSON["errors"].([]any)
	if len(list) != len(want) {
		t.Errorf("%s: %d errors, want %d: %v", what, len(list), len(want), list)
	}
	for field, text := range want {
		if d := fieldDetail(r.apiResponse, field); !strings.Contains(d, text) {
			t.Errorf("%s: %s says %q, want %q", what, field, d, text)
		}
	}
	if d, _ := r.JSON["detail"].(string); len(want) > 1 && !strings.Contains(d, fmt.Sprintf("the %d fields named in errors", len(want))) {
		t.Errorf("%s: detail %q", what, d)
	}
	doc, err := contract()
	if err != nil {
		t.Fatal(err)
	}
	problem, _ := dig(doc, "components", "schemas", "Problem").(map[string]any)
	for _, p := range conform(doc, problem, r.JSON, "$") {
		t.Errorf("%s: %s", what, p)
	}
}

// TestAPINamesEveryWrongType sends bodies with several values of the wrong JSON type to the API:
// one 422 names every one of them, with what validation finds in the rest, and nothing is saved;
// the same body with the right types is saved as usual.
func TestAPINamesEveryWrongType(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/api/v1/conferences/" + f.conf.Slug
	u, email := presenter(t, ta, "Wanjiru Kamau")
	token, _ := apiToken(t, ta, email)
	orgToken, _ := apiToken(t, ta, f.organizer)
	poster := f.formats["Poster abstract"]
	mine := func() int { return count(t, ta, `SELECT count(*) FROM proposals WHERE owner_id = $1`, u.ID) }

	// Creating: every field of the wrong type is named, and no proposal is made.
	r := sendJSON(t, ta, http.MethodPost, base+"/proposals", token, `{"track_id":"x","format_id":true,"title":5}`)
	wantFields(t, "create with three wrong types", r, map[string]string{
		"track_id":  "Expected a whole number (an id) here, not a string.",
		"format_id": "Expected a whole number (an id) here, not true or false.",
		"title":     "Expected a string here, not a number.",
	})
	r = sendJSON(t, ta, http.MethodPost, base+"/proposals", token,
		fmt.Sprintf(`{"format_id":"%d","abstract":["a"],"access_token":%q}`, poster.ID, strings.Repeat("k", 101)))
	wantFields(t, "create with wrong types and a token too long", r, map[string]string{
		"format_id":    fmt.Sprintf("Send the number without quotes: %d.", poster.ID),
		"abstract":     "Expected a string here, not a list.",
		"access_token": "Use at most 100 characters.",
	})
	if n := mine(); n != 0 {
		t.Fatalf("%d proposals made from bodies of the wrong types", n)
	}

	// Saving: the proposal stays as it was.
	r = sendJSON(t, ta, http.MethodPost, base+"/proposals", token, fmt.Sprintf(`{"format_id":%d,"title":"Feedback that names behaviour"}`, poster.ID))
	if r.Status != http.StatusCreated {
		t.Fatalf("create: %d %v", r.Status, r.JSON)
	}
	id := int64(r.JSON["proposal"].(map[string]any)["id"].(float64))
	item := fmt.Sprintf("%s/proposals/%d", base, id)
	stored := func() string {
		var title, abstract string
		var version int
		if err := ta.db.SQL.QueryRow(`SELECT p.title, r.abstract, p.version FROM proposals p
			JOIN proposal_revisions r ON r.proposal_id = p.id AND r.version = p.version WHERE p.id = $1`, id).Scan(&title, &abstract, &version); err != nil {
			t.Fatal(err)
		}
		return fmt.Sprintf("%q %q v%d, %d revisions", title, abstract, version,
			count(t, ta, `SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, id))
	}
	before := stored()
	r = sendJSON(t, ta, http.MethodPut, item, token, `{"format_id":{"id":1},"track_id":[],"title":false,"abstract":12,"version":"1","answers":["a"]}`)
	wantFields(t, "save with six wrong types", r, map[string]string{
		"format_id": "Expected a whole number (an id) here, not an object.",
		"track_id":  "Expected a whole number (an id) here, not a list.",
		"title":     "Expected a string here, not true or false.",
		"abstract":  "Expected a string here, not a number.",
		"version":   "Send the number without quotes: 1.",
		"answers":   "Expected an object here, not a list.",
	})
	// Broken JSON is one error that says where; data after the object and an unknown member are
	// refused as before, whatever else is wrong.
	r = sendJSON(t, ta, http.MethodPut, item, token, `{"title":5 "abstract":true}`)
	wantProblem(t, "save with broken JSON", r.apiResponse, http.StatusBadRequest, "malformed")
	if d, _ := r.JSON["detail"].(string); !strings.Contains(d, "at byte 12") || r.JSON["errors"] != nil {
		t.Errorf("broken JSON: %v", r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, item, token, `{"title":5,"abstract":true} {}`)
	wantProblem(t, "save with wrong types and another object", r.apiResponse, http.StatusBadRequest, "malformed")
	r = sendJSON(t, ta, http.MethodPut, item, token, `{"title":5,"colour":"red","abstract":true}`)
	wantProblem(t, "save with wrong types and an unknown member", r.apiResponse, http.StatusBadRequest, "malformed")
	if fieldDetail(r.apiResponse, "colour") != "Unknown field; remove it." {
		t.Errorf("unknown member: %v", r.JSON)
	}
	if after := stored(); after != before {
		t.Errorf("refused saves changed the proposal: %s, was %s", after, before)
	}
	// The right types are saved.
	r = sendJSON(t, ta, http.MethodPut, item, token, fmt.Sprintf(`{"format_id":%d,"track_id":null,"title":"Feedback that names behaviour, again","abstract":"Narratives.","version":1}`, poster.ID))
	if p, _ := r.JSON["proposal"].(map[string]any); r.Status != http.StatusOK || p["version"] != float64(2) {
		t.Fatalf("save with the right types: %d %v", r.Status, r.JSON)
	}
	if got := stored(); got != `"Feedback that names behaviour, again" "Narratives." v2, 2 revisions` {
		t.Errorf("after the save: %s", got)
	}

	// Nested bodies name the place in them: a question of a format by its position.
	formats := count(t, ta, `SELECT count(*) FROM formats WHERE conference_id = $1`, f.conf.ID)
	r = sendJSON(t, ta, http.MethodPost, base+"/manage/formats", orgToken, `{"name":"Panel","duration_minutes":"sixty","max_presenters":4,
		"abstract_max_words":200,"accepting":"yes","description":"`+strings.Repeat("d", 8001)+`",
		"fields":[{"label":"Why now?","kind":"text","max_words":"many"},{"label":7,"kind":"text"},{"label":"Which?","kind":"single_choice","options":["a",2]}]}`)
	wantFields(t, "a format with wrong types", r, map[string]string{
		"duration_minutes":   "Expected a whole number here, not a string.",
		"accepting":          "Expected true or false here, not a string.",
		"description":        "Use at most 4000 characters.",
		"fields.0.max_words": "Expected a whole number here, not a string.",
		"fields.1.label":     "Expected a string here, not a number.",
		"fields.2.options":   "Expected a list of strings here; item 2 is a number.",
	})
	if n := count(t, ta, `SELECT count(*) FROM formats WHERE conference_id = $1`, f.conf.ID); n != formats {
		t.Errorf("%d formats after a refused one, want %d", n, formats)
	}

	// Registering: answers are named by question, a list of ids as one field.
	conf := regConf(t, ta, 0)
	r = sendJSON(t, ta, http.MethodPost, "/api/v1/conferences/"+conf.Slug+"/registration", "", `{"name":"Grace Ho","email":"grace.types@example.org",
		"participant_role":"faculty","institution":"X","consent":"yes","workshops":[1,"two"],"answers":{"dietary_needs":5,"pronoun_badge":{"a":1},"ok":"fine"}}`)
	wantFields(t, "a registration with wrong types", r, map[string]string{
		"consent":               "Expected true or false here, not a string.",
		"workshops":             "Expected a list of whole numbers here; item 2 is a string.",
		"answers.dietary_needs": "Expected a string, a list of strings (for a multiple choice) or true or false (for a checkbox) here, not a number.",
		"answers.pronoun_badge": "here, not an object.",
	})
	if n := count(t, ta, `SELECT count(*) FROM registrations WHERE conference_id = $1`, conf.ID); n != 0 {
		t.Errorf("%d registrations from a body of the wrong types", n)
	}
}
