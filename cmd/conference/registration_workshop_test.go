package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/apperr"
)

// TestWorkshops: organizers add a capacity-limited workshop; confirmed registrants sign up for it
// (a place, or its own waitlist); a place that frees up is offered to the next in line; the
// accommodations report covers it; and only people with a confirmed place may sign up.
func TestWorkshops(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	conf := regConf(t, ta, 0)
	slug := conf.Slug
	orgEmail := newOrganizer(t, ta, conf)
	org := loggedIn(t, ta, orgEmail)
	token, _ := apiToken(t, ta, orgEmail)

	// Adding one: mistakes are named; then it is listed publicly.
	list := "/c/" + slug + "/manage/workshops"
	p := org.post(list, list, url.Values{"title": {""}, "capacity": {"0"}, "starts_at": {"2027-06-01T14:00"}, "ends_at": {"2027-06-01T13:00"}})
	if p.Status != http.StatusUnprocessableEntity || fieldErr(p, "title") == "" || fieldErr(p, "capacity") == "" || !strings.Contains(fieldErr(p, "ends_at"), "end after it starts") {
		t.Errorf("bad workshop: %d %s", p.Status, summaryItems(p))
	}
	p = org.post(list, list, url.Values{"title": {"Auditing a curriculum for race-based medicine"}, "capacity": {"1"},
		"description": {"Bring **one** lecture."}, "starts_at": {"2027-06-01T13:00"}, "ends_at": {"2027-06-01T14:30"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add workshop: %d %s", p.Status, summaryItems(p))
	}
	r := send(t, ta, http.MethodGet, "/api/v1/conferences/"+slug+"/workshops", nil)
	ws, _ := r.JSON["workshops"].([]any)
	if r.Status != http.StatusOK || len(ws) != 1 {
		t.Fatalf("public workshops: %d %v", r.Status, r.JSON)
	}
	w := ws[0].(map[string]any)
	id := int64(w["id"].(float64))
	if w["places_left"].(float64) != 1 || w["starts_at"] != "2027-06-01T17:00:00Z" {
		t.Errorf("workshop: %v", w)
	}
	if p := ta.browser().get("/c/" + slug); !strings.Contains(p.Doc.Find("main").Text(), "1 of 1 places left") {
		t.Error("the conference page does not list the workshop")
	}

	// An unconfirmed registrant may not sign up yet.
	pending := ta.browser()
	register(pending, conf, person("Pat Pending", uniqueEmail("pending")))
	pendingID := regOf(t, ta, conf, regEmail(t, ta, conf, "Pat Pending")).ID
	if _, err := ta.regs.JoinWorkshop(context.Background(), conf, pendingID, id); !apperr.Is(err, apperr.Conflict) || !strings.Contains(err.Error(), "confirmed place") {
		t.Errorf("an unconfirmed registrant joins a workshop: %v", err)
	}
	r = send(t, ta, http.MethodPut, fmt.Sprintf("/api/v1/conferences/%s/registration/me/workshops/%d", slug, id), nil)
	wantProblem(t, "join without a registration", r.apiResponse, http.StatusUnauthorized, "unauthenticated")

	// Two confirmed registrants: the first gets the place (mail with a calendar), the second the waitlist.
	amaEmail, ben := uniqueEmail("ws.ama"), uniqueEmail("ws.ben")
	ama := registerConfirmed(t, ta, conf, "Ama Workshop", amaEmail)
	benB := registerConfirmed(t, ta, conf, "Ben Workshop", ben)
	join := fmt.Sprintf("/c/%s/registration/workshops/%d/join", slug, id)
	if p := ama.post("/c/"+slug+"/registration", join, url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("ama joins: %d %s", p.Status, summaryItems(p))
	}
	m := ta.waitMail(amaEmail, "Your place in the workshop")
	ev := calendarOf(t, ta, m).Events()
	if len(ev) != 1 {
		t.Fatalf("workshop calendar: %d events", len(ev))
	}
	if start, err := ev[0].GetStartAt(); err != nil || !start.Equal(time.Date(2027, 6, 1, 17, 0, 0, 0, time.UTC)) {
		t.Errorf("workshop start %v %v", start, err)
	}
	if p := ama.post("/c/"+slug+"/registration", join, url.Values{}); p.Status != http.StatusConflict || !strings.Contains(p.problem(), "already signed up") {
		t.Errorf("joining twice: %d %q", p.Status, p.problem())
	}
	p = benB.post("/c/"+slug+"/registration", join, url.Values{})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("ben joins: %d", p.Status)
	}
	p = benB.get("/c/" + slug + "/registration")
	if !strings.Contains(p.Doc.Find(".flash").Text(), "full, so you are on its waitlist") || !strings.Contains(p.Doc.Find("#workshops-title").Parent().Text(), "number 1 on its waitlist") {
		t.Errorf("ben's page:\n%s", p.Doc.Find("main").Text())
	}

	// Ama leaves: Ben is offered the place and takes it by the API with his personal link.
	if p := ama.post("/c/"+slug+"/registration", fmt.Sprintf("/c/%s/registration/workshops/%d/leave", slug, id), url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("ama leaves: %d", p.Status)
	}
	offer := ta.waitMail(ben, "is yours to take")
	benToken := mustQuery(t, linkIn(t, offer, "/registration?token="), "token")
	r = send(t, ta, http.MethodPost, fmt.Sprintf("/api/v1/conferences/%s/registration/me/workshops/%d/accept", slug, id), nil, "Registration-Token", benToken)
	if r.Status != http.StatusOK {
		t.Fatalf("ben accepts: %d %v", r.Status, r.JSON)
	}
	signups := r.JSON["workshops"].([]any)
	if len(signups) != 1 || signups[0].(map[string]any)["status"] != "registered" {
		t.Errorf("ben's workshops: %v", signups)
	}
	ta.waitMail(ben, "Your place in the workshop")
	// Ama, now behind, joins the waitlist by API, and the next offer, when it runs out, passes on.
	amaToken := mustQuery(t, linkIn(t, ta.waitMail(amaEmail, "You are registered"), "/registration?token="), "token")
	r = send(t, ta, http.MethodPut, fmt.Sprintf("/api/v1/conferences/%s/registration/me/workshops/%d", slug, id), nil, "Registration-Token", amaToken)
	if r.Status != http.StatusOK || r.JSON["workshops"].([]any)[0].(map[string]any)["waitlist_position"].(float64) != 1 {
		t.Fatalf("ama joins the waitlist: %d %v", r.Status, r.JSON)
	}
	r = send(t, ta, http.MethodDelete, fmt.Sprintf("/api/v1/conferences/%s/registration/me/workshops/%d", slug, id), nil, "Registration-Token", benToken)
	if r.Status != http.StatusNoContent {
		t.Fatalf("ben leaves: %d", r.Status)
	}
	var signupID int64
	waitFor(t, "ama is offered the place", func() bool {
		return ta.db.SQL.QueryRow(`SELECT s.id FROM workshop_signups s JOIN registrations r ON r.id = s.registration_id
			WHERE r.email = $1 AND s.status = 'offered'`, amaEmail).Scan(&signupID) == nil
	})
	if _, err := ta.db.SQL.Exec(`UPDATE workshop_signups SET offer_expires_at = now() - interval '1 second' WHERE id = $1`, signupID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "ama's workshop offer lapses", func() bool {
		return count(t, ta, `SELECT count(*) FROM workshop_signups WHERE id = $1 AND status = 'expired'`, signupID) == 1
	})
	if n := count(t, ta, `SELECT places_taken FROM workshops WHERE id = $1`, id); n != 0 {
		t.Errorf("workshop places taken after everyone left: %d", n)
	}

	// The organizer's page of the workshop, its capacity, and its accommodations.
	page := fmt.Sprintf("%s/%d", list, id)
	p = org.post(page, page, url.Values{"title": {"Auditing a curriculum"}, "capacity": {"2"}, "starts_at": {"2027-06-01T13:00"}, "ends_at": {"2027-06-01T14:30"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("change workshop: %d %s", p.Status, summaryItems(p))
	}
	capEmail := uniqueEmail("ws.captions")
	cap := ta.browser()
	v := person("Cap Tions", capEmail, "accommodations", "captions", "workshops", fmt.Sprint(id))
	register(cap, conf, v)
	confirmByMail(t, ta, cap, conf, capEmail)
	if p = org.get(page); !strings.Contains(p.Doc.Find("main table").Text(), "Cap Tions") {
		t.Errorf("participants:\n%s", p.Doc.Find("main").Text())
	}
	r = send(t, ta, http.MethodGet, "/api/v1/conferences/"+slug+"/accommodations", nil, "Authorization", "Bearer "+token)
	wsNeeds := r.JSON["workshops"].([]any)[0].(map[string]any)
	if r.Status != http.StatusOK || wsNeeds["counts"].(map[string]any)["captions"].(float64) != 1 || len(wsNeeds["people"].([]any)) != 1 {
		t.Errorf("accommodations: %d %v", r.Status, r.JSON)
	}
	if p = org.get("/c/" + slug + "/manage/accommodations"); !strings.Contains(p.Doc.Find(`section[aria-labelledby^="workshop-"]`).Text(), "Cap Tions") {
		t.Errorf("accommodations page:\n%s", p.Doc.Find("main").Text())
	}
	// A workshop someone signed up for cannot be deleted; an empty one can.
	if p = org.post(page, page+"/delete", url.Values{}); p.Status != http.StatusConflict {
		t.Errorf("delete a workshop with people: %d", p.Status)
	}
	r = sendJSON(t, ta, http.MethodPost, "/api/v1/conferences/"+slug+"/workshops", token, `{"title":"Spare","capacity":5}`)
	spare := int64(r.JSON["id"].(float64))
	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("/api/v1/conferences/%s/workshops/%d", slug, spare), token, `{"title":"Spare","capacity":0}`)
	wantProblem(t, "capacity 0", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if r := send(t, ta, http.MethodDelete, fmt.Sprintf("/api/v1/conferences/%s/workshops/%d", slug, spare), nil, "Authorization", "Bearer "+token); r.Status != http.StatusNoContent {
		t.Errorf("delete an empty workshop: %d", r.Status)
	}
	r = send(t, ta, http.MethodGet, fmt.Sprintf("/api/v1/conferences/%s/workshops/%d", slug, id), nil, "Authorization", "Bearer "+token)
	if r.Status != http.StatusOK || len(r.JSON["participants"].([]any)) != 1 {
		t.Errorf("API workshop: %d %v", r.Status, r.JSON)
	}
}
