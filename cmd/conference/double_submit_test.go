package main

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/question"
)

// twice sends a form twice with the one CSRF token of formPage, as a double click does: both at the
// same moment when atOnce, else the second once the first is answered. It returns both answers and
// what the page each leads to says (its flash): read after each when one follows the other, once
// after both when they are sent at once.
func twice(b *browser, formPage, action string, values url.Values, atOnce bool) (ps [2]page, flashes [2]string) {
	b.t.Helper()
	token, ok := b.get(formPage).Doc.Find(`input[name="_csrf"]`).First().Attr("value")
	if !ok {
		b.t.Fatalf("no CSRF token on %s", formPage)
	}
	values.Set("_csrf", token)
	flash := func(p page) string {
		if p.Status != http.StatusSeeOther {
			return ""
		}
		return strings.TrimSpace(b.get(p.Header.Get("Location")).Doc.Find(".flash").Text())
	}
	if !atOnce {
		for i := range ps {
			ps[i] = b.postRaw(action, values)
			flashes[i] = flash(ps[i])
		}
		return ps, flashes
	}
	var wg sync.WaitGroup
	for i := range ps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ps[i] = b.postRaw(action, values)
		}()
	}
	wg.Wait()
	flashes[0] = flash(ps[0])
	flashes[1] = flashes[0]
	return ps, flashes
}

// wantSaved checks that both answers to a form sent twice lead to location, saying flash there.
func wantSaved(t *testing.T, what string, ps [2]page, flashes [2]string, location, flash string) {
	t.Helper()
	for i, p := range ps {
		if p.Status != http.StatusSeeOther || p.Header.Get("Location") != location {
			t.Errorf("%s, answer %d: %d to %q, want 303 to %q (%s)", what, i+1, p.Status, p.Header.Get("Location"), location, p.problem())
		} else if flashes[i] != flash {
			t.Errorf("%s, answer %d says %q, want %q", what, i+1, flashes[i], flash)
		}
	}
}

