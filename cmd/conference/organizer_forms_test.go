package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"
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
