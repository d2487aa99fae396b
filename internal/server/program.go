package server

import (
	"bytes"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/program"
	"github.com/challenging-norms/conference/internal/registration"
	"github.com/challenging-norms/conference/internal/schedule"
)

// The public program. Everything here reads the latest published version through the program
// cache. What is the same for everyone (the anonymous page, feeds, exports) is kept with the
// version; what depends on the visitor (stars, meeting links, the signed-in header) is rendered per
// request from the cached program and never stored in the cache.

// programViews are the ways the program page lists sessions.
var programViews = []struct{ Key, Label string }{{"day", "By day"}, {"track", "By track"}, {"format", "By format"}}

// programPage is the program in one view, or search results.
type programPage struct {
	confBase
	Snap      *program.Snapshot
	View      string
	Days      []program.Day
	Groups    []program.Group
	Query     string
	Hits      []program.Hit
	Searched  bool
	Stars     map[int64]bool
	Links     bool
	Return    string // where star buttons come back to
	Published bool
	// Session is the session page's session.
	Session   schedule.Session
	Presenter []schedule.Person
}

// Views lists the program's views for the view switcher.
func (p *programPage) Views() []struct{ Key, Label string } { return programViews }

// Room returns a room of the program by id.
func (p *programPage) Room(id int64) schedule.Room { r, _ := p.Snap.Program.Room(id); return r }

// Tracks lists the tracks of a session.
func (p *programPage) Tracks(ses schedule.Session) []schedule.Track { return p.Snap.SessionTracks(ses) }

// Kind is a session kind's label.
func (p *programPage) Kind(k string) string { return schedule.KindLabel(k) }

// Starred reports whether the visitor starred a session.
func (p *programPage) Starred(id int64) bool { return p.Stars[id] }

// SignedIn reports whether stars can be offered.
func (p *programPage) SignedIn() bool { return p.User != nil }

// Zone is the conference's time zone abbreviation at t, e.g. "EDT".
func (p *programPage) Zone(t time.Time) string { return t.In(p.Snap.Loc).Format("MST") }

// Span writes a session's time as <time> elements in the conference's time zone, with a place for
// the visitor's own time that app.js fills in (without JavaScript the zone's name is there).
func (p *programPage) Span(ses schedule.Session, withDate bool) template.HTML {
	loc := p.Snap.Loc
	start, end := ses.Start.In(loc), ses.End.In(loc)
	var b strings.Builder
	if withDate {
		fmt.Fprintf(&b, `<time datetime="%s">%s</time>, `, start.Format(time.DateOnly), start.Format("Monday 2 January 2006"))
	}
	fmt.Fprintf(&b, `<time datetime="%s">%s</time>–<time datetime="%s">%s</time> <abbr title="%s">%s</abbr>`,
		start.Format(time.RFC3339), start.Format("15:04"), end.Format(time.RFC3339), end.Format("15:04"),
		template.HTMLEscapeString(p.Snap.Program.TimeZone), start.Format("MST"))
	fmt.Fprintf(&b, ` <span class="local-clock" data-local-start="%s" data-local-end="%s" data-zone="%s"></span>`,
		start.UTC().Format(time.RFC3339), end.UTC().Format(time.RFC3339), template.HTMLEscapeString(p.Snap.Program.TimeZone))
	return template.HTML(b.String())
}

// SlotTime writes a slot's start as a heading.
func (p *programPage) SlotTime(t time.Time) template.HTML {
	t = t.In(p.Snap.Loc)
	return template.HTML(fmt.Sprintf(`<time datetime="%s">%s</time> <abbr title="%s">%s</abbr>`, t.Format(time.RFC3339), t.Format("15:04"),
		template.HTMLEscapeString(p.Snap.Program.TimeZone), t.Format("MST")))
}

// sessionCard is what the session_card template shows.
type sessionCard struct {
	P       *programPage
	S       schedule.Session
	Matches []string
	Heading int // the heading level of the session's title
}

// programLookup loads the conference and its latest published program; snap is nil before the first
// publication.
func (s *Server) programLookup(c echo.Context) (conference.Conference, *program.Snapshot, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return conf, nil, err
	}
	snap, err := s.opts.Program.Latest(c.Request().Context(), conf.ID)
	if program.IsNotPublished(err) {
		return conf, nil, nil
	}
	return conf, snap, err
}

// programOf is programLookup for feeds, exports and the API: no program yet is apperr NotFound.
func (s *Server) programOf(c echo.Context) (conference.Conference, *program.Snapshot, error) {
	conf, snap, err := s.programLookup(c)
	if err == nil && snap == nil {
		err = apperr.New(apperr.NotFound, "The program of this conference has not been published yet.")
	}
	return conf, snap, err
}

// viewer says who looks at the program: the principal, and whether they are a registered attendee
// with a confirmed address (in this browser's session or through their account).
func (s *Server) viewer(c echo.Context, conf conference.Conference) (program.Viewer, error) {
	v := program.Viewer{Principal: principal(c)}
	if v.Principal == nil && c.Get(ctxSession) != true {
		return v, nil
	}
	r, err := s.ownRegistration(c, conf)
	switch {
	case err == nil:
		v.Registered = attending(r)
	case !apperr.Is(err, apperr.NotFound):
		return v, err
	}
	return v, nil
}