// TestOrganizerFormsSentTwice sends each of the organizers' forms of the call twice with the same
// content, at once (a double click) and one after the other (the second with the first's stale
// version or key): both answers say it is saved, as one would, and it is made or saved once. A
// change someone else made in between is still refused, with what they saved.
func TestOrganizerFormsSentTwice(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	b := loggedIn(t, ta, f.organizer)
	base := "/c/" + f.conf.Slug + "/manage"
	ws := f.formats["Workshop"]
	fpage := fmt.Sprintf("%s/formats/%d", base, ws.ID)
	guest, _ := presenter(t, ta, "Gita Guest")

	for _, atOnce := range []bool{true, false} {
		how := map[bool]string{true: "at once", false: "one after the other"}[atOnce]

		// The call's settings.
		call, err := ta.calls.Call(ctx, f.conf)
		if err != nil {
			t.Fatal(err)
		}
		v := formValues(b.get(base+"/call"), base+"/call", "version", "opens_at", "closes_at", "contact_email", "intro_md", "guide_md", "faq_md")
		v.Set("guide_md", "# Guide\r\n\r\nSent "+how+".")
		ps, flashes := twice(b, base+"/call", base+"/call", v, atOnce)
		wantSaved(t, "the call sent twice "+how, ps, flashes, base+"/call", "The call is saved.")
		if now, _ := ta.calls.Call(ctx, f.conf); now.Version != call.Version+1 || !strings.HasSuffix(now.GuideMD, how+".") {
			t.Errorf("the call sent twice %s: version %d (was %d), guide %q", how, now.Version, call.Version, now.GuideMD)
		}

		// A format's settings.
		v = formValues(b.get(fpage), fpage, "version", "name", "description", "duration_minutes", "max_presenters", "abstract_max_words", "accepting")
		v.Set("description", "Hands-on, sent "+how+".")
		before := mustFormat(t, ta, f.conf, ws.Name).Version
		ps, flashes = twice(b, fpage, fpage, v, atOnce)
		wantSaved(t, "a format sent twice "+how, ps, flashes, fpage, "The format “"+ws.Name+"” is saved.")
		if now := mustFormat(t, ta, f.conf, ws.Name); now.Version != before+1 || now.Description != "Hands-on, sent "+how+"." {
			t.Errorf("a format sent twice %s: version %d (was %d), %q", how, now.Version, before, now.Description)
		}

		// A new format.
		name := "Double format " + how
		v = formValues(b.get(base+"/formats/new"), base+"/formats", "version", "client_key", "name", "description", "duration_minutes",
			"max_presenters", "abstract_max_words", "accepting")
		if v.Get("client_key") == "" {
			t.Fatal("the new format form has no key")
		}
		v.Set("name", name)
		ps, _ = twice(b, base+"/formats/new", base+"/formats", v, atOnce)
		if ps[0].Status != http.StatusSeeOther || ps[1].Header.Get("Location") != ps[0].Header.Get("Location") {
			t.Errorf("a new format sent twice %s: %d to %q, %d to %q (%s)", how, ps[0].Status, ps[0].Header.Get("Location"),
				ps[1].Status, ps[1].Header.Get("Location"), ps[1].problem())
		}
		if n := count(t, ta, `SELECT count(*) FROM formats WHERE conference_id = $1 AND name = $2`, f.conf.ID, name); n != 1 {
			t.Errorf("a new format sent twice %s: %d formats", how, n)
		}

		// A new field.
		label := "What will people take home, " + how + "?"
		v = formValues(b.get(fpage+"/fields/new"), fpage+"/fields", "version", "client_key", "kind")
		v.Set("label", label)
		fields := len(mustFormat(t, ta, f.conf, ws.Name).Fields)
		ps, flashes = twice(b, fpage+"/fields/new", fpage+"/fields", v, atOnce)
		wantSaved(t, "a new field sent twice "+how, ps, flashes, fpage+"#fields", "The field “"+label+"” is saved.")
		if now := mustFormat(t, ta, f.conf, ws.Name); len(now.Fields) != fields+1 || now.Fields[fields].Label != label {
			t.Errorf("a new field sent twice %s: %d fields, was %d: %v", how, len(now.Fields), fields, fieldIDs(now.Fields))
		}

		// A field's settings.
		qpage := fpage + "/fields/objectives"
		v = formValues(b.get(qpage), qpage, "version", "label", "help", "kind", "required", "options", "max_words")
		v.Set("help", "Sent "+how+".")
		before = mustFormat(t, ta, f.conf, ws.Name).Version
		ps, flashes = twice(b, qpage, qpage, v, atOnce)
		wantSaved(t, "a field sent twice "+how, ps, flashes, fpage+"#fields", "The field “"+v.Get("label")+"” is saved.")
		if now := mustFormat(t, ta, f.conf, ws.Name); now.Version != before+1 {
			t.Errorf("a field sent twice %s: version %d, was %d", how, now.Version, before)
		}

		// A track.
		track := map[bool]string{true: "Double track", false: "Double track again"}[atOnce]
		v = formValues(b.get(base+"/tracks"), base+"/tracks", "client_key", "description")
		v.Set("name", track)
		ps, flashes = twice(b, base+"/tracks", base+"/tracks", v, atOnce)
		wantSaved(t, "a track sent twice "+how, ps, flashes, base+"/tracks", "The track “"+track+"” is saved.")
		if n := count(t, ta, `SELECT count(*) FROM tracks WHERE conference_id = $1 AND name = $2`, f.conf.ID, track); n != 1 {
			t.Errorf("a track sent twice %s: %d tracks", how, n)
		}

		// An access link: both answers show the one link made, which works.
		linkLabel := "Invited panel, " + how
		v = formValues(b.get(base+"/extensions"), base+"/links", "client_key", "max_uses")
		v.Set("label", linkLabel)
		v.Set("expires_at", "2030-08-01T12:00")
		ps, _ = twice(b, base+"/extensions", base+"/links", v, atOnce)
		links := [2]string{}
		for i, p := range ps {
			links[i], _ = p.Doc.Find("#new-link").Attr("value")
			if p.Status != http.StatusCreated || links[i] == "" {
				t.Errorf("a link sent twice %s, answer %d: %d %q %s", how, i+1, p.Status, links[i], p.problem())
			}
		}
		if links[0] != links[1] {
			t.Errorf("a link sent twice %s shows two links: %q and %q", how, links[0], links[1])
		}
		if n := count(t, ta, `SELECT count(*) FROM call_access_links WHERE conference_id = $1 AND label = $2`, f.conf.ID, linkLabel); n != 1 {
			t.Errorf("a link sent twice %s: %d links", how, n)
		}
		if p := b.get(links[0]); p.Status != http.StatusOK {
			t.Errorf("the link shown, sent twice %s: %d", how, p.Status)
		}

		// An extension for a person.
		v = url.Values{"email": {guest.Email}, "until": {cfp.LocalInput(call.ClosesAt.AddDate(0, 0, 7), f.conf.Location())}, "reason": {how}}
		ps, _ = twice(b, base+"/extensions", base+"/extensions", v, atOnce)
		for i, p := range ps {
			if p.Status != http.StatusSeeOther {
				t.Errorf("an extension sent twice %s, answer %d: %d %s", how, i+1, p.Status, p.problem())
			}
		}
		if n := count(t, ta, `SELECT count(*) FROM deadline_extensions WHERE conference_id = $1 AND user_id = $2`, f.conf.ID, guest.ID); n != 1 {
			t.Errorf("an extension sent twice %s: %d extensions", how, n)
		}

		// A field's Delete button.
		now := mustFormat(t, ta, f.conf, ws.Name)
		last := now.Fields[len(now.Fields)-1]
		ps, flashes = twice(b, fpage, fpage+"/fields/"+last.ID+"/delete", url.Values{"version": {strconv.Itoa(now.Version)}}, atOnce)
		wantSaved(t, "a field's deletion sent twice "+how, ps, flashes, fpage+"#fields", "The field “"+last.Label+"” is deleted.")
	}

	// A change someone else made in between is no double click: the call's form sent again after it
	// comes back refused, with what they saved.
	org := organizerOf(t, ta, f)
	v := formValues(b.get(base+"/call"), base+"/call", "version", "opens_at", "closes_at", "contact_email", "intro_md", "guide_md", "faq_md")
	v.Set("guide_md", "# Guide\r\n\r\nMine.")
	if p := b.post(base+"/call", base+"/call", v); p.Status != http.StatusSeeOther {
		t.Fatalf("the call: %d %s", p.Status, p.problem())
	}
	call, _ := ta.calls.Call(ctx, f.conf)
	loc := f.conf.Location()
	if _, err := ta.calls.SaveCall(ctx, org, f.conf, call.Version, cfp.CallInput{Opens: cfp.LocalInput(call.OpensAt, loc), Closes: "2031-05-31T23:59",
		ContactEmail: call.ContactEmail, IntroMD: call.IntroMD, GuideMD: call.GuideMD, FAQMD: call.FAQMD}); err != nil {
		t.Fatal(err)
	}
	p := b.post(base+"/call", base+"/call", v)
	if p.Status != http.StatusConflict || !strings.HasPrefix(p.problem(), "Someone else saved a change to the call") {
		t.Errorf("the call sent again after someone else's change: %d %q", p.Status, p.problem())
	}
	if m := meanwhile(p); len(m) != 1 || m["closes_at"] != "2031-05-31T23:59" {
		t.Errorf("what is saved now: %q", m)
	}

	// And a new field, sent from a form opened before someone else changed the format.
	ws = mustFormat(t, ta, f.conf, ws.Name)
	v = formValues(b.get(fpage+"/fields/new"), fpage+"/fields", "version", "client_key", "kind")
	v.Set("label", "Anything else?")
	if _, err := ta.calls.EditFields(ctx, org, f.conf, ws.ID, ws.Version, func(qs []question.Question) ([]question.Question, error) {
		qs[0].Help = "Their help."
		return qs, nil
	}); err != nil {
		t.Fatal(err)
	}
	p = b.post(fpage+"/fields/new", fpage+"/fields", v)
	if p.Status != http.StatusConflict || !strings.HasPrefix(p.problem(), "Someone else saved a change to this format") {
		t.Errorf("a new field after someone else's change: %d %q", p.Status, p.problem())
	}
	if n := len(mustFormat(t, ta, f.conf, ws.Name).Fields); n != len(ws.Fields) {
		t.Errorf("a new field after someone else's change: %d fields, was %d", n, len(ws.Fields))
	}

	// A form sent again after it was changed (back in the browser) adds nothing under its key, and
	// comes back with a new one: sent again, it adds what it has.
	v = formValues(b.get(base+"/tracks"), base+"/tracks", "client_key", "description")
	v.Set("name", "Ethics")
	if p = b.post(base+"/tracks", base+"/tracks", v); p.Status != http.StatusSeeOther {
		t.Fatalf("a track: %d %s", p.Status, p.problem())
	}
	v.Set("name", "Ethics and law")
	p = b.post(base+"/tracks", base+"/tracks", v)
	again := formValues(p, base+"/tracks", "client_key", "name", "description")
	if p.Status != http.StatusConflict || !strings.HasPrefix(p.problem(), "This form was already used to add the track “Ethics”") ||
		again.Get("name") != "Ethics and law" || again.Get("client_key") == v.Get("client_key") || again.Get("client_key") == "" {
		t.Errorf("a track form sent again, changed: %d %q %v", p.Status, p.problem(), again)
	}
	if p = b.post(base+"/tracks", base+"/tracks", again); p.Status != http.StatusSeeOther {
		t.Errorf("the changed track form sent once more: %d %s", p.Status, p.problem())
	}
	if n := count(t, ta, `SELECT count(*) FROM tracks WHERE conference_id = $1 AND name IN ('Ethics', 'Ethics and law')`, f.conf.ID); n != 2 {
		t.Errorf("%d of the two tracks", n)
	}
}

