package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/PuerkitoBio/goquery"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/question"
)

// fieldIDs are the ids of a format's fields, in order.
func fieldIDs(qs []question.Question) []string {
	out := make([]string, len(qs))
	for i, q := range qs {
		out[i] = q.ID
	}
	return out
}

// TestFieldButtonsOnAStalePage: deleting or moving a field from a page older than the format does
// nothing and comes back to the format as it is now, saying so; done on the page as it is, each
// says what it did.
func TestFieldButtonsOnAStalePage(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	b := loggedIn(t, ta, f.organizer)
	ws := f.formats["Workshop"]
	page := fmt.Sprintf("/c/%s/manage/formats/%d", f.conf.Slug, ws.ID)
	old := strconv.Itoa(ws.Version)
	objectives, _ := ws.Field("objectives")
	plan, _ := ws.Field("plan")

	// Another organizer changes the format after this page was opened.
	if _, err := ta.calls.EditFields(context.Background(), organizerOf(t, ta, f), f.conf, ws.ID, ws.Version,
		func(qs []question.Question) ([]question.Question, error) {
			qs[0].Help = "Two or three, as verbs."
			return qs, nil
		}); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ action, direction, want string }{
		{"delete", "", "delete “" + objectives.Label + "” again if you still want to."},
		{"move", "down", "move “" + objectives.Label + "” again if you still want to."},
	} {
		p := b.post(page, page+"/fields/objectives/"+tc.action, url.Values{"version": {old}, "direction": {tc.direction}})
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != page+"#fields" {
			t.Fatalf("%s on a stale page: %d to %q %s", tc.action, p.Status, p.Header.Get("Location"), p.problem())
		}
		flash := b.get(page).Doc.Find(".flash").Text()
		if !strings.HasPrefix(flash, "Someone changed this format since you opened the page, so nothing was done.") || !strings.HasSuffix(flash, tc.want) {
			t.Errorf("%s on a stale page says %q", tc.action, flash)
		}
	}
	now := mustFormat(t, ta, f.conf, "Workshop")
	if !slices.Equal(fieldIDs(now.Fields), fieldIDs(ws.Fields)) {
		t.Errorf("the fields changed on a stale page: %v", fieldIDs(now.Fields))
	}

	// On the page as it is now, each does what it says, and says it.
	version := func() string { v, _ := b.get(page).Doc.Find(`input[name="version"]`).Attr("value"); return v }
	p := b.post(page, page+"/fields/objectives/move", url.Values{"version": {version()}, "direction": {"down"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("move down: %d %s", p.Status, p.problem())
	}
	if flash := b.get(page).Doc.Find(".flash").Text(); flash != "The field “"+objectives.Label+"” is moved down." {
		t.Errorf("after moving down: %q", flash)
	}
	if ids := fieldIDs(mustFormat(t, ta, f.conf, "Workshop").Fields); ids[0] != "plan" || ids[1] != "objectives" {
		t.Errorf("after moving down: %v", ids)
	}
	if p = b.post(page, page+"/fields/plan/delete", url.Values{"version": {version()}}); p.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", p.Status, p.problem())
	}
	if flash := b.get(page).Doc.Find(".flash").Text(); flash != "The field “"+plan.Label+"” is deleted." {
		t.Errorf("after deleting: %q", flash)
	}
	if _, ok := mustFormat(t, ta, f.conf, "Workshop").Field("plan"); ok {
		t.Error("the field is still asked")
	}
	// A button for a field deleted meanwhile, on an older page: the format as it is now.
	p = b.post(page, page+"/fields/plan/move", url.Values{"version": {old}, "direction": {"up"}})
	if flash := b.get(page).Doc.Find(".flash").Text(); p.Status != http.StatusSeeOther || !strings.Contains(flash, "no longer asks that question") {
		t.Errorf("moving a field deleted meanwhile: %d %q", p.Status, flash)
	}
}

// meanwhile returns what a refused form's page shows as saved meanwhile, by field.
func meanwhile(p page) map[string]string {
	out := map[string]string{}
	p.Doc.Find("dl.newer dd[data-field]").Each(func(_ int, s *goquery.Selection) {
		field, _ := s.Attr("data-field")
		out[field] = s.Text()
	})
	return out
}

// formValues returns the named fields of the page's form as they would be sent again.
func formValues(p page, action string, names ...string) url.Values {
	v := url.Values{}
	form := p.Doc.Find(`form[action="` + action + `"]`)
	for _, name := range names {
		el := form.Find(`[name="` + name + `"]`)
		if goquery.NodeName(el) == "textarea" {
			v.Set(name, el.Text())
		} else if typ, _ := el.Attr("type"); typ != "checkbox" && typ != "radio" {
			v.Set(name, el.AttrOr("value", ""))
		}
		el.Filter("[checked]").Each(func(_ int, s *goquery.Selection) { v.Add(name, s.AttrOr("value", "")) })
	}
	return v
}

