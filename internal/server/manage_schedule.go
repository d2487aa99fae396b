package server

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/schedule"
)

// --- Rooms ---

// roomForm is a virtual room as organizers edit it.
type roomForm struct {
	Name       string `form:"name" json:"name" validate:"max=800"`
	MeetingURL string `form:"meeting_url" json:"meeting_url" validate:"max=4000"`
	Capacity   string `form:"capacity" validate:"max=10"`
	Position   string `form:"position" validate:"max=10"`
	// ClientKey is the add form's key, one per form shown, that adds the room once however often
	// the form is sent (the API's is its Idempotency-Key).
	ClientKey string `form:"client_key" json:"-" validate:"max=100"`
}

func (f roomForm) input() (schedule.RoomInput, error) {
	in := schedule.RoomInput{Name: f.Name, MeetingURL: f.MeetingURL, ClientKey: f.ClientKey}
	var fe apperr.Fields
	if c := strings.TrimSpace(f.Capacity); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil || n < 1 {
			n = -1 // the service says what a capacity must be, with the other fields' problems
		}
		in.Capacity = n
	}
	if p := strings.TrimSpace(f.Position); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 1000 {
			fe.Add("position", "Enter the position as a whole number from 1 to 1000.")
		}
		in.Position = n
	}
	return in, fe.Err()
}

type roomsPage struct {
	confBase
	Rooms   []schedule.Room
	Form    roomForm
	Editing int64
}

func (s *Server) roomsPage(c echo.Context) (roomsPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return roomsPage{}, err
	}
	p := roomsPage{confBase: s.confBase(c, conf, "Rooms · "+conf.Name, "rooms"), Form: roomForm{ClientKey: newClientKey()}}
	p.Rooms, err = s.opts.Schedule.Rooms(c.Request().Context(), principal(c), conf)
	return p, err
}

func (s *Server) manageRooms(c echo.Context) error {
	p, err := s.roomsPage(c)
	if err != nil {
		return err
	}
	if id, _ := strconv.ParseInt(c.QueryParam("edit"), 10, 64); id > 0 {
		for _, r := range p.Rooms {
			if r.ID == id {
				p.Editing = id
				p.Form = roomForm{Name: r.Name, MeetingURL: r.MeetingURL, Position: strconv.Itoa(r.Position)}
				if r.Capacity > 0 {
					p.Form.Capacity = strconv.Itoa(r.Capacity)
				}
			}
		}
	}
	return s.render(c, http.StatusOK, "manage_rooms", &p)
}

// manageRoomSave adds a room, or saves one (id in the path).
func (s *Server) manageRoomSave(c echo.Context) error {
	p, err := s.roomsPage(c)
	if err != nil {
		return err
	}
	if id := c.Param("id"); id != "" {
		// A room's own address: an id of nothing must not add a room.
		if p.Editing, err = strconv.ParseInt(id, 10, 64); err != nil || p.Editing <= 0 {
			return apperr.New(apperr.NotFound, "There is no such room.")
		}
	}
	var f roomForm
	err = s.bindForm(c, &f)
	p.Form = f
	ctx := c.Request().Context()
	check := func(f roomForm) error {
		in, err := f.input()
		return joinFieldErrors(err, s.opts.Schedule.CheckRoom(ctx, principal(c), p.Conference, in))
	}
	if err == nil {
		var in schedule.RoomInput
		if in, err = f.input(); err == nil {
			_, err = s.opts.Schedule.SaveRoom(ctx, principal(c), p.Conference, p.Editing, in)
		} else {
			err = check(f)
		}
	} else {
		err = alsoChecked(err, f, check)
	}
	if errors.Is(err, apperr.ErrKeyUsed) {
		// Sent again, changed, from a form that added a room: sending it once more adds another.
		p.Form.ClientKey = newClientKey()
	}
	if err != nil {
		return s.renderForm(c, "manage_rooms", &p, err)
	}
	s.flash(c, "The room “"+strings.TrimSpace(f.Name)+"” is saved.")
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/rooms")
}

