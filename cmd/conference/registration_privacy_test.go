package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"github.com/challenging-norms/conference/internal/registration"
)

// TestDemographicsPrivacy: demographic answers are kept apart from identities, shown to organizers
// only as totals with small counts withheld (and not given away by subtraction), never in any page,
// API answer or export about a person, and deleted whenever the person asks, or cancels.
func TestDemographicsPrivacy(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	conf := regConf(t, ta, 0)
	slug := conf.Slug
	orgEmail := newOrganizer(t, ta, conf)
	org := loggedIn(t, ta, orgEmail)
	token, _ := apiToken(t, ta, orgEmail)

	// The table cannot be joined to anyone: no registration, account or time in it.
	cols := []string{}
	rows, err := ta.db.SQL.Query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'registration_demographics' ORDER BY column_name`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var c string
		_ = rows.Scan(&c)
		cols = append(cols, c)
	}
	rows.Close()
	if !slices.Equal(cols, []string{"answers", "conference_id", "key_hash"}) {
		t.Errorf("registration_demographics has columns %v", cols)
	}
	if n := count(t, ta, `SELECT count(*) FROM information_schema.table_constraints tc
		JOIN information_schema.constraint_column_usage u ON u.constraint_name = tc.constraint_name
		WHERE tc.table_name = 'registration_demographics' AND tc.constraint_type = 'FOREIGN KEY' AND u.table_name <> 'conferences'`); n != 0 {
		t.Errorf("registration_demographics has %d foreign keys to something other than the conference", n)
	}

	// Fewer than ten answers: nothing at all is shown.
	const secret = "Zyxwvut heritage"
	var browsers []*browser
	var emails []string
	// 22 people: 12 Black and 10 White (3 of them self-describing as well), 11 women and 11 men,
	// 5 with a disability.
	answer := func(i int) url.Values {
		v := person(fmt.Sprintf("Person %d", i), uniqueEmail(fmt.Sprint("demo", i)), "demographics.disability", "No")
		v.Set("demographics.race_ethnicity", "White")
		if i < 12 {
			v.Set("demographics.race_ethnicity", "Black or African American")
		}
		if i < 3 {
			v.Set("demographics.race_ethnicity_self", secret)
		}
		v.Set("demographics.gender_identity", "Man")
		if i%2 == 0 {
			v.Set("demographics.gender_identity", "Woman")
		}
		if i < 5 {
			v.Set("demographics.disability", "Yes")
		}
		return v
	}
	for i := range 9 {
		b := ta.browser()
		v := answer(i)
		if p := register(b, conf, v); p.Status != http.StatusSeeOther {
			t.Fatalf("register %d: %d %s", i, p.Status, summaryItems(p))
		}
		confirmByMail(t, ta, b, conf, v.Get("email"))
		browsers, emails = append(browsers, b), append(emails, v.Get("email"))
	}
	p := org.get("/c/" + slug + "/manage/demographics")
	if !strings.Contains(p.Doc.Find("main .panel").Text(), "Fewer than 10 people have answered") || p.Doc.Find("main table").Length() != 0 {
		t.Errorf("figures shown below the threshold:\n%s", p.Doc.Find("main").Text())
	}
	r := send(t, ta, http.MethodGet, "/api/v1/conferences/"+slug+"/demographics", nil, "Authorization", "Bearer "+token)
	if r.JSON["suppressed"] != true || r.JSON["respondents"] != nil {
		t.Errorf("API figures below the threshold: %v", r.JSON)
	}

	// From the tenth on, totals. Counts below ten are withheld, and so is the next smallest, so that
	// the withheld ones cannot be worked out from the total: White (10) goes with the
	// self-descriptions (3), Woman (11) with the empty cells, and the disability question is withheld
	// whole, since showing "No: 17" would give away "Yes: 5".
	for i := 9; i < 22; i++ {
		v := answer(i)
		register(ta.browser(), conf, v)
		emails = append(emails, v.Get("email"))
	}
	p = org.get("/c/" + slug + "/manage/demographics")
	main := p.Doc.Find("main").Text()
	if !strings.Contains(main, "22 people answered at least one question") {
		t.Errorf("respondents not shown:\n%s", main)
	}
	cell := func(question, answer string) string {
		got := "(missing)"
		p.Doc.Find(`section[aria-labelledby="q-` + question + `"] tbody tr`).Each(func(_ int, s *goquery.Selection) {
			if strings.TrimSpace(s.Find("th").Text()) == answer {
				got = strings.TrimSpace(s.Find("td").First().Text())
			}
		})
		return got
	}
	for _, c := range []struct{ q, a, want string }{
		{"race_ethnicity", "Black or African American", "12"}, {"race_ethnicity", "White", "withheld"},
		{"race_ethnicity", registration.SelfDescribeOption, "withheld"}, {"race_ethnicity", "Asian", "withheld"},
		{"gender_identity", "Man", "11"}, {"gender_identity", "Woman", "withheld"},
		{"disability", "Yes", "withheld"}, {"disability", "No", "withheld"},
	} {
		if got := cell(c.q, c.a); got != c.want {
			t.Errorf("%s / %s: %q, want %q", c.q, c.a, got, c.want)
		}
	}
	if strings.Contains(p.Body, secret) {
		t.Error("a self-description given by fewer than ten people is shown")
	}
	r = send(t, ta, http.MethodGet, "/api/v1/conferences/"+slug+"/demographics", nil, "Authorization", "Bearer "+token)
	if r.JSON["respondents"].(float64) != 22 || strings.Contains(r.Body, secret) {
		t.Errorf("API figures: %v", r.JSON)
	}
	for _, q := range r.JSON["questions"].([]any) {
		for _, f := range q.(map[string]any)["figures"].([]any) {
			f := f.(map[string]any)
			if f["suppressed"] == true && (f["count"] != nil || f["percent"] != nil) {
				t.Errorf("a withheld figure carries its number: %v", f)
			}
			if n, ok := f["count"].(float64); ok && n < registration.SuppressBelow {
				t.Errorf("a count below the threshold is shown: %v", f)
			}
		}
	}

	// Nowhere else: not on the pages, in the API, in the export, in the mail, nor to the person.
	id := regOf(t, ta, conf, emails[0]).ID
	everywhere := []string{
		org.get("/c/" + slug + "/manage/registrations").Body,
		org.get(fmt.Sprintf("/c/%s/manage/registrations/%d", slug, id)).Body,
		org.get("/c/" + slug + "/manage/registrations/export.csv").Body,
		org.get("/c/" + slug + "/manage/accommodations").Body,
		send(t, ta, http.MethodGet, "/api/v1/conferences/"+slug+"/registrations", nil, "Authorization", "Bearer "+token).Body,
		send(t, ta, http.MethodGet, fmt.Sprintf("/api/v1/conferences/%s/registrations/%d", slug, id), nil, "Authorization", "Bearer "+token).Body,
	}
	link := linkIn(t, ta.waitMail(emails[0], "You are registered"), "/registration?token=")
	own := send(t, ta, http.MethodGet, "/api/v1/conferences/"+slug+"/registration/me", nil, "Registration-Token", mustQuery(t, link, "token"))
	everywhere = append(everywhere, own.Body)
	msgs, err := ta.devMailbox.DevMails(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		everywhere = append(everywhere, m.Text, m.HTML)
	}
	for i, body := range everywhere {
		for _, s := range []string{secret, "Black or African American", "gender_identity", "Woman"} {
			if strings.Contains(body, s) {
				t.Errorf("answer %q appears in place %d", s, i)
			}
		}
	}
	if own.JSON["demographics_answered"] != true {
		t.Errorf("the person is not told their answers are stored: %v", own.JSON)
	}
	// The person's own page offers the questions again, but shows none of their answers.
	page := browsers[0].get("/c/" + slug + "/registration")
	if page.Doc.Find(`input[name^="demographics."][checked]`).Length() != 0 || strings.Contains(page.Body, secret) {
		t.Error("the registrant's page shows their answers")
	}
	if page.Doc.Find(`input[name="demographics.race_ethnicity"]`).Length() == 0 {
		t.Error("the registrant's page does not offer to answer again")
	}

	// Deleting: on the page, by API, and by cancelling; and only that person's answers go.
	stored := func() int {
		return count(t, ta, `SELECT count(*) FROM registration_demographics WHERE conference_id = $1`, conf.ID)
	}
	if n := stored(); n != 22 {
		t.Fatalf("%d answers stored, want 22", n)
	}
	if p := browsers[0].post("/c/"+slug+"/registration", "/c/"+slug+"/registration/demographics/delete", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d", p.Status)
	}
	if n := stored(); n != 21 {
		t.Errorf("%d answers after one deletion, want 21", n)
	}
	if !strings.Contains(browsers[0].get("/c/"+slug+"/registration").Doc.Find("main").Text(), "You have not answered these questions") {
		t.Error("the page does not say the answers are gone")
	}
	r = send(t, ta, http.MethodDelete, "/api/v1/conferences/"+slug+"/registration/me/demographics", nil, "Registration-Token", mustQuery(t, link, "token"))
	if r.Status != http.StatusNoContent {
		t.Errorf("API delete: %d", r.Status)
	}
	// Answering again later, by API; then cancelling takes them away.
	r = sendJSON(t, ta, http.MethodPut, "/api/v1/conferences/"+slug+"/registration/me/demographics", "", `{"answers":{"transgender":["Maybe"]}}`)
	wantProblem(t, "demographics without a link", r.apiResponse, http.StatusUnauthorized, "unauthenticated")
	r = send(t, ta, http.MethodPut, "/api/v1/conferences/"+slug+"/registration/me/demographics", strings.NewReader(`{"answers":{"transgender":"Maybe"}}`),
		"Content-Type", "application/json", "Registration-Token", mustQuery(t, link, "token"))
	wantProblem(t, "an option not offered", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if fieldDetail(r.apiResponse, "answers.transgender") == "" {
		t.Errorf("no message on answers.transgender: %v", r.JSON)
	}
	r = send(t, ta, http.MethodPut, "/api/v1/conferences/"+slug+"/registration/me/demographics", strings.NewReader(`{"answers":{"transgender":"No"}}`),
		"Content-Type", "application/json", "Registration-Token", mustQuery(t, link, "token"))
	if r.Status != http.StatusNoContent || stored() != 22 {
		t.Errorf("answer again: %d, %d stored", r.Status, stored())
	}
	if p := browsers[1].post("/c/"+slug+"/registration", "/c/"+slug+"/registration/cancel", url.Values{}); p.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", p.Status)
	}
	if n := stored(); n != 21 {
		t.Errorf("%d answers after a cancellation, want 21", n)
	}
	r = send(t, ta, http.MethodGet, "/api/v1/conferences/"+slug+"/demographics", nil, "Authorization", "Bearer "+token)
	if r.JSON["respondents"].(float64) != 21 {
		t.Errorf("respondents after a cancellation: %v", r.JSON["respondents"])
	}
}
