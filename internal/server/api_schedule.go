package server

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/schedule"
)

// apiRoom is a virtual room in the API.
type apiRoom struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	MeetingURL string `json:"meeting_url"`
	Capacity   *int   `json:"capacity"`
	Position   int    `json:"position"`
}

func toAPIRoom(r schedule.Room) apiRoom {
	out := apiRoom{ID: r.ID, Name: r.Name, MeetingURL: r.MeetingURL, Position: r.Position}
	if r.Capacity > 0 {
		out.Capacity = &r.Capacity
	}
	return out
}

// apiRoomRequest is a room as the API takes it.
type apiRoomRequest struct {
	Name       string `json:"name" validate:"max=800"`
	MeetingURL string `json:"meeting_url" validate:"max=4000"`
	Capacity   *int   `json:"capacity"`
	Position   int    `json:"position"`
}

func (r apiRoomRequest) input() schedule.RoomInput {
	in := schedule.RoomInput{Name: r.Name, MeetingURL: r.MeetingURL, Position: r.Position}
	if r.Capacity != nil {
		in.Capacity = *r.Capacity
		if in.Capacity == 0 {
			in.Capacity = -1 // zero is not a capacity; null is no limit
		}
	}
	return in
}

type apiChair struct {
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	Email  string `json:"email"`
}

// apiSession is a session of the working copy in the API.
type apiSession struct {
	ID          int64      `json:"id"`
	Title       string     `json:"title"`
	Kind        string     `json:"kind"`
	Description string     `json:"description"`
	Start       time.Time  `json:"start"`
	End         time.Time  `json:"end"`
	RoomID      int64      `json:"room_id"`
	TrackID     *int64     `json:"track_id"`
	Chairs      []apiChair `json:"chairs"`
	Items       []int64    `json:"items"`
	Version     int        `json:"version"`
	UpdatedAt   time.Time  `json:"updated_at"`
}

func toAPISession(sl schedule.Slot) apiSession {
	out := apiSession{ID: sl.ID, Title: sl.Title, Kind: sl.Kind, Description: sl.Description, Start: sl.Start.UTC(), End: sl.End.UTC(),
		RoomID: sl.RoomID, Chairs: []apiChair{}, Items: append([]int64{}, sl.Items...), Version: sl.Version, UpdatedAt: sl.UpdatedAt.UTC()}
	if sl.TrackID != 0 {
		out.TrackID = &sl.TrackID
	}
	for _, c := range sl.Chairs {
		out.Chairs = append(out.Chairs, apiChair{UserID: c.UserID, Name: c.Name, Email: c.Email})
	}
	return out
}

// apiSessionRequest is a session as the API takes it. Start and end are RFC 3339 times, or local
// times in the conference's zone ("2027-10-08T10:00").
type apiSessionRequest struct {
	Version     int      `json:"version"`
	Title       string   `json:"title" validate:"max=1200"`
	Kind        string   `json:"kind" validate:"max=40"`
	Description string   `json:"description" validate:"max=16000"`
	Start       string   `json:"start" validate:"max=40"`
	End         string   `json:"end" validate:"max=40"`
	RoomID      int64    `json:"room_id"`
	TrackID     *int64   `json:"track_id"`
	Chairs      []string `json:"chairs" validate:"max=10,dive,max=254"`
	Items       []int64  `json:"items" validate:"max=50"`
}

// sessionLocalTime turns an RFC 3339 time into the conference's local form; anything else is passed on for
// the service to judge.
func sessionLocalTime(s string, loc *time.Location) string {
	if t, err := time.Parse(time.RFC3339, strings.TrimSpace(s)); err == nil {
		return t.In(loc).Format(schedule.LocalLayout)
	}
	return s
}

func (r apiSessionRequest) input(conf conference.Conference) schedule.SlotInput {
	loc := conf.Location()
	in := schedule.SlotInput{Title: r.Title, Kind: r.Kind, Description: r.Description, Start: sessionLocalTime(r.Start, loc), End: sessionLocalTime(r.End, loc),
		RoomID: r.RoomID, ChairEmails: r.Chairs, Items: r.Items}
	if r.TrackID != nil {
		in.TrackID = *r.TrackID
	}
	return in
}

type apiConflict struct {
	Kind       string  `json:"kind"`
	SessionIDs []int64 `json:"session_ids"`
	ProposalID *int64  `json:"proposal_id"`
	Text       string  `json:"text"`
}

func toAPIConflicts(list []schedule.Conflict) []apiConflict {
	out := make([]apiConflict, len(list))
	for i, c := range list {
		out[i] = apiConflict{Kind: c.Kind, SessionIDs: c.SessionIDs, Text: c.Text}
		if c.ProposalID != 0 {
			id := c.ProposalID
			out[i].ProposalID = &id
		}
	}
	return out
}