func (s *Server) manageRoomDelete(c echo.Context) error {
	p, err := s.roomsPage(c)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	if err := s.opts.Schedule.DeleteRoom(c.Request().Context(), principal(c), p.Conference, id); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return s.renderForm(c, "manage_rooms", &p, err)
		}
		return err
	}
	s.flash(c, "The room is deleted.")
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/rooms")
}

// --- Sessions ---

// sessionForm is a session as organizers edit it; times are in the conference's zone.
type sessionForm struct {
	Version     string `form:"version" validate:"max=10"`
	Title       string `form:"title" validate:"max=1200"`
	Kind        string `form:"kind" validate:"max=40"`
	Description string `form:"description" validate:"max=16000"`
	Start       string `form:"start" validate:"max=40"`
	End         string `form:"end" validate:"max=40"`
	RoomID      string `form:"room_id" validate:"max=20"`
	TrackID     string `form:"track_id" validate:"max=20"`
	Chairs      string `form:"chairs" validate:"max=4000"`
	// ClientKey is the new session form's key, one per form shown, that adds the session once
	// however often the form is sent (the API's is its Idempotency-Key).
	ClientKey string `form:"client_key" validate:"max=100"`
}

func (f sessionForm) input() schedule.SlotInput {
	room, _ := strconv.ParseInt(f.RoomID, 10, 64)
	track, _ := strconv.ParseInt(f.TrackID, 10, 64)
	return schedule.SlotInput{Title: f.Title, Kind: f.Kind, Description: f.Description, Start: f.Start, End: f.End,
		RoomID: room, TrackID: track, ClientKey: f.ClientKey, ChairEmails: strings.FieldsFunc(f.Chairs, func(r rune) bool { return r == '\n' || r == ',' || r == ' ' || r == '\r' })}
}

func sessionFormOf(sl schedule.Slot, loc *time.Location) sessionForm {
	f := sessionForm{Version: strconv.Itoa(sl.Version), Title: sl.Title, Kind: sl.Kind, Description: sl.Description,
		Start: localInput(sl.Start, loc), End: localInput(sl.End, loc), RoomID: strconv.FormatInt(sl.RoomID, 10)}
	if sl.TrackID != 0 {
		f.TrackID = strconv.FormatInt(sl.TrackID, 10)
	}
	var emails []string
	for _, c := range sl.Chairs {
		emails = append(emails, c.Email)
	}
	f.Chairs = strings.Join(emails, "\n")
	return f
}

func localInput(t time.Time, loc *time.Location) string {
	if t.IsZero() {
		return ""
	}
	return t.In(loc).Format(schedule.LocalLayout)
}

type sessionPage struct {
	confBase
	Form   sessionForm
	ID     int64
	Slot   schedule.Slot
	Board  schedule.Board
	Rooms  []option
	Tracks []option
	Kinds  []option
	Chairs []schedule.Chair
	Stale  bool
	// Conflicts are the session's conflicts (warnings; Problem is the form's error).
	Conflicts []schedule.Conflict
}

// FieldHref is where the error summary links a field's error: a change made meanwhile (the form's
// version, a hidden field) leads to the session as now saved.
func (p *sessionPage) FieldHref(field string) string {
	if field == "version" {
		if p.Stale {
			return "#current"
		}
		return ""
	}
	return p.base.FieldHref(field)
}

// Items lists the session's proposals.
func (p *sessionPage) Items() []schedule.Candidate {
	var out []schedule.Candidate
	for _, id := range p.Slot.Items {
		if c, ok := p.Board.Candidate(id); ok {
			out = append(out, c)
		}
	}
	return out
}

