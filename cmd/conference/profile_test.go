package main

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/store"
)

// TestProfile fills in a profile on the web page and through the API: errors name their fields and
// keep what was typed; a saved profile is in the users row and in GET /me.
func TestProfile(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	email := uniqueEmail("profile")
	newUser(t, ta, email, "Kwame Mensah")
	b := loggedIn(t, ta, email)

	p := b.get("/account")
	if got := strings.TrimSpace(p.Doc.Find(`main a[href="/account/profile"]`).Text()); got != "Complete your profile" {
		t.Errorf("account page links to the profile as %q", got)
	}

	// No role, no institution and a bio over 150 words: three field errors, the typed text kept.
	long := strings.Repeat("word ", 151)
	p = b.post("/account/profile", "/account/profile", url.Values{"name": {"Kwame Mensah"}, "pronouns": {"he/him"},
		"participant_role": {""}, "institution": {"  "}, "bio": {long}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("bad profile: status %d", p.Status)
	}
	for field, want := range map[string]string{"participant_role": "Choose the role", "institution": "independent",
		"bio": "This has 151 words; keep it to 150."} {
		if got := p.fieldError(field); !strings.Contains(got, want) {
			t.Errorf("field %s: error %q, want it to contain %q", field, got, want)
		}
	}
	if got, _ := p.Doc.Find("#pronouns").Attr("value"); got != "he/him" {
		t.Errorf("pronouns not kept after the error: %q", got)
	}
	if got := p.Doc.Find("#bio-count").Text(); !strings.Contains(got, "151 of 150 words") {
		t.Errorf("the word count says %q", got)
	}

	// A role that is not offered.
	p = b.post("/account/profile", "/account/profile", url.Values{"name": {"Kwame Mensah"}, "participant_role": {"astronaut"},
		"institution": {"Howard University College of Medicine"}})
	if got := p.fieldError("participant_role"); !strings.Contains(got, "one of the roles listed") {
		t.Errorf("unknown role: %q", got)
	}

	p = b.post("/account/profile?next=/conferences", "/account/profile", url.Values{"name": {"Kwame A. Mensah"}, "pronouns": {"he/him"},
		"participant_role": {"faculty"}, "institution": {" Howard   University College of Medicine "},
		"bio": {"Kwame teaches <b>health equity</b>."}, "next": {"/conferences"}})
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/conferences" {
		t.Fatalf("save profile: %d to %q: %s", p.Status, p.Header.Get("Location"), p.problem())
	}
	u, err := store.Accounts{DB: ta.db}.UserByEmail(context.Background(), email)
	if err != nil {
		t.Fatal(err)
	}
	want := account.Profile{Pronouns: "he/him", Role: account.Faculty, Institution: "Howard University College of Medicine",
		Bio: "Kwame teaches <b>health equity</b>."}
	if u.Profile != want || u.Name != "Kwame A. Mensah" {
		t.Errorf("saved %q %+v, want %+v", u.Name, u.Profile, want)
	}
	p = b.get("/account")
	if !strings.Contains(p.Doc.Find(".facts").Text(), "Howard University College of Medicine") {
		t.Error("the account page does not show the institution")
	}
	if strings.Contains(b.get("/account/profile").Body, "<b>health") {
		t.Error("the bio's markup was not escaped")
	}

	// The API.
	token, _ := apiToken(t, ta, email)
	r := sendJSON(t, ta, http.MethodPut, "/api/v1/me/profile", token, `{"name":"Kwame Mensah","participant_role":"other","role_other":"Chaplain","institution":"Mercy Hospital"}`)
	prof, _ := r.JSON["profile"].(map[string]any)
	if r.Status != http.StatusOK || prof["participant_role"] != "other" || prof["role_other"] != "Chaplain" || prof["bio"] != "" {
		t.Fatalf("PUT /me/profile: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, "/api/v1/me/profile", token, `{"name":"","participant_role":"pilot","institution":"x"}`)
	wantProblem(t, "bad profile by API", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if fieldDetail(r.apiResponse, "name") == "" || fieldDetail(r.apiResponse, "participant_role") == "" {
		t.Errorf("field errors missing: %v", r.JSON)
	}
	if got := count(t, ta, `SELECT count(*) FROM audit_log WHERE action = 'profile.updated' AND subject = $1`, "user:"+itoa(u.ID)); got != 2 {
		t.Errorf("%d profile.updated audit entries, want 2", got)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
