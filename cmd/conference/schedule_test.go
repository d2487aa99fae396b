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

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/registration"
)

// scheduleFixture is a conference with accepted proposals to schedule: two confirmed, one whose
// presenters have not confirmed yet.
type scheduleFixture struct {
	callFixture
	alice, ben, dana   string // presenters' addresses
	pa, pb, pd         int64  // their proposals
	chair              string
	slug, manage, sess string
}

func newScheduleFixture(t *testing.T, ta *testApp) scheduleFixture {
	t.Helper()
	f := scheduleFixture{callFixture: openCall(t, ta, time.Time{})}
	_, f.alice = presenter(t, ta, "Alice Adeyemi")
	_, f.ben = presenter(t, ta, "Ben Okafor")
	_, f.dana = presenter(t, ta, "Dana Reyes")
	_, f.chair = presenter(t, ta, "Cleo Chair")
	f.pa = submitPosterAs(t, ta, f.callFixture, f.alice, "Naming racism in the curriculum").ID
	f.pb = submitPosterAs(t, ta, f.callFixture, f.ben, "Community voices in admissions").ID
	f.pd = submitPosterAs(t, ta, f.callFixture, f.dana, "A narrative still to confirm").ID
	if _, err := ta.db.SQL.Exec(`UPDATE proposals SET decision = 'accepted', participation = CASE WHEN id = $3 THEN 'pending'::participation ELSE 'confirmed'::participation END
		WHERE id IN ($1, $2, $3)`, f.pa, f.pb, f.pd); err != nil {
		t.Fatal(err)
	}
	f.slug = f.conf.Slug
	f.manage = "/c/" + f.slug + "/manage"
	f.sess = f.manage + "/schedule/sessions"
	return f
}

func (f scheduleFixture) roomID(t *testing.T, ta *testApp, name string) int64 {
	t.Helper()
	var id int64
	if err := ta.db.SQL.QueryRow(`SELECT id FROM schedule_rooms WHERE conference_id = $1 AND name = $2`, f.conf.ID, name).Scan(&id); err != nil {
		t.Fatalf("room %s: %v", name, err)
	}
	return id
}

func (f scheduleFixture) sessionID(t *testing.T, ta *testApp, title string) int64 {
	t.Helper()
	var id int64
	if err := ta.db.SQL.QueryRow(`SELECT id FROM schedule_sessions WHERE conference_id = $1 AND title = $2`, f.conf.ID, title).Scan(&id); err != nil {
		t.Fatalf("session %s: %v", title, err)
	}
	return id
}

func sessionValues(title, start, end string, room int64, extra ...string) url.Values {
	v := url.Values{"title": {title}, "kind": {"narrative"}, "start": {start}, "end": {end}, "room_id": {strconv.FormatInt(room, 10)}, "version": {"0"}}
	for i := 0; i+1 < len(extra); i += 2 {
		v.Set(extra[i], extra[i+1])
	}
	return v
}