func (s *Server) sessionPage(c echo.Context) (sessionPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return sessionPage{}, err
	}
	p := sessionPage{confBase: s.confBase(c, conf, "New session · "+conf.Name, "schedule")}
	if p.Board, err = s.opts.Schedule.Board(c.Request().Context(), principal(c), conf); err != nil {
		return p, err
	}
	for _, r := range p.Board.Rooms {
		p.Rooms = append(p.Rooms, option{Value: strconv.FormatInt(r.ID, 10), Label: r.Name})
	}
	for _, t := range p.Board.Tracks {
		p.Tracks = append(p.Tracks, option{Value: strconv.FormatInt(t.ID, 10), Label: t.Name})
	}
	for _, k := range schedule.Kinds {
		p.Kinds = append(p.Kinds, option{Value: k, Label: schedule.KindLabel(k)})
	}
	if id := c.Param("id"); id != "" {
		p.ID, _ = strconv.ParseInt(id, 10, 64)
		sl, ok := p.Board.Slot(p.ID)
		if !ok {
			return p, apperr.New(apperr.NotFound, "There is no such session.")
		}
		p.Slot, p.Title = sl, sl.Title+" · "+conf.Name
		p.Conflicts = p.Board.ConflictsOf(sl.ID)
	}
	return p, nil
}

func (s *Server) manageSessionNew(c echo.Context) error {
	p, err := s.sessionPage(c)
	if err != nil {
		return err
	}
	p.Form = sessionForm{Version: "0", Kind: schedule.KindPlenary, RoomID: c.QueryParam("room"), Start: c.QueryParam("start"), ClientKey: newClientKey()}
	if t, err := time.ParseInLocation(schedule.LocalLayout, p.Form.Start, p.Loc); err == nil {
		p.Form.End = t.Add(time.Hour).Format(schedule.LocalLayout)
	} else if days := p.Board.Days; len(days) > 0 {
		p.Form.Start = days[0].Add(9 * time.Hour).Format(schedule.LocalLayout)
		p.Form.End = days[0].Add(10 * time.Hour).Format(schedule.LocalLayout)
	}
	return s.render(c, http.StatusOK, "manage_session", &p)
}

func (s *Server) manageSession(c echo.Context) error {
	p, err := s.sessionPage(c)
	if err != nil {
		return err
	}
	p.Form = sessionFormOf(p.Slot, p.Loc)
	return s.render(c, http.StatusOK, "manage_session", &p)
}

// manageSessionSave adds a session, or saves one (id in the path) at the version the form was
// opened at. A stale version shows the session as now saved, with the organizer's input kept.
func (s *Server) manageSessionSave(c echo.Context) error {
	p, err := s.sessionPage(c)
	if err != nil {
		return err
	}
	var f sessionForm
	err = s.bindForm(c, &f)
	p.Form = f
	ctx := c.Request().Context()
	var sl schedule.Slot
	if err != nil {
		err = alsoChecked(err, f, func(f sessionForm) error {
			return s.opts.Schedule.CheckSlot(ctx, principal(c), p.Conference, p.ID, f.input())
		})
	} else {
		if p.ID == 0 {
			sl, err = s.opts.Schedule.CreateSlot(ctx, principal(c), p.Conference, f.input())
		} else {
			version, _ := strconv.Atoi(f.Version)
			sl, err = s.opts.Schedule.UpdateSlot(ctx, principal(c), p.Conference, p.ID, version, f.input())
		}
	}
	var stale *schedule.StaleError
	if errors.As(err, &stale) {
		p.Stale, p.Slot = true, stale.Current
		p.Form.Version = strconv.Itoa(stale.Current.Version)
	}
	if errors.Is(err, apperr.ErrKeyUsed) {
		// Sent again, changed, from a form that added a session: sending it once more adds another.
		p.Form.ClientKey = newClientKey()
	}
	if err != nil {
		return s.renderForm(c, "manage_session", &p, err)
	}
	s.flash(c, "The session “"+sl.Title+"” is saved.")
	return c.Redirect(http.StatusSeeOther, s.editorURL(p.Conference, sl.Start)+"#session-"+strconv.FormatInt(sl.ID, 10))
}

func (s *Server) manageSessionDelete(c echo.Context) error {
	p, err := s.sessionPage(c)
	if err != nil {
		return err
	}
	var f sessionForm
	if err := s.bindForm(c, &f); err != nil {
		return err
	}
	version, _ := strconv.Atoi(f.Version)
	if err := s.opts.Schedule.DeleteSlot(c.Request().Context(), principal(c), p.Conference, p.ID, version); err != nil {
		var stale *schedule.StaleError
		if errors.As(err, &stale) {
			p.Stale, p.Slot, p.Form = true, stale.Current, sessionFormOf(stale.Current, p.Loc)
			return s.renderForm(c, "manage_session", &p, err)
		}
		return err
	}
	s.flash(c, "The session “"+p.Slot.Title+"” is deleted; its proposals are unplaced.")
	return c.Redirect(http.StatusSeeOther, s.editorURL(p.Conference, p.Slot.Start))
}

