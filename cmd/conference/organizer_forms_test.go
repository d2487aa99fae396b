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
)

// TestRevokingAnExtensionThereIsNot: taking back an extension the conference never had (an id of
// no extension, or another conference's) is a page that is not found, on the web as in the API,
// and the other conference's extension stays; one taken back already (a double click) says so.
func TestRevokingAnExtensionThereIsNot(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	other := openCall(t, ta, time.Time{})
	ctx := context.Background()
	_, email := presenter(t, ta, "Rosa Mendes")
	theirs, err := ta.calls.GrantExtension(ctx, organizerOf(t, ta, other), other.conf, email, "2031-07-10T23:59", "")
	if err != nil {
		t.Fatal(err)
	}
	mine, err := ta.calls.GrantExtension(ctx, organizerOf(t, ta, f), f.conf, email, "2031-07-10T23:59", "")
	if err != nil {
		t.Fatal(err)
	}

	b := loggedIn(t, ta, f.organizer)
	base := "/c/" + f.conf.Slug + "/manage/extensions"
	for what, id := range map[string]int64{"no extension": 999999999, "another conference's": theirs.ID} {
		p := b.post(base, fmt.Sprintf("%s/%d/revoke", base, id), url.Values{})
		if p.Status != http.StatusNotFound {
			t.Errorf("revoke %s: %d, want 404", what, p.Status)
		}
		wantPage(t, "revoke "+what, p.Header, p.Body, "There is no such extension.")
		if flash := b.get(base).Doc.Find(".flash").Text(); flash != "" {
			t.Errorf("revoke %s: flash %q", what, flash)
		}
	}
	if n := count(t, ta, `SELECT count(*) FROM deadline_extensions WHERE id = $1`, theirs.ID); n != 1 {
		t.Errorf("the other conference's extension: %d rows", n)
	}

	// Taken back, then again (a double click): the second says it was.
	for _, want := range []string{"The extension of Rosa Mendes is taken back", "That extension was already taken back."} {
		p := b.post(base, fmt.Sprintf("%s/%d/revoke", base, mine.ID), url.Values{})
		if flash := b.get(base).Doc.Find(".flash").Text(); p.Status != http.StatusSeeOther || len(flash) < len(want) || flash[:len(want)] != want {
			t.Errorf("revoke mine: %d %q, want %q", p.Status, flash, want)
		}
	}

	token, _ := apiToken(t, ta, f.organizer)
	api := "/api/v1/conferences/" + f.conf.Slug + "/manage/extensions/"
	for what, id := range map[string]int64{"no extension": 999999999, "another conference's": theirs.ID, "one taken back": mine.ID} {
		r := sendJSON(t, ta, http.MethodDelete, fmt.Sprint(api, id), token, "")
		wantProblem(t, "API revoke of "+what, r.apiResponse, http.StatusNotFound, "not_found")
	}
	if n := count(t, ta, `SELECT count(*) FROM deadline_extensions WHERE id = $1`, theirs.ID); n != 1 {
		t.Errorf("the other conference's extension after the API: %d rows", n)
	}
}

