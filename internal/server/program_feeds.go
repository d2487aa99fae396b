package server

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/calendar"
	"github.com/challenging-norms/conference/internal/program"
	"github.com/challenging-norms/conference/internal/registration"
	"github.com/challenging-norms/conference/internal/schedule"
)

// Calendar feeds and exports of the published program. Shared ones are built once per version and
// answered with ETag and Last-Modified, so that calendar programs and conference apps polling them
// get 304 until the next publication.

func (s *Server) feedOptions(snap *program.Snapshot, name string) program.FeedOptions {
	host := "conference"
	if u, err := url.Parse(s.opts.BaseURL); err == nil && u.Hostname() != "" {
		host = u.Hostname()
	}
	return program.FeedOptions{Name: name, Product: s.opts.SiteName, BaseURL: s.opts.BaseURL, Host: host}
}

// publishedProgram is the program for feeds and exports: straight from the cache when it knows
// the slug, else through the conference. apperr NotFound before the first publication.
func (s *Server) publishedProgram(c echo.Context) (string, *program.Snapshot, error) {
	if snap := s.knownProgram(c); snap != nil {
		return snap.Program.Slug, snap, nil
	}
	conf, snap, err := s.programOf(c)
	return conf.Slug, snap, err
}

// serveArtifact answers with a cached representation, or 304 when the client has it already
// (If-None-Match, else If-Modified-Since, as RFC 9110 orders them).
func serveArtifact(c echo.Context, a program.Artifact, contentType, filename string, download bool) error {
	h := c.Response().Header()
	h.Set("ETag", a.ETag)
	h.Set("Last-Modified", a.Modified.UTC().Format(http.TimeFormat))
	// Clients may reuse it for a minute, then ask again (cheaply: 304) whether a new version is out.
	h.Set("Cache-Control", "public, max-age=60")
	if notModified(c.Request(), a) {
		return c.NoContent(http.StatusNotModified)
	}
	disposition := "inline"
	if download {
		disposition = "attachment"
	}
	h.Set("Content-Disposition", disposition+`; filename="`+filename+`"`)
	return sendArtifact(c, a, contentType)
}

// sendArtifact writes a representation, compressed when the client accepts gzip and a compressed
// form was made. Each form has its own ETag, as a strong validator must.
func sendArtifact(c echo.Context, a program.Artifact, contentType string) error {
	h := c.Response().Header()
	h.Add("Vary", "Accept-Encoding")
	if a.Gzip != nil && acceptsGzip(c.Request()) {
		h.Set("Content-Encoding", "gzip")
		h.Set("ETag", gzipETag(a.ETag))
		return c.Blob(http.StatusOK, contentType, a.Gzip)
	}
	return c.Blob(http.StatusOK, contentType, a.Body)
}

func gzipETag(tag string) string { return strings.TrimSuffix(tag, `"`) + `-gz"` }

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			return strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0"
		}
	}
	return false
}

func notModified(r *http.Request, a program.Artifact) bool {
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		for _, tag := range strings.Split(inm, ",") {
			tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
			if tag == "*" || tag == a.ETag || tag == gzipETag(a.ETag) {
				return true
			}
		}
		return false
	}
	if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil {
		return !a.Modified.Truncate(time.Second).After(ims)
	}
	return false
}

// programCalendar is the whole program as an iCalendar feed.
func (s *Server) programCalendar(c echo.Context) error {
	slug, snap, err := s.publishedProgram(c)
	if err != nil {
		return err
	}
	a, err := snap.Artifact("ics", func() ([]byte, error) {
		return snap.ICS(snap.Program.Sessions, s.feedOptions(snap, snap.Program.Name)), nil
	})
	if err != nil {
		return err
	}
	return serveArtifact(c, a, calendar.ContentType, slug+".ics", false)
}