// editorURL is the editor at the day of t.
func (s *Server) editorURL(conf conference.Conference, t time.Time) string {
	return "/c/" + conf.Slug + "/manage/schedule?day=" + t.In(conf.Location()).Format("2006-01-02")
}

// --- The editor ---

type editorPage struct {
	confBase
	Board    schedule.Board
	Day      time.Time
	DayLinks []dayLink
	Rows     []gridRow
	Columns  []schedule.Room
	Outside  []slotView // sessions on no conference day
	Sessions []option   // every session, for the "move to" controls
	Unplaced []schedule.Candidate
}

type dayLink struct {
	Value, Label string
	Current      bool
}

type gridRow struct {
	Label string // "10:30"
	Cells []gridCell
}

type gridCell struct {
	RoomID   int64
	Room     string
	Start    string // LocalLayout
	Label    string // "Room A at 10:30"
	Sessions []slotView
	Busy     bool // a session that started earlier is still running
}

type slotView struct {
	schedule.Slot
	Room      string
	When      string
	StartIn   string
	Items     []schedule.Candidate
	Conflicts []schedule.Conflict
	Minutes   int // content
}

// KindLabel is the session's kind for people.
func (v slotView) KindLabel() string { return schedule.KindLabel(v.Kind) }

const gridStep = 30 * time.Minute

func (s *Server) editorPage(c echo.Context) (*editorPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return nil, err
	}
	b, err := s.opts.Schedule.Board(c.Request().Context(), principal(c), conf)
	if err != nil {
		return nil, err
	}
	p := &editorPage{confBase: s.confBase(c, conf, "Schedule · "+conf.Name, "schedule"), Board: b, Columns: b.Rooms, Unplaced: b.Unplaced()}
	loc := p.Loc
	if len(b.Days) > 0 {
		p.Day = b.Days[0]
	}
	day := c.QueryParam("day")
	if day == "" {
		day = c.FormValue("day") // a failed change comes back to the day it was made on
	}
	for _, d := range b.Days {
		if d.Format("2006-01-02") == day {
			p.Day = d
		}
	}
	for _, d := range b.Days {
		p.DayLinks = append(p.DayLinks, dayLink{Value: d.Format("2006-01-02"), Label: d.Format("Monday 2 January"), Current: d.Equal(p.Day)})
	}
	view := func(sl schedule.Slot) slotView {
		r, _ := b.Room(sl.RoomID)
		v := slotView{Slot: sl, Room: r.Name, When: schedule.Span(sl.Start, sl.End, loc), StartIn: localInput(sl.Start, loc),
			Conflicts: b.ConflictsOf(sl.ID)}
		for _, id := range sl.Items {
			if cand, ok := b.Candidate(id); ok {
				v.Items = append(v.Items, cand)
				v.Minutes += cand.Minutes
			}
		}
		return v
	}
	// The day's grid: from 08:00 to 18:00, widened to the day's sessions.
	from, to := p.Day.Add(8*time.Hour), p.Day.Add(18*time.Hour)
	end := p.Day.AddDate(0, 0, 1)
	var today []schedule.Slot
	for _, sl := range b.Slots {
		p.Sessions = append(p.Sessions, option{Value: strconv.FormatInt(sl.ID, 10),
			Label: sl.Title + " (" + schedule.Span(sl.Start, sl.End, loc) + ")"})
		onDay := false
		for _, d := range b.Days {
			if !sl.Start.Before(d) && sl.Start.Before(d.AddDate(0, 0, 1)) {
				onDay = true
			}
		}
		if !onDay {
			p.Outside = append(p.Outside, view(sl))
			continue
		}
		if sl.Start.Before(p.Day) || !sl.Start.Before(end) {
			continue
		}
		today = append(today, sl)
		if sl.Start.Before(from) {
			// On the hour in the conference's zone (Truncate works in UTC: half-hour zones exist).
			l := sl.Start.In(loc)
			from = time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), 0, 0, 0, loc)
		}
		if sl.End.After(to) {
			to = sl.End
		}
	}
	if to.After(end) {
		to = end
	}
	for t := from; t.Before(to); t = t.Add(gridStep) {
		row := gridRow{Label: t.In(loc).Format("15:04")}
		for _, r := range b.Rooms {
			cell := gridCell{RoomID: r.ID, Room: r.Name, Start: localInput(t, loc), Label: r.Name + " at " + t.In(loc).Format("15:04")}
			for _, sl := range today {
				if sl.RoomID != r.ID {
					continue
				}
				switch {
				case !sl.Start.Before(t) && sl.Start.Before(t.Add(gridStep)):
					cell.Sessions = append(cell.Sessions, view(sl))
				case sl.Start.Before(t) && sl.End.After(t):
					cell.Busy = true
				}
			}
			row.Cells = append(row.Cells, cell)
		}
		p.Rows = append(p.Rows, row)
	}
	return p, nil
}

