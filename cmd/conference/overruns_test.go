package main

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/challenging-norms/conference/internal/submission"
)

// TestFormatRulesChangedSayWhichProposals: after a lower word limit, the format's page links to the
// organizers' list of exactly the submitted proposals over it (a draft over it, and a proposal
// under it, are not among them), and names them one by one when there are few; the API's warning
// gives their ids, and its list takes the same filter.
func TestFormatRulesChangedSayWhichProposals(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	poster := f.formats["Poster abstract"]
	_, email := presenter(t, ta, "Amina Yusuf")
	ctx := context.Background()
	p := principalOf(t, ta, email)
	long := strings.Repeat("We read the curriculum again. ", 6)
	propose := func(title, abstract string, submit bool) submission.Proposal {
		prop, _, err := ta.subs.Create(ctx, p, f.conf, submission.CreateInput{Content: posterOf(f, title, abstract)})
		if err != nil {
			t.Fatal(err)
		}
		if submit {
			if prop, _, err = ta.subs.Submit(ctx, p, f.conf, prop.ID, 0); err != nil {
				t.Fatal(err)
			}
		}
		return prop
	}
	over := map[int64]string{}
	for i := range 11 {
		prop := propose(fmt.Sprintf("Naming racism, part %02d", i+1), long, true)
		over[prop.ID] = prop.Title
	}
	propose("A short one", "We read the curriculum again.", true)
	propose("A long draft", long, false)

	b := loggedIn(t, ta, f.organizer)
	item := fmt.Sprintf("/c/%s/manage/formats/%d", f.conf.Slug, poster.ID)
	version, _ := b.get(item).Doc.Find(`input[name="version"]`).Attr("value")
	form := url.Values{"version": {version}, "name": {poster.Name}, "duration_minutes": {strconv.Itoa(poster.DurationMinutes)},
		"max_presenters": {strconv.Itoa(poster.MaxPresenters)}, "abstract_max_words": {"20"}, "accepting": {"yes"}}
	if pg := b.post(item, item, form); pg.Status != http.StatusSeeOther {
		t.Fatalf("lower the word limit: %d %s", pg.Status, pg.problem())
	}

	// Many: a link to the list of them.
	pg := b.get(item)
	panel := pg.Doc.Find("#overruns-title").Parent()
	if !strings.Contains(panel.Text(), "11 proposals with an abstract over 20 words") || panel.Find("#overrunning").Length() != 0 {
		t.Errorf("the format's page with 11 over: %q", panel.Text())
	}
	link := panel.Find(`a[href*="over="]`)
	href, _ := link.Attr("href")
	if want := fmt.Sprintf("/c/%s/manage/proposals?over=format:%d", f.conf.Slug, poster.ID); href != want || link.Text() != "Show these 11 proposals in the list of proposals" {
		t.Errorf("the link to them: %q %q, want %q", href, link.Text(), want)
	}
	listed := func(pg page) map[int64]string {
		out := map[int64]string{}
		pg.Doc.Find("table tbody tr td:first-child a").Each(func(_ int, a *goquery.Selection) {
			h, _ := a.Attr("href")
			id, _ := strconv.ParseInt(h[strings.LastIndex(h, "/")+1:], 10, 64)
			out[id] = a.Text()
		})
		return out
	}
	pg = b.get(href)
	if got := listed(pg); pg.Status != http.StatusOK || len(got) != len(over) || !maps.Equal(got, over) {
		t.Errorf("the list of them: %d %v", pg.Status, got)
	}
	if !strings.Contains(pg.Doc.Find("#over").Text(), "Only the submitted proposals of “Poster abstract” that no longer meet its rules") {
		t.Errorf("the list says what it shows: %q", pg.Doc.Find("#over").Text())
	}
	if v, _ := pg.Doc.Find(`form.filters input[name="over"]`).Attr("value"); v != fmt.Sprintf("format:%d", poster.ID) {
		t.Errorf("the filters keep it: %q", v)
	}
	if all, _ := pg.Doc.Find("#over a").Attr("href"); len(listed(b.get(all))) != 13 {
		t.Errorf("every proposal again (%s): %d", all, len(listed(b.get(all))))
	}
	if got := listed(b.get(href + "&status=draft")); len(got) != 0 {
		t.Errorf("with another filter: %v", got)
	}
	if pg = b.get(href + "&q=part"); len(listed(pg)) != 11 {
		t.Errorf("with a search: %d", len(listed(pg)))
	}

	// Few: each by its title, to its page.
	var gone int64
	for id := range over {
		gone = id
		break
	}
	if _, err := ta.subs.Withdraw(ctx, p, f.conf, gone); err != nil {
		t.Fatal(err)
	}
	delete(over, gone)
	panel = b.get(item).Doc.Find("#overruns-title").Parent()
	got := map[int64]string{}
	var titles []string
	panel.Find("#overrunning li a").Each(func(_ int, a *goquery.Selection) {
		h, _ := a.Attr("href")
		id, _ := strconv.ParseInt(strings.TrimPrefix(h, "/c/"+f.conf.Slug+"/manage/proposals/"), 10, 64)
		got[id] = a.Text()
		titles = append(titles, a.Text())
	})
	if !maps.Equal(got, over) || !slices.IsSorted(titles) {
		t.Errorf("the format's page with 10 over names them: %v", titles)
	}
	if text := panel.Find(`a[href*="over="]`).Text(); text != "Show these 10 proposals in the list of proposals" {
		t.Errorf("the link to the list of them: %q", text)
	}

	// The API.
	token, _ := apiToken(t, ta, f.organizer)
	version, _ = b.get(item).Doc.Find(`input[name="version"]`).Attr("value")
	r := sendJSON(t, ta, http.MethodPut, fmt.Sprintf("/api/v1/conferences/%s/manage/formats/%d", f.conf.Slug, poster.ID), token,
		fmt.Sprintf(`{"name":%q,"duration_minutes":%d,"max_presenters":%d,"abstract_max_words":20,"version":%s}`, poster.Name, poster.DurationMinutes, poster.MaxPresenters, version))
	wantContract(t, http.MethodPut, "/api/v1/conferences/:slug/manage/formats/:id", r.Status, r.Body)
	warnings, _ := r.JSON["warnings"].([]any)
	var ids map[int64]string
	for _, w := range warnings {
		if m := w.(map[string]any); m["field"] == "abstract_max_words" {
			ids = map[int64]string{}
			for _, id := range m["proposals"].([]any) {
				ids[int64(id.(float64))] = over[int64(id.(float64))]
			}
		}
	}
	if r.Status != http.StatusOK || !maps.Equal(ids, over) {
		t.Errorf("the API's warning: %d %v", r.Status, warnings)
	}
	list := fmt.Sprintf("/api/v1/conferences/%s/manage/proposals", f.conf.Slug)
	r = sendJSON(t, ta, http.MethodGet, fmt.Sprintf("%s?over=format:%d", list, poster.ID), token, "")
	wantContract(t, http.MethodGet, "/api/v1/conferences/:slug/manage/proposals", r.Status, r.Body)
	if r.Status != http.StatusOK || r.JSON["total"] != 10.0 {
		t.Errorf("the API's list of them: %d %v", r.Status, r.JSON["total"])
	}
	for _, bad := range []string{"format:999999999", "format:x", "12"} {
		wantFields(t, "the API's list over "+bad, sendJSON(t, ta, http.MethodGet, list+"?over="+url.QueryEscape(bad), token, ""),
			map[string]string{"over": "a format this call does not have"})
		pg = b.get("/c/" + f.conf.Slug + "/manage/proposals?over=" + url.QueryEscape(bad))
		if pg.Status != http.StatusUnprocessableEntity || !strings.Contains(errorSummary(pg)["over"], "a format this call does not have") ||
			pg.Doc.Find("#over a").Length() != 1 {
			t.Errorf("the list over %s: %d %v", bad, pg.Status, errorSummary(pg))
		}
	}
}