// TestNewConferenceWithAnOrganizerThereIsNot: an administrator's new conference whose first
// organizer's address is not an account's is refused with that field's error, with the others the
// form has, and nothing is created; with an account's address the conference and its organizer's
// role are made together.
func TestNewConferenceWithAnOrganizerThereIsNot(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	admin := uniqueEmail("admin")
	if _, err := ta.accounts.CreateUser(context.Background(), account.CreateUserInput{Email: admin, Name: "Ada Admin", Password: strongPassword, Admin: true}); err != nil {
		t.Fatal(err)
	}
	organizer := uniqueEmail("organizer")
	newUser(t, ta, organizer, "Olu Organizer")
	b := loggedIn(t, ta, admin)
	slug := fmt.Sprintf("new-%d", unique())
	form := func(organizer, name string) url.Values {
		return url.Values{"name": {name}, "slug": {slug}, "time_zone": {"America/New_York"}, "starts_on": {"2027-06-01"},
			"ends_on": {"2027-06-03"}, "organizer": {organizer}}
	}
	for _, tt := range []struct {
		organizer, name string
		want            map[string]string
	}{
		{"bad", "Challenging Norms 2027", map[string]string{"organizer": "Enter an email address like name@example.org."}},
		{"nobody@example.org", "Challenging Norms 2027", map[string]string{"organizer": "No account uses this address."}},
		{"nobody@example.org", "", map[string]string{"organizer": "No account uses this address.", "name": "Enter the conference's name."}},
		{"bad", strings.Repeat("n", 201), map[string]string{"organizer": "Enter an email address like name@example.org.", "name": "Use at most 200 characters."}},
	} {
		p := b.post("/admin/conferences/new", "/admin/conferences", form(tt.organizer, tt.name))
		if p.Status != http.StatusUnprocessableEntity {
			t.Errorf("organizer %q: %d, want 422", tt.organizer, p.Status)
		}
		for field, want := range tt.want {
			if got := p.fieldError(field); !strings.HasPrefix(got, want) {
				t.Errorf("organizer %q, %s: %q, want %q", tt.organizer, field, got, want)
			}
		}
		if got, _ := p.Doc.Find("#organizer").Attr("value"); got != tt.organizer {
			t.Errorf("organizer %q: the form has %q", tt.organizer, got)
		}
		if n := count(t, ta, `SELECT count(*) FROM conferences WHERE slug = $1`, slug); n != 0 {
			t.Fatalf("organizer %q: the conference was created", tt.organizer)
		}
	}

	p := b.post("/admin/conferences/new", "/admin/conferences", form(strings.ToUpper(organizer), "Challenging Norms 2027"))
	if p.Status != http.StatusSeeOther {
		t.Fatalf("an account's address: %d %s", p.Status, p.problem())
	}
	if flash := b.get(p.Header.Get("Location")).Doc.Find(".flash").Text(); flash != "Challenging Norms 2027 is created. "+organizer+" is its organizer." {
		t.Errorf("the flash: %q", flash)
	}
	if n := count(t, ta, `SELECT count(*) FROM conference_roles r JOIN conferences c ON c.id = r.conference_id JOIN users u ON u.id = r.user_id
		WHERE c.slug = $1 AND u.email = $2 AND r.role = 'organizer'`, slug, organizer); n != 1 {
		t.Errorf("the organizer's role: %d rows", n)
	}
}

// errorSummary maps each field the error summary links to its message.
func errorSummary(p page) map[string]string {
	out := map[string]string{}
	p.Doc.Find(".error-summary li a").Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		out[strings.TrimPrefix(href, "#")] = strings.TrimSpace(a.Text())
	})
	return out
}