func (s *Server) manageSchedule(c echo.Context) error {
	p, err := s.editorPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "manage_schedule", p)
}

// placeForm places a proposal in a session, moves a session, or takes a proposal out: the editor's
// controls and its drag and drop post the same forms.
type placeForm struct {
	SessionID  string `form:"session_id" validate:"max=20"`
	ProposalID string `form:"proposal_id" validate:"max=20"`
	Position   string `form:"position" validate:"max=10"`
	Version    string `form:"version" validate:"max=10"`
	Start      string `form:"start" validate:"max=40"`
	RoomID     string `form:"room_id" validate:"max=20"`
	Day        string `form:"day" validate:"max=20"`
}

func (f placeForm) ids() (session, proposal int64, position, version int) {
	session, _ = strconv.ParseInt(f.SessionID, 10, 64)
	proposal, _ = strconv.ParseInt(f.ProposalID, 10, 64)
	position, _ = strconv.Atoi(f.Position)
	version, _ = strconv.Atoi(f.Version)
	return
}

// editorAnswer re-renders the editor with the error of a failed change, or returns to it with what
// was done said in the flash.
func (s *Server) editorAnswer(c echo.Context, conf conference.Conference, err error, done string, at time.Time, anchor string) error {
	if err != nil {
		// The editor's controls are many small forms: say a field's problem on the page, since a link to
		// the field would have many targets.
		if ae, ok := apperr.As(err); ok && len(ae.Fields) > 0 {
			msgs := make([]string, len(ae.Fields))
			for i, f := range ae.Fields {
				msgs[i] = f.Message
			}
			err = &apperr.Error{Code: ae.Code, Message: strings.Join(msgs, " "), Err: ae}
		}
		p, perr := s.editorPage(c)
		if perr != nil {
			return perr
		}
		return s.renderForm(c, "manage_schedule", p, err)
	}
	s.flash(c, done)
	return c.Redirect(http.StatusSeeOther, s.editorURL(conf, at)+anchor)
}

func (s *Server) manageSchedulePlace(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var f placeForm
	if err := s.bindForm(c, &f); err != nil {
		return s.editorAnswer(c, conf, err, "", time.Time{}, "")
	}
	sid, pid, pos, version := f.ids()
	if sid == 0 {
		return s.editorAnswer(c, conf, apperr.Field("session_id", "Choose the session to place the proposal in."), "", time.Time{}, "")
	}
	sl, err := s.opts.Schedule.PlaceItem(c.Request().Context(), principal(c), conf, sid, version, pid, pos)
	if err != nil {
		return s.editorAnswer(c, conf, err, "", time.Time{}, "")
	}
	b, _ := s.opts.Schedule.Board(c.Request().Context(), principal(c), conf)
	cand, _ := b.Candidate(pid)
	return s.editorAnswer(c, conf, nil, fmt.Sprintf("“%s” is now in “%s”, position %d of %d.", cand.Title, sl.Title, indexOf(sl.Items, pid)+1, len(sl.Items)),
		sl.Start, "#item-"+strconv.FormatInt(pid, 10))
}