// attending reports whether a registration admits its holder to the sessions.
func attending(r registration.Registration) bool {
	return r.Status == registration.Registered && r.Confirmed()
}

func (s *Server) programPage(c echo.Context, conf conference.Conference, snap *program.Snapshot, title string) (*programPage, error) {
	p := &programPage{confBase: s.confBase(c, conf, title, ""), Snap: snap, Published: snap != nil}
	if snap == nil {
		return p, nil
	}
	v, err := s.viewer(c, conf)
	if err != nil {
		return nil, err
	}
	p.Links = program.MeetingLinks(snap.Program, v)
	if u := p.User; u != nil {
		if p.Stars, err = s.opts.Agenda.Stars(c.Request().Context(), u.UserID, conf.ID); err != nil {
			return nil, err
		}
	}
	return p, nil
}

// shared reports whether the page is the same for every visitor like this one, so that it may be
// served from the version's cache: nobody signed in, no message waiting, no registration known.
func (p *programPage) shared() bool { return p.User == nil && p.Flash == "" && !p.Links }

// sharedVisitor reports whether a request can only be answered with what everyone sees: nobody is
// signed in and the browser has no session (so no message is waiting and no registration is known).
func (s *Server) sharedVisitor(c echo.Context) bool {
	if principal(c) != nil {
		return false
	}
	_, err := c.Request().Cookie(s.sessions.Cookie.Name)
	return err != nil
}

// knownProgram returns the slug's published program from the cache without reading the database,
// or nil when the cache does not know the slug yet.
func (s *Server) knownProgram(c echo.Context) *program.Snapshot {
	id, ok := s.opts.Program.Known(c.Param("slug"))
	if !ok {
		return nil
	}
	snap, err := s.opts.Program.Latest(c.Request().Context(), id)
	if err != nil {
		return nil
	}
	return snap
}

