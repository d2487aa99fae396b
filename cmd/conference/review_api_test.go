package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// num reads a JSON number of an answer as an id.
func num(v any) int64 {
	f, _ := v.(float64)
	return int64(f)
}

// list reads a JSON array of objects.
func list(v any) []map[string]any {
	var out []map[string]any
	items, _ := v.([]any)
	for _, x := range items {
		m, _ := x.(map[string]any)
		out = append(out, m)
	}
	return out
}

// localTime writes a time as the API takes it: local to the conference, to the minute.
func localTime(t time.Time, loc *time.Location) string { return t.In(loc).Format("2006-01-02T15:04") }

// submitPoster drafts and submits a complete poster through the API and returns its id.
func submitPoster(t *testing.T, ta *testApp, f callFixture, token, title string) int64 {
	t.Helper()
	base := "/api/v1/conferences/" + f.conf.Slug
	body := fmt.Sprintf(`{"format_id":%d,"track_id":%d,"title":%q,"abstract":"A study of how a curriculum changed.",
		"answers":{"background":"Race was taught as biology.","approach":"A review of 120 lectures.","outcomes":"Forty were revised.",
		"implications":"Others can use the checklist.","stage":"Completed"}}`, f.formats["Poster abstract"].ID, f.tracks[0].ID, title)
	r := sendJSON(t, ta, http.MethodPost, base+"/proposals", token, body)
	id := num(r.JSON["proposal"].(map[string]any)["id"])
	if r = sendJSON(t, ta, http.MethodPost, fmt.Sprintf("%s/proposals/%d/submit", base, id), token, ""); r.Status != http.StatusOK {
		t.Fatalf("submit %q: %d %v", title, r.Status, r.JSON)
	}
	return id
}

// acceptInvitation answers the invitation to review mailed to invited, as the account of token.
func acceptInvitation(t *testing.T, ta *testApp, invited, token string) {
	t.Helper()
	link := linkIn(t, ta.waitMail(invited, "Will you review"), "/review-invitations/")
	secret := link[strings.LastIndex(link, "/")+1:]
	r := sendJSON(t, ta, http.MethodGet, "/api/v1/review-invitations/"+secret, token, "")
	if r.Status != http.StatusOK || r.JSON["status"] != "invited" || r.JSON["email"] != invited {
		t.Fatalf("the invitation: %d %v", r.Status, r.JSON)
	}
	if r = sendJSON(t, ta, http.MethodPost, "/api/v1/review-invitations/"+secret+"/accept", token, ""); r.Status != http.StatusOK || r.JSON["status"] != "accepted" {
		t.Fatalf("accept: %d %v", r.Status, r.JSON)
	}
	wantProblem(t, "accepting twice", sendJSON(t, ta, http.MethodPost, "/api/v1/review-invitations/"+secret+"/accept", token, "").apiResponse,
		http.StatusNotFound, "not_found")
}

// fullReview is a submitted review body giving every criterion of the default rubric the score.
func fullReview(version, score int, toPresenters, toOrganizers string) string {
	return fmt.Sprintf(`{"version":%d,"scores":{"relevance":%d,"clarity":%d,"feasibility":%d,"originality":%d},"recommendation":%d,
		"confidence":2,"to_presenters":%q,"to_organizers":%q,"submit":true}`, version, score, score, score, score, score, toPresenters, toOrganizers)
}