// wantSummary checks that the page's error summary names every field of want, with a message
// starting as want says ("" for any message), and no other field.
func wantSummary(t *testing.T, what string, p page, want map[string]string) {
	t.Helper()
	got := errorSummary(p)
	for field, msg := range want {
		if m, ok := got[field]; !ok || !strings.HasPrefix(m, msg) {
			t.Errorf("%s, %s: %q, want %q", what, field, m, msg)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: the errors name %v, want %d fields", what, got, len(want))
	}
}

// TestOrganizerFormsSayEverythingAtOnce: an organizer's form with a value its own rules refuse (too
// long, text that cannot be saved) is answered with every other error the save would give as well,
// on the web and through the API, with what was typed kept and nothing saved.
func TestOrganizerFormsSayEverythingAtOnce(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	slug := f.conf.Slug
	b := loggedIn(t, ta, f.organizer)
	poster := f.formats["Poster abstract"]
	formatPage := fmt.Sprintf("/c/%s/manage/formats/%d", slug, poster.ID)
	for _, tt := range []struct {
		what, page, action string
		form               url.Values
		want               map[string]string
		kept               map[string]string // a field's value on the page again
		rows               string            // counts what must not change
	}{
		{"an extension", "/c/" + slug + "/manage/extensions", "/c/" + slug + "/manage/extensions",
			url.Values{"email": {"bad"}, "until": {"2026-13-01T00:00"}, "reason": {strings.Repeat("r", 3000)}},
			map[string]string{"email": "Enter an email address like name@example.org.", "until": "", "reason": "Use at most 500 characters."},
			map[string]string{"email": "bad", "until": "2026-13-01T00:00"},
			`SELECT count(*) FROM deadline_extensions WHERE conference_id = $1`},
		{"a link", "/c/" + slug + "/manage/extensions", "/c/" + slug + "/manage/links",
			url.Values{"label": {strings.Repeat("l", 500)}, "expires_at": {"2020-01-01T00:00"}, "max_uses": {"0"}, "format_ids": {"999"}},
			map[string]string{"label": "Use at most 200 characters.", "expires_at": "The link must stay valid until a moment in the future.",
				"max_uses": "Allow between 1 and 1000 proposals through the link.", "format_ids": "Choose from the formats listed."},
			map[string]string{"expires_at": "2020-01-01T00:00", "max_uses": "0"},
			`SELECT count(*) FROM call_access_links WHERE conference_id = $1`},
		{"the call", "/c/" + slug + "/manage/call", "/c/" + slug + "/manage/call",
			url.Values{"version": {"1"}, "opens_at": {strings.Repeat("9", 41)}, "closes_at": {"soon"}, "contact_email": {"program at example"}},
			map[string]string{"opens_at": "", "closes_at": "", "contact_email": "Enter an address like program@example.org"},
			map[string]string{"closes_at": "soon", "contact_email": "program at example"},
			`SELECT count(*) FROM calls WHERE conference_id = $1 AND version > 1`},
		{"a track", "/c/" + slug + "/manage/tracks", "/c/" + slug + "/manage/tracks",
			url.Values{"name": {strings.Repeat("n", 401)}, "description": {strings.Repeat("d", 2001)}},
			map[string]string{"name": "Use at most 200 characters.", "description": "Use at most 2000 characters."},
			nil, `SELECT count(*) FROM tracks WHERE conference_id = $1`},
		{"a format", "/c/" + slug + "/manage/formats/new", "/c/" + slug + "/manage/formats",
			url.Values{"name": {"Panel\x00"}, "duration_minutes": {"ninety"}, "max_presenters": {"3"}, "abstract_max_words": {"5"}, "accepting": {"yes"}},
			map[string]string{"name": "This contains a character that cannot be saved", "duration_minutes": "Enter a length between",
				"abstract_max_words": "Set a word limit between"},
			map[string]string{"duration_minutes": "ninety"},
			`SELECT count(*) FROM formats WHERE conference_id = $1`},
		{"a field", formatPage + "/fields/new", formatPage + "/fields",
			url.Values{"version": {strconv.Itoa(poster.Version)}, "label": {strings.Repeat("q", 1001)}, "kind": {"essay"}, "max_words": {"5"}},
			map[string]string{"label": "Use at most 300 characters.", "kind": "Choose short text, long text"},
			nil, `SELECT count(*) FROM formats WHERE conference_id = $1 AND version > 1`},
		{"a member of the team", "/c/" + slug + "/manage/team", "/c/" + slug + "/manage/team",
			url.Values{"email": {strings.Repeat("e", 250) + "@example.org"}, "role": {"chair"}},
			map[string]string{"email": "Enter an email address of at most 254 characters.", "role": "Choose organizer or reviewer."},
			nil, `SELECT count(*) FROM conference_roles WHERE conference_id = $1`},
	} {
		before := count(t, ta, tt.rows, f.conf.ID)
		p := b.post(tt.page, tt.action, tt.form)
		if p.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", tt.what, p.Status)
		}
		wantSummary(t, tt.what, p, tt.want)
		for field, v := range tt.kept {
			if got, _ := p.Doc.Find("#" + field).Attr("value"); got != v {
				t.Errorf("%s: %s on the page is %q, want %q", tt.what, field, got, v)
			}
		}
		if after := count(t, ta, tt.rows, f.conf.ID); after != before {
			t.Errorf("%s: %d rows before, %d after", tt.what, before, after)
		}
	}

	// The list of proposals names every part of its filter that is wrong, and so does the API's.
	p := b.get("/c/" + slug + "/manage/proposals?format=abc&status=x&sort=x")
	wantSummary(t, "the list's filter", p, map[string]string{"format": "Choose from the list.",
		"status": "Choose draft, submitted or withdrawn.", "sort": "Sort by newest, oldest, title or relevance."})
	token, _ := apiToken(t, ta, f.organizer)
	api := "/api/v1/conferences/" + slug + "/manage"
	r := sendJSON(t, ta, http.MethodGet, api+"/proposals?format=abc&status=x&sort=x&limit=0", token, "")
	wantFields(t, "the API's filter", r, map[string]string{"format": "Give a whole number",
		"status": "Choose draft, submitted or withdrawn.", "sort": "Sort by newest", "limit": "Give a whole number from 1 to 1000."})

	// The API's forms.
	for _, tt := range []struct {
		what, method, path, body string
		want                     map[string]string
		rows                     string
	}{
		{"an extension", http.MethodPost, api + "/extensions", `{"email":"bad","until":"2026-13-01T00:00","reason":"` + strings.Repeat("r", 3000) + `"}`,
			map[string]string{"email": "Enter an email address", "until": "", "reason": "Use at most 500 characters."},
			`SELECT count(*) FROM deadline_extensions WHERE conference_id = $1`},
		{"a link", http.MethodPost, api + "/access-links", `{"label":"` + strings.Repeat("l", 500) + `","expires_at":"2020-01-01T00:00","max_uses":0,"format_ids":[999]}`,
			map[string]string{"label": "Use at most 200 characters.", "expires_at": "The link must stay valid", "max_uses": "Allow between 1 and 1000",
				"format_ids": "Choose from the formats listed."},
			`SELECT count(*) FROM call_access_links WHERE conference_id = $1`},
		{"a link with a wrong type", http.MethodPost, api + "/access-links", `{"label":"Panel","expires_at":"2020-01-01T00:00","max_uses":"3"}`,
			map[string]string{"max_uses": "Expected a whole number here", "expires_at": "The link must stay valid"},
			`SELECT count(*) FROM call_access_links WHERE conference_id = $1`},
		{"the call without its version", http.MethodPut, api + "/call", `{"opens_at":"bad","closes_at":"2031-01-01T00:00"}`,
			map[string]string{"version": "Send the version of the call you read", "opens_at": ""},
			`SELECT count(*) FROM calls WHERE conference_id = $1 AND version > 1`},
		{"a track", http.MethodPost, api + "/tracks", `{"name":"` + strings.Repeat("n", 401) + `","description":"` + strings.Repeat("d", 2001) + `"}`,
			map[string]string{"name": "Use at most 200 characters.", "description": "Use at most 2000 characters."},
			`SELECT count(*) FROM tracks WHERE conference_id = $1`},
		{"a format", http.MethodPost, api + "/formats", `{"name":"` + strings.Repeat("n", 401) + `","duration_minutes":1,"max_presenters":0,"abstract_max_words":100,` +
			`"fields":[{"label":"Why?","kind":"text","max_words":"many"},{"label":"Who?","kind":"essay"}]}`,
			map[string]string{"name": "Use at most 200 characters.", "duration_minutes": "Enter a length between", "max_presenters": "Allow between 1 and",
				"fields.0.max_words": "Expected a whole number here", "fields.1.kind": "Choose short text, long text"},
			`SELECT count(*) FROM formats WHERE conference_id = $1`},
		{"a format without its version", http.MethodPut, fmt.Sprintf("%s/formats/%d", api, poster.ID), `{"name":"","duration_minutes":60,"max_presenters":2,"abstract_max_words":10}`,
			map[string]string{"version": "Send the version of the format you edited.", "name": "Enter the format's name", "abstract_max_words": "Set a word limit between"},
			`SELECT count(*) FROM formats WHERE conference_id = $1 AND version > 1`},
	} {
		before := count(t, ta, tt.rows, f.conf.ID)
		r := sendJSON(t, ta, tt.method, tt.path, token, tt.body)
		wantFields(t, "the API's "+tt.what, r, tt.want)
		if after := count(t, ta, tt.rows, f.conf.ID); after != before {
			t.Errorf("the API's %s: %d rows before, %d after", tt.what, before, after)
		}
	}
}

