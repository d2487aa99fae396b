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
	ta := startApp(t)
	admin := uniqueEmail("admin")
	if _, err := ta.accounts.CreateUser(context.Background(), account.CreateUserInput{Email: admin, Name: "Ada Admin", Password: strongPassword, Admin: true}); err != nil {
		t.Fatal(err)
	}
	organizer := uniqueEmail("organizer")
	newUser(t, ta, organizer, "Olu Organizer")
	b := loggedIn(t, ta, admin)
	slug := fmt.Sprintf("new-%d", time.Now().UnixNano())
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
