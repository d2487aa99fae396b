package main

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSaveSaysEveryFieldError: a save with a format the call does not have, a track that is not a
// number and a title too long is refused with all three at once, on the page and in the API, and
// says that nothing was saved.
func TestSaveSaysEveryFieldError(t *testing.T) {
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/c/" + f.conf.Slug
	_, email := presenter(t, ta, "Adaeze Nwosu")
	b := loggedIn(t, ta, email)
	ws := f.formats["Workshop"]
	form := workshopForm(f, "Feedback that names the work")
	form.Set("action", "save")
	p := b.post(fmt.Sprintf("%s/proposals/new?format=%d", base, ws.ID), base+"/proposals", form)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", p.Status, p.problem())
	}
	page := p.Header.Get("Location")

	form.Set("version", "1")
	form.Set("format_id", "999999")
	form.Set("track_id", "abc")
	form.Set("title", strings.Repeat("Long ", 50))
	p = b.post(page+"/edit", page, form)
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a save with three mistakes: %d %s", p.Status, summaryItems(p))
	}
	for _, field := range []string{"format_id", "track_id", "title"} {
		if p.fieldError(field) == "" {
			t.Errorf("a save with three mistakes: no error for %s (%s)", field, summaryItems(p))
		}
	}
	if n := p.Doc.Find(".error-summary li").Length(); n != 3 || p.problem() != "Nothing was saved. Please correct the 3 highlighted fields." {
		t.Errorf("the summary of three mistakes: %q over %d items", p.problem(), n)
	}
	if v := count(t, ta, `SELECT version FROM proposals WHERE id = $1`, proposalIDFrom(t, page)); v != 1 {
		t.Errorf("a refused save was saved: version %d", v)
	}

	// Text over the hard limit, alone: nothing was saved either, and said so.
	form = workshopForm(f, "Feedback that names the work")
	form.Set("version", "1")
	form.Set("abstract", strings.Repeat("a", 20001))
	p = b.post(page+"/edit", page, form)
	if p.Status != http.StatusUnprocessableEntity || p.problem() != "Nothing was saved. Please correct the highlighted field." || p.fieldError("abstract") == "" {
		t.Errorf("an abstract over the limit: %d %q", p.Status, p.problem())
	}

	// The API: a create and a save with a format the call does not have and a track it does not
	// list name both, and the title too long.
	token, _ := apiToken(t, ta, email)
	api := "/api/v1/conferences/" + f.conf.Slug + "/proposals"
	body := `{"format_id":999999,"track_id":999999,"title":"` + strings.Repeat("Long ", 50) + `"}`
	r := sendJSON(t, ta, http.MethodPost, api, token, body)
	wantProblem(t, "an API create with three mistakes", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	wantContract(t, http.MethodPost, "/api/v1/conferences/:slug/proposals", r.Status, r.Body)
	for _, field := range []string{"format_id", "track_id", "title"} {
		if fieldDetail(r.apiResponse, field) == "" {
			t.Errorf("an API create with three mistakes: no error for %s: %v", field, r.JSON)
		}
	}
	body = `{"version":1,"format_id":999999,"track_id":999999,"title":"` + strings.Repeat("Long ", 50) + `"}`
	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/%d", api, proposalIDFrom(t, page)), token, body)
	wantProblem(t, "an API save with three mistakes", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	wantContract(t, http.MethodPut, "/api/v1/conferences/:slug/proposals/:id", r.Status, r.Body)
	for _, field := range []string{"format_id", "track_id", "title"} {
		if fieldDetail(r.apiResponse, field) == "" {
			t.Errorf("an API save with three mistakes: no error for %s: %v", field, r.JSON)
		}
	}
}
