package main

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/challenging-norms/conference/internal/conference"
)

// TestRegistrationOrganizers runs the organizers' side on the pages and in the API: settings and
// questions with their errors, the list with search and attendance marks, the export, adding someone
// by hand, resending, cancelling; and keeps everyone else out.
func TestRegistrationOrganizers(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	conf := regConf(t, ta, 3)
	slug := conf.Slug
	orgEmail := newOrganizer(t, ta, conf)
	org := loggedIn(t, ta, orgEmail)
	token, _ := apiToken(t, ta, orgEmail)

	// Everyone else is kept out: strangers are asked to log in, other accounts refused.
	strangerEmail := uniqueEmail("stranger")
	newUser(t, ta, strangerEmail, "Stranger")
	stranger := loggedIn(t, ta, strangerEmail)
	strangerToken, _ := apiToken(t, ta, strangerEmail)
	for _, path := range []string{"/manage/registration", "/manage/registration/questions", "/manage/registrations", "/manage/registrations/export.csv",
		"/manage/registrations/new", "/manage/workshops", "/manage/accommodations", "/manage/demographics"} {
		if p := ta.browser().get("/c/" + slug + path); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
			t.Errorf("anonymous %s: %d %q", path, p.Status, p.Header.Get("Location"))
		}
		if p := stranger.get("/c/" + slug + path); p.Status != http.StatusForbidden {
			t.Errorf("another account on %s: %d", path, p.Status)
		}
	}
	for _, path := range []string{"/registration/settings", "/registrations", "/registrations/export", "/accommodations", "/demographics"} {
		r := send(t, ta, http.MethodGet, "/api/v1/conferences/"+slug+path, nil)
		wantProblem(t, "anonymous "+path, r.apiResponse, http.StatusUnauthorized, "unauthenticated")
		r = send(t, ta, http.MethodGet, "/api/v1/conferences/"+slug+path, nil, "Authorization", "Bearer "+strangerToken)
		wantProblem(t, "another account "+path, r.apiResponse, http.StatusForbidden, "forbidden")
	}
	if p := stranger.post("/c/"+slug+"/registration", "/c/"+slug+"/manage/registrations/new", person("X", uniqueEmail("x"))); p.Status != http.StatusForbidden {
		t.Errorf("another account adding someone: %d", p.Status)
	}

	// Settings: wrong values are named and kept.
	settings := "/c/" + slug + "/manage/registration"
	v := settingsValues(t, ta, conf)
	v.Set("capacity", "lots")
	v.Set("offer_hold_hours", "0")
	p := org.post(settings, settings, v)
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldErr(p, "capacity"), "whole number") {
		t.Errorf("bad settings: %d %q", p.Status, fieldErr(p, "capacity"))
	}
	if got := p.Doc.Find("input#capacity").AttrOr("value", ""); got != "lots" {
		t.Errorf("the capacity typed came back as %q", got)
	}
	v.Set("capacity", "3")
	v.Set("offer_hold_hours", "0")
	v.Set("privacy_statement", "")
	v.Set("closes_at", "2020-01-01T00:00")
	v.Set("opens_at", "2021-01-01T00:00")
	p = org.post(settings, settings, v)
	for field, want := range map[string]string{"offer_hold_hours": "from 1 to 336", "privacy_statement": "before you open", "closes_at": "close after it opens"} {
		if got := fieldErr(p, field); !strings.Contains(got, want) {
			t.Errorf("settings %s: %q, want %q", field, got, want)
		}
	}

	// Questions: one is added; a choice without options is refused on its own block.
	questions := "/c/" + slug + "/manage/registration/questions"
	p = org.post(questions, questions, url.Values{"questions.0.label": {"Which session are you most looking forward to?"}, "questions.0.kind": {"single_choice"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldErr(p, "questions.0.options"), "at least two options") {
		t.Errorf("a choice without options: %d %q", p.Status, fieldErr(p, "questions.0.options"))
	}
	p = org.post(questions, questions, url.Values{"questions.0.label": {"How did you hear about us?"}, "questions.0.kind": {"text"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add a question: %d %s", p.Status, summaryItems(p))
	}
	if p := ta.browser().get("/c/" + slug + "/register"); p.Doc.Find(`input[name="answers.how_did_you_hear_about_us"]`).Length() != 1 {
		t.Error("the new question is not on the form")
	}

	// People register; one with a name that a spreadsheet would run as a formula.
	for i, name := range []string{"=HYPERLINK(\"http://evil.example\",\"x\")", "Lena Ruiz", "Tomás Ortega", "Ngozi Eze"} {
		v := person(name, uniqueEmail(fmt.Sprint("listed", i)), "answers.how_did_you_hear_about_us", "+From a colleague", "accommodations", "asl",
			"demographics.race_ethnicity", "Black or African American", "demographics.race_ethnicity_self", "Zyxwvut heritage")
		if i == 2 {
			v.Set("institution", "Universidad Central del Caribe")
		}
		if p := register(ta.browser(), conf, v); p.Status != http.StatusSeeOther {
			t.Fatalf("register %d: %d %s", i, p.Status, summaryItems(p))
		}
	}

	// The list, searched and filtered.
	list := "/c/" + slug + "/manage/registrations"
	p = org.get(list)
	if n := p.Doc.Find("main table tbody tr").Length(); n != 4 {
		t.Errorf("the list shows %d rows, want 4", n)
	}
	if p = org.get(list + "?q=caribe"); p.Doc.Find("main table tbody tr").Length() != 1 || !strings.Contains(p.Doc.Find("main table").Text(), "Tomás Ortega") {
		t.Errorf("search by institution: %s", p.Doc.Find("main table").Text())
	}
	if p = org.get(list + "?status=waitlisted"); p.Doc.Find("main table tbody tr").Length() != 1 {
		t.Errorf("filter waitlisted: %d rows", p.Doc.Find("main table tbody tr").Length())
	}
	if p = org.get(list + "?status=bogus"); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("unknown status filter: %d", p.Status)
	}
	r := send(t, ta, http.MethodGet, "/api/v1/conferences/"+slug+"/registrations?q=RUIZ", nil, "Authorization", "Bearer "+token)
	regs, _ := r.JSON["registrations"].([]any)
	if r.Status != http.StatusOK || len(regs) != 1 || r.JSON["places_taken"].(float64) != 3 {
		t.Fatalf("API search: %d %v", r.Status, r.JSON)
	}
	lena := regs[0].(map[string]any)
	lenaID := int64(lena["id"].(float64))
	for _, bad := range []string{"?limit=0", "?offset=-1", "?status=nope"} {
		r := send(t, ta, http.MethodGet, "/api/v1/conferences/"+slug+"/registrations"+bad, nil, "Authorization", "Bearer "+token)
		wantProblem(t, "list "+bad, r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	}

	// Attendance, from the list: only people with a place.
	attendance := fmt.Sprintf("%s/%d/attendance", list, lenaID)
	if p = org.post(list, attendance, url.Values{"attended": {"yes"}, "next": {list}}); p.Status != http.StatusSeeOther || p.Header.Get("Location") != list {
		t.Fatalf("mark attended: %d %q", p.Status, p.Header.Get("Location"))
	}
	if n := count(t, ta, `SELECT count(*) FROM registrations WHERE id = $1 AND attended_at IS NOT NULL`, lenaID); n != 1 {
		t.Error("attendance not recorded")
	}
	waiting := regOf(t, ta, conf, regEmail(t, ta, conf, "Ngozi Eze"))
	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("/api/v1/conferences/%s/registrations/%d/attendance", slug, waiting.ID), token, `{"attended":true}`)
	wantProblem(t, "attendance of someone waiting", r.apiResponse, http.StatusConflict, "conflict")
	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("/api/v1/conferences/%s/registrations/%d/attendance", slug, lenaID), token, `{"attended":false}`)
	if r.Status != http.StatusOK || r.JSON["attended"] != false {
		t.Errorf("unmark by API: %d %v", r.Status, r.JSON)
	}

	// The export: Excel-safe, with the questions, never with demographic answers; and audited.
	p = org.get(list + "/export.csv")
	if p.Status != http.StatusOK || !strings.HasPrefix(p.Header.Get("Content-Type"), "text/csv") || !strings.HasPrefix(p.Body, "\ufeff") || !strings.Contains(p.Body, "\r\n") {
		t.Fatalf("export: %d %q", p.Status, p.Header.Get("Content-Type"))
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(p.Body, "\ufeff"))).ReadAll()
	if err != nil || len(records) != 5 {
		t.Fatalf("export: %d rows, %v", len(records), err)
	}
	if !contains2(records[0], "How did you hear about us?") || !contains2(records[0], "ASL interpretation") {
		t.Errorf("export header: %v", records[0])
	}
	body := p.Body
	if !strings.Contains(body, `'=HYPERLINK`) || !strings.Contains(body, "'+From a colleague") {
		t.Errorf("formulas are not neutralized:\n%s", body)
	}
	for _, secret := range []string{"Black or African American", "Zyxwvut", "race", "demographic"} {
		if strings.Contains(strings.ToLower(body), strings.ToLower(secret)) {
			t.Errorf("the export holds %q", secret)
		}
	}
	r = send(t, ta, http.MethodGet, "/api/v1/conferences/"+slug+"/registrations/export", nil, "Authorization", "Bearer "+token)
	if r.Status != http.StatusOK || r.Body != body {
		t.Errorf("API export: %d, same as the page: %v", r.Status, r.Body == body)
	}
	if n := count(t, ta, `SELECT count(*) FROM audit_log WHERE action = 'registration.exported' AND conference_id = $1`, conf.ID); n != 2 {
		t.Errorf("%d exports in the audit log, want 2", n)
	}

	// Adding someone by hand: full, so the waitlist; confirmed; told by mail. The address twice: refused.
	added := uniqueEmail("added")
	add := list + "/new"
	p = org.post(add, add, url.Values{"name": {"Ayo Bello"}, "email": {added}, "participant_role": {"dean"}, "institution": {"Meharry"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add: %d %s", p.Status, summaryItems(p))
	}
	if r := regOf(t, ta, conf, added); r.Status != "waitlisted" || !r.Confirmed {
		t.Errorf("added by hand to a full conference: %+v", r)
	}
	ta.waitMail(added, "You are on the waitlist")
	p = org.post(add, add, url.Values{"name": {"Ayo Again"}, "email": {strings.ToUpper(added)}, "participant_role": {"dean"}, "institution": {"Meharry"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(fieldErr(p, "email"), "registered already") {
		t.Errorf("adding an address twice: %d %q", p.Status, fieldErr(p, "email"))
	}
	r = sendJSON(t, ta, http.MethodPost, "/api/v1/conferences/"+slug+"/registrations", token,
		fmt.Sprintf(`{"name":"Api Added","email":%q,"participant_role":"faculty","institution":"X","consent":true}`, uniqueEmail("api.added")))
	wantProblem(t, "consent is the person's own to give", r.apiResponse, http.StatusBadRequest, "malformed")
	r = sendJSON(t, ta, http.MethodPost, "/api/v1/conferences/"+slug+"/registrations", token,
		fmt.Sprintf(`{"name":"Api Added","email":%q,"participant_role":"faculty","institution":"X"}`, uniqueEmail("api.added")))
	if r.Status != http.StatusCreated || r.JSON["source"] != "organizer" || r.JSON["email_confirmed"] != true {
		t.Errorf("API add: %d %v", r.Status, r.JSON)
	}

	// One registration: everything but demographic answers; resend and cancel.
	detail := fmt.Sprintf("%s/%d", list, lenaID)
	p = org.get(detail)
	if !strings.Contains(p.Doc.Find(".facts").Text(), "+From a colleague") || strings.Contains(p.Body, "Black or African") || strings.Contains(p.Body, "Zyxwvut") {
		t.Errorf("the registration page:\n%s", p.Doc.Find("main").Text())
	}
	lenaEmail := lena["email"].(string)
	before := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1`, lenaEmail)
	if p = org.post(detail, detail+"/resend", url.Values{}); p.Status != http.StatusSeeOther {
		t.Errorf("resend: %d", p.Status)
	}
	if r := send(t, ta, http.MethodPost, fmt.Sprintf("/api/v1/conferences/%s/registrations/%d/resend", slug, lenaID), nil, "Authorization", "Bearer "+token); r.Status != http.StatusAccepted {
		t.Errorf("API resend: %d", r.Status)
	}
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE recipient = $1`, lenaEmail); n != before+2 {
		t.Errorf("%d messages after resending twice, want %d", n, before+2)
	}
	if p = org.post(detail, detail+"/cancel", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d %s", p.Status, summaryItems(p))
	}
	if r := regOf(t, ta, conf, lenaEmail); r.Status != "cancelled" {
		t.Errorf("after cancelling: %+v", r)
	}
	if p = org.post(detail, detail+"/cancel", url.Values{}); p.Status != http.StatusConflict || !strings.Contains(p.problem(), "cancelled already") {
		t.Errorf("cancelling twice: %d %q", p.Status, p.problem())
	}
	r = send(t, ta, http.MethodPost, fmt.Sprintf("/api/v1/conferences/%s/registrations/%d/resend", slug, lenaID), nil, "Authorization", "Bearer "+token)
	wantProblem(t, "resend to a cancelled registration", r.apiResponse, http.StatusConflict, "conflict")
	for _, id := range []string{"0", "x", "999999999"} {
		if p := org.get(list + "/" + id); p.Status != http.StatusNotFound {
			t.Errorf("registration %s: %d", id, p.Status)
		}
		r := send(t, ta, http.MethodGet, "/api/v1/conferences/"+slug+"/registrations/"+id, nil, "Authorization", "Bearer "+token)
		wantProblem(t, "registration "+id, r.apiResponse, http.StatusNotFound, "not_found")
	}
	if n := count(t, ta, `SELECT count(*) FROM audit_log WHERE conference_id = $1 AND action IN ('registration.cancelled', 'registration.added', 'registration.resent', 'registration.settings_updated', 'registration.questions_updated')`, conf.ID); n < 6 {
		t.Errorf("%d organizer actions in the audit log", n)
	}

	// Settings in the API.
	r = send(t, ta, http.MethodGet, "/api/v1/conferences/"+slug+"/registration/settings", nil, "Authorization", "Bearer "+token)
	if r.Status != http.StatusOK || r.JSON["capacity"].(float64) != 3 || r.JSON["configured"] != true {
		t.Errorf("API settings: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, "/api/v1/conferences/"+slug+"/registration/settings", token,
		`{"open":true,"capacity":1,"offer_hold_hours":12,"privacy_statement":"P","questions":[{"label":"Q","kind":"nope"}]}`)
	wantProblem(t, "API bad settings", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if !strings.Contains(fieldDetail(r.apiResponse, "capacity"), "already taken") || fieldDetail(r.apiResponse, "questions.0.kind") == "" {
		t.Errorf("API bad settings: %v", r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, "/api/v1/conferences/"+slug+"/registration/settings", token,
		`{"open":false,"capacity":null,"offer_hold_hours":12,"privacy_statement":"P","join_info":"J","demographics":[]}`)
	if r.Status != http.StatusOK || r.JSON["capacity"] != nil || r.JSON["open"] != false || len(r.JSON["questions"].([]any)) != 1 {
		t.Errorf("API settings update: %d %v", r.Status, r.JSON)
	}
}

// regEmail finds a registrant's address by name.
func regEmail(t *testing.T, ta *testApp, conf conference.Conference, name string) string {
	t.Helper()
	var email string
	if err := ta.db.SQL.QueryRow(`SELECT email FROM registrations WHERE conference_id = $1 AND name = $2`, conf.ID, name).Scan(&email); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return email
}

func contains2(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
