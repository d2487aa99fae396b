package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/schedule"
	"github.com/challenging-norms/conference/internal/store"
)

// Tests of the public program: pages, who sees meeting links, stars and the personal feed, the
// feeds and exports parsed back, and the cache dropping a version when a new one is published.

// publish stores a new version of the program as the publishing code does: in a transaction whose
// commit announces it, then dropping this instance's cached copy at once; it returns the version.
func publish(t testing.TB, ta *testApp, p schedule.Program) int {
	t.Helper()
	v := publishElsewhere(t, ta, p)
	ta.program.Invalidate(p.ConferenceID)
	return v
}

// publishElsewhere publishes as another instance would: this one learns of it only by NOTIFY.
func publishElsewhere(t testing.TB, ta *testApp, p schedule.Program) int {
	t.Helper()
	var v int
	err := ta.db.InTx(context.Background(), func(ctx context.Context) error {
		var err error
		v, err = store.Programs{DB: ta.db}.InsertProgram(ctx, schedule.Publication{Program: p})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// programFixture is a conference open for registration with a published demo program in which a
// real account presents and another chairs.
type programFixture struct {
	conf      conference.Conference
	prog      schedule.Program
	presenter string // addresses of accounts in the program
	chair     string
	workshop  schedule.Session // a session the presenter presents in
}

func newProgramFixture(t *testing.T, ta *testApp) programFixture {
	t.Helper()
	f := programFixture{conf: regConf(t, ta, 0)}
	f.presenter, f.chair = uniqueEmail("presenter"), uniqueEmail("chair")
	pu := newUser(t, ta, f.presenter, "Priya Presenter")
	cu := newUser(t, ta, f.chair, "Chidi Chair")
	f.prog = demoProgram(f.conf, 7)
	for i := range f.prog.Sessions {
		s := &f.prog.Sessions[i]
		if s.Kind == schedule.KindWorkshop && f.workshop.ID == 0 {
			s.Items[0].Presenters = append(s.Items[0].Presenters, schedule.Person{UserID: pu.ID, Name: "Priya Presenter", Pronouns: "she/her"})
			f.workshop = *s
		}
		if s.Kind == schedule.KindPlenary && i > 10 && len(s.Chairs) == 0 {
			s.Chairs = []schedule.Person{{UserID: cu.ID, Name: "Chidi Chair"}}
		}
	}
	publish(t, ta, f.prog)
	return f
}

func (f programFixture) path(rest string) string { return "/c/" + f.conf.Slug + "/program" + rest }

func sessionPath(f programFixture, id int64) string {
	return f.path("/sessions/" + strconv.FormatInt(id, 10))
}

func TestProgramPages(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	b := ta.browser()
	conf := regConf(t, ta, 0)
	p := b.get("/c/" + conf.Slug + "/program")
	if p.Status != http.StatusOK || p.Doc.Find(".empty-program").Length() != 1 || p.Doc.Find(".session-card").Length() != 0 {
		t.Fatalf("before publication: %d %q", p.Status, p.Doc.Find("main").Text())
	}
	if r := b.get("/c/" + conf.Slug + "/program/calendar.ics"); r.Status != http.StatusNotFound {
		t.Errorf("feed before publication: %d", r.Status)
	}
	if c := b.get("/c/" + conf.Slug); c.Doc.Find(`main a[href="/c/`+conf.Slug+`/program"]`).Length() != 1 || c.Doc.Find(`nav[aria-label=Main] a[href$="/program"]`).Length() != 0 {
		t.Error("the conference page says where the program will be, the navigation does not link it yet")
	}

	f := programFixture{conf: conf, prog: demoProgram(conf, 1)}
	publish(t, ta, f.prog)
	if c := b.get("/c/" + conf.Slug); c.Doc.Find(`nav[aria-label=Main] a[href="/c/`+conf.Slug+`/program"]`).Length() != 1 ||
		c.Doc.Find(`main a.button[href="/c/`+conf.Slug+`/program"]`).Length() != 1 {
		t.Error("once published, the conference page and the navigation link the program")
	}

	p = b.get(f.path(""))
	if p.Status != http.StatusOK {
		t.Fatalf("program: %d", p.Status)
	}
	if n := p.Doc.Find(".session-card").Length(); n != len(f.prog.Sessions) {
		t.Errorf("by day: %d sessions, want %d", n, len(f.prog.Sessions))
	}
	if days := p.Doc.Find(".program-day > h2"); days.Length() != 2 || !strings.Contains(days.First().Text(), conf.StartsOn.Format("Monday 2 January 2006")) {
		t.Errorf("days: %q", days.Text())
	}
	first := p.Doc.Find(".session-card").First()
	if dt, _ := first.Find("time").First().Attr("datetime"); dt != f.prog.Sessions[0].Start.In(conf.Location()).Format(time.RFC3339) {
		t.Errorf("times are written in the conference's zone: %q", dt)
	}
	if !strings.Contains(first.Find(".session-meta").Text(), "09:00") || first.Find(`abbr[title="America/New_York"]`).Length() != 1 ||
		first.Find(".local-clock[data-local-start][data-zone]").Length() != 1 {
		t.Errorf("the conference's time with its zone, and a place for the viewer's own: %q", first.Find(".session-meta").Text())
	}
	if strings.Contains(p.Body, "meet.example.org") || p.Doc.Find(".star-form").Length() != 0 {
		t.Error("an anonymous visitor sees neither meeting links nor star buttons")
	}
	if p.Doc.Find(`nav[aria-label=Program] a[aria-current=page]`).Text() != "By day" {
		t.Error("the current view is marked")
	}
	if p.Doc.Find("script:not([src])").Length() != 0 {
		t.Error("no inline script")
	}

	byTrack := b.get(f.path("?view=track"))
	if g := byTrack.Doc.Find(".program-group > h2"); g.Length() != 4 || g.First().Text() != "Curriculum and assessment" || g.Last().Text() != "For everyone" {
		t.Errorf("tracks: %q", g.Text())
	}
	if subs := byTrack.Doc.Find(`.program-group a[href$="/tracks/1/calendar.ics"]`); subs.Length() != 1 {
		t.Error("each track offers its calendar feed")
	}
	byFormat := b.get(f.path("?view=format"))
	if g := byFormat.Doc.Find(".program-group > h2"); g.Length() != 6 || g.First().Text() != "Plenary" {
		t.Errorf("formats: %q", g.Text())
	}
	ws := f.prog.Sessions[3] // the first day's first workshop
	if ws.Kind != schedule.KindWorkshop {
		t.Fatalf("fixture: session 4 is %s", ws.Kind)
	}
	who := ws.Items[0].Presenters[0]
	found := b.get(f.path("?q=" + url.QueryEscape(strings.ToLower(who.Name))))
	if found.Doc.Find("#session-"+strconv.FormatInt(ws.ID, 10)).Length() != 1 || !strings.Contains(found.Doc.Find("[role=status]").Text(), "match") {
		t.Errorf("searching a presenter's name finds their session: %q", found.Doc.Find("[role=status]").Text())
	}
	if none := b.get(f.path("?q=zzzzqqq")); none.Doc.Find(".session-card").Length() != 0 || !strings.Contains(none.Doc.Find("[role=status]").Text(), "0 sessions match") {
		t.Error("a search without hits says so")
	}

	sp := b.get(sessionPath(f, ws.ID))
	if sp.Status != http.StatusOK || sp.Doc.Find("h1").Text() != ws.Title {
		t.Fatalf("session page: %d %q", sp.Status, sp.Doc.Find("h1").Text())
	}
	if sp.Doc.Find(".item h2").Text() != ws.Items[0].Title || !strings.Contains(sp.Doc.Find(".abstract").Text(), ws.Items[0].Abstract[:40]) ||
		!strings.Contains(sp.Doc.Find(".presenters").Text(), who.Name) {
		t.Error("the session page shows its proposal's title, abstract and presenters")
	}
	if sp.Doc.Find(`.join a[href="/c/`+conf.Slug+`/register"]`).Length() != 1 {
		t.Error("an anonymous visitor is told how to register")
	}
	if r := b.get(sessionPath(f, 999999)); r.Status != http.StatusNotFound {
		t.Errorf("unknown session: %d", r.Status)
	}
	if r := b.get(f.path("/sessions/abc")); r.Status != http.StatusNotFound {
		t.Errorf("bad session id: %d", r.Status)
	}
}

// TestProgramMeetingLinks is who sees the rooms' meeting links: registered attendees with a
// confirmed address, presenters and chairs, organizers; nobody else, and nothing leaks through the
// cache from one to another.
func TestProgramMeetingLinks(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := newProgramFixture(t, ta)
	room, _ := f.prog.Room(f.workshop.RoomID)
	link := `.join a[href="` + room.MeetingURL + `"]`
	stranger := uniqueEmail("stranger")
	newUser(t, ta, stranger, "Sam Stranger")
	chaired := f.prog.Sessions[len(f.prog.Sessions)-1]
	for _, c := range []struct {
		who  string
		b    func() *browser
		want bool
	}{
		{"anonymous", ta.browser, false},
		{"signed in, not registered", func() *browser { return loggedIn(t, ta, stranger) }, false},
		{"registered attendee", func() *browser { return registerConfirmed(t, ta, f.conf, "Rae Registered", uniqueEmail("attendee")) }, true},
		{"presenter", func() *browser { return loggedIn(t, ta, f.presenter) }, true},
		{"chair", func() *browser { return loggedIn(t, ta, f.chair) }, true},
		{"organizer", func() *browser { return loggedIn(t, ta, newOrganizer(t, ta, f.conf)) }, true},
		{"registered, address not confirmed", func() *browser {
			b := ta.browser()
			if p := register(b, f.conf, person("Una Unconfirmed", uniqueEmail("unconfirmed"))); p.Status != http.StatusSeeOther {
				t.Fatalf("register: %d", p.Status)
			}
			return b
		}, false},
		{"registered with their account, in another browser", func() *browser {
			email := uniqueEmail("member")
			newUser(t, ta, email, "Mo Member")
			registerConfirmed(t, ta, f.conf, "Mo Member", email)
			return loggedIn(t, ta, email)
		}, true},
		{"anonymous again", ta.browser, false},
	} {
		b := c.b()
		p := b.get(sessionPath(f, f.workshop.ID))
		if got := p.Doc.Find(link).Length() == 1; got != c.want {
			t.Errorf("%s: sees the meeting link %v, want %v", c.who, got, c.want)
		}
		if !c.want && (strings.Contains(p.Body, "meet.example.org") || p.Doc.Find(".join").Length() != 1) {
			t.Errorf("%s: no meeting link anywhere on the page, but how to get it", c.who)
		}
		if c.want && p.Doc.Find(".join a[href*='/register']").Length() != 0 {
			t.Errorf("%s: is not asked to register", c.who)
		}
		// The chair's own session and every page of the program agree.
		if got := strings.Contains(b.get(sessionPath(f, chaired.ID)).Body, "meet.example.org/"); got != c.want {
			t.Errorf("%s: meeting link on another session %v, want %v", c.who, got, c.want)
		}
		if strings.Contains(b.get(f.path("")).Body, "meet.example.org") {
			t.Errorf("%s: the program list carries no meeting links", c.who)
		}
	}
	// The shared feeds and exports never carry them.
	b := loggedIn(t, ta, f.presenter)
	for _, path := range []string{"/calendar.ics", "/schedule.xml", "/schedule.json", "/program.csv"} {
		if strings.Contains(b.get(f.path(path)).Body, "meet.example.org") {
			t.Errorf("%s carries meeting links", path)
		}
	}
}

// parseICS parses a feed and fails the test if it does not parse.
func parseICS(t *testing.T, body string) *ics.Calendar {
	t.Helper()
	cal, err := ics.ParseCalendar(strings.NewReader(body))
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%.500s", err, body)
	}
	return cal
}

func TestProgramAgenda(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := newProgramFixture(t, ta)
	email := uniqueEmail("agenda")
	newUser(t, ta, email, "Ana Agenda")
	b := loggedIn(t, ta, email)
	if a := ta.browser().get(f.path("/agenda")); a.Status != http.StatusSeeOther || !strings.HasPrefix(a.Header.Get("Location"), "/login") {
		t.Errorf("my agenda needs an account: %d %s", a.Status, a.Header.Get("Location"))
	}
	// Star two sessions: one from the list (back to it, at the session), one from its page.
	plenary, ws := f.prog.Sessions[0], f.workshop
	r := b.post(f.path(""), f.path("/sessions/"+strconv.FormatInt(plenary.ID, 10)+"/star"), url.Values{"return": {f.path("?view=track")}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != f.path("?view=track")+"#session-"+strconv.FormatInt(plenary.ID, 10) {
		t.Fatalf("star: %d %q", r.Status, r.Header.Get("Location"))
	}
	r = b.post(sessionPath(f, ws.ID), f.path("/sessions/"+strconv.FormatInt(ws.ID, 10)+"/star"), url.Values{"return": {sessionPath(f, ws.ID)}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != sessionPath(f, ws.ID) {
		t.Fatalf("star from the session page: %d %q", r.Status, r.Header.Get("Location"))
	}
	b.post(f.path(""), f.path("/sessions/"+strconv.FormatInt(ws.ID, 10)+"/star"), url.Values{}) // twice is once
	if r := b.post(f.path(""), f.path("/sessions/999999/star"), url.Values{}); r.Status != http.StatusNotFound {
		t.Errorf("starring an unknown session: %d", r.Status)
	}
	if r := b.post(f.path(""), f.path("/sessions/2/star"), url.Values{"return": {"https://evil.example.org/"}}); r.Header.Get("Location") != f.path("")+"#session-2" {
		t.Errorf("a star never sends elsewhere: %q", r.Header.Get("Location"))
	}
	b.post(f.path(""), f.path("/sessions/2/unstar"), url.Values{})
	list := b.get(f.path(""))
	if list.Doc.Find("#session-"+strconv.FormatInt(ws.ID, 10)+" form[action$='/unstar']").Length() != 1 ||
		list.Doc.Find("#session-2 form[action$='/star']").Length() != 1 {
		t.Error("the program shows the visitor's own stars")
	}
	if other := loggedIn(t, ta, f.presenter).get(f.path("")); other.Doc.Find("form[action$='/unstar']").Length() != 0 {
		t.Error("stars do not leak to another visitor")
	}
	ag := b.get(f.path("/agenda"))
	if cards := ag.Doc.Find(".session-card"); cards.Length() != 2 || !strings.Contains(cards.First().Text(), plenary.Title) {
		t.Fatalf("my agenda: %q", cards.Text())
	}
	if n := count(t, ta, `SELECT count(*) FROM program_stars WHERE conference_id = $1`, f.conf.ID); n != 2 {
		t.Errorf("%d stars stored, want 2", n)
	}

	// The personal feed: made, read by a calendar without a session, revoked.
	made := b.post(f.path("/agenda"), f.path("/agenda/feed"), url.Values{})
	feed, _ := made.Doc.Find("#feed-url").Attr("value")
	if made.Status != http.StatusOK || !strings.HasPrefix(feed, ta.URL+f.path("/feeds/")) {
		t.Fatalf("feed address: %d %q", made.Status, feed)
	}
	token := strings.TrimSuffix(strings.TrimPrefix(feed, ta.URL+f.path("/feeds/")), "/agenda.ics")
	if n := count(t, ta, `SELECT count(*) FROM program_feed_tokens WHERE token_hash = convert_to($1, 'UTF8')`, token); n != 0 {
		t.Error("the secret is not stored as it is")
	}
	calendar := ta.browser()
	got := calendar.get(feed)
	if got.Status != http.StatusOK || !strings.HasPrefix(got.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("personal feed: %d %s", got.Status, got.Header.Get("Content-Type"))
	}
	events := parseICS(t, got.Body).Events()
	if len(events) != 2 || events[0].GetProperty(ics.ComponentPropertySummary).Value != plenary.Title {
		t.Fatalf("personal feed has %d events", len(events))
	}
	if strings.Contains(got.Body, "meet.example.org") {
		t.Error("someone not registered gets no meeting links in their feed")
	}
	again := b.post(f.path("/agenda"), f.path("/agenda/feed"), url.Values{})
	newFeed, _ := again.Doc.Find("#feed-url").Attr("value")
	if calendar.get(feed).Status != http.StatusNotFound || calendar.get(newFeed).Status != http.StatusOK {
		t.Error("a new address revokes the old one")
	}
	if r := b.post(f.path("/agenda"), f.path("/agenda/feed/revoke"), url.Values{}); r.Status != http.StatusSeeOther {
		t.Fatalf("revoke: %d", r.Status)
	}
	if calendar.get(newFeed).Status != http.StatusNotFound {
		t.Error("a revoked address answers 404")
	}
	if calendar.get(f.path("/feeds/"+strings.Repeat("x", 43)+"/agenda.ics")).Status != http.StatusNotFound {
		t.Error("an unknown address answers 404")
	}

	// A presenter's feed carries the meeting links.
	pb := loggedIn(t, ta, f.presenter)
	pb.post(f.path(""), f.path("/sessions/"+strconv.FormatInt(ws.ID, 10)+"/star"), url.Values{})
	pf, _ := pb.post(f.path("/agenda"), f.path("/agenda/feed"), url.Values{}).Doc.Find("#feed-url").Attr("value")
	room, _ := f.prog.Room(ws.RoomID)
	ev := parseICS(t, calendar.get(pf).Body).Events()
	if len(ev) != 1 || !strings.Contains(ev[0].GetProperty(ics.ComponentPropertyLocation).Value, room.MeetingURL) {
		t.Errorf("a presenter's feed has the meeting link: %d events", len(ev))
	}
}

func TestProgramFeedsAndExports(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	f := newProgramFixture(t, ta)
	b := ta.browser()
	host := strings.TrimPrefix(strings.Split(ta.URL, ":")[1], "//")

	all := b.get(f.path("/calendar.ics"))
	if all.Status != http.StatusOK || !strings.HasPrefix(all.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("feed: %d %s", all.Status, all.Header.Get("Content-Type"))
	}
	cal := parseICS(t, all.Body)
	events := cal.Events()
	if len(events) != len(f.prog.Sessions) {
		t.Fatalf("%d events, want %d", len(events), len(f.prog.Sessions))
	}
	uids := map[string]bool{}
	for i, e := range events {
		s := f.prog.Sessions[i]
		start, err := e.GetStartAt()
		end, err2 := e.GetEndAt()
		if err != nil || err2 != nil || !start.Equal(s.Start) || !end.Equal(s.End) || e.GetProperty(ics.ComponentPropertySummary).Value != s.Title {
			t.Errorf("event %d: %v–%v %v %v", i, start, end, err, err2)
		}
		if e.GetProperty(ics.ComponentPropertySequence).Value != "1" || e.GetProperty(ics.ComponentPropertyLastModified) == nil {
			t.Errorf("event %d: SEQUENCE and LAST-MODIFIED follow the version", i)
		}
		uids[e.Id()] = true
	}
	if want := "session-" + strconv.FormatInt(f.conf.ID, 10) + "-" + strconv.FormatInt(f.workshop.ID, 10) + "@" + host; !uids[want] || len(uids) != len(events) {
		t.Errorf("UIDs are unique and stable, e.g. %s", want)
	}

	// 304 while nothing was published.
	etag, modified := all.Header.Get("ETag"), all.Header.Get("Last-Modified")
	if etag == "" || modified == "" {
		t.Fatal("no validators")
	}
	req, _ := http.NewRequest(http.MethodGet, ta.URL+f.path("/calendar.ics"), nil)
	req.Header.Set("If-None-Match", etag)
	if r := b.do(req); r.Status != http.StatusNotModified || r.Body != "" {
		t.Errorf("If-None-Match: %d", r.Status)
	}
	req, _ = http.NewRequest(http.MethodGet, ta.URL+f.path("/calendar.ics"), nil)
	req.Header.Set("If-Modified-Since", modified)
	if r := b.do(req); r.Status != http.StatusNotModified {
		t.Errorf("If-Modified-Since: %d", r.Status)
	}
	// HEAD, as calendar programs ask before fetching: the headers without the body.
	for _, path := range []string{"/calendar.ics", "/schedule.xml", "/schedule.json", "/program.csv"} {
		req, _ = http.NewRequest(http.MethodHead, ta.URL+f.path(path), nil)
		if r := b.do(req); r.Status != http.StatusOK || r.Body != "" || r.Header.Get("ETag") == "" {
			t.Errorf("HEAD %s: %d, ETag %q, %d bytes", path, r.Status, r.Header.Get("ETag"), len(r.Body))
		}
	}

	// Clients that accept gzip get the copy compressed once per version, under its own ETag.
	req, _ = http.NewRequest(http.MethodGet, ta.URL+f.path("/calendar.ics"), nil)
	req.Header.Set("Accept-Encoding", "gzip")
	gz := b.do(req)
	zr, err := gzip.NewReader(strings.NewReader(gz.Body))
	if err != nil || gz.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(gz.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("gzip: %v %q", err, gz.Header)
	}
	plain, _ := io.ReadAll(zr)
	req, _ = http.NewRequest(http.MethodGet, ta.URL+f.path("/calendar.ics"), nil)
	req.Header.Set("Accept-Encoding", "identity")
	identity := b.do(req)
	if string(plain) != identity.Body || identity.Header.Get("Content-Encoding") != "" || gz.Header.Get("ETag") == identity.Header.Get("ETag") ||
		len(gz.Body) > len(all.Body)/4 {
		t.Errorf("the compressed feed: %d bytes for %d, ETag %s", len(gz.Body), len(all.Body), gz.Header.Get("ETag"))
	}
	req.Header.Set("If-None-Match", gz.Header.Get("ETag"))
	req.Header.Set("Accept-Encoding", "gzip")
	if r := b.do(req); r.Status != http.StatusNotModified {
		t.Errorf("If-None-Match with the compressed copy's ETag: %d", r.Status)
	}

	track := b.get(f.path("/tracks/2/calendar.ics"))
	want := 0
	for _, s := range f.prog.Sessions {
		if s.TrackID == 2 || s.TrackID == 0 && len(s.Items) == 0 {
			want++
		}
	}
	if n := len(parseICS(t, track.Body).Events()); n != want {
		t.Errorf("track feed: %d events, want %d", n, want)
	}
	if r := b.get(f.path("/tracks/99/calendar.ics")); r.Status != http.StatusNotFound {
		t.Errorf("unknown track: %d", r.Status)
	}
	one := parseICS(t, b.get(sessionPath(f, f.workshop.ID)+"/calendar.ics").Body).Events()
	if len(one) != 1 || !uids[one[0].Id()] {
		t.Error("a session's file has the session with the same UID as in the full feed")
	}

	// frab XML, as conference apps read it.
	x := b.get(f.path("/schedule.xml"))
	var doc struct {
		Version    string `xml:"version"`
		Conference struct {
			Acronym string `xml:"acronym"`
			Days    int    `xml:"days"`
		} `xml:"conference"`
		Days []struct {
			Index int    `xml:"index,attr"`
			Date  string `xml:"date,attr"`
			Rooms []struct {
				Name   string `xml:"name,attr"`
				Events []struct {
					ID       int64  `xml:"id,attr"`
					GUID     string `xml:"guid,attr"`
					Title    string `xml:"title"`
					Start    string `xml:"start"`
					Duration string `xml:"duration"`
					Room     string `xml:"room"`
					Persons  []struct {
						Name string `xml:",chardata"`
					} `xml:"persons>person"`
				} `xml:"event"`
			} `xml:"room"`
		} `xml:"day"`
	}
	if err := xml.Unmarshal([]byte(x.Body), &doc); err != nil {
		t.Fatalf("schedule.xml: %v", err)
	}
	xmlEvents, rooms := 0, map[string]bool{}
	for _, d := range doc.Days {
		for _, r := range d.Rooms {
			rooms[r.Name] = true
			for _, e := range r.Events {
				xmlEvents++
				if e.Room != r.Name || e.GUID == "" {
					t.Errorf("event %d in room %q says %q", e.ID, r.Name, e.Room)
				}
				if e.ID == f.workshop.ID && (e.Title != f.workshop.Title || e.Duration != "01:00" ||
					!strings.Contains(e.Persons[len(e.Persons)-1].Name, "Priya Presenter")) {
					t.Errorf("workshop: %+v", e)
				}
			}
		}
	}
	if doc.Version != "1" || doc.Conference.Acronym != f.conf.Slug || doc.Conference.Days != 2 || len(doc.Days) != 2 || doc.Days[1].Index != 2 ||
		doc.Days[0].Date != f.conf.StartsOn.Format(time.DateOnly) || xmlEvents != len(f.prog.Sessions) || len(rooms) != 6 {
		t.Errorf("schedule.xml: version %s, %d days, %d events, %d rooms", doc.Version, len(doc.Days), xmlEvents, len(rooms))
	}

	// frab JSON.
	j := b.get(f.path("/schedule.json"))
	var js struct {
		Schedule struct {
			Version    string
			Conference struct {
				Acronym string
				Days    []struct {
					Index int
					Rooms map[string][]struct {
						ID    int64
						Title string
						Room  string
					}
				}
			}
		}
	}
	if err := json.Unmarshal([]byte(j.Body), &js); err != nil {
		t.Fatalf("schedule.json: %v", err)
	}
	jsonEvents := 0
	for _, d := range js.Schedule.Conference.Days {
		for name, list := range d.Rooms {
			for _, e := range list {
				jsonEvents++
				if e.Room != name {
					t.Errorf("JSON event %d in %q says %q", e.ID, name, e.Room)
				}
			}
		}
	}
	if js.Schedule.Version != "1" || len(js.Schedule.Conference.Days) != 2 || jsonEvents != len(f.prog.Sessions) {
		t.Errorf("schedule.json: %d days, %d events", len(js.Schedule.Conference.Days), jsonEvents)
	}

	// CSV.
	c := b.get(f.path("/program.csv"))
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix([]byte(c.Body), []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	items := 0
	for _, s := range f.prog.Sessions {
		items += max(1, len(s.Items))
	}
	if len(rows) != items+1 || rows[0][0] != "Session ID" || !strings.Contains(c.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("CSV: %d rows, want %d", len(rows), items+1)
	}
	for _, path := range []string{"/schedule.xml", "/schedule.json", "/program.csv"} {
		r := b.get(f.path(path))
		req, _ := http.NewRequest(http.MethodGet, ta.URL+f.path(path), nil)
		req.Header.Set("If-None-Match", r.Header.Get("ETag"))
		if again := b.do(req); again.Status != http.StatusNotModified {
			t.Errorf("%s: %d, want 304", path, again.Status)
		}
	}
}

// TestProgramCacheInvalidation publishes a new version the way another instance would: only the
// NOTIFY of its commit tells this one, whose cached pages and feeds must then show it.
func TestProgramCacheInvalidation(t *testing.T) {
	// Not parallel: it ends the listening connections of the whole database, and counts them.
	ta := startApp(t)
	select {
	case <-ta.listening:
	case <-time.After(10 * time.Second):
		t.Fatal("the program cache does not listen for publications")
	}
	f := newProgramFixture(t, ta)
	b := ta.browser()
	feed := b.get(f.path("/calendar.ics"))
	page := b.get(f.path(""))
	loads := ta.program.Loads()
	for range 5 {
		b.get(f.path(""))
		b.get(f.path("/calendar.ics"))
		b.get(sessionPath(f, f.workshop.ID))
	}
	if ta.program.Loads() != loads {
		t.Errorf("reads after the first come from the cache: %d more loads", ta.program.Loads()-loads)
	}

	next := f.prog
	next.Sessions = append([]schedule.Session(nil), f.prog.Sessions...)
	next.Sessions[0].Title = "Opening plenary, now with a new keynote"
	if v := publishElsewhere(t, ta, next); v != 2 {
		t.Fatalf("version %d", v)
	}
	waitFor(t, "the new version on the program page", func() bool {
		return strings.Contains(b.get(f.path("")).Body, "Opening plenary, now with a new keynote")
	})
	if p := b.get(f.path("")); p.Body == page.Body || !strings.Contains(p.Doc.Find("main p.muted").First().Text(), "Version 2") {
		t.Error("the page shows version 2")
	}
	req, _ := http.NewRequest(http.MethodGet, ta.URL+f.path("/calendar.ics"), nil)
	req.Header.Set("If-None-Match", feed.Header.Get("ETag"))
	r := b.do(req)
	if r.Status != http.StatusOK || r.Header.Get("ETag") == feed.Header.Get("ETag") {
		t.Fatalf("the feed of version 2: %d %s", r.Status, r.Header.Get("ETag"))
	}
	e := parseICS(t, r.Body).Events()[0]
	if e.GetProperty(ics.ComponentPropertySummary).Value != "Opening plenary, now with a new keynote" || e.GetProperty(ics.ComponentPropertySequence).Value != "2" {
		t.Error("the moved event keeps its UID and carries the new version as its SEQUENCE")
	}

	// Losing the listening connection: the listener reconnects, and no publication made meanwhile
	// stays unseen.
	listeners := `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = '` + store.ListenerName + `'`
	if n := count(t, ta, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = current_database() AND application_name = '`+store.ListenerName+`'`); n != 1 {
		t.Fatalf("%d listening connections, want 1", n)
	}
	third := next
	third.Sessions = append([]schedule.Session(nil), next.Sessions...)
	third.Sessions[0].Title = "Opening plenary, after a lost connection"
	publishElsewhere(t, ta, third)
	waitFor(t, "the listener to reconnect", func() bool { return count(t, ta, listeners) == 1 })
	waitFor(t, "version 3 on the program page", func() bool {
		return strings.Contains(b.get(f.path("")).Body, "Opening plenary, after a lost connection")
	})

	// The in-process hook: the publishing code of this instance drops the entry at once.
	ta.program.Invalidate(f.conf.ID)
	before := ta.program.Loads()
	b.get(f.path(""))
	if ta.program.Loads() != before+1 {
		t.Error("after Invalidate the next read loads the program again")
	}
}