func indexOf(list []int64, id int64) int {
	for i, x := range list {
		if x == id {
			return i
		}
	}
	return -1
}

func (s *Server) manageScheduleUnplace(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var f placeForm
	if err := s.bindForm(c, &f); err != nil {
		return s.editorAnswer(c, conf, err, "", time.Time{}, "")
	}
	sid, pid, _, version := f.ids()
	sl, err := s.opts.Schedule.RemoveItem(c.Request().Context(), principal(c), conf, sid, version, pid)
	if err != nil {
		return s.editorAnswer(c, conf, err, "", time.Time{}, "")
	}
	return s.editorAnswer(c, conf, nil, "The proposal is taken out of “"+sl.Title+"” and listed as unplaced.", sl.Start, "#unplaced-"+strconv.FormatInt(pid, 10))
}

func (s *Server) manageSessionMove(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var f placeForm
	if err := s.bindForm(c, &f); err != nil {
		return s.editorAnswer(c, conf, err, "", time.Time{}, "")
	}
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	_, _, _, version := f.ids()
	room, _ := strconv.ParseInt(f.RoomID, 10, 64)
	sl, err := s.opts.Schedule.MoveSlot(c.Request().Context(), principal(c), conf, id, version, f.Start, room)
	if err != nil {
		return s.editorAnswer(c, conf, err, "", time.Time{}, "")
	}
	b, _ := s.opts.Schedule.Board(c.Request().Context(), principal(c), conf)
	r, _ := b.Room(sl.RoomID)
	msg := fmt.Sprintf("“%s” moved to %s, %s.", sl.Title, schedule.Span(sl.Start, sl.End, conf.Location()), r.Name)
	if n := len(b.ConflictsOf(sl.ID)); n > 0 {
		msg += fmt.Sprintf(" It now has %d conflicts: see the list.", n)
	}
	return s.editorAnswer(c, conf, nil, msg, sl.Start, "#session-"+strconv.FormatInt(sl.ID, 10))
}

// --- Conflicts and publishing ---

type conflictsPage struct {
	confBase
	Board schedule.Board
}

// Session returns a session of the board by id.
func (p *conflictsPage) Session(id int64) schedule.Slot {
	sl, _ := p.Board.Slot(id)
	return sl
}

func (s *Server) manageConflicts(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	p := &conflictsPage{confBase: s.confBase(c, conf, "Schedule conflicts · "+conf.Name, "schedule/conflicts")}
	if p.Board, err = s.opts.Schedule.Board(c.Request().Context(), principal(c), conf); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "manage_conflicts", p)
}

type publishPage struct {
	confBase
	Preview schedule.Preview
	Next    int
}

func (s *Server) managePublish(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	p := &publishPage{confBase: s.confBase(c, conf, "Publish the program · "+conf.Name, "schedule/publish")}
	if p.Preview, err = s.opts.Schedule.Preview(c.Request().Context(), principal(c), conf); err != nil {
		return err
	}
	p.Next = len(p.Preview.Versions) + 1
	if len(p.Preview.Versions) > 0 {
		p.Next = p.Preview.Versions[0].Version + 1
	}
	return s.render(c, http.StatusOK, "manage_publish", p)
}

func (s *Server) managePublishPost(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	pub, err := s.opts.Schedule.Publish(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	s.flash(c, fmt.Sprintf("Version %d of the program is published, with %d changes.", pub.Program.Version, len(pub.Changes)))
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/manage/schedule/publish")
}

// slotCtx is a session of the editor with its page, for the "slot" template.
type slotCtx struct {
	P *editorPage
	V slotView
}

// With pairs a session with the page.
func (p *editorPage) With(v slotView) slotCtx { return slotCtx{P: p, V: v} }

type versionPage struct {
	confBase
	Publication schedule.Publication
}

// manageVersion shows one published version: when, and its change log.
func (s *Server) manageVersion(c echo.Context) error {
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
	p := &versionPage{confBase: s.confBase(c, conf, fmt.Sprintf("Program version %d · %s", n, conf.Name), "schedule/publish"), Publication: pub}
	return s.render(c, http.StatusOK, "manage_version", p)
}