// TestFormsSavedMeanwhile: the call's, a format's and a field's forms, sent after someone else saved a
// change, come back with what was typed, what is saved now where it differs, and the version saved
// now, so that sending them again replaces that change; a field deleted meanwhile comes back as a
// new field.
func TestFormsSavedMeanwhile(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	org := organizerOf(t, ta, f)
	b := loggedIn(t, ta, f.organizer)
	base := "/c/" + f.conf.Slug + "/manage"
	version := func(p page) string { v, _ := p.Doc.Find(`input[name="version"]`).Attr("value"); return v }

	// The call.
	p := b.get(base + "/call")
	opened := version(p)
	call, err := ta.calls.Call(ctx, f.conf)
	if err != nil {
		t.Fatal(err)
	}
	loc := f.conf.Location()
	if _, err := ta.calls.SaveCall(ctx, org, f.conf, call.Version, cfp.CallInput{Opens: cfp.LocalInput(call.OpensAt, loc), Closes: "2031-05-31T23:59",
		ContactEmail: call.ContactEmail, IntroMD: call.IntroMD, GuideMD: "# Their guide", FAQMD: call.FAQMD}); err != nil {
		t.Fatal(err)
	}
	typed := url.Values{"version": {opened}, "opens_at": {cfp.LocalInput(call.OpensAt, loc)}, "closes_at": {cfp.LocalInput(call.ClosesAt, loc)},
		"contact_email": {call.ContactEmail}, "intro_md": {call.IntroMD}, "guide_md": {"# My guide\r\n\r\nTyped with care."}, "faq_md": {call.FAQMD}}
	p = b.post(base+"/call", base+"/call", typed)
	if p.Status != http.StatusConflict || !strings.HasPrefix(p.problem(), "Someone else saved a change to the call since you opened this form") {
		t.Fatalf("a call saved meanwhile: %d %q", p.Status, p.problem())
	}
	if got := p.Doc.Find("#guide_md").Text(); got != "# My guide\n\nTyped with care." {
		t.Errorf("the guide typed: %q", got)
	}
	if m := meanwhile(p); len(m) != 2 || m["guide_md"] != "# Their guide" || m["closes_at"] != "2031-05-31T23:59" {
		t.Errorf("what is saved now: %q", m)
	}
	if v := version(p); v != strconv.Itoa(call.Version+1) {
		t.Errorf("the form's version %q, saved now %d", v, call.Version+1)
	}
	again := formValues(p, base+"/call", "version", "opens_at", "closes_at", "contact_email", "intro_md", "guide_md", "faq_md")
	if p = b.post(base+"/call", base+"/call", again); p.Status != http.StatusSeeOther {
		t.Fatalf("the call sent again: %d %s", p.Status, p.problem())
	}
	if call, _ = ta.calls.Call(ctx, f.conf); !strings.HasPrefix(call.GuideMD, "# My guide") {
		t.Errorf("the guide saved: %q", call.GuideMD)
	}

	// A format.
	ws := f.formats["Workshop"]
	fpage := fmt.Sprintf("%s/formats/%d", base, ws.ID)
	opened = version(b.get(fpage))
	if _, err := ta.calls.UpdateFormat(ctx, org, f.conf, ws.ID, ws.Version, cfp.FormatInput{Name: ws.Name, Description: "Their description.",
		DurationMinutes: ws.DurationMinutes, MaxPresenters: ws.MaxPresenters, AbstractMaxWords: ws.AbstractMaxWords, Accepting: ws.Accepting}); err != nil {
		t.Fatal(err)
	}
	typed = url.Values{"version": {opened}, "name": {"Hands-on workshop"}, "description": {ws.Description}, "duration_minutes": {"120"},
		"max_presenters": {strconv.Itoa(ws.MaxPresenters)}, "abstract_max_words": {strconv.Itoa(ws.AbstractMaxWords)}, "accepting": {"yes"}}
	p = b.post(fpage, fpage, typed)
	if p.Status != http.StatusConflict || !strings.HasPrefix(p.problem(), "Someone else saved a change to this format") {
		t.Fatalf("a format saved meanwhile: %d %q", p.Status, p.problem())
	}
	if got, _ := p.Doc.Find("#name").Attr("value"); got != "Hands-on workshop" {
		t.Errorf("the name typed: %q", got)
	}
	if m := meanwhile(p); m["description"] != "Their description." || m["name"] != ws.Name || m["duration_minutes"] != strconv.Itoa(ws.DurationMinutes) {
		t.Errorf("what is saved now: %q", m)
	}
	again = formValues(p, fpage, "version", "name", "description", "duration_minutes", "max_presenters", "abstract_max_words", "accepting")
	if p = b.post(fpage, fpage, again); p.Status != http.StatusSeeOther {
		t.Fatalf("the format sent again: %d %s", p.Status, p.problem())
	}
	if w := mustFormat(t, ta, f.conf, "Hands-on workshop"); w.DurationMinutes != 120 || w.Description != ws.Description || !w.Accepting {
		t.Errorf("the format saved: %+v", w)
	}

	// A field.
	ws = mustFormat(t, ta, f.conf, "Hands-on workshop")
	qpage := fpage + "/fields/objectives"
	opened = version(b.get(qpage))
	if _, err := ta.calls.EditFields(ctx, org, f.conf, ws.ID, ws.Version, func(qs []question.Question) ([]question.Question, error) {
		qs[0].Help = "Their help."
		return qs, nil
	}); err != nil {
		t.Fatal(err)
	}
	q, _ := ws.Field("objectives")
	typed = url.Values{"version": {opened}, "label": {"What participants will learn"}, "help": {q.Help}, "kind": {string(q.Kind)}, "max_words": {"80"}}
	p = b.post(qpage, qpage, typed)
	if p.Status != http.StatusConflict || !strings.HasPrefix(p.problem(), "Someone else saved a change to this format") {
		t.Fatalf("a field saved meanwhile: %d %q", p.Status, p.problem())
	}
	if m := meanwhile(p); m["help"] != "Their help." || m["label"] != q.Label {
		t.Errorf("what is saved now: %q", m)
	}
	again = formValues(p, qpage, "version", "label", "help", "kind", "required", "options", "max_words")
	if p = b.post(qpage, qpage, again); p.Status != http.StatusSeeOther {
		t.Fatalf("the field sent again: %d %s", p.Status, p.problem())
	}
	if q, _ = mustFormat(t, ta, f.conf, "Hands-on workshop").Field("objectives"); q.Label != "What participants will learn" || q.MaxWords != 80 || q.Help == "Their help." {
		t.Errorf("the field saved: %+v", q)
	}

	// A field deleted meanwhile: what was typed comes back, to add as a new field.
	ws = mustFormat(t, ta, f.conf, "Hands-on workshop")
	qpage = fpage + "/fields/plan"
	opened = version(b.get(qpage))
	if _, err := ta.calls.EditFields(ctx, org, f.conf, ws.ID, ws.Version, func(qs []question.Question) ([]question.Question, error) {
		return slices.DeleteFunc(qs, func(x question.Question) bool { return x.ID == "plan" }), nil
	}); err != nil {
		t.Fatal(err)
	}
	p = b.post(qpage, qpage, url.Values{"version": {opened}, "label": {"Plan of the session"}, "kind": {"long_text"}})
	if p.Status != http.StatusConflict || !strings.HasPrefix(p.problem(), "Someone else deleted this field") {
		t.Fatalf("a field deleted meanwhile: %d %q", p.Status, p.problem())
	}
	if got, _ := p.Doc.Find("#label").Attr("value"); got != "Plan of the session" || p.Doc.Find(`form[action="`+fpage+`/fields"]`).Length() != 1 {
		t.Errorf("the typed field, as a new one: %q", got)
	}
	again = formValues(p, fpage+"/fields", "version", "label", "help", "kind", "required", "options", "max_words", "id")
	if p = b.post(fpage+"/fields/new", fpage+"/fields", again); p.Status != http.StatusSeeOther {
		t.Fatalf("the field added again: %d %s", p.Status, p.problem())
	}
	if ids := fieldIDs(mustFormat(t, ta, f.conf, "Hands-on workshop").Fields); ids[len(ids)-1] == "plan" || len(ids) != len(ws.Fields) {
		t.Errorf("the fields after adding it: %v", ids)
	}
}