type apiCandidate struct {
	ID            int64  `json:"id"`
	Title         string `json:"title"`
	Format        string `json:"format"`
	Minutes       int    `json:"minutes"`
	Participation string `json:"participation"`
	SessionID     *int64 `json:"session_id"`
}

// apiBoard is the working copy with what is left to place and its conflicts.
type apiBoard struct {
	TimeZone  string         `json:"time_zone"`
	Days      []string       `json:"days"`
	Rooms     []apiRoom      `json:"rooms"`
	Sessions  []apiSession   `json:"sessions"`
	Proposals []apiCandidate `json:"proposals"`
	Conflicts []apiConflict  `json:"conflicts"`
}

func scheduleID(c echo.Context, name string) (int64, error) {
	return pathID(c, name, "There is no such item.")
}

// queryVersion reads the version a deletion was based on.
func queryVersion(c echo.Context, required bool) (int, error) {
	v := c.QueryParam("version")
	if v == "" && !required {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, apperr.Field("version", "Give the version of the session you are changing, as the query parameter version.")
	}
	return n, nil
}

func (s *Server) apiSchedule(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	b, err := s.opts.Schedule.Board(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	out := apiBoard{TimeZone: conf.TimeZone, Days: []string{}, Rooms: []apiRoom{}, Sessions: []apiSession{}, Proposals: []apiCandidate{},
		Conflicts: toAPIConflicts(b.Conflicts)}
	for _, d := range b.Days {
		out.Days = append(out.Days, d.Format("2006-01-02"))
	}
	for _, r := range b.Rooms {
		out.Rooms = append(out.Rooms, toAPIRoom(r))
	}
	for _, sl := range b.Slots {
		out.Sessions = append(out.Sessions, toAPISession(sl))
	}
	for _, cand := range b.Candidates {
		a := apiCandidate{ID: cand.ID, Title: cand.Title, Format: cand.Format, Minutes: cand.Minutes, Participation: cand.Participation}
		if cand.SessionID != 0 {
			id := cand.SessionID
			a.SessionID = &id
		}
		if a.Participation == "" {
			a.Participation = "none"
		}
		out.Proposals = append(out.Proposals, a)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiRooms(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	rooms, err := s.opts.Schedule.Rooms(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	out := make([]apiRoom, len(rooms))
	for i, r := range rooms {
		out[i] = toAPIRoom(r)
	}
	return c.JSON(http.StatusOK, map[string]any{"rooms": out})
}

func (s *Server) apiRoomSave(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var id int64
	if c.Param("id") != "" {
		if id, err = scheduleID(c, "id"); err != nil {
			return err
		}
	}
	var req apiRoomRequest
	if err := s.bindJSON(c, &req); err != nil {
		return alsoChecked(err, req, func(req apiRoomRequest) error {
			return s.opts.Schedule.CheckRoom(c.Request().Context(), principal(c), conf, req.input())
		})
	}
	in := req.input()
	if id == 0 {
		if in.ClientKey, err = idempotencyKey(c); err != nil {
			return err
		}
	}
	r, err := s.opts.Schedule.SaveRoom(c.Request().Context(), principal(c), conf, id, in)
	if err != nil {
		return keyUsedByAnother(err, in.ClientKey, "room", r.ID)
	}
	status := http.StatusOK
	if id == 0 {
		status = http.StatusCreated
	}
	return c.JSON(status, toAPIRoom(r))
}

func (s *Server) apiRoomDelete(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := scheduleID(c, "id")
	if err != nil {
		return err
	}
	if err := s.opts.Schedule.DeleteRoom(c.Request().Context(), principal(c), conf, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiSessions(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	b, err := s.opts.Schedule.Board(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	out := make([]apiSession, len(b.Slots))
	for i, sl := range b.Slots {
		out[i] = toAPISession(sl)
	}
	return c.JSON(http.StatusOK, map[string]any{"sessions": out})
}

func (s *Server) apiSession(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := scheduleID(c, "id")
	if err != nil {
		return err
	}
	sl, err := s.opts.Schedule.Slot(c.Request().Context(), principal(c), conf, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPISession(sl))
}

func (s *Server) apiSessionCreate(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiSessionRequest
	if err := s.bindJSON(c, &req); err != nil {
		return s.alsoCheckedSession(c, conf, 0, err, req)
	}
	in := req.input(conf)
	if in.ClientKey, err = idempotencyKey(c); err != nil {
		return err
	}
	sl, err := s.opts.Schedule.CreateSlot(c.Request().Context(), principal(c), conf, in)
	if err != nil {
		return keyUsedByAnother(err, in.ClientKey, "session", sl.ID)
	}
	return c.JSON(http.StatusCreated, toAPISession(sl))
}

// alsoCheckedSession is alsoChecked for the session id (0 for a new one).
func (s *Server) alsoCheckedSession(c echo.Context, conf conference.Conference, id int64, err error, req apiSessionRequest) error {
	return alsoChecked(err, req, func(req apiSessionRequest) error {
		return s.opts.Schedule.CheckSlot(c.Request().Context(), principal(c), conf, id, req.input(conf))
	})
}

func (s *Server) apiSessionUpdate(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := scheduleID(c, "id")
	if err != nil {
		return err
	}
	var req apiSessionRequest
	if err := s.bindJSON(c, &req); err != nil {
		return s.alsoCheckedSession(c, conf, id, err, req)
	}
	if req.Version < 1 {
		return s.alsoCheckedSession(c, conf, id, apperr.Field("version", "Give the version of the session you edited, as the last read gave it."), req)
	}
	sl, err := s.opts.Schedule.UpdateSlot(c.Request().Context(), principal(c), conf, id, req.Version, req.input(conf))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPISession(sl))
}

func (s *Server) apiSessionDelete(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := scheduleID(c, "id")
	if err != nil {
		return err
	}
	version, err := queryVersion(c, true)
	if err != nil {
		return err
	}
	if err := s.opts.Schedule.DeleteSlot(c.Request().Context(), principal(c), conf, id, version); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiPlaceRequest places a proposal in a session.
type apiPlaceRequest struct {
	ProposalID int64 `json:"proposal_id"`
	Position   int   `json:"position"`
	Version    int   `json:"version"`
}

func (s *Server) apiItemPlace(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := scheduleID(c, "id")
	if err != nil {
		return err
	}
	var req apiPlaceRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	sl, err := s.opts.Schedule.PlaceItem(c.Request().Context(), principal(c), conf, id, req.Version, req.ProposalID, req.Position)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPISession(sl))
}

func (s *Server) apiItemRemove(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := scheduleID(c, "id")
	if err != nil {
		return err
	}
	pid, err := scheduleID(c, "proposal_id")
	if err != nil {
		return err
	}
	version, err := queryVersion(c, false)
	if err != nil {
		return err
	}
	sl, err := s.opts.Schedule.RemoveItem(c.Request().Context(), principal(c), conf, id, version, pid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPISession(sl))
}

func (s *Server) apiConflicts(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	b, err := s.opts.Schedule.Board(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"conflicts": toAPIConflicts(b.Conflicts)})
}

type apiChange struct {
	Kind       string `json:"kind"`
	SessionID  *int64 `json:"session_id"`
	ProposalID *int64 `json:"proposal_id"`
	Text       string `json:"text"`
}

func toAPIChanges(list []schedule.Change) []apiChange {
	out := make([]apiChange, len(list))
	for i, ch := range list {
		out[i] = apiChange{Kind: ch.Kind, Text: ch.Text}
		if ch.SessionID != 0 {
			id := ch.SessionID
			out[i].SessionID = &id
		}
		if ch.ProposalID != 0 {
			id := ch.ProposalID
			out[i].ProposalID = &id
		}
	}
	return out
}

type apiVersion struct {
	Version     int       `json:"version"`
	PublishedAt time.Time `json:"published_at"`
	Changes     int       `json:"changes"`
}

func toAPIVersions(list []schedule.VersionInfo) []apiVersion {
	out := make([]apiVersion, len(list))
	for i, v := range list {
		out[i] = apiVersion{Version: v.Version, PublishedAt: v.PublishedAt, Changes: v.Changes}
	}
	return out
}

func (s *Server) apiPublishPreview(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	pv, err := s.opts.Schedule.Preview(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	next := 1
	if len(pv.Versions) > 0 {
		next = pv.Versions[0].Version + 1
	}
	return c.JSON(http.StatusOK, map[string]any{"next_version": next, "changes": toAPIChanges(pv.Changes),
		"conflicts": toAPIConflicts(pv.Conflicts), "sessions": len(pv.Program.Sessions)})
}

func (s *Server) apiPublish(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	pub, err := s.opts.Schedule.Publish(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string]any{"version": pub.Program.Version, "published_at": pub.Program.PublishedAt,
		"changes": toAPIChanges(pub.Changes), "sessions": len(pub.Program.Sessions)})
}

func (s *Server) apiVersions(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	list, err := s.opts.Schedule.Versions(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"versions": toAPIVersions(list)})
}

func (s *Server) apiVersion(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(c.Param("version"))
	if err != nil || n < 1 {
		return apperr.New(apperr.NotFound, "There is no such version of the program.")
	}
	pub, err := s.opts.Schedule.Version(c.Request().Context(), principal(c), conf, n)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"version": pub.Program.Version, "published_at": pub.Program.PublishedAt,
		"changes": toAPIChanges(pub.Changes), "sessions": len(pub.Program.Sessions)})
}