// TestReviewAPI runs peer review through /api/v1, from the invitations to the presenters' answer,
// with the mistakes people make on the way: each is a problem+json that says what to fix.
func TestReviewAPI(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	loc := f.conf.Location()
	now := time.Now()
	base := "/api/v1/conferences/" + f.conf.Slug
	mg := base + "/manage/review"
	org, _ := apiToken(t, ta, f.organizer)
	poster := f.formats["Poster abstract"]

	// Settings: times local to the conference, every mistake at once, optimistic locking.
	r := sendJSON(t, ta, http.MethodGet, mg+"/settings", org, "")
	if r.Status != http.StatusOK || r.JSON["blind"] != "double" || r.JSON["version"] != float64(0) {
		t.Fatalf("default settings: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, mg+"/settings", org, `{"version":0,"blind":"triple","review_deadline":"tomorrow","reminder_hours":-1}`)
	wantProblem(t, "bad settings", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	for _, field := range []string{"blind", "review_deadline", "reminder_hours"} {
		if fieldDetail(r.apiResponse, field) == "" {
			t.Errorf("settings: no error for %s: %v", field, r.JSON)
		}
	}
	settings := func(version int, deadline time.Time) string {
		return fmt.Sprintf(`{"version":%d,"blind":"double","bidding_opens_at":%q,"bidding_closes_at":%q,"review_deadline":%q,
			"confirm_by":%q,"reminder_hours":72,"not_preferred_cap":3}`, version, localTime(now.Add(-time.Hour), loc),
			localTime(now.Add(48*time.Hour), loc), localTime(deadline, loc), localTime(now.Add(60*24*time.Hour), loc))
	}
	r = sendJSON(t, ta, http.MethodPut, mg+"/settings", org, settings(0, now.Add(30*24*time.Hour)))
	if r.Status != http.StatusOK || r.JSON["version"] != float64(1) || !strings.HasSuffix(fmt.Sprint(r.JSON["review_deadline"]), ":59-04:00") &&
		!strings.HasSuffix(fmt.Sprint(r.JSON["review_deadline"]), ":59-05:00") {
		t.Fatalf("save settings: %d %v", r.Status, r.JSON)
	}
	wantProblem(t, "stale settings", sendJSON(t, ta, http.MethodPut, mg+"/settings", org, settings(0, now.Add(20*24*time.Hour))).apiResponse, http.StatusConflict, "conflict")

	// The poster's rubric: two reviewers, one slot.
	r = sendJSON(t, ta, http.MethodGet, mg+"/formats", org, "")
	var criteria []map[string]any
	for _, x := range list(r.JSON["formats"]) {
		if num(x["format_id"]) == poster.ID {
			criteria = list(x["criteria"])
		}
	}
	if len(criteria) != 4 {
		t.Fatalf("the poster's default rubric: %v", r.JSON)
	}
	rubric := `{"version":0,"reviewers":0,"slots":1,"criteria":[{"id":"relevance","label":"Relevance","weight":0}]}`
	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/formats/%d", mg, poster.ID), org, rubric)
	if fieldDetail(r.apiResponse, "reviewers") == "" || fieldDetail(r.apiResponse, "criteria.0.weight") == "" {
		t.Errorf("a bad rubric: %v", r.JSON)
	}
	var rows []string
	for _, c := range criteria {
		anchors, _ := c["anchors"].([]any)
		rows = append(rows, fmt.Sprintf(`{"id":%q,"label":%q,"description":%q,"weight":%d,"anchors":[%q,%q,%q,%q,%q]}`, c["id"], c["label"],
			c["description"], num(c["weight"]), anchors[0], anchors[1], anchors[2], anchors[3], anchors[4]))
	}
	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/formats/%d", mg, poster.ID), org,
		fmt.Sprintf(`{"version":0,"reviewers":2,"slots":1,"criteria":[%s]}`, strings.Join(rows, ",")))
	if r.Status != http.StatusOK || r.JSON["slots"] != float64(1) || r.JSON["version"] != float64(1) {
		t.Fatalf("save rubric: %d %v", r.Status, r.JSON)
	}

	// Invitations: a pasted list with a line without an address is refused whole; then three accept
	// under other addresses and one declines.
	people := map[string]string{}
	for _, who := range []string{"rhea", "sam", "tomas", "uma"} {
		people[who] = uniqueEmail(who + ".invited")
	}
	r = sendJSON(t, ta, http.MethodPost, mg+"/invitations", org, fmt.Sprintf(`{"text":"Rhea Reviewer <%s>\nnot an address"}`, people["rhea"]))
	if !strings.Contains(fieldDetail(r.apiResponse, "text"), "line 2") {
		t.Errorf("a pasted line without an address: %v", r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPost, mg+"/invitations", org, `{"invitees":[{"name":"Bad","email":"bad at home"}]}`)
	if fieldDetail(r.apiResponse, "invitees.0.email") == "" {
		t.Errorf("an invitee without an address: %v", r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPost, mg+"/invitations", org, fmt.Sprintf(`{"invitees":[{"name":"Rhea Reviewer","email":%q}],
		"text":"Sam Second <%s>\n%s, Tomas Third\nUma Fourth <%s>","message":"We would value your view."}`, people["rhea"], people["sam"], people["tomas"], people["uma"]))
	if r.Status != http.StatusCreated || len(list(r.JSON["invited"])) != 4 {
		t.Fatalf("invite: %d %v", r.Status, r.JSON)
	}
	var reviewers []string // tokens
	names := map[string]string{}
	for _, who := range []string{"rhea", "tomas", "uma"} {
		u := newUser(t, ta, uniqueEmail(who+".account"), strings.ToUpper(who[:1])+who[1:]+" Reviewer")
		token, _ := apiToken(t, ta, u.Email)
		acceptInvitation(t, ta, people[who], token)
		reviewers = append(reviewers, token)
		names[token] = u.Name
	}
	samAccount := newUser(t, ta, uniqueEmail("sam.account"), "Sam Second")
	samToken, _ := apiToken(t, ta, samAccount.Email)
	link := linkIn(t, ta.waitMail(people["sam"], "Will you review"), "/review-invitations/")
	if r = sendJSON(t, ta, http.MethodPost, "/api/v1/review-invitations/"+link[strings.LastIndex(link, "/")+1:]+"/decline", samToken, ""); r.Status != http.StatusOK ||
		r.JSON["status"] != "declined" {
		t.Errorf("decline: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodGet, mg+"/invitations", org, "")
	statuses := map[string]string{}
	for _, x := range list(r.JSON["invitations"]) {
		statuses[x["email"].(string)] = x["status"].(string)
	}
	if statuses[people["sam"]] != "declined" || statuses[people["rhea"]] != "accepted" {
		t.Errorf("invitations: %v", statuses)
	}
	if r = sendJSON(t, ta, http.MethodGet, mg+"/reviewers", org, ""); len(list(r.JSON["reviewers"])) != 3 {
		t.Errorf("reviewers: %v", r.JSON)
	}

	// Proposals.
	_, amina := presenter(t, ta, "Amina Yusuf")
	aminaToken, _ := apiToken(t, ta, amina)
	_, ben := presenter(t, ta, "Ben Okafor")
	benToken, _ := apiToken(t, ta, ben)
	a := submitPoster(t, ta, f, aminaToken, "Naming racism in the curriculum")
	b := submitPoster(t, ta, f, benToken, "Community voices in admissions")
	secrets := []string{"Amina Yusuf", amina, "Ben Okafor", ben, "Riverside Family Medicine Residency"}
	wantBlind := func(what string, r reply) {
		t.Helper()
		for _, s := range secrets {
			if strings.Contains(r.Body, s) {
				t.Errorf("%s shows %q to a reviewer in double-blind review", what, s)
			}
		}
	}

	// A reviewer's profile: every mistake at once, the version required, a stale save refused.
	rhea := reviewers[0]
	r = sendJSON(t, ta, http.MethodGet, base+"/review/profile", rhea, "")
	if r.Status != http.StatusOK || r.JSON["version"] != float64(0) || r.JSON["max_reviews"] != float64(30) {
		t.Fatalf("a new profile: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, base+"/review/profile", rhea, `{"version":0,"max_reviews":-1,"category":"astronaut","conflict_people":["nope"],"tracks":[999999999]}`)
	for _, field := range []string{"max_reviews", "category", "conflict_people", "tracks"} {
		if fieldDetail(r.apiResponse, field) == "" {
			t.Errorf("profile: no error for %s: %v", field, r.JSON)
		}
	}
	wantProblem(t, "a profile without its version", sendJSON(t, ta, http.MethodPut, base+"/review/profile", rhea, `{"max_reviews":5}`).apiResponse,
		http.StatusUnprocessableEntity, "invalid")
	r = sendJSON(t, ta, http.MethodPut, base+"/review/profile", rhea, `{"version":0,"max_reviews":10,"category":"community","institutions":["Southside Clinic"]}`)
	if r.Status != http.StatusOK || r.JSON["version"] != float64(1) || r.JSON["category"] != "community" {
		t.Fatalf("save profile: %d %v", r.Status, r.JSON)
	}
	wantProblem(t, "a stale profile", sendJSON(t, ta, http.MethodPut, base+"/review/profile", rhea, `{"version":0,"max_reviews":10}`).apiResponse,
		http.StatusConflict, "conflict")

	// Bids: anonymous items, bad levels and ids by field, the unbid filter; presenters have no bids.
	r = sendJSON(t, ta, http.MethodGet, base+"/review/bids", rhea, "")
	if r.Status != http.StatusOK || r.JSON["open"] != true || r.JSON["total"] != float64(2) {
		t.Fatalf("bids: %d %v", r.Status, r.JSON)
	}
	wantBlind("the bidding list", r)
	r = sendJSON(t, ta, http.MethodPut, base+"/review/bids", rhea, fmt.Sprintf(`{"bids":{"%d":"keen"}}`, a))
	if fieldDetail(r.apiResponse, fmt.Sprintf("bids.%d", a)) == "" {
		t.Errorf("a bad level: %v", r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, base+"/review/bids", rhea, `{"bids":{"the first":"eager"}}`)
	if fieldDetail(r.apiResponse, "bids.the first") == "" {
		t.Errorf("a bid not by id: %v", r.JSON)
	}
	if r = sendJSON(t, ta, http.MethodPut, base+"/review/bids", rhea, fmt.Sprintf(`{"bids":{"%d":"eager"}}`, a)); r.Status != http.StatusNoContent {
		t.Fatalf("bid: %d %v", r.Status, r.JSON)
	}
	if r = sendJSON(t, ta, http.MethodGet, base+"/review/bids?unbid=true", rhea, ""); r.JSON["total"] != float64(1) {
		t.Errorf("unbid: %v", r.JSON)
	}
	wantProblem(t, "a bad limit", sendJSON(t, ta, http.MethodGet, base+"/review/bids?limit=0", rhea, "").apiResponse, http.StatusUnprocessableEntity, "invalid")
	wantProblem(t, "a presenter's bids", sendJSON(t, ta, http.MethodGet, base+"/review/bids", aminaToken, "").apiResponse, http.StatusForbidden, "forbidden")

	// The assignment: preview with each pair's why, commit once, the digests by title only.
	r = sendJSON(t, ta, http.MethodPost, mg+"/plans", org, "")
	pairs := list(r.JSON["assignments"])
	if r.Status != http.StatusCreated || len(pairs) != 4 || r.JSON["optimal"] != true {
		t.Fatalf("preview: %d %v", r.Status, r.JSON)
	}
	for _, p := range pairs {
		if why, _ := p["why"].([]any); len(why) == 0 || p["title"] == "" || p["reviewer"] == "" {
			t.Errorf("a pair without its reasons: %v", p)
		}
	}
	plan := fmt.Sprintf("%s/plans/%d", mg, num(r.JSON["id"]))
	if r = sendJSON(t, ta, http.MethodGet, plan, org, ""); r.Status != http.StatusOK || len(list(r.JSON["assignments"])) != 4 {
		t.Errorf("the plan again: %d %v", r.Status, r.JSON)
	}
	if r = sendJSON(t, ta, http.MethodPost, plan+"/commit", org, ""); r.Status != http.StatusOK || r.JSON["added"] != float64(4) {
		t.Fatalf("commit: %d %v", r.Status, r.JSON)
	}
	wantProblem(t, "a plan applied twice", sendJSON(t, ta, http.MethodPost, plan+"/commit", org, "").apiResponse, http.StatusConflict, "conflict")
	r = sendJSON(t, ta, http.MethodGet, mg+"/reviewers", org, "")
	for _, x := range list(r.JSON["reviewers"]) {
		if x["assigned"] == float64(0) {
			continue
		}
		digest := ta.waitMail(x["email"].(string), "to review for")
		for _, s := range secrets {
			if strings.Contains(digest.Text, s) {
				t.Errorf("the digest to %s names %q", x["name"], s)
			}
		}
	}
	onA := map[int64]bool{}
	r = sendJSON(t, ta, http.MethodGet, mg+"/assignments", org, "")
	for _, x := range list(r.JSON["assignments"]) {
		if num(x["proposal_id"]) == a {
			onA[num(x["user_id"])] = true
		}
	}
	var assigned []string
	var outsider string
	for _, token := range reviewers {
		me := sendJSON(t, ta, http.MethodGet, "/api/v1/me", token, "")
		if onA[num(me.JSON["id"])] {
			assigned = append(assigned, token)
		} else {
			outsider = token
		}
	}
	if len(assigned) != 2 || outsider == "" {
		t.Fatalf("proposal %d has %d reviewers", a, len(assigned))
	}
	first, second := assigned[0], assigned[1]

	// Reviewing: the blind sheet, 404 for a reviewer not assigned, every mistake by field.
	item := fmt.Sprintf("%s/review/proposals/%d", base, a)
	r = sendJSON(t, ta, http.MethodGet, base+"/review/tasks", first, "")
	if !slices.ContainsFunc(list(r.JSON["assigned"]), func(x map[string]any) bool { return num(x["proposal_id"]) == a }) {
		t.Errorf("tasks: %v", r.JSON)
	}
	r = sendJSON(t, ta, http.MethodGet, item, first, "")
	own, _ := r.JSON["own"].(map[string]any)
	if r.Status != http.StatusOK || len(list(r.JSON["criteria"])) != 4 || r.JSON["can_review"] != true || r.JSON["can_discuss"] != false ||
		own["version"] != float64(0) || own["status"] != "not_started" {
		t.Fatalf("the sheet: %d %v", r.Status, r.JSON)
	}
	wantBlind("the review sheet", r)
	wantProblem(t, "the sheet of a proposal not assigned", sendJSON(t, ta, http.MethodGet, item, outsider, "").apiResponse, http.StatusNotFound, "not_found")
	wantProblem(t, "a review of a proposal not assigned", sendJSON(t, ta, http.MethodPut, item+"/review", outsider, fullReview(0, 3, "", "")).apiResponse,
		http.StatusNotFound, "not_found")
	r = sendJSON(t, ta, http.MethodPut, item+"/review", first, `{"version":0,"scores":{"clarity":9,"charm":3}}`)
	wantProblem(t, "a score out of range", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if !strings.Contains(fieldDetail(r.apiResponse, "scores.clarity"), "1 to 5") || fieldDetail(r.apiResponse, "scores.charm") == "" {
		t.Errorf("a score out of range: %v", r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, item+"/review", first, `{"version":0,"scores":{"clarity":4},"submit":true}`)
	for _, field := range []string{"scores.relevance", "scores.feasibility", "scores.originality", "recommendation", "confidence"} {
		if fieldDetail(r.apiResponse, field) == "" {
			t.Errorf("submitting a partial review: no error for %s: %v", field, r.JSON)
		}
	}
	r = sendJSON(t, ta, http.MethodPut, item+"/review", first, `{"version":0,"scores":{"clarity":"high"}}`)
	wantProblem(t, "a score that is not a number", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	wantProblem(t, "a review without its version", sendJSON(t, ta, http.MethodPut, item+"/review", first, `{"scores":{}}`).apiResponse,
		http.StatusUnprocessableEntity, "invalid")
	r = sendJSON(t, ta, http.MethodPut, item+"/review", first, `{"version":0,"scores":{"clarity":4}}`)
	if r.Status != http.StatusOK || r.JSON["status"] != "draft" || r.JSON["version"] != float64(1) {
		t.Fatalf("a draft: %d %v", r.Status, r.JSON)
	}
	wantProblem(t, "a review saved from another window", sendJSON(t, ta, http.MethodPut, item+"/review", first, `{"version":0,"scores":{"clarity":5}}`).apiResponse,
		http.StatusConflict, "conflict")
	r = sendJSON(t, ta, http.MethodPut, item+"/review", first, fullReview(1, 5, "A model for other schools.", "Fund it."))
	if r.Status != http.StatusOK || r.JSON["status"] != "submitted" || r.JSON["weighted_score"] != float64(5) {
		t.Fatalf("submit: %d %v", r.Status, r.JSON)
	}

	// The discussion opens to a reviewer once they submitted; others read "Reviewer 1".
	wantProblem(t, "discussing before reviewing", sendJSON(t, ta, http.MethodPost, item+"/discussion", second, `{"body":"Why a 5?"}`).apiResponse,
		http.StatusForbidden, "forbidden")
	wantProblem(t, "an empty comment", sendJSON(t, ta, http.MethodPost, item+"/discussion", first, `{"body":"  "}`).apiResponse,
		http.StatusUnprocessableEntity, "invalid")
	if r = sendJSON(t, ta, http.MethodPost, item+"/discussion", first, `{"body":"I was moved by the method."}`); r.Status != http.StatusCreated || r.JSON["author"] != "You" {
		t.Errorf("comment: %d %v", r.Status, r.JSON)
	}
	if r = sendJSON(t, ta, http.MethodPut, item+"/review", second, fullReview(0, 2, "Say more about the method.", "Weak.")); r.Status != http.StatusOK {
		t.Fatalf("the second review: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodGet, item, second, "")
	others, discussion := list(r.JSON["others"]), list(r.JSON["discussion"])
	if len(others) != 1 || others[0]["reviewer"] != "Reviewer 1" || others[0]["to_organizers"] != "" || others[0]["user_id"] != nil ||
		len(discussion) != 1 || discussion[0]["author"] != "Reviewer 1" || discussion[0]["user_id"] != nil {
		t.Errorf("the others' reviews as a reviewer reads them: %v / %v", others, discussion)
	}
	wantBlind("the sheet after reviewing", r)
	for _, name := range names {
		if strings.Contains(r.Body, name) {
			t.Errorf("a reviewer reads another reviewer's name %q", name)
		}
	}
	r = sendJSON(t, ta, http.MethodGet, fmt.Sprintf("%s/proposals/%d", mg, a), org, "")
	if others = list(r.JSON["others"]); len(others) != 2 || others[0]["user_id"] == nil || !strings.Contains(r.Body, "Fund it.") ||
		!strings.Contains(r.Body, "Amina Yusuf") {
		t.Errorf("the sheet as organizers read it: %d %v", r.Status, r.JSON)
	}
	itemB := fmt.Sprintf("%s/review/proposals/%d", base, b)
	for _, token := range reviewers {
		if sendJSON(t, ta, http.MethodGet, itemB, token, "").Status == http.StatusOK {
			if r = sendJSON(t, ta, http.MethodPut, itemB+"/review", token, fullReview(0, 2, "Clear.", "")); r.Status != http.StatusOK {
				t.Fatalf("a review of the second proposal: %d %v", r.Status, r.JSON)
			}
		}
	}

	// After the deadline nothing changes. Organizers cannot move a deadline into the past (a typo would
	// end review at once), so the time passes in the database.
	if _, err := ta.db.SQL.Exec(`UPDATE review_settings SET bidding_closes_at = now() - interval '3 minutes',
		review_deadline = now() - interval '2 minutes', version = version + 1 WHERE conference_id = $1`, f.conf.ID); err != nil {
		t.Fatal(err)
	}
	r = sendJSON(t, ta, http.MethodPut, item+"/review", first, fullReview(2, 4, "", ""))
	wantProblem(t, "a review after the deadline", r.apiResponse, http.StatusForbidden, "forbidden")
	if !strings.Contains(fmt.Sprint(r.JSON["detail"]), "deadline passed") {
		t.Errorf("the deadline is not named: %v", r.JSON["detail"])
	}
	if r = sendJSON(t, ta, http.MethodPut, mg+"/settings", org, settings(2, now.Add(30*24*time.Hour))); r.Status != http.StatusOK {
		t.Fatalf("move the deadline back: %d %v", r.Status, r.JSON)
	}

	// Single-blind review, as a setting, shows reviewers who presents.
	single := strings.Replace(settings(3, now.Add(30*24*time.Hour)), `"blind":"double"`, `"blind":"single"`, 1)
	if r = sendJSON(t, ta, http.MethodPut, mg+"/settings", org, single); r.Status != http.StatusOK || r.JSON["blind"] != "single" {
		t.Fatalf("single-blind: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodGet, item, second, "")
	if p, _ := r.JSON["proposal"].(map[string]any); r.JSON["blind"] != "single" || fmt.Sprint(p["presenters"]) != "[Amina Yusuf, Riverside Family Medicine Residency]" {
		t.Errorf("the single-blind sheet: %v", r.JSON["proposal"])
	}
	if r = sendJSON(t, ta, http.MethodPut, mg+"/settings", org, settings(4, now.Add(30*24*time.Hour))); r.Status != http.StatusOK {
		t.Fatalf("back to double-blind: %d %v", r.Status, r.JSON)
	}
	wantBlind("the sheet back in double-blind review", sendJSON(t, ta, http.MethodGet, item, second, ""))

	// The ranking and its spreadsheet.
	r = sendJSON(t, ta, http.MethodGet, mg+"/ranking", org, "")
	ranked := list(r.JSON["rows"])
	if r.Status != http.StatusOK || len(ranked) != 2 || num(ranked[0]["proposal_id"]) != a || ranked[0]["above_cut"] != true ||
		ranked[1]["above_cut"] != false || ranked[0]["disagreement"] != true {
		t.Fatalf("ranking: %d %v", r.Status, r.JSON)
	}
	if len(list(r.JSON["reviewers"])) != 3 {
		t.Errorf("reviewers' statistics: %v", r.JSON["reviewers"])
	}
	wantProblem(t, "an unknown sort", sendJSON(t, ta, http.MethodGet, mg+"/ranking?sort=luck", org, "").apiResponse, http.StatusUnprocessableEntity, "invalid")
	csv := send(t, ta, http.MethodGet, mg+"/ranking.csv", nil, "Authorization", "Bearer "+org)
	lines := strings.Split(csv.Body, "\r\n")
	if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(csv.Body, "\ufeffRank in format,Above the cut,") ||
		len(lines) < 3 || !strings.HasPrefix(lines[1], fmt.Sprintf("1,yes,%d,Naming racism in the curriculum,Poster abstract,", a)) {
		t.Errorf("the ranking's CSV: %d %q", csv.Status, csv.Body)
	}

	// Decisions: departing from the cut needs a reason; a withdrawn proposal cannot be decided.
	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/proposals/%d/decision", mg, b), org, `{"decision":"accepted"}`)
	wantProblem(t, "accepting below the cut without a reason", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if !strings.Contains(fieldDetail(r.apiResponse, "reason"), "below the cut") {
		t.Errorf("no reason asked: %v", r.JSON)
	}
	wantProblem(t, "an unknown decision", sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/proposals/%d/decision", mg, b), org, `{"decision":"maybe"}`).apiResponse,
		http.StatusUnprocessableEntity, "invalid")
	if r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/proposals/%d/decision", mg, a), org, `{"decision":"accepted","note":"Top of the posters."}`); r.Status != http.StatusOK ||
		r.JSON["decision"] != "accepted" || r.JSON["released_at"] != nil {
		t.Fatalf("accept: %d %v", r.Status, r.JSON)
	}
	if r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/proposals/%d/decision", mg, b), org, `{"decision":"rejected"}`); r.Status != http.StatusOK {
		t.Fatalf("reject: %d %v", r.Status, r.JSON)
	}
	late := submitPoster(t, ta, f, aminaToken, "A late thought")
	if r = sendJSON(t, ta, http.MethodPost, fmt.Sprintf("%s/proposals/%d/withdraw", base, late), aminaToken, ""); r.Status != http.StatusOK {
		t.Fatalf("withdraw: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/proposals/%d/decision", mg, late), org, `{"decision":"rejected"}`)
	wantProblem(t, "a decision on a withdrawn proposal", r.apiResponse, http.StatusConflict, "conflict")
	if !strings.Contains(fmt.Sprint(r.JSON["detail"]), "withdrawn") {
		t.Errorf("the conflict does not say why: %v", r.JSON["detail"])
	}
	if r = sendJSON(t, ta, http.MethodGet, mg+"/decisions", org, ""); len(list(r.JSON["decisions"])) != 2 {
		t.Errorf("decisions: %v", r.JSON)
	}

	// Notices: a bad template by field, a preview, then generate and send.
	r = sendJSON(t, ta, http.MethodPut, mg+"/templates/accept", org, `{"version":0,"subject":"Good news","body":"Hi {{nmae}}"}`)
	if fieldDetail(r.apiResponse, "subject") == "" || fieldDetail(r.apiResponse, "body") == "" {
		t.Errorf("a bad template: %v", r.JSON)
	}
	wantProblem(t, "an unknown kind of notice", sendJSON(t, ta, http.MethodPut, mg+"/templates/maybe", org, `{"version":0,"subject":"x","body":"y"}`).apiResponse,
		http.StatusNotFound, "not_found")
	r = sendJSON(t, ta, http.MethodGet, mg+"/templates", org, "")
	var accept map[string]any
	for _, x := range list(r.JSON["templates"]) {
		if x["kind"] == "accept" {
			accept = x
		}
	}
	r = sendJSON(t, ta, http.MethodPost, mg+"/templates/accept/preview", org, fmt.Sprintf(`{"subject":%q,"body":%q,"proposal_id":%d}`,
		accept["subject"], accept["body"], a))
	if r.Status != http.StatusOK || !strings.Contains(fmt.Sprint(r.JSON["body"]), "Dear Amina Yusuf") ||
		!strings.HasPrefix(fmt.Sprint(r.JSON["subject"]), "Action required") {
		t.Errorf("preview: %d %v", r.Status, r.JSON)
	}
	if r = sendJSON(t, ta, http.MethodGet, fmt.Sprintf("%s/proposals/%d/feedback", base, a), aminaToken, ""); r.Status != http.StatusOK || r.JSON["decision"] != "" {
		t.Errorf("a decision shown before its notice: %d %v", r.Status, r.JSON)
	}
	if r = sendJSON(t, ta, http.MethodPost, mg+"/notices/generate", org, ""); r.Status != http.StatusOK || r.JSON["generated"] != float64(2) {
		t.Fatalf("generate: %d %v", r.Status, r.JSON)
	}
	if r = sendJSON(t, ta, http.MethodGet, mg+"/notices", org, ""); len(list(r.JSON["notices"])) != 2 || list(r.JSON["notices"])[0]["status"] != "draft" {
		t.Errorf("the outbox: %v", r.JSON)
	}
	if r = sendJSON(t, ta, http.MethodPost, mg+"/notices/send", org, ""); r.Status != http.StatusOK || r.JSON["sent"] != float64(2) {
		t.Fatalf("send: %d %v", r.Status, r.JSON)
	}
	if m := ta.waitMail(amina, "Action required"); !strings.Contains(m.Text, "Naming racism in the curriculum") {
		t.Errorf("the acceptance: %q\n%s", m.Subject, m.Text)
	}
	ta.waitMail(ben, "Your proposal to")
	r = sendJSON(t, ta, http.MethodGet, mg+"/notices", org, "")
	for _, x := range list(r.JSON["notices"]) {
		if x["status"] != "sent" || x["delivery"] == "" || x["sent_at"] == nil {
			t.Errorf("a notice after sending: %v", x)
		}
	}

	// The presenters: the decision, the comments once released, the answer to an acceptance.
	feedback := fmt.Sprintf("%s/proposals/%d/feedback", base, a)
	r = sendJSON(t, ta, http.MethodGet, feedback, aminaToken, "")
	if r.JSON["decision"] != "accepted" || r.JSON["participation"] != "pending" || r.JSON["can_answer"] != true || len(r.JSON["comments"].([]any)) != 0 {
		t.Errorf("feedback: %v", r.JSON)
	}
	wantProblem(t, "someone else's feedback", sendJSON(t, ta, http.MethodGet, feedback, benToken, "").apiResponse, http.StatusNotFound, "not_found")
	if r = sendJSON(t, ta, http.MethodPost, fmt.Sprintf("%s/proposals/%d/release-comments", mg, a), org, ""); r.JSON["released"] != float64(2) {
		t.Errorf("release: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodGet, feedback, aminaToken, "")
	if !strings.Contains(r.Body, "A model for other schools.") || strings.Contains(r.Body, "Fund it.") || strings.Contains(r.Body, "Weak.") {
		t.Errorf("the released comments: %v", r.JSON)
	}
	participation := fmt.Sprintf("%s/proposals/%d/participation", base, a)
	wantProblem(t, "an answer that is not true or false", sendJSON(t, ta, http.MethodPost, participation, aminaToken, `{"confirm":"yes"}`).apiResponse,
		http.StatusUnprocessableEntity, "invalid")
	wantProblem(t, "no answer", sendJSON(t, ta, http.MethodPost, participation, aminaToken, `{}`).apiResponse, http.StatusUnprocessableEntity, "invalid")
	if r = sendJSON(t, ta, http.MethodPost, participation, aminaToken, `{"confirm":true}`); r.Status != http.StatusOK || r.JSON["participation"] != "confirmed" {
		t.Errorf("confirm: %d %v", r.Status, r.JSON)
	}
	wantProblem(t, "a rejected proposal's answer", sendJSON(t, ta, http.MethodPost, fmt.Sprintf("%s/proposals/%d/participation", base, b), benToken,
		`{"confirm":true}`).apiResponse, http.StatusForbidden, "forbidden")
	if r = sendJSON(t, ta, http.MethodGet, mg+"/decisions", org, ""); !strings.Contains(r.Body, `"participation":"confirmed"`) {
		t.Errorf("the organizers do not see the confirmation: %v", r.JSON)
	}

	// Calibration: with the second proposal as the sample, those who reviewed it see how their scores
	// sit against the others'; the others must review it before anything else.
	if r = sendJSON(t, ta, http.MethodGet, base+"/review/calibration", first, ""); r.Status != http.StatusOK || r.JSON["done"] != false {
		t.Errorf("calibration: %d %v", r.Status, r.JSON)
	}
	calibrating := strings.Replace(settings(5, now.Add(30*24*time.Hour)), `"reminder_hours"`, `"calibration":true,"reminder_hours"`, 1)
	if r = sendJSON(t, ta, http.MethodPut, mg+"/settings", org, calibrating); r.Status != http.StatusOK || r.JSON["calibration"] != true {
		t.Fatalf("calibration on: %d %v", r.Status, r.JSON)
	}
	if r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/calibration/%d", mg, b), org, ""); r.Status != http.StatusNoContent {
		t.Fatalf("a calibration sample: %d %v", r.Status, r.JSON)
	}
	wantProblem(t, "a withdrawn calibration sample", sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/calibration/%d", mg, late), org, "").apiResponse,
		http.StatusConflict, "conflict")
	for _, token := range reviewers {
		r = sendJSON(t, ta, http.MethodGet, base+"/review/tasks", token, "")
		samples := list(r.JSON["calibration"])
		if len(samples) != 1 || num(samples[0]["proposal_id"]) != b {
			t.Fatalf("the calibration tasks: %v", r.JSON)
		}
		res := sendJSON(t, ta, http.MethodGet, base+"/review/calibration", token, "")
		if samples[0]["status"] == "submitted" {
			items := list(res.JSON["items"])
			if r.JSON["locked"] != false || res.JSON["done"] != true || len(items) != 1 || items[0]["others"] != float64(1) || res.JSON["offset"] != float64(0) {
				t.Errorf("the calibration of a reviewer who scored the sample: %v / %v", r.JSON, res.JSON)
			}
			continue
		}
		if r.JSON["locked"] != true || res.JSON["done"] != false {
			t.Errorf("a reviewer who has not scored the sample: %v / %v", r.JSON, res.JSON)
		}
		if slices.Contains(assigned, token) {
			r = sendJSON(t, ta, http.MethodPut, item+"/review", token, fullReview(2, 4, "", ""))
			wantProblem(t, "a review before calibration", r.apiResponse, http.StatusForbidden, "forbidden")
		}
	}

	// Progress and reminders: every review is in.
	r = sendJSON(t, ta, http.MethodGet, mg+"/progress", org, "")
	if len(list(r.JSON["reviewers"])) != 3 || len(list(r.JSON["proposals"])) != 2 {
		t.Errorf("progress: %v", r.JSON)
	}
	if r = sendJSON(t, ta, http.MethodPost, mg+"/reminders", org, ""); r.Status != http.StatusOK || r.JSON["reminded"] != float64(0) {
		t.Errorf("remind: %d %v", r.Status, r.JSON)
	}
}

// TestConcurrentReviewEdits saves one review from eight windows at once, all read at the same
// version: one save wins, the others are told to reload, and the review holds the winner's text.
func TestConcurrentReviewEdits(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	m := newMatrix(t, ta)
	sh, err := ta.reviews.Sheet(context.Background(), m.principals[assignedReviewer], m.f.conf, m.p)
	if err != nil {
		t.Fatal(err)
	}
	url := fmt.Sprintf("%s%s/review/proposals/%d/review", ta.URL, m.base, m.p)
	statuses := make([]int, 8)
	var wg sync.WaitGroup
	for i := range statuses {
		wg.Go(func() {
			req, _ := http.NewRequest(http.MethodPut, url, strings.NewReader(fullReview(sh.Own.Version, 3, fmt.Sprintf("Window %d.", i), "")))
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Authorization", "Bearer "+m.tokens[assignedReviewer])
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_ = resp.Body.Close()
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	won := slices.Index(statuses, http.StatusOK)
	if won < 0 || slices.Contains(statuses[won+1:], http.StatusOK) {
		t.Fatalf("statuses %v: want one 200", statuses)
	}
	for i, s := range statuses {
		if i != won && s != http.StatusConflict {
			t.Errorf("window %d: %d, want 409", i, s)
		}
	}
	r, err := ta.reviews.Sheet(context.Background(), m.principals[assignedReviewer], m.f.conf, m.p)
	if err != nil || r.Own.Version != sh.Own.Version+1 || r.Own.ToPresenters != fmt.Sprintf("Window %d.", won) {
		t.Errorf("the saved review: version %d, %q (%v)", r.Own.Version, r.Own.ToPresenters, err)
	}
}
