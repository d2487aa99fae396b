package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/program"
	"github.com/challenging-norms/conference/internal/schedule"
)

// The published program in the API under /api/v1/conferences/{slug}/program: the program, its
// sessions, the signed-in person's stars and their calendar address. Shapes follow
// api/openapi.yaml. Like the pages, it reads only the latest published version, and shows meeting
// links only to those the program package lets see them.

type apiProgram struct {
	Slug        string             `json:"slug"`
	Name        string             `json:"name"`
	TimeZone    string             `json:"time_zone"`
	Version     int                `json:"version"`
	PublishedAt time.Time          `json:"published_at"`
	Days        []string           `json:"days"`
	Rooms       []apiProgramRoom   `json:"rooms"`
	Tracks      []schedule.Track   `json:"tracks"`
	Sessions    []apiPublicSession `json:"sessions"`
	MeetingURLs bool               `json:"meeting_links_shown"`
	Feeds       map[string]string  `json:"feeds"`
}

type apiProgramRoom struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Capacity   int    `json:"capacity,omitempty"`
	MeetingURL string `json:"meeting_url,omitempty"`
}

type apiPublicSession struct {
	ID          int64            `json:"id"`
	Title       string           `json:"title"`
	Kind        string           `json:"kind"`
	KindLabel   string           `json:"kind_label"`
	Description string           `json:"description,omitempty"`
	Start       time.Time        `json:"start"`
	End         time.Time        `json:"end"`
	Day         string           `json:"day"`
	RoomID      int64            `json:"room_id"`
	TrackIDs    []int64          `json:"track_ids"`
	Chairs      []apiPerson      `json:"chairs"`
	Items       []apiProgramItem `json:"items"`
	URL         string           `json:"url"`
	Starred     *bool            `json:"starred,omitempty"`
}

type apiProgramItem struct {
	ProposalID int64       `json:"proposal_id"`
	Title      string      `json:"title"`
	Abstract   string      `json:"abstract"`
	Format     string      `json:"format"`
	Minutes    int         `json:"minutes"`
	Presenters []apiPerson `json:"presenters"`
}

// apiPerson is a person as the public program shows them: never their account.
type apiPerson struct {
	Name        string `json:"name"`
	Pronouns    string `json:"pronouns,omitempty"`
	Institution string `json:"institution,omitempty"`
	Bio         string `json:"bio,omitempty"`
}

func toAPIPeople(ps []schedule.Person) []apiPerson {
	out := make([]apiPerson, len(ps))
	for i, p := range ps {
		out[i] = apiPerson{Name: p.Name, Pronouns: p.Pronouns, Institution: p.Institution, Bio: p.Bio}
	}
	return out
}

func (s *Server) toAPISession(snap *program.Snapshot, ses schedule.Session, stars map[int64]bool) apiPublicSession {
	out := apiPublicSession{ID: ses.ID, Title: ses.Title, Kind: ses.Kind, KindLabel: schedule.KindLabel(ses.Kind), Description: ses.Description,
		Start: ses.Start.UTC(), End: ses.End.UTC(), Day: snap.DayOf(ses.Start), RoomID: ses.RoomID, TrackIDs: []int64{},
		Chairs: toAPIPeople(ses.Chairs), Items: []apiProgramItem{}, URL: program.SessionURL(s.opts.BaseURL, snap.Program, ses.ID)}
	for _, t := range snap.SessionTracks(ses) {
		out.TrackIDs = append(out.TrackIDs, t.ID)
	}
	for _, it := range ses.Items {
		out.Items = append(out.Items, apiProgramItem{ProposalID: it.ProposalID, Title: it.Title, Abstract: it.Abstract, Format: it.Format,
			Minutes: it.Minutes, Presenters: toAPIPeople(it.Presenters)})
	}
	if stars != nil {
		on := stars[ses.ID]
		out.Starred = &on
	}
	return out
}

// apiProgramContext is the program and what the caller may see of it.
func (s *Server) apiProgramContext(c echo.Context) (*program.Snapshot, bool, map[int64]bool, error) {
	conf, snap, err := s.programOf(c)
	if err != nil {
		return nil, false, nil, err
	}
	v, err := s.viewer(c, conf)
	if err != nil {
		return nil, false, nil, err
	}
	var stars map[int64]bool
	if p := principal(c); p != nil {
		if stars, err = s.opts.Agenda.Stars(c.Request().Context(), p.UserID, conf.ID); err != nil {
			return nil, false, nil, err
		}
	}
	return snap, program.MeetingLinks(snap.Program, v), stars, nil
}