// TestAPICallVersion: a change of the call through the API without the version read, or with 0 for a
// call that exists, is a mistake named on the version; one with an older version is a change made
// meanwhile. A conference without a call gets one with version 0.
func TestAPICallVersion(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	orgToken, _ := apiToken(t, ta, f.organizer)
	item := "/api/v1/conferences/" + f.conf.Slug + "/manage/call"
	call, err := ta.calls.Call(context.Background(), f.conf)
	if err != nil {
		t.Fatal(err)
	}
	for what, version := range map[string]string{"no version": ``, "version 0": `"version":0,`} {
		r := sendJSON(t, ta, http.MethodPut, item, orgToken, `{`+version+`"opens_at":"2026-01-01T09:00","closes_at":"2031-06-30T23:59"}`)
		wantProblem(t, what, r.apiResponse, http.StatusUnprocessableEntity, "invalid")
		if d := fieldDetail(r.apiResponse, "version"); !strings.Contains(d, "version") || fieldDetail(r.apiResponse, "opens_at") != "" {
			t.Errorf("%s: %v", what, r.JSON)
		}
	}
	r := sendJSON(t, ta, http.MethodPut, item, orgToken, fmt.Sprintf(`{"version":%d,"opens_at":"2026-01-01T09:00","closes_at":"2031-06-30T23:59"}`, call.Version))
	if r.Status != http.StatusOK || r.JSON["version"] != float64(call.Version+1) {
		t.Fatalf("a change at the version read: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, item, orgToken, fmt.Sprintf(`{"version":%d,"opens_at":"2026-01-01T09:00","closes_at":"2031-07-31T23:59"}`, call.Version))
	wantProblem(t, "an older version", r.apiResponse, http.StatusConflict, "conflict")
	if d, _ := r.JSON["detail"].(string); !strings.HasPrefix(d, fmt.Sprintf("The call changed since version %d, which you read", call.Version)) ||
		fieldDetail(r.apiResponse, "version") != fmt.Sprintf("The call is at version %d now.", call.Version+1) {
		t.Errorf("an older version: %v", r.JSON)
	}

	r = sendJSON(t, ta, http.MethodPut, item, orgToken, fmt.Sprintf(`{"version":%d,"opens_at":"2026-01-01T09:00","closes_at":"2031-07-31T23:59"}`, call.Version+50))
	if d, _ := r.JSON["detail"].(string); r.Status != http.StatusConflict || !strings.HasPrefix(d, fmt.Sprintf("The call has never been at version %d", call.Version+50)) {
		t.Errorf("a version the call never had: %d %v", r.Status, r.JSON)
	}

	// A conference with no call yet: version 0 creates it.
	ctx := context.Background()
	conf, err := ta.confs.Seed(ctx, conference.CreateInput{Slug: f.conf.Slug + "-new", Name: "No call yet", TimeZone: "UTC", StartsOn: "2027-10-08", EndsOn: "2027-10-09"})
	if err != nil {
		t.Fatal(err)
	}
	admin := &access.Principal{Admin: true, UserID: newUser(t, ta, uniqueEmail("admin"), "Ada Admin").ID}
	if err := ta.confs.Grant(ctx, admin, conf, f.organizer, access.Organizer); err != nil {
		t.Fatal(err)
	}
	// Its proposals' list has no deadline to read, and is shown.
	if p := loggedIn(t, ta, f.organizer).get("/c/" + conf.Slug + "/manage/proposals"); p.Status != http.StatusOK {
		t.Errorf("the proposals of a conference without a call: %d %s", p.Status, p.problem())
	}
	item = "/api/v1/conferences/" + conf.Slug + "/manage/call"
	if r = sendJSON(t, ta, http.MethodPut, item, orgToken, `{"opens_at":"2026-01-01T09:00","closes_at":"2031-06-30T23:59"}`); fieldDetail(r.apiResponse, "version") == "" {
		t.Errorf("no version, no call: %d %v", r.Status, r.JSON)
	}
	if r = sendJSON(t, ta, http.MethodPut, item, orgToken, `{"version":0,"opens_at":"2026-01-01T09:00","closes_at":"2031-06-30T23:59"}`); r.Status != http.StatusOK || r.JSON["version"] != float64(1) {
		t.Errorf("create the call: %d %v", r.Status, r.JSON)
	}
}

// asciiJSON writes s as a JSON string with every character beyond ASCII escaped, as many JSON
// libraries do by default: 6 bytes a Japanese character, 12 for one beyond the BMP.
func asciiJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20 || r > 0x7e:
			for _, u := range utf16.Encode([]rune{r}) {
				fmt.Fprintf(&b, `\u%04x`, u)
			}
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// japanese is n characters of Japanese text.
func japanese(n int) string {
	const line = "提出の手引きをよく読んでください。" // 17 characters
	s := strings.Repeat(line, n/utf8.RuneCountInString(line)+1)
	return string([]rune(s)[:n])
}

// TestLongTextsFitTheBody: the call's form and API, and a format's API, take the most text their
// limits allow, in Japanese, whatever it costs in bytes; text over a limit is told on its field, with
// the form as typed, not refused whole as too large.
func TestLongTextsFitTheBody(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	b := loggedIn(t, ta, f.organizer)
	page := "/c/" + f.conf.Slug + "/manage/call"
	call, _ := ta.calls.Call(ctx, f.conf)
	loc := f.conf.Location()
	form := func(version int, intro, guide, faq string) url.Values {
		return url.Values{"version": {strconv.Itoa(version)}, "opens_at": {cfp.LocalInput(call.OpensAt, loc)}, "closes_at": {cfp.LocalInput(call.ClosesAt, loc)},
			"intro_md": {intro}, "guide_md": {guide}, "faq_md": {faq}}
	}

	// Over a megabyte, percent-encoded, within every limit.
	guide, faq := japanese(59500), japanese(59500)
	if n := len(form(call.Version, "", guide, faq).Encode()); n <= 1<<20 {
		t.Fatalf("the form is %d bytes: not over the body limit", n)
	}
	if p := b.post(page, page, form(call.Version, "", guide, faq)); p.Status != http.StatusSeeOther {
		t.Fatalf("long pages in Japanese: %d %s", p.Status, p.problem())
	}
	if call, _ = ta.calls.Call(ctx, f.conf); call.GuideMD != strings.TrimSpace(guide) || call.FAQMD != strings.TrimSpace(faq) {
		t.Errorf("the pages saved: %d and %d characters", utf8.RuneCountInString(call.GuideMD), utf8.RuneCountInString(call.FAQMD))
	}
	// The most the form allows, and one character more: told on the field, the text kept.
	long := japanese(cfp.MaxPageChars) + "。"
	p := b.post(page, page, form(call.Version, japanese(cfp.MaxIntroChars), long, japanese(cfp.MaxPageChars)))
	if p.Status != http.StatusUnprocessableEntity || p.fieldError("guide_md") != fmt.Sprintf("Use at most %d characters.", cfp.MaxPageChars) ||
		p.fieldError("faq_md") != "" || utf8.RuneCountInString(p.Doc.Find("#guide_md").Text()) != cfp.MaxPageChars+1 {
		t.Errorf("a guide one character over: %d %q", p.Status, p.problem())
	}

	// The API, with every character escaped.
	api := "/api/v1/conferences/" + f.conf.Slug
	orgToken, _ := apiToken(t, ta, f.organizer)
	body := fmt.Sprintf(`{"version":%d,"opens_at":%q,"closes_at":%q,"intro_md":%s,"guide_md":%s,"faq_md":%s}`, call.Version,
		cfp.LocalInput(call.OpensAt, loc), cfp.LocalInput(call.ClosesAt, loc), asciiJSON(japanese(cfp.MaxIntroChars)),
		asciiJSON(japanese(cfp.MaxPageChars)), asciiJSON(strings.Repeat("😀", cfp.MaxPageChars)))
	if r := sendJSON(t, ta, http.MethodPut, api+"/manage/call", orgToken, body); r.Status != http.StatusOK {
		t.Errorf("the call through the API, %d bytes: %d %v", len(body), r.Status, r.JSON)
	}
	// A format with every question it may ask, each as long as it may be.
	var qs []string
	for i := range question.MaxQuestions {
		opts := make([]string, question.MaxOptions)
		for j := range opts {
			opts[j] = asciiJSON(fmt.Sprintf("%02d-%02d ", i, j) + japanese(question.MaxOption-6))
		}
		qs = append(qs, fmt.Sprintf(`{"id":"q%d","label":%s,"help":%s,"kind":"single_choice","options":[%s]}`, i,
			asciiJSON(fmt.Sprintf("%02d ", i)+japanese(question.MaxLabel-3)), asciiJSON(japanese(question.MaxHelp)), strings.Join(opts, ",")))
	}
	body = fmt.Sprintf(`{"name":"Long form","description":%s,"duration_minutes":60,"max_presenters":2,"abstract_max_words":200,"fields":[%s]}`,
		asciiJSON(japanese(cfp.MaxFormatDescriptionChars)), strings.Join(qs, ","))
	r := sendJSON(t, ta, http.MethodPost, api+"/manage/formats", orgToken, body)
	if r.Status != http.StatusCreated {
		t.Errorf("a format through the API, %d bytes: %d %v", len(body), r.Status, r.JSON["detail"])
	}
	// Other routes keep the body limit.
	r = sendJSON(t, ta, http.MethodPost, api+"/manage/tracks", orgToken, fmt.Sprintf(`{"name":"Big","description":%s}`, asciiJSON(japanese(200000))))
	wantProblem(t, "a track of two megabytes", r.apiResponse, http.StatusRequestEntityTooLarge, "malformed")
}