// programTrackCalendar is one track's sessions (with the sessions for everyone) as a feed.
func (s *Server) programTrackCalendar(c echo.Context) error {
	slug, snap, err := s.publishedProgram(c)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	track, ok := snap.Program.Track(id)
	if !ok {
		return apperr.New(apperr.NotFound, "The program has no such track.")
	}
	a, err := snap.Artifact("ics:track:"+strconv.FormatInt(id, 10), func() ([]byte, error) {
		var list []schedule.Session
		for _, ses := range snap.Program.Sessions {
			if snap.InTrack(ses, id) || len(snap.SessionTracks(ses)) == 0 {
				list = append(list, ses)
			}
		}
		return snap.ICS(list, s.feedOptions(snap, snap.Program.Name+": "+track.Name)), nil
	})
	if err != nil {
		return err
	}
	return serveArtifact(c, a, calendar.ContentType, slug+"-track-"+strconv.FormatInt(id, 10)+".ics", false)
}

// programSessionCalendar is one session as a calendar file.
func (s *Server) programSessionCalendar(c echo.Context) error {
	slug, snap, err := s.publishedProgram(c)
	if err != nil {
		return err
	}
	ses, err := sessionParam(c, snap)
	if err != nil {
		return err
	}
	a, err := snap.Artifact("ics:session:"+strconv.FormatInt(ses.ID, 10), func() ([]byte, error) {
		return snap.ICS([]schedule.Session{ses}, s.feedOptions(snap, snap.Program.Name+": "+ses.Title)), nil
	})
	if err != nil {
		return err
	}
	return serveArtifact(c, a, calendar.ContentType, slug+"-session-"+strconv.FormatInt(ses.ID, 10)+".ics", false)
}

// programAgendaCalendar is a person's starred sessions, at their secret address. It carries the
// meeting links when its owner may see them, so it is built per request and never shared.
func (s *Server) programAgendaCalendar(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	userID, err := s.opts.Agenda.FeedOwner(ctx, conf.ID, c.Param("token"))
	if err != nil {
		return err
	}
	_, snap, err := s.programOf(c)
	if err != nil {
		return err
	}
	u, p, err := s.opts.Accounts.SessionUser(ctx, userID)
	if err != nil {
		return err
	}
	v := program.Viewer{Principal: p}
	if r, err := s.opts.Registrations.Mine(ctx, conf, registration.Account{UserID: u.ID, Email: u.Email, Verified: u.Verified()}); err == nil {
		v.Registered = attending(r)
	} else if !apperr.Is(err, apperr.NotFound) {
		return err
	}
	stars, err := s.opts.Agenda.Stars(ctx, userID, conf.ID)
	if err != nil {
		return err
	}
	var list []schedule.Session
	for _, ses := range snap.Program.Sessions {
		if stars[ses.ID] {
			list = append(list, ses)
		}
	}
	o := s.feedOptions(snap, snap.Program.Name+": my agenda")
	o.MeetingLinks = program.MeetingLinks(snap.Program, v)
	c.Response().Header().Set("Cache-Control", "private, no-cache")
	return c.Blob(http.StatusOK, calendar.ContentType, snap.ICS(list, o))
}

// programScheduleXML is frab's schedule.xml.
func (s *Server) programScheduleXML(c echo.Context) error {
	slug, snap, err := s.publishedProgram(c)
	if err != nil {
		return err
	}
	a, err := snap.Artifact("frab.xml", func() ([]byte, error) { return snap.FrabXML(s.opts.BaseURL) })
	if err != nil {
		return err
	}
	return serveArtifact(c, a, "application/xml; charset=utf-8", slug+"-schedule.xml", false)
}

// programScheduleJSON is frab's JSON schedule.
func (s *Server) programScheduleJSON(c echo.Context) error {
	slug, snap, err := s.publishedProgram(c)
	if err != nil {
		return err
	}
	a, err := snap.Artifact("frab.json", func() ([]byte, error) { return snap.FrabJSON(s.opts.BaseURL) })
	if err != nil {
		return err
	}
	return serveArtifact(c, a, "application/json; charset=utf-8", slug+"-schedule.json", false)
}

// programCSV is the program as a spreadsheet.
func (s *Server) programCSV(c echo.Context) error {
	slug, snap, err := s.publishedProgram(c)
	if err != nil {
		return err
	}
	a, err := snap.Artifact("csv", func() ([]byte, error) { return snap.CSV(s.opts.BaseURL) })
	if err != nil {
		return err
	}
	return serveArtifact(c, a, "text/csv; charset=utf-8", slug+"-program.csv", true)
}
