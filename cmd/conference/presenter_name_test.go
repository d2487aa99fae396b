package main

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/submission"
)

// TestPresentersShownByTheirCurrentName: a presenter who renames themselves on their profile, after
// their proposal was started or after they joined it, is shown and written to by the new name
// everywhere (the organizers' list, its presenter filter, the proposal's page, the export, the API,
// the receipt, the refusal of a second invitation, the blind-review advice); an invitation not yet
// answered keeps the name it was sent to.
func TestPresentersShownByTheirCurrentName(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	base := "/c/" + f.conf.Slug
	_, rosa := presenter(t, ta, "Rosa Diaz")
	kofi, kofiEmail := presenter(t, ta, "Kofi Mensah")
	b := loggedIn(t, ta, rosa)

	// A draft, with a co-presenter who accepts and one invitation with no answer yet, sent to an
	// address that has an account of another name.
	const title = "Feedback without bias"
	draft := workshopForm(f, title)
	draft.Set("action", "save")
	p := b.post(fmt.Sprintf("%s/proposals/new?format=%d", base, f.formats["Workshop"].ID), base+"/proposals", draft)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("save the draft: %d %s", p.Status, p.problem())
	}
	id := proposalIDFrom(t, p.Header.Get("Location"))
	page := fmt.Sprintf("%s/proposals/%d", base, id)
	if p = b.post(page, page+"/presenters", url.Values{"name": {"Kofi Mensah"}, "email": {kofiEmail}}); p.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d %s", p.Status, p.problem())
	}
	link := linkIn(t, ta.waitMail(kofiEmail, "invites you to co-present"), "/invitations/")
	if p = loggedIn(t, ta, kofiEmail).post(link, link, url.Values{"answer": {"accept"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("accept: %d %s", p.Status, p.problem())
	}
	danaEmail := uniqueEmail("dana")
	newUser(t, ta, danaEmail, "Dana Account")
	if p = b.post(page, page+"/presenters", url.Values{"name": {"Dana Park"}, "email": {danaEmail}}); p.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d %s", p.Status, p.problem())
	}

	// Both rename themselves: the owner on the profile page, the co-presenter as the API would.
	if p = b.post("/account/profile", "/account/profile", url.Values{"name": {"Rosa Delgado"}, "pronouns": {"she/her"},
		"participant_role": {string(account.HouseStaff)}, "institution": {"Riverside Family Medicine Residency"},
		"bio": {"Rosa Delgado is a resident physician."}}); p.Status != http.StatusSeeOther {
		t.Fatalf("rename on the profile page: %d %s", p.Status, p.problem())
	}
	if _, err := ta.accounts.UpdateProfile(ctx, kofi, "Kofi Mensah-Boateng", account.Profile{Role: account.HouseStaff,
		Institution: "Riverside Family Medicine Residency", Bio: "Kofi Mensah-Boateng is a resident physician."}); err != nil {
		t.Fatal(err)
	}

	// The blind-review advice looks for the names as they are now.
	owner := principalOf(t, ta, rosa)
	prop, err := ta.subs.Get(ctx, owner, f.conf, id)
	if err != nil {
		t.Fatal(err)
	}
	c := prop.Content()
	c.Abstract = "As Delgado and Mensah-Boateng found, " + c.Abstract
	prop, warns, err := ta.subs.Save(ctx, owner, f.conf, id, prop.Version, c)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Rosa Delgado", "Kofi Mensah-Boateng"} {
		if !slices.ContainsFunc(warns, func(w submission.Warning) bool { return strings.Contains(w.Message, "the name of "+name+",") }) {
			t.Errorf("the advice after a save does not name %s: %+v", name, warns)
		}
	}

	// The receipts greet and list the presenters by their names now.
	if p = b.post(page, page+"/submit", url.Values{"version": {strconv.Itoa(prop.Version)}}); p.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d %s %v", p.Status, p.problem(), summaryItems(p))
	}
	presenters := "Presenters: Rosa Delgado, Kofi Mensah-Boateng, Dana Park (invited)"
	for to, hello := range map[string]string{rosa: "Hello Rosa Delgado,", kofiEmail: "Hello Kofi Mensah-Boateng,"} {
		m := ta.waitMail(to, "Received: "+title)
		if !strings.Contains(m.Text, hello) || !strings.Contains(m.Text, presenters) || strings.Contains(m.Text, "Rosa Diaz") {
			t.Errorf("the receipt to %s:\n%s", to, m.Text)
		}
	}
	// Inviting the co-presenter again is refused by their name now.
	if p = b.post(page, page+"/presenters", url.Values{"name": {"Kofi"}, "email": {kofiEmail}}); p.fieldError("email") != "Kofi Mensah-Boateng already presents this proposal." {
		t.Errorf("a second invitation: %d %q", p.Status, p.fieldError("email"))
	}

	// Organizers find the proposal by the new names, no longer by the old one, and read them.
	ob := loggedIn(t, ta, f.organizer)
	list := base + "/manage/proposals"
	for q, want := range map[string][]string{"Rosa Delgado": {title}, "delgado": {title}, "Mensah-Boateng": {title}, "Dana Park": {title},
		"Rosa Diaz": nil, "Dana Account": nil} {
		p := ob.get(list + "?status=submitted&presenter=" + url.QueryEscape(q))
		var got []string
		p.Doc.Find("table tbody tr").Each(func(_ int, s *goquery.Selection) { got = append(got, s.Find("td:first-child a").Text()) })
		if p.Status != http.StatusOK || !slices.Equal(got, want) {
			t.Errorf("presenter=%q: %d %q", q, p.Status, got)
		}
		if len(want) == 1 {
			if cell := p.Doc.Find("table tbody tr td").Eq(4).Text(); cell != "Rosa Delgado, Kofi Mensah-Boateng, Dana Park (invited)" {
				t.Errorf("presenter=%q: the list names %q", q, cell)
			}
		}
	}
	var cards []string
	ob.get(fmt.Sprintf("%s/manage/proposals/%d", base, id)).Doc.Find(".presenter.card h3").Each(func(_ int, s *goquery.Selection) {
		cards = append(cards, s.Text())
	})
	if want := []string{"Rosa Delgado (she/her)", "Kofi Mensah-Boateng", "Dana Park"}; !slices.Equal(cards, want) {
		t.Errorf("the proposal's page names %q, want %q", cards, want)
	}

	r := send(t, ta, http.MethodGet, list+".csv?presenter=Delgado", nil, "Cookie", cookieHeader(ob))
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\ufeff"))).ReadAll()
	if err != nil || len(rows) != 2 {
		t.Fatalf("the export: %d %v\n%s", r.Status, err, r.Body)
	}
	col := slices.Index(rows[0], "Presenters")
	if col < 0 || rows[1][col] != "Rosa Delgado; Kofi Mensah-Boateng; Dana Park (invited)" {
		t.Errorf("the export's presenters: %q", rows[1])
	}

	token, _ := apiToken(t, ta, f.organizer)
	api := sendJSON(t, ta, http.MethodGet, "/api/v1/conferences/"+f.conf.Slug+"/manage/proposals?presenter=Mensah-Boateng", token, "")
	found, _ := api.JSON["proposals"].([]any)
	var names []string
	if len(found) == 1 {
		for _, x := range found[0].(map[string]any)["presenters"].([]any) {
			names = append(names, x.(map[string]any)["name"].(string))
		}
	}
	if want := []string{"Rosa Delgado", "Kofi Mensah-Boateng", "Dana Park"}; api.Status != http.StatusOK || !slices.Equal(names, want) {
		t.Errorf("the API's list: %d %q, want %q", api.Status, names, want)
	}
}
