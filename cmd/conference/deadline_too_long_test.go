package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestDeadlineTooLong: a deadline longer than a time may be, for one proposal or one person, is
// refused on the web form and by the API with a message that it is too long, not one about its
// format, next to the field, with what else is wrong; nothing is saved.
func TestDeadlineTooLong(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	_, email := presenter(t, ta, "Marisol Vega")
	prop := submitPosterAs(t, ta, f, email, "Longitudinal coaching for interns")
	long := "2031-07-10T23:59" + strings.Repeat("0", 40)
	tooLong := func(msg string) bool {
		return strings.HasPrefix(msg, "This is too long for a date and time: 56 characters, where at most 40 fit.")
	}
	unchanged := func(what string) {
		t.Helper()
		if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND deadline IS NOT NULL`, prop.ID); n != 0 {
			t.Errorf("%s: the proposal has a deadline of its own", what)
		}
		if n := count(t, ta, `SELECT count(*) FROM deadline_extensions WHERE conference_id = $1`, f.conf.ID); n != 0 {
			t.Errorf("%s: %d extensions granted", what, n)
		}
	}

	// The web forms: the proposal's own deadline, and a person's extension with a bad address too.
	b := loggedIn(t, ta, f.organizer)
	page := fmt.Sprintf("/c/%s/manage/proposals/%d", f.conf.Slug, prop.ID)
	p := b.post(page, page+"/extend", url.Values{"until": {long}})
	if p.Status != http.StatusUnprocessableEntity || !tooLong(p.fieldError("until")) {
		t.Errorf("the proposal's deadline, too long, on the web: %d %q", p.Status, p.fieldError("until"))
	}
	if p.Doc.Find(`.error-summary a[href="#until"]`).Length() != 1 || p.Doc.Find("#until").AttrOr("value", "") != long {
		t.Errorf("the form shown again lacks the summary's link or the value typed: %q", p.Doc.Find("#until").AttrOr("value", ""))
	}
	unchanged("the proposal's deadline on the web")
	ext := "/c/" + f.conf.Slug + "/manage/extensions"
	p = b.post(ext, ext, url.Values{"email": {"not an address"}, "until": {long}, "reason": {"Illness."}})
	if p.Status != http.StatusUnprocessableEntity || !tooLong(p.fieldError("until")) || p.fieldError("email") == "" {
		t.Errorf("a person's extension, too long, on the web: %d until %q, email %q", p.Status, p.fieldError("until"), p.fieldError("email"))
	}
	unchanged("a person's extension on the web")

	// The API: an RFC 9457 problem naming the field, with every field's problem at once.
	token, _ := apiToken(t, ta, f.organizer)
	base := "/api/v1/conferences/" + f.conf.Slug + "/manage"
	r := sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/proposals/%d/deadline", base, prop.ID), token, fmt.Sprintf(`{"until":%q}`, long))
	wantProblem(t, "the proposal's deadline, too long", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if got := fieldDetail(r.apiResponse, "until"); !tooLong(got) {
		t.Errorf("the API on the proposal's deadline, too long: %q", got)
	}
	// Spaces alone remove the deadline, but not more of them than a time may have.
	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/proposals/%d/deadline", base, prop.ID), token, fmt.Sprintf(`{"until":%q}`, strings.Repeat(" ", 41)))
	if got := fieldDetail(r.apiResponse, "until"); r.Status != http.StatusUnprocessableEntity || !strings.HasPrefix(got, "This is too long for a date and time: 41 characters") {
		t.Errorf("41 spaces: %d %q", r.Status, got)
	}
	r = sendJSON(t, ta, http.MethodPost, base+"/extensions", token, fmt.Sprintf(`{"email":"bad","until":%q}`, long))
	wantProblem(t, "a person's extension, too long", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if got := fieldDetail(r.apiResponse, "until"); !tooLong(got) || fieldDetail(r.apiResponse, "email") == "" {
		t.Errorf("the API on a person's extension, too long: until %q, email %q", got, fieldDetail(r.apiResponse, "email"))
	}
	unchanged("the API")
}
