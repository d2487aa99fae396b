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

	"github.com/challenging-norms/conference/internal/cfp"
)

// TestSaveSaysEveryFieldError: a save with a format the call does not have, a track that is not a
// number and a title too long is refused with all three at once, on the page and in the API, and
// says that nothing was saved.
func TestSaveSaysEveryFieldError(t *testing.T) {
	t.Parallel()
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

// TestRefusedSubmitFromItsPage: a draft submitted from its page with questions unanswered and an
// empty profile is refused with a summary that counts what stands in the way, says each once,
// and links each to where it is corrected (the form's field, the profile), calling nothing
// highlighted on a page that has no fields; the form, submitted, counts its highlighted fields apart
// from the profile's problem, said once.
func TestRefusedSubmitFromItsPage(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/c/" + f.conf.Slug
	email := uniqueEmail("kofi")
	newUser(t, ta, email, "Kofi Boateng")
	b := loggedIn(t, ta, email)
	ws := f.formats["Workshop"]
	form := url.Values{"format_id": {strconv.FormatInt(ws.ID, 10)}, "title": {"Grading without bias"}, "action": {"save"}, "client_key": {"k-grading"}}
	p := b.post(fmt.Sprintf("%s/proposals/new?format=%d", base, ws.ID), base+"/proposals", form)
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", p.Status, p.problem())
	}
	page := p.Header.Get("Location")
	profile := "/account/profile?next=" + page
	// The profile's three missing fields are one problem, with one link: they are completed in one place.
	bio := "Your profile needs your role, your institution and a short bio before you submit: complete your profile."

	p = b.post(page, page+"/submit", url.Values{"version": {"1"}})
	items := p.Doc.Find(".error-summary li")
	if p.Status != http.StatusUnprocessableEntity || items.Length() < 5 {
		t.Fatalf("a submit of an unfinished draft: %d %s", p.Status, summaryItems(p))
	}
	want := fmt.Sprintf("The proposal cannot be submitted yet: %d things stand in the way. Each links below to where it is corrected.", items.Length())
	if got := p.problem(); got != want {
		t.Errorf("the summary: %q, want %q", got, want)
	}
	if summary := p.Doc.Find(".error-summary").Text(); strings.Count(summary, bio) != 1 || strings.Contains(summary, "highlighted") {
		t.Errorf("the summary says the bio %d times, or speaks of highlighted fields: %s", strings.Count(summary, bio), summaryItems(p))
	}
	items.Each(func(_ int, li *goquery.Selection) {
		href, _ := li.Find("a").Attr("href")
		if !strings.HasPrefix(href, page+"/edit#") && href != profile {
			t.Errorf("%q links to %q, not to where it is corrected", strings.TrimSpace(li.Text()), href)
		}
	})
	if p.Doc.Find(`.error-summary a[href="`+page+`/edit#abstract"]`).Length() != 1 || p.Doc.Find(`.error-summary a[href="`+profile+`"]`).Length() != 1 {
		t.Errorf("the summary does not link the abstract and, once, the profile's three missing fields: %s", summaryItems(p))
	}
	if p.Doc.Find("#todo-title").Length() != 0 {
		t.Error("the problems are listed twice: in the summary and before submitting")
	}

	// The form, saved and submitted: its fields highlighted and counted, the profile apart, once.
	form.Set("version", "1")
	form.Set("action", "submit")
	p = b.post(page+"/edit", page, form)
	items = p.Doc.Find(".error-summary li")
	if p.Status != http.StatusUnprocessableEntity || items.Length() < 5 {
		t.Fatalf("a submit from the form: %d %s", p.Status, summaryItems(p))
	}
	here := items.Length() - p.Doc.Find(`.error-summary a[href="`+profile+`"]`).Length()
	want = fmt.Sprintf("Your changes are saved as a draft, but the proposal cannot be submitted yet. Please correct the %d highlighted fields, and follow the last link below for the other problem.", here)
	if got := p.problem(); got != want {
		t.Errorf("the form's summary: %q, want %q", got, want)
	}
	if summary := p.Doc.Find(".error-summary").Text(); strings.Count(summary, bio) != 1 {
		t.Errorf("the form's summary says the bio %d times: %s", strings.Count(summary, bio), summaryItems(p))
	}
	if n := p.Doc.Find(".field-error").Length(); n != here {
		t.Errorf("%d fields highlighted for %d problems on the form", n, here)
	}
}

// wantRefusedForm checks the page of a form refused after the deadline: it says the deadline passed
// and nothing was saved, shows what was typed read-only, and offers nothing to save it with.
func wantRefusedForm(t *testing.T, what string, p page) {
	t.Helper()
	main := p.Doc.Find("main")
	if lead := strings.Join(strings.Fields(main.Find("p.panel.warning").First().Text()), " "); !strings.Contains(lead, "The deadline passed on") ||
		!strings.Contains(lead, "Nothing was saved.") {
		t.Errorf("%s: the page does not say the deadline passed and nothing was saved: %q", what, lead)
	}
	if strings.Contains(main.Text(), "Changes you save replace it") || strings.Contains(main.Text(), "Save a draft at any time") {
		t.Errorf("%s: the page still speaks of saving", what)
	}
	if n := main.Find(`button, input[type="submit"], form.proposal-form`).Length(); n != 0 {
		t.Errorf("%s: %d buttons or forms to save with", what, n)
	}
	if main.Find(`input[name="title"][readonly]`).Length() != 1 || main.Find(`textarea[name="abstract"][readonly]`).Length() != 1 ||
		main.Find(`input:not([readonly]):not([type="hidden"]), textarea:not([readonly]), select`).Length() != 0 {
		t.Errorf("%s: the text typed is not all read-only", what)
	}
	// Nothing is disabled: a disabled field is skipped by the keyboard, so its answer could not be
	// reached to be read or copied.
	if n := main.Find(`[disabled]`).Length(); n != 0 {
		t.Errorf("%s: %d fields disabled, out of the keyboard's reach", what, n)
	}
}