// apiProgramShow is the latest published program.
func (s *Server) apiProgramShow(c echo.Context) error {
	snap, links, stars, err := s.apiProgramContext(c)
	if err != nil {
		return err
	}
	p := snap.Program
	base := strings.TrimRight(s.opts.BaseURL, "/") + "/c/" + p.Slug + "/program"
	out := apiProgram{Slug: p.Slug, Name: p.Name, TimeZone: p.TimeZone, Version: p.Version, PublishedAt: p.PublishedAt, Days: p.Days,
		Rooms: []apiProgramRoom{}, Tracks: p.Tracks, Sessions: []apiPublicSession{}, MeetingURLs: links,
		Feeds: map[string]string{"ical": base + "/calendar.ics", "frab_xml": base + "/schedule.xml", "frab_json": base + "/schedule.json", "csv": base + "/program.csv"}}
	if out.Tracks == nil {
		out.Tracks = []schedule.Track{}
	}
	for _, r := range p.Rooms {
		room := apiProgramRoom{ID: r.ID, Name: r.Name, Capacity: r.Capacity}
		if links {
			room.MeetingURL = r.MeetingURL
		}
		out.Rooms = append(out.Rooms, room)
	}
	for _, d := range snap.Days() {
		for _, slot := range d.Slots {
			for _, ses := range slot.Sessions {
				out.Sessions = append(out.Sessions, s.toAPISession(snap, ses, stars))
			}
		}
	}
	return c.JSON(http.StatusOK, out)
}

// apiProgramSessions lists sessions, optionally of a day, track or kind, or matching a search.
func (s *Server) apiProgramSessions(c echo.Context) error {
	snap, _, stars, err := s.apiProgramContext(c)
	if err != nil {
		return err
	}
	day, kind, q := c.QueryParam("day"), c.QueryParam("kind"), c.QueryParam("q")
	var track int64
	if t := c.QueryParam("track"); t != "" {
		if track, err = strconv.ParseInt(t, 10, 64); err != nil || track <= 0 {
			return apperr.Field("track", "Give a track's id.")
		}
	}
	if len(q) > 200 {
		return apperr.Field("q", "Search with at most 200 characters.")
	}
	var list []schedule.Session
	if q != "" {
		for _, h := range snap.Search(q) {
			list = append(list, h.Session)
		}
	} else {
		for _, d := range snap.Days() {
			for _, slot := range d.Slots {
				list = append(list, slot.Sessions...)
			}
		}
	}
	out := []apiPublicSession{}
	for _, ses := range list {
		if (day != "" && snap.DayOf(ses.Start) != day) || (kind != "" && ses.Kind != kind) || (track != 0 && !snap.InTrack(ses, track)) {
			continue
		}
		out = append(out, s.toAPISession(snap, ses, stars))
	}
	return c.JSON(http.StatusOK, out)
}

// apiProgramSession is one session, with its room's meeting link for those who may see it.
func (s *Server) apiProgramSession(c echo.Context) error {
	snap, links, stars, err := s.apiProgramContext(c)
	if err != nil {
		return err
	}
	ses, err := sessionParam(c, snap)
	if err != nil {
		return err
	}
	out := struct {
		apiPublicSession
		Room apiProgramRoom `json:"room"`
	}{apiPublicSession: s.toAPISession(snap, ses, stars)}
	r, _ := snap.Program.Room(ses.RoomID)
	out.Room = apiProgramRoom{ID: r.ID, Name: r.Name, Capacity: r.Capacity}
	if links {
		out.Room.MeetingURL = r.MeetingURL
	}
	return c.JSON(http.StatusOK, out)
}

type apiStars struct {
	SessionIDs []int64 `json:"session_ids"`
}

// apiStarsList lists the caller's starred sessions that the latest version has.
func (s *Server) apiStarsList(c echo.Context) error {
	snap, _, stars, err := s.apiProgramContext(c)
	if err != nil {
		return err
	}
	out := apiStars{SessionIDs: []int64{}}
	for _, ses := range snap.Program.Sessions {
		if stars[ses.ID] {
			out.SessionIDs = append(out.SessionIDs, ses.ID)
		}
	}
	return c.JSON(http.StatusOK, out)
}

// apiStarAdd stars a session (idempotent).
func (s *Server) apiStarAdd(c echo.Context) error {
	_, snap, err := s.programOf(c)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	if err := s.opts.Agenda.Star(c.Request().Context(), principal(c).UserID, snap.Program, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiStarRemove removes a star (idempotent).
func (s *Server) apiStarRemove(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil || id <= 0 {
		return apperr.New(apperr.NotFound, "The program has no such session.")
	}
	if err := s.opts.Agenda.Unstar(c.Request().Context(), principal(c).UserID, conf.ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type apiFeedToken struct {
	Active bool   `json:"active"`
	URL    string `json:"url,omitempty"`
}

// apiFeedTokenShow says whether the caller's calendar address is active (the address itself is
// shown only when it is made).
func (s *Server) apiFeedTokenShow(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	on, err := s.opts.Agenda.HasFeedToken(c.Request().Context(), principal(c).UserID, conf.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiFeedToken{Active: on})
}

// apiFeedTokenCreate makes a new calendar address, revoking the previous one.
func (s *Server) apiFeedTokenCreate(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	token, err := s.opts.Agenda.NewFeedToken(c.Request().Context(), principal(c).UserID, conf.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, apiFeedToken{Active: true, URL: s.agendaFeedURL(conf, token)})
}

// apiFeedTokenRevoke turns the calendar address off.
func (s *Server) apiFeedTokenRevoke(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	if err := s.opts.Agenda.RevokeFeedToken(c.Request().Context(), principal(c).UserID, conf.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