// TestAPIRequestsSentTwice sends the organizers' API requests of the call twice, at once and one
// after the other: an Idempotency-Key makes a track, a format and an access link once, both answers
// giving it (the link with the one url); a change of the call or a format at a version made stale by
// its own twin answers with what is saved; a change by someone else in between is still 409, and a
// key sent with another body 422.
func TestAPIRequestsSentTwice(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	token, _ := apiToken(t, ta, f.organizer)
	base := "/api/v1/conferences/" + f.conf.Slug + "/manage"
	header := func(key string) []string {
		h := []string{"Content-Type", "application/json", "Authorization", "Bearer " + token}
		if key != "" {
			h = append(h, "Idempotency-Key", key)
		}
		return h
	}
	do := func(method, path, key, body string) reply {
		return send(t, ta, method, path, strings.NewReader(body), header(key)...)
	}
	both := func(atOnce bool, method, path, key, body string) [2]reply {
		return sendTwice(t, ta, atOnce, method, path, body, header(key)...)
	}
	same := func(what string, rs [2]reply, status int) {
		t.Helper()
		for i, r := range rs {
			if r.Status != status {
				t.Errorf("%s, answer %d: %d %v", what, i+1, r.Status, r.JSON)
			}
		}
		if rs[0].JSON["id"] != rs[1].JSON["id"] {
			t.Errorf("%s: two ids, %v and %v", what, rs[0].JSON["id"], rs[1].JSON["id"])
		}
	}

	for _, atOnce := range []bool{true, false} {
		how := map[bool]string{true: "at once", false: "one after the other"}[atOnce]
		key := "key-" + strings.ReplaceAll(how, " ", "-")

		name := "Double track " + how
		same("a track sent twice "+how, both(atOnce, http.MethodPost, base+"/tracks", key, fmt.Sprintf(`{"name":%q}`, name)), http.StatusCreated)
		if n := count(t, ta, `SELECT count(*) FROM tracks WHERE conference_id = $1 AND name = $2`, f.conf.ID, name); n != 1 {
			t.Errorf("a track sent twice %s: %d tracks", how, n)
		}

		name = "Double format " + how
		body := fmt.Sprintf(`{"name":%q,"duration_minutes":45,"max_presenters":2,"abstract_max_words":200,
			"fields":[{"label":"Why now?","kind":"long_text","max_words":100}]}`, name)
		same("a format sent twice "+how, both(atOnce, http.MethodPost, base+"/formats", key, body), http.StatusCreated)
		if n := count(t, ta, `SELECT count(*) FROM formats WHERE conference_id = $1 AND name = $2`, f.conf.ID, name); n != 1 {
			t.Errorf("a format sent twice %s: %d formats", how, n)
		}

		label := "Invited panel, " + how
		rs := both(atOnce, http.MethodPost, base+"/access-links", key, fmt.Sprintf(`{"label":%q,"expires_at":"2030-08-01T12:00","max_uses":3}`, label))
		same("a link sent twice "+how, rs, http.StatusCreated)
		if u, _ := rs[0].JSON["url"].(string); u == "" || rs[1].JSON["url"] != u {
			t.Errorf("a link sent twice %s: urls %v and %v", how, rs[0].JSON["url"], rs[1].JSON["url"])
		}
		if n := count(t, ta, `SELECT count(*) FROM call_access_links WHERE conference_id = $1 AND label = $2`, f.conf.ID, label); n != 1 {
			t.Errorf("a link sent twice %s: %d links", how, n)
		}

		call, err := ta.calls.Call(ctx, f.conf)
		if err != nil {
			t.Fatal(err)
		}
		body = fmt.Sprintf(`{"version":%d,"opens_at":%q,"closes_at":%q,"guide_md":"Sent %s."}`, call.Version,
			cfp.LocalInput(call.OpensAt, f.conf.Location()), cfp.LocalInput(call.ClosesAt, f.conf.Location()), how)
		rs = both(atOnce, http.MethodPut, base+"/call", "", body)
		for i, r := range rs {
			if r.Status != http.StatusOK || r.JSON["version"] != float64(call.Version+1) {
				t.Errorf("the call sent twice %s, answer %d: %d %v", how, i+1, r.Status, r.JSON)
			}
		}

		ws := mustFormat(t, ta, f.conf, "Workshop")
		body = fmt.Sprintf(`{"version":%d,"name":"Workshop","duration_minutes":90,"max_presenters":%d,"abstract_max_words":%d,"description":"Sent %s."}`,
			ws.Version, ws.MaxPresenters, ws.AbstractMaxWords, how)
		rs = both(atOnce, http.MethodPut, fmt.Sprintf("%s/formats/%d", base, ws.ID), "", body)
		same("a format's change sent twice "+how, rs, http.StatusOK)
		if rs[0].JSON["version"] != float64(ws.Version+1) || rs[1].JSON["version"] != float64(ws.Version+1) {
			t.Errorf("a format's change sent twice %s: versions %v and %v, was %d", how, rs[0].JSON["version"], rs[1].JSON["version"], ws.Version)
		}
	}

	// The key of a track sent with another body makes nothing, and says why; another track of the
	// same name without a key is a taken name.
	r := do(http.MethodPost, base+"/tracks", "key-at-once", `{"name":"Something else"}`)
	wantProblem(t, "a key sent with another body", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if d, _ := r.JSON["detail"].(string); !strings.Contains(d, `The Idempotency-Key "key-at-once" was used for another request`) {
		t.Errorf("a key sent with another body: %v", r.JSON)
	}
	r = do(http.MethodPost, base+"/tracks", "", `{"name":"Double track at once"}`)
	wantProblem(t, "a taken name without a key", r.apiResponse, http.StatusConflict, "conflict")

	// A change of the call by someone else since the version read is still a conflict.
	call, _ := ta.calls.Call(ctx, f.conf)
	loc := f.conf.Location()
	if _, err := ta.calls.SaveCall(ctx, organizerOf(t, ta, f), f.conf, call.Version, cfp.CallInput{Opens: cfp.LocalInput(call.OpensAt, loc),
		Closes: "2031-05-31T23:59", GuideMD: call.GuideMD}); err != nil {
		t.Fatal(err)
	}
	r = do(http.MethodPut, base+"/call", "", fmt.Sprintf(`{"version":%d,"opens_at":%q,"closes_at":%q}`, call.Version,
		cfp.LocalInput(call.OpensAt, loc), cfp.LocalInput(call.ClosesAt, loc)))
	wantProblem(t, "the call changed by someone else", r.apiResponse, http.StatusConflict, "conflict")
}

// TestScheduleAndWorkshopFormsSentTwice sends the forms that add a room, a session and a workshop
// twice with the same content, at once (a double click) and one after the other: both answers say
// it is saved, as one would, and it is made once. A form sent again after it was changed adds
// nothing under its key. Through the API, an Idempotency-Key makes a room, a session and a workshop
// once.
func TestScheduleAndWorkshopFormsSentTwice(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := newScheduleFixture(t, ta)
	b := loggedIn(t, ta, f.organizer)
	rooms, workshops := f.manage+"/rooms", f.manage+"/workshops"
	if p := b.post(rooms, rooms, url.Values{"name": {"Main stage"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("add a room: %d %s", p.Status, summaryItems(p))
	}
	main := f.roomID(t, ta, "Main stage")

	for _, atOnce := range []bool{true, false} {
		how := map[bool]string{true: "at once", false: "one after the other"}[atOnce]

		// A room.
		room := "Room " + how
		v := formValues(b.get(rooms), rooms, "client_key")
		if v.Get("client_key") == "" {
			t.Fatal("the room form has no key")
		}
		v.Set("name", room)
		ps, flashes := twice(b, rooms, rooms, v, atOnce)
		wantSaved(t, "a room sent twice "+how, ps, flashes, rooms, "The room “"+room+"” is saved.")
		if n := count(t, ta, `SELECT count(*) FROM schedule_rooms WHERE conference_id = $1 AND name = $2`, f.conf.ID, room); n != 1 {
			t.Errorf("a room sent twice %s: %d rooms", how, n)
		}

		// A session.
		title := "Narratives " + how
		v = formValues(b.get(f.sess+"/new"), f.sess, "version", "client_key")
		if v.Get("client_key") == "" {
			t.Fatal("the new session form has no key")
		}
		for name, value := range sessionValues(title, "2027-10-08T10:00", "2027-10-08T11:00", main) {
			if name != "version" {
				v[name] = value
			}
		}
		ps, _ = twice(b, f.sess+"/new", f.sess, v, atOnce)
		if ps[0].Status != http.StatusSeeOther || ps[1].Status != http.StatusSeeOther || ps[1].Header.Get("Location") != ps[0].Header.Get("Location") {
			t.Errorf("a session sent twice %s: %d to %q, %d to %q (%s)", how, ps[0].Status, ps[0].Header.Get("Location"),
				ps[1].Status, ps[1].Header.Get("Location"), ps[1].problem())
		}
		if n := count(t, ta, `SELECT count(*) FROM schedule_sessions WHERE conference_id = $1 AND title = $2`, f.conf.ID, title); n != 1 {
			t.Errorf("a session sent twice %s: %d sessions", how, n)
		}

		// A workshop.
		workshop := "Auditing a curriculum, " + how
		v = formValues(b.get(workshops), workshops, "client_key", "capacity")
		if v.Get("client_key") == "" {
			t.Fatal("the workshop form has no key")
		}
		v.Set("title", workshop)
		ps, flashes = twice(b, workshops, workshops, v, atOnce)
		wantSaved(t, "a workshop sent twice "+how, ps, flashes, workshops, "The workshop “"+workshop+"” is added.")
		if n := count(t, ta, `SELECT count(*) FROM workshops WHERE conference_id = $1 AND title = $2`, f.conf.ID, workshop); n != 1 {
			t.Errorf("a workshop sent twice %s: %d workshops", how, n)
		}
	}

	// A room form sent again after it was changed adds nothing under its key, and comes back with a
	// new one: sent again, it adds what it has.
	v := formValues(b.get(rooms), rooms, "client_key")
	v.Set("name", "Ethics room")
	if p := b.post(rooms, rooms, v); p.Status != http.StatusSeeOther {
		t.Fatalf("a room: %d %s", p.Status, p.problem())
	}
	v.Set("name", "Law room")
	p := b.post(rooms, rooms, v)
	again := formValues(p, rooms, "client_key", "name")
	if p.Status != http.StatusConflict || !strings.HasPrefix(p.problem(), "This form was already used to add the room “Ethics room”") ||
		again.Get("name") != "Law room" || again.Get("client_key") == v.Get("client_key") || again.Get("client_key") == "" {
		t.Errorf("a room form sent again, changed: %d %q %v", p.Status, p.problem(), again)
	}
	if p = b.post(rooms, rooms, again); p.Status != http.StatusSeeOther {
		t.Errorf("the changed room form sent once more: %d %s", p.Status, p.problem())
	}
	if n := count(t, ta, `SELECT count(*) FROM schedule_rooms WHERE conference_id = $1 AND name IN ('Ethics room', 'Law room')`, f.conf.ID); n != 2 {
		t.Errorf("%d of the two rooms", n)
	}

	// The API.
	token, _ := apiToken(t, ta, f.organizer)
	api := "/api/v1/conferences/" + f.slug
	do := func(method, path, key, body string) reply {
		h := []string{"Content-Type", "application/json", "Authorization", "Bearer " + token}
		if key != "" {
			h = append(h, "Idempotency-Key", key)
		}
		return send(t, ta, method, path, strings.NewReader(body), h...)
	}
	for _, atOnce := range []bool{true, false} {
		how := map[bool]string{true: "at once", false: "one after the other"}[atOnce]
		key := "key-" + strings.ReplaceAll(how, " ", "-")
		for _, tt := range []struct {
			what, path, body, rows string
		}{
			{"a room", api + "/manage/rooms", fmt.Sprintf(`{"name":"API room %s"}`, how),
				fmt.Sprintf(`SELECT count(*) FROM schedule_rooms WHERE conference_id = $1 AND name = 'API room %s'`, how)},
			{"a session", api + "/manage/sessions", fmt.Sprintf(`{"title":"API session %s","kind":"plenary","start":"2027-10-08T13:00","end":"2027-10-08T14:00","room_id":%d}`, how, main),
				fmt.Sprintf(`SELECT count(*) FROM schedule_sessions WHERE conference_id = $1 AND title = 'API session %s'`, how)},
			{"a workshop", api + "/workshops", fmt.Sprintf(`{"title":"API workshop %s","capacity":12}`, how),
				fmt.Sprintf(`SELECT count(*) FROM workshops WHERE conference_id = $1 AND title = 'API workshop %s'`, how)},
		} {
			rs := sendTwice(t, ta, atOnce, http.MethodPost, tt.path, tt.body,
				"Content-Type", "application/json", "Authorization", "Bearer "+token, "Idempotency-Key", key)
			for i, r := range rs {
				if r.Status != http.StatusCreated {
					t.Errorf("the API's %s sent twice %s, answer %d: %d %v", tt.what, how, i+1, r.Status, r.JSON)
				}
			}
			if rs[0].JSON["id"] == nil || rs[0].JSON["id"] != rs[1].JSON["id"] {
				t.Errorf("the API's %s sent twice %s: ids %v and %v", tt.what, how, rs[0].JSON["id"], rs[1].JSON["id"])
			}
			if n := count(t, ta, tt.rows, f.conf.ID); n != 1 {
				t.Errorf("the API's %s sent twice %s: %d rows", tt.what, how, n)
			}
			// The key with another body makes nothing, and says why.
			r := do(http.MethodPost, tt.path, key, strings.Replace(tt.body, "API", "Other", 1))
			wantProblem(t, "the API's "+tt.what+" with a used key", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
			if d, _ := r.JSON["detail"].(string); !strings.Contains(d, `The Idempotency-Key "`+key+`" was used for another request`) {
				t.Errorf("the API's %s with a used key: %v", tt.what, r.JSON)
			}
		}
	}
}

// TestFieldMovedTwice: a field's Move button pressed twice, at once (a double click) or one after
// the other from the same page, moves the field once, and both answers say it is moved; pressed on a
// page older than someone else's change, it is still refused.
func TestFieldMovedTwice(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	ctx := context.Background()
	b := loggedIn(t, ta, f.organizer)
	ws := f.formats["Workshop"]
	fpage := fmt.Sprintf("/c/%s/manage/formats/%d", f.conf.Slug, ws.ID)
	for _, atOnce := range []bool{true, false} {
		how := map[bool]string{true: "at once", false: "one after the other"}[atOnce]
		before := mustFormat(t, ta, f.conf, ws.Name)
		first := before.Fields[0]
		move := fpage + "/fields/" + first.ID + "/move"
		v := formValues(b.get(fpage), move, "version", "order", "direction")
		if v.Get("direction") != "down" || v.Get("order") == "" {
			t.Fatalf("the Move button of the first field: %v", v)
		}
		ps, flashes := twice(b, fpage, move, v, atOnce)
		wantSaved(t, "a field's move sent twice "+how, ps, flashes, fpage+"#fields", "The field “"+first.Label+"” is moved down.")
		now := mustFormat(t, ta, f.conf, ws.Name)
		want := fieldIDs(before.Fields)
		want[0], want[1] = want[1], want[0]
		if now.Version != before.Version+1 || !slices.Equal(fieldIDs(now.Fields), want) {
			t.Errorf("a field's move sent twice %s: version %d (was %d), %v, want %v", how, now.Version, before.Version, fieldIDs(now.Fields), want)
		}
	}

	// A Move pressed on a page older than someone else's change is still refused.
	before := mustFormat(t, ta, f.conf, ws.Name)
	move := fpage + "/fields/" + before.Fields[0].ID + "/move"
	v := formValues(b.get(fpage), move, "version", "order", "direction")
	if p := b.post(fpage, move, v); p.Status != http.StatusSeeOther {
		t.Fatalf("a move: %d %s", p.Status, p.problem())
	}
	if _, err := ta.calls.EditFields(ctx, organizerOf(t, ta, f), f.conf, ws.ID, before.Version+1, func(qs []question.Question) ([]question.Question, error) {
		qs[0].Help = "Their help."
		return qs, nil
	}); err != nil {
		t.Fatal(err)
	}
	ps, flashes := twice(b, fpage, move, v, false)
	if ps[0].Status != http.StatusSeeOther || !strings.HasPrefix(flashes[0], "Someone changed this format since you opened the page") {
		t.Errorf("a move after someone else's change: %d %q", ps[0].Status, flashes[0])
	}
	if now := mustFormat(t, ta, f.conf, ws.Name); now.Version != before.Version+2 {
		t.Errorf("a move after someone else's change: version %d, was %d", now.Version, before.Version)
	}
}

// TestReviewerInvitationsSentTwice: the form that invites reviewers, sent twice at once (a double
// click) or one after the other, mails each person once, and the link of that mail works; both
// answers say the invitations are sent. Through the API, an Idempotency-Key does the same; a new
// request without it still sends a fresh link.
func TestReviewerInvitationsSentTwice(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	b := loggedIn(t, ta, f.organizer)
	page := "/c/" + f.conf.Slug + "/manage/reviewers"
	mails := func(email string) int {
		n := 0
		for _, m := range outboxOf(t, ta, f.conf.ID, "reviewer-invitation:") {
			if m.Recipient == email {
				n++
			}
		}
		return n
	}
	for _, atOnce := range []bool{true, false} {
		how := map[bool]string{true: "at once", false: "one after the other"}[atOnce]
		email := uniqueEmail("rita")
		v := formValues(b.get(page), page, "client_key")
		if v.Get("client_key") == "" {
			t.Fatal("the invitation form has no key")
		}
		v.Set("invitees", "Rita Reviewer <"+email+">")
		ps, flashes := twice(b, page, page, v, atOnce)
		wantSaved(t, "an invitation sent twice "+how, ps, flashes, page, "1 invitation sent. People who already review were skipped.")
		if n := mails(email); n != 1 {
			t.Errorf("an invitation sent twice %s: %d mails", how, n)
		}
		link := strings.TrimPrefix(linkIn(t, ta.waitMail(email, "Will you review"), "/review-invitations/"), ta.URL)
		newUser(t, ta, email, "Rita Reviewer")
		if p := loggedIn(t, ta, email).get(link); p.Status != http.StatusOK {
			t.Errorf("the link mailed, sent twice %s: %d", how, p.Status)
		}
	}

	token, _ := apiToken(t, ta, f.organizer)
	api := "/api/v1/conferences/" + f.conf.Slug + "/manage/review/invitations"
	email := uniqueEmail("ravi")
	body := `{"invitees":[{"name":"Ravi Reviewer","email":"` + email + `"}]}`
	h := []string{"Content-Type", "application/json", "Authorization", "Bearer " + token, "Idempotency-Key", "invite-ravi"}
	rs := sendTwice(t, ta, true, http.MethodPost, api, body, h...)
	for i, r := range rs {
		if list, _ := r.JSON["invited"].([]any); r.Status != http.StatusCreated || len(list) != 1 {
			t.Errorf("the API's invitation sent twice, answer %d: %d %v", i+1, r.Status, r.JSON)
		}
	}
	if n := mails(email); n != 1 {
		t.Errorf("the API's invitation sent twice: %d mails", n)
	}
	// Without the key, inviting the address again is a new request: a fresh link.
	if r := send(t, ta, http.MethodPost, api, strings.NewReader(body), h[:4]...); r.Status != http.StatusCreated {
		t.Errorf("inviting again: %d %v", r.Status, r.JSON)
	}
	if n := mails(email); n != 2 {
		t.Errorf("inviting again: %d mails", n)
	}
}

// sendTwice sends one API request twice, at once (a double click, a retry racing its first) or one
// after the other, and returns both replies.
func sendTwice(t *testing.T, ta *testApp, atOnce bool, method, path, body string, header ...string) [2]reply {
	t.Helper()
	var rs [2]reply
	if !atOnce {
		for i := range rs {
			rs[i] = send(t, ta, method, path, strings.NewReader(body), header...)
		}
		return rs
	}
	var wg sync.WaitGroup
	for i := range rs {
		wg.Go(func() { rs[i] = send(t, ta, method, path, strings.NewReader(body), header...) })
	}
	wg.Wait()
	return rs
}