// TestSubmitterWording: a draft without a title is named by when it was started, not by a number
// counted across everyone's proposals; the proposal's page says in which time zone its times are;
// the link to the program makes sense read alone; the seeded guide and FAQ give the call's close
// with its year and time zone.
func TestSubmitterWording(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/c/" + f.conf.Slug
	_, email := presenter(t, ta, "Lucía Fernández")
	b := loggedIn(t, ta, email)
	ws := f.formats["Workshop"]
	p := b.post(fmt.Sprintf("%s/proposals/new?format=%d", base, ws.ID), base+"/proposals",
		url.Values{"format_id": {strconv.FormatInt(ws.ID, 10)}, "action": {"save"}, "client_key": {"k-untitled"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("create: %d %s", p.Status, p.problem())
	}
	page := p.Header.Get("Location")
	id := proposalIDFrom(t, page)
	var created time.Time
	if err := ta.db.SQL.QueryRow(`SELECT created_at FROM proposals WHERE id = $1`, id).Scan(&created); err != nil {
		t.Fatal(err)
	}
	want := "Untitled draft (started " + created.In(f.conf.Location()).Format("2 January 2006, 15:04") + ")"
	p = b.get(base + "/proposals")
	if got := strings.TrimSpace(p.Doc.Find(`a[href="` + page + `"]`).Text()); got != want {
		t.Errorf("the untitled draft in the list: %q, want %q", got, want)
	}
	p = b.get(page)
	if got := p.Doc.Find("h1").Text(); got != want || strings.Contains(p.Doc.Find("title").Text(), fmt.Sprintf("#%d", id)) {
		t.Errorf("the untitled draft's page: %q", got)
	}
	if got := p.Doc.Find("main").Text(); !strings.Contains(got, "Times are in the conference's time zone, "+f.conf.TimeZone) {
		t.Error("the proposal's page does not say in which time zone its times are")
	}
	// The mail about it names it the same way, in the conference's time zone, not in UTC.
	guest := "untitled.guest@example.org"
	if p = b.post(page, page+"/presenters", url.Values{"name": {"Ama Owusu"}, "email": {guest}}); p.Status != http.StatusSeeOther {
		t.Fatalf("invite: %d %s", p.Status, p.problem())
	}
	var invitation string
	if err := ta.db.SQL.QueryRow(`SELECT body_text FROM email_messages WHERE recipient = $1`, guest).Scan(&invitation); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(invitation, "“"+want+"”") && !strings.Contains(invitation, `"`+want+`"`) {
		t.Errorf("the invitation names the draft otherwise than %q:\n%s", want, invitation)
	}

	p = b.get(base)
	if got := strings.TrimSpace(p.Doc.Find(`main a[href="` + base + `/program"]`).Text()); got != "the program page" {
		t.Errorf("the link to the program reads %q", got)
	}

	// The seeded guide and FAQ name the close by its placeholder, which the pages write in as the call
	// is when they are read: moving the close moves it on both.
	loc := f.conf.Location()
	for name, md := range map[string]string{"guide": seedGuide, "FAQ": seedFAQ} {
		if !strings.Contains(md, cfp.ClosesPlaceholder) {
			t.Errorf("the seeded %s does not name the call's close", name)
		}
	}
	ctx := context.Background()
	call, err := ta.calls.Call(ctx, f.conf)
	if err != nil {
		t.Fatal(err)
	}
	for _, closes := range []time.Time{call.ClosesAt, time.Date(2031, 6, 30, 23, 59, 0, 0, loc)} {
		if !closes.Equal(call.ClosesAt) {
			in := cfp.CallInput{Opens: call.OpensAt.In(loc).Format("2006-01-02T15:04"), Closes: closes.Format("2006-01-02T15:04"),
				ContactEmail: call.ContactEmail, IntroMD: call.IntroMD, GuideMD: call.GuideMD, FAQMD: call.FAQMD}
			if _, err := ta.calls.SaveCall(ctx, principalOf(t, ta, f.organizer), f.conf, call.Version, in); err != nil {
				t.Fatal(err)
			}
		}
		want := cfp.FormatTime(closes, loc)
		for _, path := range []string{"/guide", "/faq"} {
			text := b.get(base + path).Doc.Find("main").Text()
			if !strings.Contains(text, want) || strings.Contains(text, "{{") {
				t.Errorf("%s does not give the call's close, %s, with its year and time zone", path, want)
			}
		}
	}
	if text := b.get(base + "/guide").Doc.Find("main").Text(); !strings.Contains(text, "Monday 30 June 2031, 23:59 EDT") {
		t.Error("the guide does not give the moved close as the call page gives it")
	}
}