// TestScheduleOrganizerPages builds a program on the pages without JavaScript: rooms and sessions
// with their errors, placing and moving, two organizers saving one session at once, conflicts,
// publishing twice with mail to the presenters whose slot moved, and the chairs' page.
func TestScheduleOrganizerPages(t *testing.T) {
	t.Parallel()
	ta := startApp(t, withFreshDB(t))
	f := newScheduleFixture(t, ta)
	org := loggedIn(t, ta, f.organizer)
	editor := f.manage + "/schedule"

	// Only organizers: strangers are refused, visitors asked to log in.
	strangerEmail := uniqueEmail("stranger")
	newUser(t, ta, strangerEmail, "Sam Stranger")
	stranger := loggedIn(t, ta, strangerEmail)
	for _, path := range []string{"/rooms", "/schedule", "/schedule/sessions/new", "/schedule/conflicts", "/schedule/publish"} {
		if p := stranger.get(f.manage + path); p.Status != http.StatusForbidden {
			t.Errorf("another account on %s: %d", path, p.Status)
		}
		if p := ta.browser().get(f.manage + path); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
			t.Errorf("anonymous %s: %d", path, p.Status)
		}
	}
	if p := stranger.post("/c/"+f.slug+"/hosting", f.manage+"/schedule/publish", url.Values{}); p.Status != http.StatusForbidden {
		t.Errorf("a stranger publishes: %d", p.Status)
	}

	// Rooms: a link that is not a web address is refused and kept.
	rooms := f.manage + "/rooms"
	p := org.post(rooms, rooms, url.Values{"name": {"Main stage"}, "meeting_url": {"zoom meeting 123"}, "capacity": {"lots"}})
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldError("meeting_url"), "https://") || p.fieldError("capacity") == "" {
		t.Errorf("a bad room: %d %q %q", p.Status, p.fieldError("meeting_url"), p.fieldError("capacity"))
	}
	if got := p.Doc.Find("input#meeting_url").AttrOr("value", ""); got != "zoom meeting 123" {
		t.Errorf("the link typed came back as %q", got)
	}
	if p.Doc.Find(`.error-summary a[href="#meeting_url"]`).Length() != 1 {
		t.Error("the error summary does not link to the field")
	}
	for _, name := range []string{"Main stage", "Room B"} {
		if p := org.post(rooms, rooms, url.Values{"name": {name}, "meeting_url": {"https://meet.example.org/" + strings.ReplaceAll(name, " ", "")}}); p.Status != http.StatusSeeOther {
			t.Fatalf("add room %s: %d %s", name, p.Status, summaryItems(p))
		}
	}
	main, roomB := f.roomID(t, ta, "Main stage"), f.roomID(t, ta, "Room B")

	// Sessions: the end before the start, and a chair without an account.
	p = org.post(f.sess+"/new", f.sess, sessionValues("Opening narratives", "2027-10-08T10:00", "2027-10-08T09:00", main, "chairs", "nobody@example.invalid"))
	if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldError("end"), "end after it starts") || !strings.Contains(p.fieldError("chairs"), "No account") {
		t.Errorf("a bad session: %d %q %q", p.Status, p.fieldError("end"), p.fieldError("chairs"))
	}
	if got := p.Doc.Find("input#title").AttrOr("value", ""); got != "Opening narratives" {
		t.Errorf("the title typed came back as %q", got)
	}
	p = org.post(f.sess+"/new", f.sess, sessionValues("Opening narratives", "2027-10-08T10:00", "2027-10-08T11:30", main, "chairs", f.chair))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("add a session: %d %s", p.Status, summaryItems(p))
	}
	if p := org.post(f.sess+"/new", f.sess, sessionValues("Afternoon narratives", "2027-10-08T14:00", "2027-10-08T15:00", roomB)); p.Status != http.StatusSeeOther {
		t.Fatalf("add a second session: %d %s", p.Status, summaryItems(p))
	}
	opening, afternoon := f.sessionID(t, ta, "Opening narratives"), f.sessionID(t, ta, "Afternoon narratives")

	// The editor: a grid of rooms by time, and the accepted proposals still to place.
	p = org.get(editor + "?day=2027-10-08")
	if p.Doc.Find("table.grid thead th").Length() != 3 || p.Doc.Find(`td[data-drop-room]`).Length() == 0 {
		t.Errorf("the grid: %d headers", p.Doc.Find("table.grid thead th").Length())
	}
	if p.Doc.Find(fmt.Sprintf("#session-%d", opening)).Length() != 1 || p.Doc.Find(".unplaced li.proposal").Length() != 3 {
		t.Errorf("the editor shows session %d: %d, unplaced %d", opening, p.Doc.Find(fmt.Sprintf("#session-%d", opening)).Length(), p.Doc.Find(".unplaced li.proposal").Length())
	}
	place := func(sid, pid int64) page {
		return org.post(editor, editor+"/place", url.Values{"session_id": {fmt.Sprint(sid)}, "proposal_id": {fmt.Sprint(pid)}, "day": {"2027-10-08"}})
	}
	for _, x := range [][2]int64{{opening, f.pa}, {opening, f.pd}, {afternoon, f.pb}} {
		if p := place(x[0], x[1]); p.Status != http.StatusSeeOther {
			t.Fatalf("place %d in %d: %d %s", x[1], x[0], p.Status, p.problem())
		}
	}
	p = org.get(editor + "?day=2027-10-08")
	if p.Doc.Find(fmt.Sprintf("#session-%d #item-%d", opening, f.pa)).Length() != 1 || p.Doc.Find(".unplaced li.proposal").Length() != 0 {
		t.Errorf("after placing: %s", p.Doc.Find("#editor").Text())
	}
	if !strings.Contains(p.Doc.Find(".flash").Text(), "is now in “Afternoon narratives”") {
		t.Errorf("the flash after placing: %q", p.Doc.Find(".flash").Text())
	}
	// A proposal that is not accepted cannot be placed; the editor says why.
	var rejected int64
	rejected = submitPosterAs(t, ta, f.callFixture, f.ben, "Rejected one").ID
	if p := place(opening, rejected); p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.problem(), "accepted proposal") {
		t.Errorf("placing a proposal not accepted: %d %q", p.Status, p.problem())
	}

	// Conflicts: Dana has not confirmed.
	p = org.get(editor + "/conflicts")
	if !strings.Contains(p.Doc.Find("main table").Text(), "not yet confirmed") {
		t.Errorf("conflicts: %s", p.Doc.Find("main").Text())
	}

	// Two organizers edit the opening at once: the second save is refused, nothing is lost.
	secondEmail := uniqueEmail("second")
	newUser(t, ta, secondEmail, "Second Organizer")
	admin := &access.Principal{Admin: true, UserID: newUser(t, ta, uniqueEmail("admin2"), "Ada Admin").ID}
	if err := ta.confs.Grant(context.Background(), admin, f.conf, secondEmail, access.Organizer); err != nil {
		t.Fatal(err)
	}
	second := loggedIn(t, ta, secondEmail)
	form := fmt.Sprintf("%s/%d", f.sess, opening)
	staleVersion := second.get(form).Doc.Find(`input[name="version"]`).First().AttrOr("value", "")
	v := sessionValues("Opening narratives and welcome", "2027-10-08T10:00", "2027-10-08T11:30", main, "version", org.get(form).Doc.Find(`input[name="version"]`).First().AttrOr("value", ""), "chairs", f.chair)
	if p := org.post(form, form, v); p.Status != http.StatusSeeOther {
		t.Fatalf("the first save: %d %s", p.Status, summaryItems(p))
	}
	v = sessionValues("Opening: a second idea", "2027-10-08T10:00", "2027-10-08T11:30", main, "version", staleVersion)
	p = second.post(form, form, v)
	if p.Status != http.StatusConflict || !strings.Contains(p.Doc.Find("#current").Text(), "Opening narratives and welcome") {
		t.Errorf("the stale save: %d %s", p.Status, p.Doc.Find("main").Text())
	}
	if got := p.Doc.Find("input#title").AttrOr("value", ""); got != "Opening: a second idea" {
		t.Errorf("the second organizer's title came back as %q", got)
	}
	if n := count(t, ta, `SELECT count(*) FROM schedule_sessions WHERE id = $1 AND title = 'Opening narratives and welcome'`, opening); n != 1 {
		t.Error("the first save was overwritten")
	}

	// Publish version 1: nobody is mailed.
	publish := editor + "/publish"
	p = org.get(publish)
	if !strings.Contains(p.Doc.Find("#changes-title").Text(), "first version") || p.Doc.Find(".changes li").Length() != 2 {
		t.Errorf("the preview: %s", p.Doc.Find("main").Text())
	}
	if p := org.post(publish, publish, url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("publish: %d", p.Status)
	}
	if n := count(t, ta, `SELECT count(*) FROM program_versions WHERE conference_id = $1`, f.conf.ID); n != 1 {
		t.Fatalf("%d versions", n)
	}
	var prog string
	_ = ta.db.SQL.QueryRow(`SELECT program::text FROM program_versions WHERE conference_id = $1 AND version = 1`, f.conf.ID).Scan(&prog)
	if !strings.Contains(prog, "Naming racism in the curriculum") || strings.Contains(prog, "A narrative still to confirm") || strings.Contains(prog, "meet.example.org/Mainstage") == false {
		t.Errorf("version 1 holds the wrong proposals: %s", prog)
	}

	// Move the opening to the next day in Room B, and publish version 2: Alice and the chair are told, Ben is not.
	mv := fmt.Sprintf("%s/%d/move", f.sess, opening)
	ver := org.get(form).Doc.Find(`input[name="version"]`).First().AttrOr("value", "")
	p = org.post(editor, mv, url.Values{"start": {"2027-10-09T09:00"}, "room_id": {fmt.Sprint(roomB)}, "version": {ver}, "day": {"2027-10-08"}})
	if p.Status != http.StatusSeeOther || !strings.Contains(p.Header.Get("Location"), "day=2027-10-09") {
		t.Fatalf("move: %d %s %s", p.Status, p.Header.Get("Location"), p.problem())
	}
	// The same move again names a version that is gone.
	if p := org.post(editor, mv, url.Values{"start": {"2027-10-09T12:00"}, "room_id": {fmt.Sprint(roomB)}, "version": {ver}}); p.Status != http.StatusConflict {
		t.Errorf("a stale move: %d", p.Status)
	}
	p = org.get(publish)
	if !strings.Contains(p.Doc.Find(".changes").Text(), "moved from Fri 8 Oct 10:00–11:30 EDT, Main stage to Sat 9 Oct 09:00–10:30 EDT, Room B") {
		t.Errorf("the change log: %s", p.Doc.Find(".changes").Text())
	}
	if p := org.post(publish, publish, url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("publish again: %d", p.Status)
	}
	m := ta.waitMail(f.alice, "has changed")
	if !strings.Contains(m.Text, "Sat 9 Oct 09:00–10:30 EDT, Room B") || !strings.Contains(m.Text, "/c/"+f.slug+"/program") {
		t.Errorf("Alice's mail: %s", m.Text)
	}
	if !strings.Contains(m.HTML, "<li>“Naming racism in the curriculum” moved from") {
		t.Errorf("Alice's mail in HTML: %s", m.HTML)
	}
	time.Sleep(300 * time.Millisecond)
	// The opening's chair is told too, in words of their own.
	if cm := ta.waitMail(f.chair, "has changed"); !strings.Contains(cm.Text, "which you chair, moved from Fri 8 Oct 10:00–11:30 EDT, Main stage to Sat 9 Oct 09:00–10:30 EDT, Room B") {
		t.Errorf("the chair's mail: %s", cm.Text)
	}
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE conference_id = $1 AND event_key LIKE 'program:%'`, f.conf.ID); n != 2 {
		t.Errorf("%d slot mails, want Alice's and the chair's (Ben's session did not move, Dana is not in the program)", n)
	}
	p = org.get(publish)
	if p.Doc.Find("main table tbody tr").Length() != 2 {
		t.Errorf("the versions list: %s", p.Doc.Find("main table").Text())
	}
	if p := org.get(editor + "/versions/2"); !strings.Contains(p.Doc.Find(".changes").Text(), "moved from Fri 8 Oct") {
		t.Errorf("version 2's page: %d %s", p.Status, p.Doc.Find("main").Text())
	}

	// The chair sees the session and the accommodations registrants asked for, never who asked;
	// someone chairing nothing sees no report.
	set := registration.DefaultSettings(f.conf.Name)
	set.Open = true
	if _, err := ta.regs.SeedSettings(context.Background(), f.conf, set); err != nil {
		t.Fatal(err)
	}
	for _, v := range []url.Values{person("Yara Captions", uniqueEmail("yara"), "accommodations", "captions"),
		person("Zed Private", uniqueEmail("zed"), "accommodations", "other", "accommodations_other", "Slides shared a day ahead, please")} {
		if p := register(ta.browser(), f.conf, v); p.Status != http.StatusSeeOther {
			t.Fatalf("register: %d %s", p.Status, summaryItems(p))
		}
	}
	chair := loggedIn(t, ta, f.chair)
	if p := chair.get("/c/" + f.slug); p.Doc.Find(`a[href$="/hosting"]`).Length() != 1 {
		t.Error("the conference page does not lead the chair to their sessions")
	}
	p = chair.get("/c/" + f.slug + "/hosting")
	if p.Status != http.StatusOK || !strings.Contains(p.Doc.Find(".hosted").Text(), "Opening narratives and welcome") || p.Doc.Find("#needs-caption").Length() != 1 {
		t.Errorf("the chair's page: %d %s", p.Status, p.Doc.Find("main").Text())
	}
	if got := p.Doc.Find(".hosted ol").Text(); !strings.Contains(got, "Naming racism in the curriculum") || !strings.Contains(got, "Alice Adeyemi (she/her)") ||
		strings.Contains(got, "A narrative still to confirm") {
		t.Errorf("the chair's session lists %q, want the confirmed proposals with their presenters", got)
	}
	if row := p.Doc.Find("main table tbody tr").First().Text(); !strings.Contains(row, "Live captions") || !strings.Contains(row, "1") {
		t.Errorf("the captions row: %q", row)
	}
	if main := p.Doc.Find("main").Text(); !strings.Contains(main, "Slides shared a day ahead") || strings.Contains(main, "Zed Private") {
		t.Errorf("the chair must read the needs without the names: %s", main)
	}
	if p := stranger.get("/c/" + f.slug + "/hosting"); p.Status != http.StatusOK || p.Doc.Find("#needs-caption").Length() != 0 {
		t.Errorf("someone chairing nothing: %d", p.Status)
	}
	chairToken, _ := apiToken(t, ta, f.chair)
	r := sendJSON(t, ta, http.MethodGet, "/api/v1/conferences/"+f.slug+"/hosting", chairToken, "")
	wantContract(t, "GET", "/api/v1/conferences/:slug/hosting", r.Status, r.Body)
	if r.Status != http.StatusOK || !strings.Contains(r.Body, `"accommodation":"captions","label":"Live captions","places":1`) ||
		!strings.Contains(r.Body, "Slides shared a day ahead") || strings.Contains(r.Body, "Zed") || !strings.Contains(r.Body, `"presenters":["Alice Adeyemi"]`) {
		t.Errorf("the chair's API answer: %d %s", r.Status, r.Body)
	}
	strangerToken, _ := apiToken(t, ta, strangerEmail)
	if r := sendJSON(t, ta, http.MethodGet, "/api/v1/conferences/"+f.slug+"/hosting", strangerToken, ""); r.Status != http.StatusOK || !strings.Contains(r.Body, `"accommodations":[]`) {
		t.Errorf("someone chairing nothing, in the API: %d %s", r.Status, r.Body)
	}
	wantProblem(t, "anonymous hosting", send(t, ta, http.MethodGet, "/api/v1/conferences/"+f.slug+"/hosting", nil).apiResponse, http.StatusUnauthorized, "unauthenticated")

	// Deleting a room still in use is refused; deleting a session unplaces its proposals.
	if p := org.post(rooms, fmt.Sprintf("%s/%d/delete", rooms, roomB), url.Values{}); p.Status != http.StatusConflict {
		t.Errorf("deleting a room in use: %d", p.Status)
	}
	ver = org.get(fmt.Sprintf("%s/%d", f.sess, afternoon)).Doc.Find(`input[name="version"]`).First().AttrOr("value", "")
	if p := org.post(editor, fmt.Sprintf("%s/%d/delete", f.sess, afternoon), url.Values{"version": {ver}}); p.Status != http.StatusSeeOther {
		t.Errorf("delete a session: %d", p.Status)
	}
	if org.get(editor).Doc.Find(fmt.Sprintf("#unplaced-%d", f.pb)).Length() != 1 {
		t.Error("the deleted session's proposal is not unplaced")
	}
}

// TestScheduleAPI drives the same work through the API: the contract's answers, bad input as
// problem details with field errors, a stale version with the current session, publishing twice.
func TestScheduleAPI(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := newScheduleFixture(t, ta)
	token, _ := apiToken(t, ta, f.organizer)
	other := newScheduleFixture(t, ta)
	otherToken, _ := apiToken(t, ta, other.organizer)
	api := "/api/v1/conferences/" + f.slug + "/manage"
	call := func(method, path, body string, tok ...string) reply {
		k := token
		if len(tok) > 0 {
			k = tok[0]
		}
		return sendJSON(t, ta, method, path, k, body)
	}
	check := func(method, route string, r reply, status int) {
		t.Helper()
		if r.Status != status {
			t.Errorf("%s %s: %d, want %d: %s", method, route, r.Status, status, r.Body)
			return
		}
		wantContract(t, method, "/api/v1/conferences/:slug/manage"+route, r.Status, r.Body)
	}

	// Only the conference's organizers.
	wantProblem(t, "anonymous", send(t, ta, http.MethodGet, api+"/schedule", nil).apiResponse, http.StatusUnauthorized, "unauthenticated")
	wantProblem(t, "another conference's organizer", call(http.MethodGet, api+"/schedule", "", otherToken).apiResponse, http.StatusForbidden, "forbidden")

	r := call(http.MethodPost, api+"/rooms", `{"name":"Main stage","meeting_url":"ftp://files","capacity":0}`)
	wantProblem(t, "a bad room", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if fieldDetail(r.apiResponse, "meeting_url") == "" || fieldDetail(r.apiResponse, "capacity") == "" {
		t.Errorf("a bad room's fields: %s", r.Body)
	}
	r = call(http.MethodPost, api+"/rooms", `{"name":"Main stage","meeting_url":"https://meet.example.org/main","capacity":300}`)
	check("POST", "/rooms", r, http.StatusCreated)
	main := int64(r.JSON["id"].(float64))
	r = call(http.MethodPut, fmt.Sprintf("%s/rooms/%d", api, main), `{"name":"Main stage","meeting_url":"https://meet.example.org/main","capacity":null,"position":1}`)
	check("PUT", "/rooms/:id", r, http.StatusOK)
	check("GET", "/rooms", call(http.MethodGet, api+"/rooms", ""), http.StatusOK)
	foreign := call(http.MethodPost, "/api/v1/conferences/"+other.slug+"/manage/rooms", `{"name":"Elsewhere"}`, otherToken)
	foreignID := int64(foreign.JSON["id"].(float64))

	// Bad sessions: the end before the start, a room of another conference, a proposal placed twice.
	r = call(http.MethodPost, api+"/sessions", fmt.Sprintf(`{"title":"Opening","kind":"plenary","start":"2027-10-08T10:00:00-04:00","end":"2027-10-08T09:00:00-04:00","room_id":%d,"items":[%d,%d]}`,
		foreignID, f.pa, f.pa))
	wantProblem(t, "a bad session", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	for field, want := range map[string]string{"end": "end after it starts", "room_id": "this conference's rooms", "items": "placed twice"} {
		if got := fieldDetail(r.apiResponse, field); !strings.Contains(got, want) {
			t.Errorf("a bad session's %s: %q", field, got)
		}
	}
	r = call(http.MethodPost, api+"/sessions", `{"title":"Opening","kind":"plenary","start":"soon"`)
	wantProblem(t, "broken JSON", r.apiResponse, http.StatusBadRequest, "malformed")
	r = call(http.MethodPost, api+"/sessions", fmt.Sprintf(`{"title":"Opening","kind":"narrative","start":"2027-10-08T10:00","end":"2027-10-08T11:00","room_id":%d,"items":[%d],"chairs":[%q]}`,
		main, f.pa, f.chair))
	check("POST", "/sessions", r, http.StatusCreated)
	opening := int64(r.JSON["id"].(float64))
	if r.JSON["start"] != "2027-10-08T14:00:00Z" || r.JSON["version"].(float64) != 1 {
		t.Errorf("the session's time in UTC and version: %v %v", r.JSON["start"], r.JSON["version"])
	}
	r = call(http.MethodPost, api+"/sessions", fmt.Sprintf(`{"title":"Second","kind":"narrative","start":"2027-10-08T10:30","end":"2027-10-08T11:00","room_id":%d,"items":[%d]}`, main, f.pa))
	wantProblem(t, "a proposal in two sessions", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if !strings.Contains(fieldDetail(r.apiResponse, "items"), "already placed") {
		t.Errorf("placed twice: %s", r.Body)
	}
	r = call(http.MethodPost, api+"/sessions", fmt.Sprintf(`{"title":"Second","kind":"workshop","start":"2027-10-08T10:30","end":"2027-10-08T11:00","room_id":%d}`, main))
	second := int64(r.JSON["id"].(float64))

	// Placing, in order, and taking out.
	r = call(http.MethodPost, fmt.Sprintf("%s/sessions/%d/items", api, opening), fmt.Sprintf(`{"proposal_id":%d,"position":1,"version":1}`, f.pb))
	check("POST", "/sessions/:id/items", r, http.StatusOK)
	if items := r.JSON["items"].([]any); len(items) != 2 || int64(items[0].(float64)) != f.pb {
		t.Errorf("items after placing first: %v", items)
	}
	r = call(http.MethodPost, fmt.Sprintf("%s/sessions/%d/items", api, opening), fmt.Sprintf(`{"proposal_id":%d,"version":1}`, f.pd))
	wantProblem(t, "placing on a stale version", r.apiResponse, http.StatusConflict, "conflict")
	r = call(http.MethodDelete, fmt.Sprintf("%s/sessions/%d/items/%d", api, opening, f.pb), "")
	check("DELETE", "/sessions/:id/items/:proposal_id", r, http.StatusOK)

	// Two organizers: the second PUT names the version the first replaced.
	body := fmt.Sprintf(`{"version":%%d,"title":%%q,"kind":"narrative","start":"2027-10-08T10:00","end":"2027-10-08T11:00","room_id":%d,"chairs":[%q]}`, main, f.chair)
	r = call(http.MethodGet, fmt.Sprintf("%s/sessions/%d", api, opening), "")
	check("GET", "/sessions/:id", r, http.StatusOK)
	v := int(r.JSON["version"].(float64))
	r = call(http.MethodPut, fmt.Sprintf("%s/sessions/%d", api, opening), fmt.Sprintf(body, v, "Opening narratives"))
	check("PUT", "/sessions/:id", r, http.StatusOK)
	r = call(http.MethodPut, fmt.Sprintf("%s/sessions/%d", api, opening), fmt.Sprintf(body, v, "Lost edit"))
	wantProblem(t, "a stale save", r.apiResponse, http.StatusConflict, "conflict")
	if cur, _ := r.JSON["current"].(map[string]any); cur["title"] != "Opening narratives" || int(cur["version"].(float64)) != v+1 {
		t.Errorf("the stale save's current session: %v", r.JSON["current"])
	}
	wantProblem(t, "a PUT without version", call(http.MethodPut, fmt.Sprintf("%s/sessions/%d", api, opening), `{"title":"x","kind":"plenary","start":"2027-10-08T10:00","end":"2027-10-08T11:00","room_id":1}`).apiResponse,
		http.StatusUnprocessableEntity, "invalid")
	wantProblem(t, "a session of another conference", call(http.MethodGet, fmt.Sprintf("/api/v1/conferences/%s/manage/sessions/%d", other.slug, opening), "", otherToken).apiResponse,
		http.StatusNotFound, "not_found")

	// Conflicts: the two sessions share the room; the board, the list, the preview.
	r = call(http.MethodGet, api+"/schedule/conflicts", "")
	check("GET", "/schedule/conflicts", r, http.StatusOK)
	if !strings.Contains(r.Body, `"kind":"room"`) {
		t.Errorf("conflicts: %s", r.Body)
	}
	check("GET", "/schedule", call(http.MethodGet, api+"/schedule", ""), http.StatusOK)
	check("GET", "/sessions", call(http.MethodGet, api+"/sessions", ""), http.StatusOK)
	check("GET", "/schedule/preview", call(http.MethodGet, api+"/schedule/preview", ""), http.StatusOK)

	// Publish, move, publish: version 2 logs the move and mails Alice once.
	r = call(http.MethodPost, api+"/schedule/publish", "")
	check("POST", "/schedule/publish", r, http.StatusCreated)
	if r.JSON["version"].(float64) != 1 {
		t.Errorf("first version: %v", r.JSON["version"])
	}
	r = call(http.MethodGet, fmt.Sprintf("%s/sessions/%d", api, opening), "")
	v = int(r.JSON["version"].(float64))
	r = call(http.MethodPut, fmt.Sprintf("%s/sessions/%d", api, opening), fmt.Sprintf(`{"version":%d,"title":"Opening narratives","kind":"narrative","start":"2027-10-09T13:00","end":"2027-10-09T14:00","room_id":%d,"chairs":[%q]}`,
		v, main, f.chair))
	if r.Status != http.StatusOK {
		t.Fatalf("move by PUT: %d %s", r.Status, r.Body)
	}
	r = call(http.MethodPost, api+"/schedule/publish", "")
	if r.Status != http.StatusCreated || r.JSON["version"].(float64) != 2 || !strings.Contains(r.Body, "moved") {
		t.Errorf("second version: %d %s", r.Status, r.Body)
	}
	if n := count(t, ta, `SELECT count(*) FROM email_messages WHERE event_key LIKE $1 AND recipient = $2`, fmt.Sprintf("program:%d:v2:%%", f.conf.ID), f.alice); n != 1 {
		t.Errorf("%d mails to Alice for version 2", n)
	}
	r = call(http.MethodGet, api+"/schedule/versions", "")
	check("GET", "/schedule/versions", r, http.StatusOK)
	if list := r.JSON["versions"].([]any); len(list) != 2 {
		t.Errorf("versions: %v", list)
	}
	r = call(http.MethodGet, api+"/schedule/versions/2", "")
	check("GET", "/schedule/versions/:version", r, http.StatusOK)
	if !strings.Contains(r.Body, "“Opening narratives” moved from") {
		t.Errorf("version 2: %s", r.Body)
	}
	wantProblem(t, "a version not published", call(http.MethodGet, api+"/schedule/versions/9", "").apiResponse, http.StatusNotFound, "not_found")

	// Deleting: a stale or missing version is refused; a room in use stays.
	wantProblem(t, "delete without version", call(http.MethodDelete, fmt.Sprintf("%s/sessions/%d", api, second), "").apiResponse, http.StatusUnprocessableEntity, "invalid")
	wantProblem(t, "delete a stale version", call(http.MethodDelete, fmt.Sprintf("%s/sessions/%d?version=9", api, second), "").apiResponse, http.StatusConflict, "conflict")
	check("DELETE", "/sessions/:id", call(http.MethodDelete, fmt.Sprintf("%s/sessions/%d?version=1", api, second), ""), http.StatusNoContent)
	wantProblem(t, "delete a room in use", call(http.MethodDelete, fmt.Sprintf("%s/rooms/%d", api, main), "").apiResponse, http.StatusConflict, "conflict")
	r = call(http.MethodPost, api+"/rooms", `{"name":"Spare"}`)
	check("DELETE", "/rooms/:id", call(http.MethodDelete, fmt.Sprintf("%s/rooms/%d", api, int64(r.JSON["id"].(float64))), ""), http.StatusNoContent)
}

// TestScheduleAuthorization keeps everyone but the conference's organizers out of every schedule
// route of the API and of the pages, each route served checked: visitors are asked to log in;
// presenters, reviewers, chairs and other conferences' organizers are refused.
func TestScheduleAuthorization(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := newScheduleFixture(t, ta)
	other := newScheduleFixture(t, ta)
	reviewer := uniqueEmail("reviewer")
	newUser(t, ta, reviewer, "Rae Reviewer")
	admin := &access.Principal{Admin: true, UserID: newUser(t, ta, uniqueEmail("admin3"), "Ada Admin").ID}
	if err := ta.confs.Grant(context.Background(), admin, f.conf, reviewer, access.Reviewer); err != nil {
		t.Fatal(err)
	}
	tokens := map[string]string{}
	for who, email := range map[string]string{"presenter": f.alice, "reviewer": reviewer, "chair": f.chair, "other organizer": other.organizer, "organizer": f.organizer} {
		tokens[who], _ = apiToken(t, ta, email)
	}
	fill := func(path string) string {
		return strings.NewReplacer(":slug", f.slug, ":proposal_id", fmt.Sprint(f.pa), ":id", "1", ":version", "1").Replace(path)
	}
	browsers := map[string]*browser{}
	for who, email := range map[string]string{"presenter": f.alice, "chair": f.chair, "other organizer": other.organizer} {
		browsers[who] = loggedIn(t, ta, email)
	}
	served := 0
	for _, r := range ta.server.Handler().(*echo.Echo).Routes() {
		isSchedule := strings.Contains(r.Path, "/manage/schedule") || strings.Contains(r.Path, "/manage/rooms") || strings.Contains(r.Path, "/manage/sessions")
		if r.Method == echo.RouteNotFound || !isSchedule {
			continue
		}
		served++
		path := fill(r.Path)
		if strings.HasPrefix(path, "/api/") {
			what := r.Method + " " + r.Path
			wantProblem(t, "anonymous "+what, send(t, ta, r.Method, path, nil).apiResponse, http.StatusUnauthorized, "unauthenticated")
			for who, tok := range tokens {
				got := sendJSON(t, ta, r.Method, path, tok, "{}")
				if who == "organizer" {
					if got.Status == http.StatusUnauthorized || got.Status == http.StatusForbidden || got.Status >= 500 {
						t.Errorf("the organizer on %s: %d", what, got.Status)
					}
					continue
				}
				wantProblem(t, who+" on "+what, got.apiResponse, http.StatusForbidden, "forbidden")
			}
			continue
		}
		for who, b := range browsers {
			var p page
			if r.Method == http.MethodGet {
				p = b.get(path)
			} else {
				p = b.post("/account", path, url.Values{})
			}
			if p.Status != http.StatusForbidden {
				t.Errorf("%s on %s %s: %d", who, r.Method, r.Path, p.Status)
			}
		}
	}
	if served < 30 {
		t.Errorf("only %d schedule routes found", served)
	}
}

// TestScheduleBadInput sends the schedule's forms and API what no page would: wrong types, ids of
// nothing, unreadable times, text PostgreSQL cannot store. Every answer is a clear error, never a 500.
func TestScheduleBadInput(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := newScheduleFixture(t, ta)
	org := loggedIn(t, ta, f.organizer)
	token, _ := apiToken(t, ta, f.organizer)
	rooms := f.manage + "/rooms"
	if p := org.post(rooms, rooms, url.Values{"name": {"Main stage"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("add a room: %d", p.Status)
	}
	main := f.roomID(t, ta, "Main stage")
	if p := org.post(f.sess+"/new", f.sess, sessionValues("Opening", "2027-10-08T10:00", "2027-10-08T11:00", main)); p.Status != http.StatusSeeOther {
		t.Fatalf("add a session: %d", p.Status)
	}
	sid := f.sessionID(t, ta, "Opening")
	editor := f.manage + "/schedule"
	huge := strings.Repeat("x", 5000)
	forms := []struct {
		action string
		values url.Values
		want   int
	}{
		{rooms, url.Values{"name": {"Nul\x00room"}}, http.StatusUnprocessableEntity},
		{rooms, url.Values{"name": {huge}}, http.StatusUnprocessableEntity},
		{rooms + "/abc", url.Values{"name": {"X"}}, http.StatusNotFound},
		{rooms + "/999999999/delete", url.Values{}, http.StatusNotFound},
		{f.sess, url.Values{"title": {"T"}, "kind": {"gala"}, "start": {"tomorrow"}, "end": {"2027-13-45T99:99"}, "room_id": {"abc"}, "track_id": {"-4"}}, http.StatusUnprocessableEntity},
		{f.sess, url.Values{"title": {"Tab\x00"}, "kind": {"break"}, "start": {"2027-10-08T10:00"}, "end": {"2027-10-08T11:00"}, "room_id": {fmt.Sprint(main)}}, http.StatusUnprocessableEntity},
		{fmt.Sprintf("%s/%d", f.sess, sid), url.Values{"version": {"seven"}, "title": {"T"}, "kind": {"break"}, "start": {"2027-10-08T10:00"}, "end": {"2027-10-08T11:00"}, "room_id": {fmt.Sprint(main)}}, http.StatusConflict},
		{f.sess + "/abc", url.Values{"version": {"1"}}, http.StatusNotFound},
		{fmt.Sprintf("%s/%d/move", f.sess, sid), url.Values{"version": {"1"}, "start": {"noon"}, "room_id": {"x"}}, http.StatusUnprocessableEntity},
		{f.sess + "/999999999/move", url.Values{"version": {"1"}, "start": {"2027-10-08T10:00"}, "room_id": {fmt.Sprint(main)}}, http.StatusNotFound},
		{editor + "/place", url.Values{"session_id": {""}, "proposal_id": {fmt.Sprint(f.pa)}}, http.StatusUnprocessableEntity}, // Place without choosing
		{editor + "/place", url.Values{"session_id": {"abc"}, "proposal_id": {"1"}}, http.StatusUnprocessableEntity},
		{editor + "/place", url.Values{"session_id": {fmt.Sprint(sid)}, "proposal_id": {"-1"}}, http.StatusUnprocessableEntity},
		{editor + "/place", url.Values{"session_id": {"999999999"}, "proposal_id": {fmt.Sprint(f.pa)}}, http.StatusNotFound},
		{editor + "/unplace", url.Values{"session_id": {fmt.Sprint(sid)}, "proposal_id": {fmt.Sprint(f.pa)}}, http.StatusNotFound},
	}
	for _, fm := range forms {
		p := org.post(editor, fm.action, fm.values)
		if p.Status != fm.want {
			t.Errorf("POST %s %v: %d, want %d: %s", fm.action, fm.values, p.Status, fm.want, p.problem())
		}
	}
	if p := org.get(f.sess + "/abc"); p.Status != http.StatusNotFound {
		t.Errorf("a session page of nothing: %d", p.Status)
	}
	if p := org.get(editor + "?day=1999-01-01"); p.Status != http.StatusOK {
		t.Errorf("the editor on a day not of the conference: %d", p.Status)
	}
	if p := org.get(editor + "/versions/abc"); p.Status != http.StatusNotFound {
		t.Errorf("a version of nothing: %d", p.Status)
	}

	api := "/api/v1/conferences/" + f.slug + "/manage"
	calls := []struct {
		method, path, body string
		want               int
	}{
		{http.MethodPost, "/rooms", `{"name":42}`, http.StatusUnprocessableEntity},
		{http.MethodPost, "/rooms", `[]`, http.StatusBadRequest},
		{http.MethodPost, "/rooms", `{"name":"A","capacity":"many"}`, http.StatusUnprocessableEntity},
		{http.MethodPost, "/rooms", `{"name":"A","extra":true}`, http.StatusBadRequest},
		{http.MethodPut, "/rooms/abc", `{"name":"A"}`, http.StatusNotFound},
		{http.MethodPost, "/sessions", `{"title":"T","kind":"break","start":"2027-10-08T10:00:00+99:00","end":"x","room_id":1}`, http.StatusUnprocessableEntity},
		{http.MethodPost, "/sessions", `{"title":"T","kind":"break","start":"2027-10-08T10:00","end":"2027-10-08T11:00","room_id":9223372036854775807}`, http.StatusUnprocessableEntity},
		{http.MethodPost, "/sessions", `{"title":"T","kind":"break","start":"2027-10-08T10:00","end":"2027-10-08T11:00","room_id":1,"items":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,51]}`, http.StatusUnprocessableEntity},
		{http.MethodPut, fmt.Sprintf("/sessions/%d", sid), `{"version":-3,"title":"T","kind":"break","start":"2027-10-08T10:00","end":"2027-10-08T11:00","room_id":1}`, http.StatusUnprocessableEntity},
		{http.MethodPost, fmt.Sprintf("/sessions/%d/items", sid), `{"proposal_id":"one"}`, http.StatusUnprocessableEntity},
		{http.MethodPost, fmt.Sprintf("/sessions/%d/items", sid), `{"proposal_id":999999999}`, http.StatusUnprocessableEntity},
		{http.MethodDelete, fmt.Sprintf("/sessions/%d/items/abc", sid), ``, http.StatusNotFound},
		{http.MethodDelete, fmt.Sprintf("/sessions/%d?version=abc", sid), ``, http.StatusUnprocessableEntity},
		{http.MethodGet, "/sessions/0", ``, http.StatusNotFound},
		{http.MethodGet, "/schedule/versions/0", ``, http.StatusNotFound},
	}
	for _, cl := range calls {
		r := sendJSON(t, ta, cl.method, api+cl.path, token, cl.body)
		if r.Status != cl.want {
			t.Errorf("%s %s %s: %d, want %d: %s", cl.method, cl.path, cl.body, r.Status, cl.want, r.Body)
			continue
		}
		code := problemCodes[cl.want]
		if cl.want == http.StatusBadRequest {
			code = "malformed"
		}
		wantProblem(t, cl.method+" "+cl.path, r.apiResponse, cl.want, code)
	}
	r := send(t, ta, http.MethodPost, api+"/rooms", strings.NewReader(`{"name":"A"}`), "Authorization", "Bearer "+token, "Content-Type", "text/plain")
	if r.Status != http.StatusUnsupportedMediaType && r.Status != http.StatusBadRequest {
		t.Errorf("a room sent as text: %d", r.Status)
	}
}
