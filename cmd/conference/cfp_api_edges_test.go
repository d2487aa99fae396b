package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/cfp"
)

// TestProposalAPIEdges covers inputs at the edges of the call's API: versions past 32 bits, a body
// that is not UTF-8, answers the form could not have given, fields left out of a change, a
// co-presenter invited again, an extension under an access link's deadline, a wrong method.
func TestProposalAPIEdges(t *testing.T) {
	// Not parallel: it counts proposals by title across the whole database.
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/api/v1/conferences/" + f.conf.Slug
	_, email := presenter(t, ta, "Amina Yusuf")
	token, _ := apiToken(t, ta, email)
	orgToken, _ := apiToken(t, ta, f.organizer)
	poster, narrative := f.formats["Poster abstract"], f.formats["Personal narrative"]

	r := sendJSON(t, ta, http.MethodPost, base+"/proposals", token, fmt.Sprintf(`{"format_id":%d,"title":"Version edges"}`, poster.ID))
	id := int64(r.JSON["proposal"].(map[string]any)["id"].(float64))
	item := fmt.Sprintf("%s/proposals/%d", base, id)
	save := func(version int64, title string) reply {
		return sendJSON(t, ta, http.MethodPut, item, token, fmt.Sprintf(`{"format_id":%d,"title":%q,"version":%d}`, poster.ID, title, version))
	}
	if r = save(1, "Version two"); r.Status != http.StatusOK {
		t.Fatalf("save: %d %v", r.Status, r.JSON)
	}

	// A version 2^32 past the stored one is stale, not the same: nothing is overwritten, and the
	// conflict carries the proposal as every answer shows it, with the deadline that applies.
	for _, v := range []int64{1<<32 + 2, 1<<31 - 1, 1 << 31, 1<<63 - 1} {
		r = save(v, "Overwritten")
		wantProblem(t, fmt.Sprintf("a save at version %d", v), r.apiResponse, http.StatusConflict, "conflict")
		cur, _ := r.JSON["current"].(map[string]any)
		if cur["version"] != float64(2) || cur["title"] != "Version two" || cur["deadline"] == nil || cur["editable"] != true {
			t.Errorf("version %d: current %v", v, cur)
		}
	}
	if n := count(t, ta, `SELECT count(*) FROM proposal_revisions WHERE proposal_id = $1`, id); n != 2 {
		t.Errorf("%d revisions after the refused saves, want 2", n)
	}

	// The organizers' versions, too: stale, never a failure of the server.
	fmtItem := fmt.Sprintf("%s/manage/formats/%d", base, poster.ID)
	for _, v := range []string{"2147483647", "2147483648", "4294967298", "9223372036854775807"} {
		r = sendJSON(t, ta, http.MethodPut, fmtItem, orgToken, `{"name":"Poster abstract","duration_minutes":10,"max_presenters":4,"abstract_max_words":250,"version":`+v+`}`)
		wantProblem(t, "a format at version "+v, r.apiResponse, http.StatusConflict, "conflict")
		r = sendJSON(t, ta, http.MethodPut, base+"/manage/call", orgToken, `{"version":`+v+`,"opens_at":"2026-01-01T09:00","closes_at":"2031-06-30T23:59"}`)
		wantProblem(t, "the call at version "+v, r.apiResponse, http.StatusConflict, "conflict")
	}

	// A change of the call that leaves its pages out keeps them; an empty one empties it.
	r = sendJSON(t, ta, http.MethodGet, base+"/call", "", "")
	v := int(r.JSON["version"].(float64))
	r = sendJSON(t, ta, http.MethodPut, base+"/manage/call", orgToken, fmt.Sprintf(`{"version":%d,"opens_at":"2026-01-01T09:00","closes_at":"2031-06-30T23:59",
		"contact_email":"cfp@example.org","guide_md":"# How to propose","faq_md":"# Questions"}`, v))
	if r.Status != http.StatusOK {
		t.Fatalf("save the call: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, base+"/manage/call", orgToken, fmt.Sprintf(`{"version":%d,"opens_at":"2026-01-01T09:00","closes_at":"2031-07-01T23:59","faq_md":""}`, v+1))
	if r.Status != http.StatusOK || r.JSON["guide_md"] != "# How to propose" || r.JSON["contact_email"] != "cfp@example.org" || r.JSON["faq_md"] != "" {
		t.Errorf("moving the deadline: %d guide %q contact %q faq %q", r.Status, r.JSON["guide_md"], r.JSON["contact_email"], r.JSON["faq_md"])
	}

	// A page over its limit is refused with the limit that applies, however long it is; so is a year
	// no call runs in. Times as the API writes them are read back.
	for _, n := range []int{100001, 750000} {
		r = sendJSON(t, ta, http.MethodPut, base+"/manage/call", orgToken, fmt.Sprintf(`{"version":%d,"opens_at":"2026-01-01T09:00","closes_at":"2031-07-01T23:59","guide_md":%q}`, v+2, strings.Repeat("g", n)))
		if d := fieldDetail(r.apiResponse, "guide_md"); d != "Use at most 100000 characters." {
			t.Errorf("a guide of %d characters: %d %q", n, r.Status, d)
		}
	}
	r = sendJSON(t, ta, http.MethodPut, base+"/manage/call", orgToken, fmt.Sprintf(`{"version":%d,"opens_at":"0001-01-01T00:00","closes_at":"9999-12-31T23:59"}`, v+2))
	if d, e := fieldDetail(r.apiResponse, "opens_at"), fieldDetail(r.apiResponse, "closes_at"); d != "Enter a year from 2000 to 2199." || d != e {
		t.Errorf("years 1 and 9999: %d %q %q", r.Status, d, e)
	}
	r = sendJSON(t, ta, http.MethodGet, base+"/call", "", "")
	r = sendJSON(t, ta, http.MethodPut, base+"/manage/call", orgToken, fmt.Sprintf(`{"version":%d,"opens_at":%q,"closes_at":%q}`, v+2, r.JSON["opens_at"], r.JSON["closes_at"]))
	if r.Status != http.StatusOK || r.JSON["closes_at"] != "2031-07-01T23:59:59-04:00" {
		t.Errorf("the call's times saved back as read: %d %v", r.Status, r.JSON)
	}

	// What is kept is what is stored, not what this server last read: a change by another server (an
	// UPDATE here, within the second this one keeps the call) is not written back over.
	if r = sendJSON(t, ta, http.MethodGet, base+"/call", "", ""); r.JSON["guide_md"] != "# How to propose" {
		t.Fatalf("the call as read: %v", r.JSON)
	}
	if _, err := ta.db.SQL.Exec(`UPDATE calls SET guide_md = '# Guide of another server', version = version + 1 WHERE conference_id = $1`, f.conf.ID); err != nil {
		t.Fatal(err)
	}
	r = sendJSON(t, ta, http.MethodPut, base+"/manage/call", orgToken, fmt.Sprintf(`{"version":%d,"opens_at":"2026-01-01T09:00","closes_at":"2031-07-02T23:59"}`, v+4))
	if r.Status != http.StatusOK || r.JSON["guide_md"] != "# Guide of another server" {
		t.Errorf("moving the deadline after another server's change: %d guide %q", r.Status, r.JSON["guide_md"])
	}

	// A change of a format that leaves out whether it accepts proposals, or its description, keeps them.
	r = sendJSON(t, ta, http.MethodPost, base+"/manage/formats", orgToken, `{"name":"Lightning talk","description":"Five minutes, one idea.",
		"duration_minutes":10,"max_presenters":1,"abstract_max_words":50,"accepting":false}`)
	ltID := int64(r.JSON["id"].(float64))
	lt := fmt.Sprintf("%s/manage/formats/%d", base, ltID)
	r = sendJSON(t, ta, http.MethodPut, lt, orgToken, `{"name":"Lightning talks","duration_minutes":10,"max_presenters":1,"abstract_max_words":50,"version":1}`)
	if r.Status != http.StatusOK || r.JSON["accepting"] != false || r.JSON["description"] != "Five minutes, one idea." || r.JSON["name"] != "Lightning talks" {
		t.Errorf("renaming a closed format: %d %v", r.Status, r.JSON)
	}
	sendJSON(t, ta, http.MethodGet, base+"/call", "", "")
	if _, err := ta.db.SQL.Exec(`UPDATE formats SET description = 'Seven minutes now.', accepting = true, version = version + 1 WHERE id = $1`, ltID); err != nil {
		t.Fatal(err)
	}
	r = sendJSON(t, ta, http.MethodPut, lt, orgToken, `{"name":"Lightning talk","duration_minutes":10,"max_presenters":1,"abstract_max_words":50,"version":3}`)
	if r.Status != http.StatusOK || r.JSON["accepting"] != true || r.JSON["description"] != "Seven minutes now." {
		t.Errorf("renaming a format after another server's change: %d %v", r.Status, r.JSON)
	}

	// A body that is not UTF-8 is refused, not saved with its bytes replaced; so is another charset.
	raw := func(body, contentType string) reply {
		return send(t, ta, http.MethodPost, base+"/proposals", strings.NewReader(body), "Content-Type", contentType, "Authorization", "Bearer "+token)
	}
	r = raw(fmt.Sprintf(`{"format_id":%d,"title":"bad \xff\xfe text"}`, poster.ID), "application/json")
	wantProblem(t, "a title that is not UTF-8", r.apiResponse, http.StatusBadRequest, "malformed")
	r = raw(fmt.Sprintf(`{"format_id":%d,"title":"caf\xe9"}`, poster.ID), "application/json; charset=iso-8859-1")
	if r.Status != http.StatusUnsupportedMediaType || !strings.Contains(r.JSON["detail"].(string), "UTF-8") {
		t.Errorf("a body in ISO 8859-1: %d %v", r.Status, r.JSON)
	}
	// An escape of half a surrogate pair is no character (the decoder would save U+FFFD); a pair is one.
	for _, title := range []string{`bad \ud800 half`, `bad \udc00 half`, `bad \ud83d\u0041 half`, `bad \ud83d`} {
		wantProblem(t, "a title "+title, raw(fmt.Sprintf(`{"format_id":%d,"title":"%s"}`, poster.ID, title), "application/json").apiResponse,
			http.StatusBadRequest, "malformed")
	}
	r = raw(fmt.Sprintf(`{"format_id":%d,"title":"pair \ud83c\udf3f and \\ud800 typed"}`, poster.ID), "application/json")
	if p, _ := r.JSON["proposal"].(map[string]any); r.Status != http.StatusCreated || p["title"] != `pair 🌿 and \ud800 typed` {
		t.Errorf("a title with a surrogate pair and a typed backslash-u: %d %v", r.Status, r.JSON)
	}
	if r = raw(fmt.Sprintf(`{"format_id":%d,"title":"café"}`, poster.ID), "application/json; charset=UTF-8"); r.Status != http.StatusCreated {
		t.Errorf("a body declared UTF-8: %d %v", r.Status, r.JSON)
	}
	wantProblem(t, "a body of null", raw("null", "application/json").apiResponse, http.StatusBadRequest, "malformed")
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE title LIKE 'bad %' OR title LIKE 'caf_'`); n != 1 {
		t.Errorf("%d proposals from the refused bodies and the good one, want 1", n)
	}

	// Answers the form could not have given are named, not dropped or changed.
	for _, c := range []struct{ name, answers, field string }{
		{"a question the format does not ask", `{"unknown_q":"lost text"}`, "answers.unknown_q"},
		{"true for a long text", `{"narrative":true}`, "answers.narrative"},
		{"a list for a checkbox", `{"support":["yes","garbage"]}`, "answers.support"},
		{"a list for a short text", `{"content_notes":["one","two"]}`, "answers.content_notes"},
	} {
		r = sendJSON(t, ta, http.MethodPost, base+"/proposals", token, fmt.Sprintf(`{"format_id":%d,"answers":%s}`, narrative.ID, c.answers))
		wantProblem(t, c.name, r.apiResponse, http.StatusUnprocessableEntity, "invalid")
		if fieldDetail(r.apiResponse, c.field) == "" {
			t.Errorf("%s: no error for %s: %v", c.name, c.field, r.JSON)
		}
	}
	r = sendJSON(t, ta, http.MethodPost, base+"/proposals", token, fmt.Sprintf(`{"format_id":%d,"answers":{"support":true,"narrative":"A story."}}`, narrative.ID))
	if r.Status != http.StatusCreated {
		t.Fatalf("answers of the right shapes: %d %v", r.Status, r.JSON)
	}
	// A proposal read back (every answer a list of one) saves as it is, and changes nothing.
	read := r.JSON["proposal"].(map[string]any)
	readItem := fmt.Sprintf("%s/proposals/%v", base, read["id"])
	read = sendJSON(t, ta, http.MethodGet, readItem, token, "").JSON
	if a, _ := json.Marshal(read["answers"]); string(a) != `{"narrative":["A story."],"support":["yes"]}` {
		t.Errorf("answers read back: %s", a)
	}
	body, _ := json.Marshal(map[string]any{"format_id": read["format_id"], "title": read["title"], "abstract": read["abstract"],
		"answers": read["answers"], "version": read["version"]})
	if r = sendJSON(t, ta, http.MethodPut, readItem, token, string(body)); r.Status != http.StatusOK ||
		r.JSON["proposal"].(map[string]any)["version"] != read["version"] {
		t.Errorf("the proposal saved back as read: %d %v", r.Status, r.JSON)
	}

	// Limits are stated as they are.
	r = sendJSON(t, ta, http.MethodPut, item, token, fmt.Sprintf(`{"format_id":%d,"title":%q,"version":2}`, poster.ID, strings.Repeat("t", 2001)))
	if d := fieldDetail(r.apiResponse, "title"); !strings.Contains(d, "at most 200.") {
		t.Errorf("a title of 2,001 characters: %q", d)
	}
	r = sendJSON(t, ta, http.MethodGet, base+"/manage/proposals?limit=-1", orgToken, "")
	if d := fieldDetail(r.apiResponse, "limit"); !strings.Contains(d, "from 1 to 1000") {
		t.Errorf("limit=-1: %q", d)
	}
	r = sendJSON(t, ta, http.MethodGet, base+"/manage/proposals?q=version", orgToken, "")
	if ps, _ := r.JSON["proposals"].([]any); len(ps) != 1 || ps[0].(map[string]any)["deadline"] == nil {
		t.Errorf("the organizers' list without the deadline that applies: %v", r.JSON)
	}

	// A wrong method under a group with middleware of its own is 405 with Allow, as elsewhere.
	for _, c := range []struct{ method, path, allow string }{
		{http.MethodPatch, item, "GET, PUT, DELETE"}, {http.MethodPost, item, "GET, PUT, DELETE"}, {http.MethodPut, base + "/manage/proposals", "GET"},
	} {
		r = send(t, ta, c.method, c.path, nil, "Authorization", "Bearer "+orgToken)
		if r.Status != http.StatusMethodNotAllowed || r.Header.Get("Allow") != c.allow {
			t.Errorf("%s %s: %d, Allow %q", c.method, c.path, r.Status, r.Header.Get("Allow"))
		}
	}

	// An extension with a bad address and a bad time names both.
	r = sendJSON(t, ta, http.MethodPost, base+"/manage/extensions", orgToken, `{"email":"bad","until":"bad"}`)
	if fieldDetail(r.apiResponse, "email") == "" || fieldDetail(r.apiResponse, "until") == "" {
		t.Errorf("an extension with two bad fields: %v", r.JSON["errors"])
	}
	r = sendJSON(t, ta, http.MethodPost, base+"/manage/extensions", orgToken, `{"email":"nobody@example.org","until":"bad"}`)
	if !strings.HasPrefix(fieldDetail(r.apiResponse, "email"), "No account uses this address") || fieldDetail(r.apiResponse, "until") == "" {
		t.Errorf("an extension for no account at a bad time: %v", r.JSON["errors"])
	}

	// A submit whose optional body comes empty, in chunks, without a media type.
	conn, err := net.Dial("tcp", strings.TrimPrefix(ta.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST %s/submit HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer %s\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n0\r\n\r\n", item, token)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity { // read and judged: a poster without its answers cannot be submitted
		t.Errorf("a submit with an empty chunked body: %d", resp.StatusCode)
	}
}

// TestCoPresenterInvitedAgainCounts: someone who declined and is invited again is one more
// presenter, within the format's number.
func TestCoPresenterInvitedAgainCounts(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/api/v1/conferences/" + f.conf.Slug
	_, email := presenter(t, ta, "Bola Ade")
	token, _ := apiToken(t, ta, email)
	_, aliceEmail := presenter(t, ta, "Alice Mensah")
	alice, _ := apiToken(t, ta, aliceEmail)
	narrative := f.formats["Personal narrative"] // two presenters at most
	item := fmt.Sprintf("%s/proposals/%d", base, apiDraft(t, ta, token, base, narrative.ID, "Told twice"))
	var r reply
	answer := func(to, verb, by string) {
		t.Helper()
		link := linkIn(t, ta.waitMail(to, "invites you"), "/invitations/")
		if r := sendJSON(t, ta, http.MethodPost, "/api/v1/invitations/"+link[strings.LastIndex(link, "/")+1:]+"/"+verb, by, ""); r.Status != http.StatusOK {
			t.Fatalf("%s: %d %v", verb, r.Status, r.JSON)
		}
	}
	carol := uniqueEmail("carol")
	if r = sendJSON(t, ta, http.MethodPost, item+"/presenters", token, fmt.Sprintf(`{"name":"Carol","email":%q}`, carol)); r.Status != http.StatusCreated {
		t.Fatalf("invite Carol: %d %v", r.Status, r.JSON)
	}
	answer(carol, "decline", alice)
	if r = sendJSON(t, ta, http.MethodPost, item+"/presenters", token, fmt.Sprintf(`{"name":"Alice","email":%q}`, aliceEmail)); r.Status != http.StatusCreated {
		t.Fatalf("invite Alice: %d %v", r.Status, r.JSON)
	}
	answer(aliceEmail, "accept", alice)
	r = sendJSON(t, ta, http.MethodPost, item+"/presenters", token, fmt.Sprintf(`{"name":"Carol","email":%q}`, carol))
	wantProblem(t, "inviting again someone who declined, with the format full", r.apiResponse, http.StatusUnprocessableEntity, "invalid")
	if !strings.Contains(fieldDetail(r.apiResponse, "email"), "at most 2 presenters") {
		t.Errorf("the refusal: %v", r.JSON["errors"])
	}
}

// TestExtensionKeepsAnAccessLinksDeadline: a proposal started through an access link keeps the
// link's deadline; an extension can only go past it.
func TestExtensionKeepsAnAccessLinksDeadline(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/api/v1/conferences/" + f.conf.Slug
	_, email := presenter(t, ta, "Chen Li")
	token, _ := apiToken(t, ta, email)
	orgToken, _ := apiToken(t, ta, f.organizer)
	r := sendJSON(t, ta, http.MethodPost, base+"/manage/access-links", orgToken, `{"label":"Invited panel","expires_at":"2031-08-01T12:00","max_uses":2}`)
	link, _ := r.JSON["url"].(string)
	secret := link[strings.LastIndex(link, "/")+1:]
	r = sendJSON(t, ta, http.MethodPost, base+"/proposals", token, fmt.Sprintf(`{"format_id":%d,"title":"Panel","access_token":%q}`, f.formats["Fireside chat"].ID, secret))
	p, _ := r.JSON["proposal"].(map[string]any)
	if r.Status != http.StatusCreated || !strings.HasPrefix(fmt.Sprint(p["deadline"]), "2031-08-01T12:00:59") {
		t.Fatalf("create through the link: %d %v", r.Status, r.JSON)
	}
	// A link that is not one, or is used up, is refused with its status and the field named.
	r = sendJSON(t, ta, http.MethodPost, base+"/proposals", token, fmt.Sprintf(`{"format_id":%d,"access_token":"nope"}`, f.formats["Fireside chat"].ID))
	wantProblem(t, "a link that is not one", r.apiResponse, http.StatusNotFound, "not_found")
	if fieldDetail(r.apiResponse, "access_token") == "" {
		t.Errorf("a link that is not one: no field: %v", r.JSON)
	}
	sendJSON(t, ta, http.MethodPost, base+"/proposals", token, fmt.Sprintf(`{"format_id":%d,"title":"Second","access_token":%q}`, f.formats["Fireside chat"].ID, secret))
	r = sendJSON(t, ta, http.MethodPost, base+"/proposals", token, fmt.Sprintf(`{"format_id":%d,"title":"Third","access_token":%q}`, f.formats["Fireside chat"].ID, secret))
	wantProblem(t, "a link used up", r.apiResponse, http.StatusForbidden, "forbidden")
	if !strings.Contains(fieldDetail(r.apiResponse, "access_token"), "used as many times") {
		t.Errorf("a link used up: %v", r.JSON)
	}
	deadline := fmt.Sprintf("%s/manage/proposals/%d/deadline", base, int64(p["id"].(float64)))
	r = sendJSON(t, ta, http.MethodPut, deadline, orgToken, `{"until":"2030-12-01T23:59"}`)
	if !strings.Contains(fieldDetail(r.apiResponse, "until"), "Invited panel") {
		t.Errorf("an extension before the link's deadline: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, deadline, orgToken, `{"until":"2032-01-01T10:00"}`)
	if r.Status != http.StatusOK || !strings.HasPrefix(fmt.Sprint(r.JSON["deadline"]), "2032-01-01T10:00:59") {
		t.Errorf("an extension past it: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodPut, deadline, orgToken, `{"until":""}`)
	if r.Status != http.StatusOK || !strings.HasPrefix(fmt.Sprint(r.JSON["deadline"]), "2031-08-01T12:00:59") {
		t.Errorf("removing the extension: %d %v", r.Status, r.JSON)
	}

	// A deadline of one person or proposal before the call closes gives nothing: refused, saying so.
	// One that is later is not a save: the proposal's last-saved time stays.
	loc := f.conf.Location()
	local := func(days int) string {
		return time.Now().Add(time.Duration(days) * 24 * time.Hour).In(loc).Format("2006-01-02T15:04")
	}
	r = sendJSON(t, ta, http.MethodPost, base+"/manage/extensions", orgToken, fmt.Sprintf(`{"email":%q,"until":%q}`, email, local(30)))
	if d := fieldDetail(r.apiResponse, "until"); r.Status != http.StatusUnprocessableEntity || !strings.HasPrefix(d, "The call closes ") {
		t.Errorf("an extension before the call closes: %d %q", r.Status, d)
	}
	plain := apiDraft(t, ta, token, base, f.formats["Fireside chat"].ID, "Plain")
	plainDeadline := fmt.Sprintf("%s/manage/proposals/%d/deadline", base, plain)
	r = sendJSON(t, ta, http.MethodPut, plainDeadline, orgToken, fmt.Sprintf(`{"until":%q}`, local(30)))
	if d := fieldDetail(r.apiResponse, "until"); r.Status != http.StatusUnprocessableEntity || !strings.HasPrefix(d, "The call closes ") {
		t.Errorf("a proposal's deadline before the call closes: %d %q", r.Status, d)
	}
	if _, err := ta.db.SQL.Exec(`UPDATE proposals SET updated_at = '2026-01-02 03:04:05+00' WHERE id = $1`, plain); err != nil {
		t.Fatal(err)
	}
	if r = sendJSON(t, ta, http.MethodPut, plainDeadline, orgToken, fmt.Sprintf(`{"until":%q}`, local(90))); r.Status != http.StatusOK {
		t.Fatalf("a proposal's deadline after the call closes: %d %v", r.Status, r.JSON)
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND updated_at = '2026-01-02 03:04:05+00'`, plain); n != 1 {
		t.Error("setting a deadline changed the proposal's last-saved time")
	}

	r = sendJSON(t, ta, http.MethodPut, fmt.Sprintf("%s/manage/proposals/%d/deadline", base, plain+1000), orgToken, fmt.Sprintf(`{"until":%q}`, local(90)))
	if wantProblem(t, "an organizer's deadline for no proposal", r.apiResponse, http.StatusNotFound, "not_found"); r.JSON["detail"] != "There is no such proposal in this conference." {
		t.Errorf("an organizer's deadline for no proposal: %v", r.JSON["detail"])
	}

	// The organizers' page says where the deadline that applies comes from.
	b := loggedIn(t, ta, f.organizer)
	from := func(id int64) string {
		t.Helper()
		p := b.get(fmt.Sprintf("/c/%s/manage/proposals/%d", f.conf.Slug, id))
		return strings.TrimSpace(p.Doc.Find("dt:contains('Deadline') + dd").First().Text())
	}
	if got := from(int64(p["id"].(float64))); !strings.HasSuffix(got, "(from the access link “Invited panel”)") || !strings.Contains(got, "1 August 2031") {
		t.Errorf("the link's proposal's deadline: %q", got)
	}
	if got := from(plain); !strings.HasSuffix(got, "(its own)") {
		t.Errorf("the proposal's own deadline: %q", got)
	}
	if r = sendJSON(t, ta, http.MethodPost, base+"/manage/extensions", orgToken, fmt.Sprintf(`{"email":%q,"until":%q}`, email, local(100))); r.Status != http.StatusCreated && r.Status != http.StatusOK {
		t.Fatalf("an extension: %d %v", r.Status, r.JSON)
	}
	if got := from(plain); !strings.HasSuffix(got, "(its proposer's extension)") {
		t.Errorf("the proposer's extension, later than the proposal's own: %q", got)
	}
	if _, err := ta.db.SQL.Exec(`UPDATE proposals SET deadline = now() - interval '1 day' WHERE id = $1`, plain); err != nil {
		t.Fatal(err)
	}
	sendJSON(t, ta, http.MethodDelete, base+"/manage/extensions/"+fmt.Sprint(count(t, ta, `SELECT max(id) FROM deadline_extensions`)), orgToken, "")
	if got := from(plain); strings.Contains(got, "(") {
		t.Errorf("the call's deadline, later than the proposal's own: %q", got)
	}
}

// TestWithdrawnAccessLink: withdrawing a link stops it; the proposals started with it keep its
// deadline unless the organizer ends that time too, then or later; a proposal whose deadline an
// organizer moved keeps it; and once the link is withdrawn its deadline no longer binds extensions.
func TestWithdrawnAccessLink(t *testing.T) {
	// Not parallel: it counts the audit entries of ended access-link times across the whole database.
	ta := startApp(t)
	f := openCall(t, ta, time.Time{})
	base := "/api/v1/conferences/" + f.conf.Slug
	_, email := presenter(t, ta, "Chen Li")
	token, _ := apiToken(t, ta, email)
	orgToken, _ := apiToken(t, ta, f.organizer)
	r := sendJSON(t, ta, http.MethodPost, base+"/manage/access-links", orgToken, `{"label":"Invited panel","expires_at":"2031-08-01T12:00","max_uses":3}`)
	link, _ := r.JSON["url"].(string)
	secret := link[strings.LastIndex(link, "/")+1:]
	linkURL := fmt.Sprintf("%s/manage/access-links/%d", base, int64(r.JSON["id"].(float64)))
	ids := map[string]int64{}
	for _, title := range []string{"Moved", "Removed", "Ended"} {
		r = sendJSON(t, ta, http.MethodPost, base+"/proposals", token, fmt.Sprintf(`{"format_id":%d,"title":%q,"access_token":%q}`, f.formats["Fireside chat"].ID, title, secret))
		if r.Status != http.StatusCreated {
			t.Fatalf("create %s: %d %v", title, r.Status, r.JSON)
		}
		ids[title] = int64(r.JSON["proposal"].(map[string]any)["id"].(float64))
	}
	deadline := func(title string) string { return fmt.Sprintf("%s/manage/proposals/%d/deadline", base, ids[title]) }
	if r = sendJSON(t, ta, http.MethodPut, deadline("Moved"), orgToken, `{"until":"2032-01-01T10:00"}`); r.Status != http.StatusOK {
		t.Fatalf("move a deadline: %d %v", r.Status, r.JSON)
	}
	holding := func() any {
		r := sendJSON(t, ta, http.MethodGet, base+"/manage/access-links", orgToken, "")
		links, _ := r.JSON["links"].([]any)
		if len(links) != 1 {
			t.Fatalf("links: %v", r.JSON)
		}
		return links[0].(map[string]any)["holding"]
	}
	if h := holding(); h != float64(2) {
		t.Errorf("proposals with the link's deadline: %v", h)
	}

	// The call closes; the link is withdrawn and its proposals keep their time.
	call, _ := ta.calls.Call(context.Background(), f.conf)
	if _, err := ta.calls.SaveCall(context.Background(), organizerOf(t, ta, f), f.conf, call.Version, cfp.CallInput{Opens: "2020-01-01T00:00", Closes: "2020-06-30T23:59"}); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, "a choice that is neither", sendJSON(t, ta, http.MethodDelete, linkURL+"?proposals=all", orgToken, "").apiResponse, http.StatusUnprocessableEntity, "invalid")
	if r = sendJSON(t, ta, http.MethodDelete, linkURL, orgToken, ""); r.Status != http.StatusNoContent {
		t.Fatalf("withdraw: %d %v", r.Status, r.JSON)
	}
	wantProblem(t, "withdraw twice", sendJSON(t, ta, http.MethodDelete, linkURL, orgToken, "").apiResponse, http.StatusNotFound, "not_found")
	editable := func(title string) any {
		r := sendJSON(t, ta, http.MethodGet, fmt.Sprintf("%s/proposals/%d", base, ids[title]), token, "")
		return r.JSON["editable"]
	}
	if editable("Ended") != true || holding() != float64(2) {
		t.Errorf("after the withdrawal, a proposal started with the link: editable %v, holding %v", editable("Ended"), holding())
	}
	// The link no longer binds: removing a proposal's own deadline gives it the call's.
	if r = sendJSON(t, ta, http.MethodPut, deadline("Removed"), orgToken, `{"until":""}`); r.Status != http.StatusOK || editable("Removed") != false {
		t.Errorf("remove the deadline of a proposal of a withdrawn link: %d %v", r.Status, r.JSON)
	}
	// Its time ended later: the one that still had it has the call's deadline; the moved one keeps its own.
	if r = sendJSON(t, ta, http.MethodDelete, linkURL+"?proposals=end", orgToken, ""); r.Status != http.StatusNoContent {
		t.Fatalf("end the link's time: %d %v", r.Status, r.JSON)
	}
	if editable("Ended") != false || editable("Moved") != true || holding() != float64(0) {
		t.Errorf("after the time ended: ended %v, moved %v, holding %v", editable("Ended"), editable("Moved"), holding())
	}
	if n := count(t, ta, `SELECT count(*) FROM proposals WHERE id = $1 AND deadline IS NULL`, ids["Ended"]); n != 1 {
		t.Error("the ended proposal still has a deadline of its own")
	}
	if n := count(t, ta, `SELECT count(*) FROM audit_log WHERE action = 'access_link.time_ended' AND details = 'proposals: 1'`); n != 1 {
		t.Errorf("audit entries of the ended time: %d", n)
	}
	if n := count(t, ta, `SELECT count(*) FROM audit_log WHERE action = 'proposal.extended' AND subject = $1`, fmt.Sprintf("proposal:%d", ids["Ended"])); n != 1 {
		t.Errorf("audit entries of the proposal whose time ended: %d", n)
	}

	// A link whose time gives nothing (it expires before the call closes) counts no proposal.
	call, _ = ta.calls.Call(context.Background(), f.conf)
	if _, err := ta.calls.SaveCall(context.Background(), organizerOf(t, ta, f), f.conf, call.Version, cfp.CallInput{Opens: "2020-01-01T00:00", Closes: "2031-06-30T23:59"}); err != nil {
		t.Fatal(err)
	}
	r = sendJSON(t, ta, http.MethodPost, base+"/manage/access-links", orgToken, `{"label":"Early","expires_at":"2030-08-01T12:00","max_uses":9}`)
	early := fmt.Sprintf("%s/manage/access-links/%d", base, int64(r.JSON["id"].(float64)))
	link, _ = r.JSON["url"].(string)
	r = sendJSON(t, ta, http.MethodPost, base+"/proposals", token, fmt.Sprintf(`{"format_id":%d,"title":"Early","access_token":%q}`,
		f.formats["Fireside chat"].ID, link[strings.LastIndex(link, "/")+1:]))
	if r.Status != http.StatusCreated {
		t.Fatalf("create through the early link: %d %v", r.Status, r.JSON)
	}
	r = sendJSON(t, ta, http.MethodGet, base+"/manage/access-links", orgToken, "")
	if links, _ := r.JSON["links"].([]any); len(links) != 2 || links[0].(map[string]any)["holding"] != float64(0) {
		t.Errorf("a link expiring before the call closes: %v", r.JSON)
	}

	// Withdrawals at once (a double click, two organizers): each finds the link as the one before
	// left it, so one withdraws it and the others find it withdrawn; ending its time is done, or
	// found done, by each.
	statuses := func(url string) []int {
		out := make([]int, 4)
		var wg sync.WaitGroup
		for i := range out {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out[i] = sendJSON(t, ta, http.MethodDelete, url, orgToken, "").Status
			}()
		}
		wg.Wait()
		slices.Sort(out)
		return out
	}
	if got := statuses(early); !slices.Equal(got, []int{204, 404, 404, 404}) {
		t.Errorf("four withdrawals at once: %v", got)
	}
	if got := statuses(early + "?proposals=end"); !slices.Equal(got, []int{204, 204, 204, 204}) {
		t.Errorf("four ends of its time at once: %v", got)
	}
}