// sharedPage answers a visitor who sees what everyone sees with a page already rendered for this
// version, if there is one.
func (s *Server) sharedPage(c echo.Context, name string) (bool, error) {
	if !s.sharedVisitor(c) {
		return false, nil
	}
	snap := s.knownProgram(c)
	if snap == nil {
		return false, nil
	}
	a, ok := snap.Cached(name)
	if !ok {
		return false, nil
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return true, sendArtifact(c, a, echo.MIMETextHTMLCharsetUTF8)
}

// programShow is the program: by day (default), track or format, or search results (?q=).
func (s *Server) programShow(c echo.Context) error {
	view := c.QueryParam("view")
	if view != "track" && view != "format" {
		view = "day"
	}
	query, searched := c.QueryParams()["q"]
	if !searched {
		if done, err := s.sharedPage(c, "page:"+view); done {
			return err
		}
	}
	conf, snap, err := s.programLookup(c)
	if err != nil {
		return err
	}
	title := "Program · " + conf.Name
	if searched {
		title = "Search the program · " + conf.Name
	}
	p, err := s.programPage(c, conf, snap, title)
	if err != nil {
		return err
	}
	// Star buttons and the log-in link come back to the view, written from what was understood of the
	// request (never copied from it, since the anonymous page is kept for everyone).
	p.View, p.Return = view, "/c/"+conf.Slug+"/program"
	if view != "day" {
		p.Return += "?view=" + view
	}
	if snap == nil {
		return s.render(c, http.StatusOK, "program", p)
	}
	if searched {
		p.Searched, p.Query = true, strings.TrimSpace(strings.Join(query, " "))
		if len(p.Query) > 200 {
			p.Query = p.Query[:200]
		}
		p.Hits = snap.Search(p.Query)
		p.Return = "/c/" + conf.Slug + "/program?q=" + url.QueryEscape(p.Query)
		return s.render(c, http.StatusOK, "program", p)
	}
	switch view {
	case "track":
		p.Groups = snap.ByTrack()
	case "format":
		p.Groups = snap.ByFormat()
	default:
		p.Days = snap.Days()
	}
	if !p.shared() {
		return s.render(c, http.StatusOK, "program", p)
	}
	a, err := snap.Artifact("page:"+view, func() ([]byte, error) { return s.renderBytes("program", p) })
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return sendArtifact(c, a, echo.MIMETextHTMLCharsetUTF8)
}

// renderBytes executes a page into bytes.
func (s *Server) renderBytes(name string, data pageModel) ([]byte, error) {
	t, ok := s.pages.sets[name]
	if !ok {
		return nil, fmt.Errorf("no page template %q", name)
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "base", data); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// programSessionShow is a session's page: its proposals' titles, abstracts and presenters.
func (s *Server) programSessionShow(c echo.Context) error {
	if done, err := s.sharedPage(c, "session:"+c.Param("id")); done {
		return err
	}
	conf, snap, err := s.programOf(c)
	if err != nil {
		return err
	}
	ses, err := sessionParam(c, snap)
	if err != nil {
		return err
	}
	p, err := s.programPage(c, conf, snap, ses.Title+" · "+conf.Name)
	if err != nil {
		return err
	}
	p.Session, p.Return = ses, c.Request().URL.Path
	if !p.shared() {
		return s.render(c, http.StatusOK, "program_session", p)
	}
	a, err := snap.Artifact("session:"+strconv.FormatInt(ses.ID, 10), func() ([]byte, error) { return s.renderBytes("program_session", p) })
	if err != nil {
		return err
	}
	c.Response().Header().Set("Cache-Control", "no-store")
	return sendArtifact(c, a, echo.MIMETextHTMLCharsetUTF8)
}

func sessionParam(c echo.Context, snap *program.Snapshot) (schedule.Session, error) {
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err == nil {
		if ses, ok := snap.Program.Session(id); ok {
			return ses, nil
		}
	}
	return schedule.Session{}, apperr.New(apperr.NotFound, "The program has no such session.")
}

type starForm struct {
	Return string `form:"return" validate:"max=500"`
}

// programStar and programUnstar add a session to the visitor's agenda or take it off, then go back
// to the page the button was on.
func (s *Server) programStar(c echo.Context) error   { return s.programStarSet(c, true) }
func (s *Server) programUnstar(c echo.Context) error { return s.programStarSet(c, false) }

func (s *Server) programStarSet(c echo.Context, on bool) error {
	conf, snap, err := s.programOf(c)
	if err != nil {
		return err
	}
	var f starForm
	if err := s.bindForm(c, &f); err != nil {
		return err
	}
	ctx, user := c.Request().Context(), principal(c).UserID
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	ses, known := snap.Program.Session(id)
	if on {
		if err := s.opts.Agenda.Star(ctx, user, snap.Program, id); err != nil {
			return err
		}
		s.flash(c, "“"+ses.Title+"” is in your agenda.")
	} else {
		if err := s.opts.Agenda.Unstar(ctx, user, conf.ID, id); err != nil {
			return err
		}
		if known {
			s.flash(c, "“"+ses.Title+"” is no longer in your agenda.")
		}
	}
	back := "/c/" + conf.Slug + "/program"
	if u, err := url.Parse(f.Return); err == nil && u.Host == "" && u.Scheme == "" && strings.HasPrefix(u.Path, back) {
		back = u.RequestURI()
	}
	if known && !strings.Contains(back, "/sessions/") && !strings.Contains(back, "#") {
		back += "#session-" + strconv.FormatInt(id, 10)
	}
	return c.Redirect(http.StatusSeeOther, back)
}

// ProgramPage is the embedded program page, for templates that take one.
func (p *agendaPage) ProgramPage() *programPage { return &p.programPage }

// agendaPage is the visitor's own agenda.
type agendaPage struct {
	programPage
	Mine      []schedule.Session
	Gone      int // starred sessions that the latest version no longer has
	HasFeed   bool
	FeedURL   string // shown once, right after it is made
	FeedsBase string
}

func (s *Server) agenda(c echo.Context) (*agendaPage, error) {
	conf, snap, err := s.programLookup(c)
	if err != nil {
		return nil, err
	}
	pp, err := s.programPage(c, conf, snap, "My agenda · "+conf.Name)
	if err != nil {
		return nil, err
	}
	p := &agendaPage{programPage: *pp}
	p.Return = "/c/" + conf.Slug + "/program/agenda"
	if p.HasFeed, err = s.opts.Agenda.HasFeedToken(c.Request().Context(), p.User.UserID, conf.ID); err != nil {
		return nil, err
	}
	if snap == nil {
		return p, nil
	}
	for _, d := range snap.Days() {
		for _, slot := range d.Slots {
			for _, ses := range slot.Sessions {
				if p.Stars[ses.ID] {
					p.Mine = append(p.Mine, ses)
				}
			}
		}
	}
	p.Gone = len(p.Stars) - len(p.Mine)
	return p, nil
}

// programAgenda shows the sessions the visitor starred and their calendar address.
func (s *Server) programAgenda(c echo.Context) error {
	p, err := s.agenda(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "program_agenda", p)
}

// programFeedNew makes a new secret calendar address (revoking the old one) and shows it once.
func (s *Server) programFeedNew(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	token, err := s.opts.Agenda.NewFeedToken(c.Request().Context(), principal(c).UserID, conf.ID)
	if err != nil {
		return err
	}
	p, err := s.agenda(c)
	if err != nil {
		return err
	}
	p.FeedURL = s.agendaFeedURL(conf, token)
	return s.render(c, http.StatusOK, "program_agenda", p)
}

func (s *Server) agendaFeedURL(conf conference.Conference, token string) string {
	return strings.TrimRight(s.opts.BaseURL, "/") + "/c/" + conf.Slug + "/program/feeds/" + token + "/agenda.ics"
}

// programFeedRevoke turns the calendar address off.
func (s *Server) programFeedRevoke(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	if err := s.opts.Agenda.RevokeFeedToken(c.Request().Context(), principal(c).UserID, conf.ID); err != nil {
		return err
	}
	s.flash(c, "Your calendar address is turned off. Calendars subscribed to it no longer get updates.")
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/program/agenda")
}
