package store

import (
	"context"
	"time"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/schedule"
)

// Schedule is the schedule.Store: the organizers' working copy of the program.
type Schedule struct{ *DB }

var _ schedule.Store = Schedule{}

func init() {
	uniqueFields["schedule_rooms_name_key"] = apperr.FieldError{Field: "name", Message: "Another room already has this name."}
	uniqueFields["schedule_items_proposal_key"] = apperr.FieldError{Field: "proposal_id", Message: "The proposal is already placed in a session: a proposal is in one session only."}
}

// Lock implements schedule.Store with a transaction-level advisory lock on the conference's schedule.
func (s Schedule) Lock(ctx context.Context, conferenceID int64) error {
	err := s.conn(ctx).Exec(`SELECT pg_advisory_xact_lock(hashtextextended('schedule', ?))`, conferenceID).Error
	return translate("lock schedule", err)
}

type roomRow struct {
	ID         int64
	Name       string
	MeetingURL string
	Capacity   *int
	Position   int
	ClientKey  *string
}

// Rooms implements schedule.Store.
func (s Schedule) Rooms(ctx context.Context, conferenceID int64) ([]schedule.Room, error) {
	var rows []roomRow
	if err := s.conn(ctx).Raw(`SELECT id, name, meeting_url, capacity, position, client_key FROM schedule_rooms
		WHERE conference_id = ? ORDER BY position, id`, conferenceID).Find(&rows).Error; err != nil {
		return nil, translate("rooms", err)
	}
	out := make([]schedule.Room, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

func (r roomRow) domain() schedule.Room {
	out := schedule.Room{ID: r.ID, Name: r.Name, MeetingURL: r.MeetingURL, Position: r.Position, ClientKey: deref(r.ClientKey)}
	if r.Capacity != nil {
		out.Capacity = *r.Capacity
	}
	return out
}

// RoomByKey implements schedule.Store.
func (s Schedule) RoomByKey(ctx context.Context, conferenceID int64, key string) (schedule.Room, error) {
	var rows []roomRow
	if err := s.conn(ctx).Raw(`SELECT id, name, meeting_url, capacity, position, client_key FROM schedule_rooms
		WHERE conference_id = ? AND client_key = ?`, conferenceID, key).Find(&rows).Error; err != nil {
		return schedule.Room{}, translate("room by client key", err)
	}
	if len(rows) == 0 {
		return schedule.Room{}, apperr.New(apperr.NotFound, "There is no such room.")
	}
	return rows[0].domain(), nil
}

// SaveRoom implements schedule.Store.
func (s Schedule) SaveRoom(ctx context.Context, conferenceID int64, r *schedule.Room) error {
	var capacity *int
	if r.Capacity > 0 {
		capacity = &r.Capacity
	}
	if r.ID == 0 {
		err := s.conn(ctx).Raw(`INSERT INTO schedule_rooms (conference_id, name, meeting_url, capacity, position, client_key) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
			conferenceID, r.Name, r.MeetingURL, capacity, r.Position, keyOf(r.ClientKey)).Find(&r.ID).Error
		return translate("add room", err)
	}
	res := s.conn(ctx).Exec(`UPDATE schedule_rooms SET name = ?, meeting_url = ?, capacity = ?, position = ?, version = version + 1
		WHERE conference_id = ? AND id = ?`, r.Name, r.MeetingURL, capacity, r.Position, conferenceID, r.ID)
	if res.Error != nil {
		return translate("save room", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "There is no such room.")
	}
	return nil
}

// DeleteRoom implements schedule.Store.
func (s Schedule) DeleteRoom(ctx context.Context, conferenceID, id int64) error {
	var n int64
	if err := s.conn(ctx).Raw(`SELECT count(*) FROM schedule_sessions WHERE conference_id = ? AND room_id = ?`, conferenceID, id).Find(&n).Error; err != nil {
		return translate("room sessions", err)
	}
	if n > 0 {
		return apperr.Newf(apperr.Conflict, "The room has %d sessions. Move or delete them first.", n)
	}
	res := s.conn(ctx).Exec(`DELETE FROM schedule_rooms WHERE conference_id = ? AND id = ?`, conferenceID, id)
	if res.Error != nil {
		return translate("delete room", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "There is no such room.")
	}
	return nil
}

// Tracks implements schedule.Store.
func (s Schedule) Tracks(ctx context.Context, conferenceID int64) ([]schedule.Track, error) {
	var out []schedule.Track
	if err := s.conn(ctx).Raw(`SELECT id, name FROM tracks WHERE conference_id = ? ORDER BY position, id`, conferenceID).Find(&out).Error; err != nil {
		return nil, translate("tracks", err)
	}
	return out, nil
}

type slotRow struct {
	ID           int64
	ConferenceID int64
	Title        string
	Kind         string
	Description  string
	StartsAt     time.Time
	EndsAt       time.Time
	RoomID       int64
	TrackID      *int64
	Version      int
	UpdatedAt    time.Time
	ClientKey    *string
}

func (r slotRow) domain() schedule.Slot {
	sl := schedule.Slot{ID: r.ID, ConferenceID: r.ConferenceID, Title: r.Title, Kind: r.Kind, Description: r.Description,
		Start: r.StartsAt.UTC(), End: r.EndsAt.UTC(), RoomID: r.RoomID, Version: r.Version, UpdatedAt: r.UpdatedAt.UTC(), Items: []int64{},
		ClientKey: deref(r.ClientKey)}
	if r.TrackID != nil {
		sl.TrackID = *r.TrackID
	}
	return sl
}

const slotColumns = `id, conference_id, title, kind::text AS kind, description, starts_at, ends_at, room_id, track_id, version, updated_at, client_key`

func (s Schedule) slots(ctx context.Context, where string, args ...any) ([]schedule.Slot, error) {
	var rows []slotRow
	if err := s.conn(ctx).Raw(`SELECT `+slotColumns+` FROM schedule_sessions WHERE `+where, args...).Find(&rows).Error; err != nil {
		return nil, translate("sessions", err)
	}
	out := make([]schedule.Slot, len(rows))
	ids := make([]int64, len(rows))
	at := map[int64]int{}
	for i, r := range rows {
		out[i], ids[i], at[r.ID] = r.domain(), r.ID, i
	}
	if len(ids) == 0 {
		return out, nil
	}
	var chairs []struct {
		SessionID, UserID int64
		Name, Email       string
	}
	if err := s.conn(ctx).Raw(`SELECT c.session_id, c.user_id, u.name, u.email FROM schedule_chairs c JOIN users u ON u.id = c.user_id
		WHERE c.session_id IN ? ORDER BY c.session_id, c.position`, ids).Find(&chairs).Error; err != nil {
		return nil, translate("chairs", err)
	}
	for _, c := range chairs {
		i := at[c.SessionID]
		out[i].Chairs = append(out[i].Chairs, schedule.Chair{UserID: c.UserID, Name: c.Name, Email: c.Email})
	}
	var items []struct{ SessionID, ProposalID int64 }
	if err := s.conn(ctx).Raw(`SELECT session_id, proposal_id FROM schedule_items WHERE session_id IN ? ORDER BY session_id, position`,
		ids).Find(&items).Error; err != nil {
		return nil, translate("items", err)
	}
	for _, it := range items {
		i := at[it.SessionID]
		out[i].Items = append(out[i].Items, it.ProposalID)
	}
	return out, nil
}

// Slots implements schedule.Store.
func (s Schedule) Slots(ctx context.Context, conferenceID int64) ([]schedule.Slot, error) {
	return s.slots(ctx, `conference_id = ? ORDER BY starts_at, room_id, id`, conferenceID)
}

// Slot implements schedule.Store.
func (s Schedule) Slot(ctx context.Context, conferenceID, id int64, lock bool) (schedule.Slot, error) {
	where := `conference_id = ? AND id = ?`
	if lock {
		where += ` FOR UPDATE`
	}
	list, err := s.slots(ctx, where, conferenceID, id)
	if err != nil {
		return schedule.Slot{}, err
	}
	if len(list) == 0 {
		return schedule.Slot{}, apperr.New(apperr.NotFound, "There is no such session.")
	}
	return list[0], nil
}

// SlotByKey implements schedule.Store.
func (s Schedule) SlotByKey(ctx context.Context, conferenceID int64, key string) (schedule.Slot, error) {
	list, err := s.slots(ctx, `conference_id = ? AND client_key = ?`, conferenceID, key)
	if err != nil {
		return schedule.Slot{}, err
	}
	if len(list) == 0 {
		return schedule.Slot{}, apperr.New(apperr.NotFound, "There is no such session.")
	}
	return list[0], nil
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// InsertSlot implements schedule.Store.
func (s Schedule) InsertSlot(ctx context.Context, sl *schedule.Slot) error {
	var r slotRow
	err := s.conn(ctx).Raw(`INSERT INTO schedule_sessions (conference_id, title, kind, description, starts_at, ends_at, room_id, track_id, client_key)
		VALUES (?, ?, ?::session_kind, ?, ?, ?, ?, ?, ?) RETURNING `+slotColumns,
		sl.ConferenceID, sl.Title, sl.Kind, sl.Description, sl.Start, sl.End, sl.RoomID, nullID(sl.TrackID), keyOf(sl.ClientKey)).Find(&r).Error
	if err != nil {
		return translate("add session", err)
	}
	sl.ID, sl.Version, sl.UpdatedAt = r.ID, r.Version, r.UpdatedAt.UTC()
	return s.children(ctx, sl)
}

// UpdateSlot implements schedule.Store.
func (s Schedule) UpdateSlot(ctx context.Context, sl *schedule.Slot) error {
	var r slotRow
	err := s.conn(ctx).Raw(`UPDATE schedule_sessions SET title = ?, kind = ?::session_kind, description = ?, starts_at = ?, ends_at = ?,
		room_id = ?, track_id = ?, version = version + 1, updated_at = now() WHERE conference_id = ? AND id = ? RETURNING `+slotColumns,
		sl.Title, sl.Kind, sl.Description, sl.Start, sl.End, sl.RoomID, nullID(sl.TrackID), sl.ConferenceID, sl.ID).Find(&r).Error
	if err != nil {
		return translate("save session", err)
	}
	if r.ID == 0 {
		return apperr.New(apperr.NotFound, "There is no such session.")
	}
	sl.Version, sl.UpdatedAt = r.Version, r.UpdatedAt.UTC()
	return s.children(ctx, sl)
}

// children replaces a slot's chairs and items.
func (s Schedule) children(ctx context.Context, sl *schedule.Slot) error {
	db := s.conn(ctx)
	if err := db.Exec(`DELETE FROM schedule_chairs WHERE session_id = ?`, sl.ID).Error; err != nil {
		return translate("chairs", err)
	}
	for i, c := range sl.Chairs {
		if err := db.Exec(`INSERT INTO schedule_chairs (session_id, user_id, position) VALUES (?, ?, ?)`, sl.ID, c.UserID, i+1).Error; err != nil {
			return translate("chairs", err)
		}
	}
	if err := db.Exec(`DELETE FROM schedule_items WHERE session_id = ?`, sl.ID).Error; err != nil {
		return translate("items", err)
	}
	for i, id := range sl.Items {
		if err := db.Exec(`INSERT INTO schedule_items (session_id, proposal_id, position) VALUES (?, ?, ?)`, sl.ID, id, i+1).Error; err != nil {
			return translate("items", err)
		}
	}
	return nil
}

// DeleteSlot implements schedule.Store.
func (s Schedule) DeleteSlot(ctx context.Context, conferenceID, id int64) error {
	res := s.conn(ctx).Exec(`DELETE FROM schedule_sessions WHERE conference_id = ? AND id = ?`, conferenceID, id)
	if res.Error != nil {
		return translate("delete session", res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.New(apperr.NotFound, "There is no such session.")
	}
	return nil
}

// Candidates implements schedule.Store.
func (s Schedule) Candidates(ctx context.Context, conferenceID int64) ([]schedule.Candidate, error) {
	var rows []struct {
		ID            int64
		Title         string
		Abstract      string
		Format        string
		Minutes       int
		TrackID       *int64
		Status        string
		Decision      *string
		Participation *string
		SessionID     *int64
	}
	if err := s.conn(ctx).Raw(`SELECT p.id, p.title, t.abstract, f.name AS format, f.duration_minutes AS minutes, p.track_id,
			p.status::text AS status, p.decision::text AS decision, p.participation::text AS participation, i.session_id
		FROM proposals p `+currentText+`
		JOIN formats f ON f.id = coalesce(p.decided_format_id, p.format_id)
		LEFT JOIN schedule_items i ON i.proposal_id = p.id
		WHERE p.conference_id = ? AND (p.decision = 'accepted' OR i.session_id IS NOT NULL)
		ORDER BY p.title, p.id`, conferenceID).Find(&rows).Error; err != nil {
		return nil, translate("candidates", err)
	}
	out := make([]schedule.Candidate, len(rows))
	ids := make([]int64, len(rows))
	at := map[int64]int{}
	for i, r := range rows {
		c := schedule.Candidate{ID: r.ID, Title: r.Title, Abstract: r.Abstract, Format: r.Format, Minutes: r.Minutes, Status: r.Status}
		if r.TrackID != nil {
			c.TrackID = *r.TrackID
		}
		if r.Decision != nil {
			c.Decision = *r.Decision
		}
		if r.Participation != nil {
			c.Participation = *r.Participation
		}
		if r.SessionID != nil {
			c.SessionID = *r.SessionID
		}
		out[i], ids[i], at[r.ID] = c, r.ID, i
	}
	if len(ids) == 0 {
		return out, nil
	}
	var people []struct {
		ProposalID, UserID                      int64
		Name, Pronouns, Institution, Bio, Email string
	}
	if err := s.conn(ctx).Raw(`SELECT pp.proposal_id, u.id AS user_id, u.name, u.pronouns, u.institution, u.bio, u.email
		FROM proposal_presenters pp JOIN users u ON u.id = pp.user_id
		WHERE pp.proposal_id IN ? AND pp.status = 'accepted' ORDER BY pp.proposal_id, pp.position, pp.id`, ids).Find(&people).Error; err != nil {
		return nil, translate("presenters", err)
	}
	for _, p := range people {
		i := at[p.ProposalID]
		out[i].Presenters = append(out[i].Presenters, schedule.Presenter{Email: p.Email,
			Person: schedule.Person{UserID: p.UserID, Name: p.Name, Pronouns: p.Pronouns, Institution: p.Institution, Bio: p.Bio}})
	}
	return out, nil
}

// ChairByEmail implements schedule.Store.
func (s Schedule) ChairByEmail(ctx context.Context, email string) (schedule.Chair, error) {
	var rows []schedule.Chair
	if err := s.conn(ctx).Raw(`SELECT id AS user_id, name, email FROM users WHERE email = ?`, email).Find(&rows).Error; err != nil {
		return schedule.Chair{}, translate("chair", err)
	}
	if len(rows) == 0 {
		return schedule.Chair{}, apperr.New(apperr.NotFound, "No account has this address.")
	}
	return rows[0], nil
}

// People implements schedule.Store.
func (s Schedule) People(ctx context.Context, ids []int64) (map[int64]schedule.Person, error) {
	out := map[int64]schedule.Person{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []schedule.Person
	if err := s.conn(ctx).Raw(`SELECT id AS user_id, name, pronouns, institution, bio FROM users WHERE id IN ?`, ids).Find(&rows).Error; err != nil {
		return nil, translate("people", err)
	}
	for _, p := range rows {
		out[p.UserID] = p
	}
	return out, nil
}
