package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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