// TestScheduleReviewAndWorkshopFormsSayEverythingAtOnce: the forms of rooms, sessions, review
// settings, reviewer invitations, notice templates, workshops and a proposal's own deadline, on the
// web and through the API, answer a value too long with the limit the service keeps and with every
// other error the save would give, keep what was typed, and save nothing.
func TestScheduleReviewAndWorkshopFormsSayEverythingAtOnce(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := newScheduleFixture(t, ta)
	b := loggedIn(t, ta, f.organizer)
	rooms := f.manage + "/rooms"
	if p := b.post(rooms, rooms, url.Values{"name": {"Main stage"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("add a room: %d %s", p.Status, summaryItems(p))
	}
	main := f.roomID(t, ta, "Main stage")
	if p := b.post(f.sess+"/new", f.sess, sessionValues("Opening", "2027-10-08T10:00", "2027-10-08T11:00", main)); p.Status != http.StatusSeeOther {
		t.Fatalf("add a session: %d %s", p.Status, summaryItems(p))
	}
	sid := f.sessionID(t, ta, "Opening")
	session := fmt.Sprintf("%s/%d", f.sess, sid)
	if p := b.post(f.manage+"/workshops", f.manage+"/workshops", url.Values{"title": {"Auditing a curriculum"}, "capacity": {"20"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("add a workshop: %d %s", p.Status, summaryItems(p))
	}
	var workshop int64
	if err := ta.db.SQL.QueryRow(`SELECT id FROM workshops WHERE conference_id = $1`, f.conf.ID).Scan(&workshop); err != nil {
		t.Fatal(err)
	}
	proposal := fmt.Sprintf("%s/proposals/%d", f.manage, f.pa)
	long := func(n int) string { return strings.Repeat("x", n) }
	const (
		roomRows     = `SELECT count(*) FROM schedule_rooms WHERE conference_id = $1`
		sessionRows  = `SELECT count(*) + coalesce(sum(version), 0) FROM schedule_sessions WHERE conference_id = $1`
		settingRows  = `SELECT count(*) FROM review_settings WHERE conference_id = $1`
		inviteRows   = `SELECT count(*) FROM reviewer_invitations WHERE conference_id = $1`
		templateRows = `SELECT count(*) FROM notice_templates WHERE conference_id = $1`
		workshopRows = `SELECT count(*) FROM workshops WHERE conference_id = $1 AND title = 'Auditing a curriculum' AND capacity = 20`
		deadlineRows = `SELECT count(*) FROM proposals WHERE conference_id = $1 AND deadline IS NULL`
	)
	for _, tt := range []struct {
		what, page, action string
		form               url.Values
		want               map[string]string
		kept               map[string]string // a field's value on the page again
		rows               string            // counts what must not change
	}{
		{"a new room", rooms, rooms,
			url.Values{"name": {long(801)}, "meeting_url": {"zoom meeting"}, "capacity": {"lots"}},
			map[string]string{"name": "Shorten the name to 200 characters", "meeting_url": "Enter the meeting link as a web address",
				"capacity": "Enter the capacity as a whole number"},
			map[string]string{"meeting_url": "zoom meeting", "capacity": "lots"}, roomRows},
		{"a room", fmt.Sprintf("%s?edit=%d", rooms, main), fmt.Sprintf("%s/%d", rooms, main),
			url.Values{"name": {""}, "meeting_url": {long(4001)}, "position": {"first"}},
			map[string]string{"name": "Enter the room's name.", "meeting_url": "Shorten the meeting link to 2000 characters",
				"position": "Enter the position as a whole number"},
			map[string]string{"position": "first"}, `SELECT count(*) FROM schedule_rooms WHERE conference_id = $1 AND name = 'Main stage'`},
		{"a new session", f.sess + "/new", f.sess,
			url.Values{"version": {"0"}, "title": {long(1201)}, "kind": {"gala"}, "start": {"tomorrow"}, "end": {"2027-10-08T11:00"}, "room_id": {"abc"},
				"chairs": {"nobody@example.invalid"}},
			map[string]string{"title": "Shorten the title to 300 characters", "kind": "Choose the kind of session.", "start": "Enter when the session starts",
				"room_id": "Choose one of this conference's rooms.", "chairs": "No account has the address nobody@example.invalid"},
			map[string]string{"start": "tomorrow", "end": "2027-10-08T11:00"}, sessionRows},
		{"a session", session, session,
			url.Values{"version": {"1"}, "title": {"Opening"}, "kind": {"plenary"}, "description": {long(16001)}, "start": {"2027-10-08T10:00"},
				"end": {"2027-10-08T09:00"}, "room_id": {strconv.FormatInt(main, 10)}},
			map[string]string{"description": "Shorten the description to 4000 characters", "end": "The session must end after it starts."},
			map[string]string{"end": "2027-10-08T09:00"}, sessionRows},
		{"the review settings", f.manage + "/review", f.manage + "/review",
			url.Values{"version": {"0"}, "blind": {"triple"}, "bidding_opens_at": {long(41)}, "reminder_hours": {"soon"}, "not_preferred_cap": {"5000"}},
			map[string]string{"blind": "Choose double-blind or single-blind review.", "bidding_opens_at": "", "reminder_hours": "Give a number of hours",
				"not_preferred_cap": "Give a number from 0 to 1000"},
			map[string]string{"reminder_hours": "soon", "not_preferred_cap": "5000"}, settingRows},
		{"an invitation to review", f.manage + "/reviewers", f.manage + "/reviewers",
			url.Values{"invitees": {"Rita Reviewer, no address"}, "message": {long(8001)}},
			map[string]string{"invitees": "These lines hold no email address", "message": "Keep the message to 2000 characters."},
			nil, inviteRows},
		{"a notice", f.manage + "/decisions/templates/accept", f.manage + "/decisions/templates/accept",
			url.Values{"version": {"0"}, "subject": {long(2001)}, "body": {"Dear {{nmae}}"}},
			map[string]string{"subject": "Keep the subject to 300 characters.", "body": "{{nmae}} is not a placeholder"},
			nil, templateRows},
		{"a new workshop", f.manage + "/workshops", f.manage + "/workshops",
			url.Values{"title": {long(401)}, "capacity": {"many"}, "starts_at": {"2027-10-08T14:00"}, "ends_at": {"2027-10-08T13:00"}},
			map[string]string{"title": "Use at most 200 characters.", "capacity": "Enter the number of places", "ends_at": "The workshop must end after it starts."},
			map[string]string{"capacity": "many", "starts_at": "2027-10-08T14:00"}, workshopRows},
		{"a workshop", fmt.Sprintf("%s/workshops/%d", f.manage, workshop), fmt.Sprintf("%s/workshops/%d", f.manage, workshop),
			url.Values{"title": {"Auditing"}, "description": {long(20001)}, "capacity": {"0"}},
			map[string]string{"description": "Use at most 10000 characters.", "capacity": "Enter the number of places"},
			map[string]string{"capacity": "0"}, workshopRows},
		{"a proposal's own deadline", proposal, proposal + "/extend",
			url.Values{"until": {long(41)}},
			map[string]string{"until": "This is too long for a date and time: 41 characters, where at most 40 fit."},
			nil, deadlineRows},
	} {
		before := count(t, ta, tt.rows, f.conf.ID)
		p := b.post(tt.page, tt.action, tt.form)
		if p.Status != http.StatusUnprocessableEntity {
			t.Errorf("%s: %d, want 422", tt.what, p.Status)
		}
		wantSummary(t, tt.what, p, tt.want)
		for field, msg := range tt.want {
			if got := fieldErr(p, field); !strings.HasPrefix(got, msg) {
				t.Errorf("%s: the error next to %s is %q, want %q", tt.what, field, got, msg)
			}
		}
		for field, v := range tt.kept {
			if got, _ := p.Doc.Find("#" + field).Attr("value"); got != v {
				t.Errorf("%s: %s on the page is %q, want %q", tt.what, field, got, v)
			}
		}
		if after := count(t, ta, tt.rows, f.conf.ID); after != before {
			t.Errorf("%s: %d rows before, %d after", tt.what, before, after)
		}
	}

	token, _ := apiToken(t, ta, f.organizer)
	api := "/api/v1/conferences/" + f.slug
	for _, tt := range []struct {
		what, method, path, body string
		want                     map[string]string
		rows                     string
	}{
		{"a room", http.MethodPost, api + "/manage/rooms", `{"name":"` + long(801) + `","meeting_url":"zoom meeting","capacity":0}`,
			map[string]string{"name": "Shorten the name to 200 characters", "meeting_url": "Enter the meeting link", "capacity": "Enter the capacity"}, roomRows},
		{"a room with a wrong type", http.MethodPost, api + "/manage/rooms", `{"name":"","capacity":"many"}`,
			map[string]string{"name": "Enter the room's name.", "capacity": "Expected a whole number here"}, roomRows},
		{"a session", http.MethodPost, api + "/manage/sessions", `{"title":"` + long(1201) + `","kind":"gala","start":"x","end":"2027-10-08T11:00","room_id":999999999}`,
			map[string]string{"title": "Shorten the title to 300 characters", "kind": "Choose the kind of session.", "start": "Enter when the session starts",
				"room_id": "Choose one of this conference's rooms."}, sessionRows},
		{"a session without its version", http.MethodPut, fmt.Sprintf("%s/manage/sessions/%d", api, sid), `{"title":"","kind":"plenary","start":"2027-10-08T10:00","end":"2027-10-08T09:00","room_id":` + strconv.FormatInt(main, 10) + `}`,
			map[string]string{"version": "Give the version of the session", "title": "Enter the session's title.", "end": "The session must end after it starts."}, sessionRows},
		{"the review settings", http.MethodPut, api + "/manage/review/settings", `{"blind":"triple","bidding_opens_at":"` + long(41) + `","reminder_hours":5000}`,
			map[string]string{"version": "", "blind": "Choose double-blind", "bidding_opens_at": "", "reminder_hours": "Remind between 1 and 720 hours"}, settingRows},
		{"an invitation to review", http.MethodPost, api + "/manage/review/invitations", `{"text":"Rita Reviewer, no address","message":"` + long(4001) + `"}`,
			map[string]string{"text": "These lines hold no email address", "message": "Keep the message to 2000 characters."}, inviteRows},
		{"a notice", http.MethodPut, api + "/manage/review/templates/accept", `{"version":0,"subject":"` + long(1001) + `","body":"Dear {{nmae}}"}`,
			map[string]string{"subject": "Keep the subject to 300 characters.", "body": "{{nmae}} is not a placeholder"}, templateRows},
		{"a workshop", http.MethodPost, api + "/workshops", `{"title":"` + long(401) + `","capacity":0,"starts_at":"2027-10-08T14:00","ends_at":"2027-10-08T13:00"}`,
			map[string]string{"title": "Use at most 200 characters.", "capacity": "Enter the number of places", "ends_at": "The workshop must end after it starts."}, workshopRows},
		{"a workshop's change", http.MethodPut, fmt.Sprintf("%s/workshops/%d", api, workshop), `{"title":"","description":"` + long(20001) + `","capacity":20}`,
			map[string]string{"title": "Give the workshop a title.", "description": "Use at most 10000 characters."}, workshopRows},
		{"a proposal's own deadline", http.MethodPut, fmt.Sprintf("%s/manage/proposals/%d/deadline", api, f.pa), `{"until":"` + long(41) + `"}`,
			map[string]string{"until": "This is too long for a date and time: 41 characters, where at most 40 fit."}, deadlineRows},
	} {
		before := count(t, ta, tt.rows, f.conf.ID)
		r := sendJSON(t, ta, tt.method, tt.path, token, tt.body)
		wantFields(t, "the API's "+tt.what, r, tt.want)
		if after := count(t, ta, tt.rows, f.conf.ID); after != before {
			t.Errorf("the API's %s: %d rows before, %d after", tt.what, before, after)
		}
	}
}
