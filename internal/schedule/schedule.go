package schedule

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/audit"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/notify"
)

// Slot is a session of the organizers' working copy: what a publication turns into a Session.
type Slot struct {
	ID           int64
	ConferenceID int64
	Title        string
	Kind         string
	Description  string
	Start, End   time.Time
	RoomID       int64
	TrackID      int64 // 0: all tracks
	Chairs       []Chair
	Items        []int64 // proposal ids, in order
	// Version counts the saves; a change names the version it edited (optimistic locking).
	Version   int
	UpdatedAt time.Time
	// ClientKey is the key of the request that added it (see SlotInput), or "".
	ClientKey string
}

// Minutes is the slot's length.
func (s Slot) Minutes() int { return int(s.End.Sub(s.Start) / time.Minute) }

// Overlaps reports whether the two slots share some time.
func (s Slot) Overlaps(o Slot) bool { return s.Start.Before(o.End) && o.Start.Before(s.End) }

// ChairIDs lists the user ids of the slot's chairs.
func (s Slot) ChairIDs() []int64 {
	out := make([]int64, len(s.Chairs))
	for i, c := range s.Chairs {
		out[i] = c.UserID
	}
	return out
}

// Chair is a chair or moderator of a session: an account.
type Chair struct {
	UserID int64
	Name   string
	Email  string
}

// Candidate is a proposal as the schedule sees it: every accepted proposal of the conference, and any
// proposal placed in a session (whose decision may have changed since).
type Candidate struct {
	ID            int64
	Title         string
	Abstract      string
	Format        string
	Minutes       int // the format's duration
	TrackID       int64
	Status        string // draft, submitted, withdrawn
	Decision      string // accepted, rejected, waitlisted or ""
	Participation string // pending, confirmed, declined or ""
	Presenters    []Presenter
	SessionID     int64 // 0 while not placed
}

// Presenter is a presenter of a proposal who accepted to present it, with their public profile and
// the address a changed slot is told to.
type Presenter struct {
	Person
	Email string
}

// InProgram reports whether the proposal may appear in the public program: submitted, accepted and
// confirmed by its presenters.
func (c Candidate) InProgram() bool {
	return c.Status == "submitted" && c.Decision == "accepted" && c.Participation == "confirmed"
}

// Store keeps the working copy. Methods join the transaction carried by ctx; lookups by id return
// apperr NotFound for an id that is not of the conference.
type Store interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
	// Lock serializes the changes of one conference's schedule until the transaction on ctx ends, so
	// that a change's checks (a proposal in one session, a change log against the latest version) see
	// every change committed before it, and moves between two sessions cannot deadlock.
	Lock(ctx context.Context, conferenceID int64) error
	Rooms(ctx context.Context, conferenceID int64) ([]Room, error)
	// SaveRoom inserts a room (ID 0) or updates it; apperr Conflict (field "name") for a taken name,
	// and when its client key added a room before.
	SaveRoom(ctx context.Context, conferenceID int64, r *Room) error
	// RoomByKey returns the conference's room added with the client key; apperr NotFound when none.
	RoomByKey(ctx context.Context, conferenceID int64, key string) (Room, error)
	// DeleteRoom returns apperr Conflict while sessions are in the room.
	DeleteRoom(ctx context.Context, conferenceID, id int64) error
	Tracks(ctx context.Context, conferenceID int64) ([]Track, error)
	Slots(ctx context.Context, conferenceID int64) ([]Slot, error)
	// Slot reads one slot, locking it when lock is set.
	Slot(ctx context.Context, conferenceID, id int64, lock bool) (Slot, error)
	// InsertSlot sets ID, Version and UpdatedAt.
	InsertSlot(ctx context.Context, s *Slot) error
	// SlotByKey returns the conference's session added with the client key; apperr NotFound when
	// none.
	SlotByKey(ctx context.Context, conferenceID int64, key string) (Slot, error)
	// UpdateSlot writes s, its chairs and items, and bumps its version.
	UpdateSlot(ctx context.Context, s *Slot) error
	DeleteSlot(ctx context.Context, conferenceID, id int64) error
	// Candidates lists the accepted and the placed proposals, with their presenters.
	Candidates(ctx context.Context, conferenceID int64) ([]Candidate, error)
	// ChairByEmail finds an account by address; apperr NotFound when none has it.
	ChairByEmail(ctx context.Context, email string) (Chair, error)
	// People returns the public profiles of accounts, by id.
	People(ctx context.Context, ids []int64) (map[int64]Person, error)
}

// Programs is where publications are kept.
type Programs interface {
	Published
	// InsertProgram stores the next version and returns its number.
	InsertProgram(ctx context.Context, p Publication) (int, error)
}

// Service is the organizers' schedule builder. Every method checks the principal against the access
// policy (access.ManageSchedule) and returns *apperr.Error values: Unauthenticated, Forbidden,
// NotFound, Invalid with field errors, and Conflict for a stale version (its cause a *StaleError).
type Service struct {
	store    Store
	programs Programs
	outbox   notify.Outbox
	audit    audit.Recorder
	baseURL  string
	now      func() time.Time
	// published is told each committed publication (e.g. to drop this instance's cache at once,
	// without waiting for the NOTIFY).
	published func(conferenceID int64)
}

// Options configures a Service.
type Options struct {
	Store    Store
	Programs Programs
	Outbox   notify.Outbox
	Audit    audit.Recorder
	BaseURL  string // for links in mail, without a trailing slash
	Now      func() time.Time
	// Published, if set, is called after each publication commits.
	Published func(conferenceID int64)
}

// NewService returns a Service.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Service{store: o.Store, programs: o.Programs, outbox: o.Outbox, audit: o.Audit,
		baseURL: strings.TrimRight(o.BaseURL, "/"), now: o.Now, published: o.Published}
}

// StaleError is the cause of the apperr Conflict returned when a change names a version of a
// session that is no longer the latest: Current is the session as it is now saved.
type StaleError struct{ Current Slot }

func (e *StaleError) Error() string {
	return fmt.Sprintf("session %d is at version %d", e.Current.ID, e.Current.Version)
}

func stale(cur Slot) error {
	return &apperr.Error{Code: apperr.Conflict, Err: &StaleError{Current: cur},
		Message: "Someone else changed this session while you were editing it. It is shown as now saved: make your change again.",
		Fields:  []apperr.FieldError{{Field: "version", Message: "This session was changed by someone else since you opened it."}}}
}

// Days lists the conference's days, each the midnight that starts it in the conference's time zone.
func Days(conf conference.Conference) []time.Time {
	loc := conf.Location()
	var out []time.Time
	for d := conf.StartsOn; !d.After(conf.EndsOn) && len(out) < 31; d = d.AddDate(0, 0, 1) {
		out = append(out, time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc))
	}
	return out
}

// LocalLayout is how forms write a moment in the conference's time zone.
const LocalLayout = "2006-01-02T15:04"

// record writes an organizer's change to the audit log, in the change's transaction.
func (s *Service) record(ctx context.Context, p *access.Principal, conf conference.Conference, action, subject, details string) error {
	if s.audit == nil {
		return nil
	}
	e := audit.Entry{Action: action, Subject: subject, ConferenceID: &conf.ID, Details: details}
	if p != nil {
		e.ActorID, e.ActorEmail = &p.UserID, p.Email
	}
	return s.audit.Record(ctx, e)
}

// --- Rooms ---

// RoomInput is a room as organizers enter it. ClientKey, when not "", adds the room once however
// often the request that adds it is sent (see SaveRoom); a change ignores it.
type RoomInput struct {
	Name       string
	MeetingURL string
	Capacity   int // 0: no limit
	Position   int
	ClientKey  string
}

func (in RoomInput) check() (RoomInput, error) {
	var f apperr.Fields
	in.Name = strings.TrimSpace(in.Name)
	in.MeetingURL = strings.TrimSpace(in.MeetingURL)
	switch n := utf8.RuneCountInString(in.Name); {
	case n == 0:
		f.Add("name", "Enter the room's name.")
	case n > 200:
		f.Add("name", "Shorten the name to 200 characters or fewer.")
	}
	if in.MeetingURL != "" {
		u, err := url.Parse(in.MeetingURL)
		switch {
		case len(in.MeetingURL) > 2000:
			f.Add("meeting_url", "Shorten the meeting link to 2000 characters or fewer.")
		case err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http"):
			f.Add("meeting_url", "Enter the meeting link as a web address starting with https://.")
		}
	}
	if in.Capacity < 0 || in.Capacity > 100000 {
		f.Add("capacity", "Enter the capacity as a whole number from 1 to 100000, or leave it empty for no limit.")
	}
	return in, f.Err()
}

// Rooms lists the conference's rooms in order.
func (s *Service) Rooms(ctx context.Context, p *access.Principal, conf conference.Conference) ([]Room, error) {
	if err := access.Check(p, access.ManageSchedule, conf.ID); err != nil {
		return nil, err
	}
	return s.store.Rooms(ctx, conf.ID)
}

// SaveRoom adds a room (id 0) or changes one. An add with the client key of one that added a room
// (a double click, a retried request) adds no other: it returns that room as it is now when it is the
// room this one would add, and apperr Conflict (apperr.ErrKeyUsed) when it is not. apperr Invalid,
// NotFound, and Conflict (field "name") for a taken name.
func (s *Service) SaveRoom(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, in RoomInput) (Room, error) {
	if err := access.Check(p, access.ManageSchedule, conf.ID); err != nil {
		return Room{}, err
	}
	if err := apperr.CheckClientKey(in.ClientKey); err != nil {
		return Room{}, err
	}
	in, err := in.check()
	if err != nil {
		return Room{}, err
	}
	r := Room{ID: id, Name: in.Name, MeetingURL: in.MeetingURL, Capacity: in.Capacity, Position: in.Position}
	if id == 0 {
		r.ClientKey = in.ClientKey
	}
	err = s.store.InTx(ctx, func(ctx context.Context) error {
		if r.ClientKey != "" {
			// Under the schedule's lock, a twin sent at once finds the room its first made.
			if err := s.store.Lock(ctx, conf.ID); err != nil {
				return err
			}
			first, err := s.store.RoomByKey(ctx, conf.ID, r.ClientKey)
			if err == nil {
				if first.Name != r.Name || first.MeetingURL != r.MeetingURL || first.Capacity != r.Capacity || (in.Position != 0 && first.Position != in.Position) {
					return apperr.KeyUsed("the room “" + first.Name + "”")
				}
				r = first
				return errMadeAlready
			}
			if !apperr.Is(err, apperr.NotFound) {
				return err
			}
		}
		if id == 0 && in.Position == 0 {
			rooms, err := s.store.Rooms(ctx, conf.ID)
			if err != nil {
				return err
			}
			r.Position = len(rooms) + 1
		}
		if err := s.store.SaveRoom(ctx, conf.ID, &r); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "schedule.room_saved", fmt.Sprintf("room:%d", r.ID), r.Name)
	})
	if errors.Is(err, errMadeAlready) {
		err = nil
	}
	return r, err
}

// errMadeAlready ends, saving nothing, the transaction of an add whose client key made what it
// asks for already.
var errMadeAlready = errors.New("made already")

// DeleteRoom removes a room no session uses; apperr Conflict otherwise.
func (s *Service) DeleteRoom(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) error {
	if err := access.Check(p, access.ManageSchedule, conf.ID); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.DeleteRoom(ctx, conf.ID, id); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "schedule.room_deleted", fmt.Sprintf("room:%d", id), "")
	})
}

// --- Sessions ---

// SlotInput is a session as organizers enter it. Start and End are in the conference's time zone
// (LocalLayout). Items nil keeps the session's proposals as they are. ClientKey, when not "", adds
// the session once however often the request that adds it is sent (see CreateSlot); a change
// ignores it.
type SlotInput struct {
	ClientKey   string
	Title       string
	Kind        string
	Description string
	Start, End  string
	RoomID      int64
	TrackID     int64
	ChairEmails []string
	Items       []int64
}

// Board is everything the editor shows: the working copy, the proposals to place and the conflicts.
type Board struct {
	Conference conference.Conference
	Days       []time.Time
	Rooms      []Room
	Tracks     []Track
	Slots      []Slot // by start, then room
	Candidates []Candidate
	Conflicts  []Conflict
}

// Candidate returns a proposal of the board by id.
func (b Board) Candidate(id int64) (Candidate, bool) {
	for _, c := range b.Candidates {
		if c.ID == id {
			return c, true
		}
	}
	return Candidate{}, false
}

// Slot returns a session of the board by id.
func (b Board) Slot(id int64) (Slot, bool) {
	for _, s := range b.Slots {
		if s.ID == id {
			return s, true
		}
	}
	return Slot{}, false
}

// Room returns a room of the board by id.
func (b Board) Room(id int64) (Room, bool) {
	for _, r := range b.Rooms {
		if r.ID == id {
			return r, true
		}
	}
	return Room{}, false
}

// mustSlot returns a session of the board by id, or the zero Slot.
func (b Board) mustSlot(id int64) Slot {
	sl, _ := b.Slot(id)
	return sl
}

// Unplaced lists the accepted proposals not yet in a session.
func (b Board) Unplaced() []Candidate {
	var out []Candidate
	for _, c := range b.Candidates {
		if c.SessionID == 0 && c.Decision == "accepted" && c.Status != "withdrawn" {
			out = append(out, c)
		}
	}
	return out
}

// Board reads the working copy with its conflicts.
func (s *Service) Board(ctx context.Context, p *access.Principal, conf conference.Conference) (Board, error) {
	if err := access.Check(p, access.ManageSchedule, conf.ID); err != nil {
		return Board{}, err
	}
	return s.board(ctx, conf)
}

func (s *Service) board(ctx context.Context, conf conference.Conference) (Board, error) {
	b := Board{Conference: conf, Days: Days(conf)}
	var err error
	if b.Rooms, err = s.store.Rooms(ctx, conf.ID); err != nil {
		return b, err
	}
	if b.Tracks, err = s.store.Tracks(ctx, conf.ID); err != nil {
		return b, err
	}
	if b.Slots, err = s.store.Slots(ctx, conf.ID); err != nil {
		return b, err
	}
	if b.Candidates, err = s.store.Candidates(ctx, conf.ID); err != nil {
		return b, err
	}
	b.Conflicts = Conflicts(b)
	return b, nil
}

// Slot reads one session.
func (s *Service) Slot(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) (Slot, error) {
	if err := access.Check(p, access.ManageSchedule, conf.ID); err != nil {
		return Slot{}, err
	}
	return s.store.Slot(ctx, conf.ID, id, false)
}

// check validates a session's input against the board and fills the slot from it.
func (s *Service) check(ctx context.Context, b Board, sl *Slot, in SlotInput) error {
	var f apperr.Fields
	loc := b.Conference.Location()
	sl.Title, sl.Description = strings.TrimSpace(in.Title), strings.TrimSpace(in.Description)
	switch n := utf8.RuneCountInString(sl.Title); {
	case n == 0:
		f.Add("title", "Enter the session's title.")
	case n > 300:
		f.Add("title", "Shorten the title to 300 characters or fewer.")
	}
	if !slices.Contains(Kinds, in.Kind) {
		f.Add("kind", "Choose the kind of session.")
	}
	sl.Kind = in.Kind
	if utf8.RuneCountInString(sl.Description) > 4000 {
		f.Add("description", "Shorten the description to 4000 characters or fewer.")
	}
	start, err1 := time.ParseInLocation(LocalLayout, strings.TrimSpace(in.Start), loc)
	end, err2 := time.ParseInLocation(LocalLayout, strings.TrimSpace(in.End), loc)
	if err1 != nil {
		f.Add("start", "Enter when the session starts, as a date and a time.")
	}
	if err2 != nil {
		f.Add("end", "Enter when the session ends, as a date and a time.")
	}
	if err1 == nil && err2 == nil && !end.After(start) {
		f.Add("end", "The session must end after it starts.")
	}
	sl.Start, sl.End = start.UTC(), end.UTC()
	if _, ok := b.Room(in.RoomID); !ok {
		f.Add("room_id", "Choose one of this conference's rooms.")
	}
	sl.RoomID = in.RoomID
	if in.TrackID != 0 && !slices.ContainsFunc(b.Tracks, func(t Track) bool { return t.ID == in.TrackID }) {
		f.Add("track_id", "Choose one of this conference's tracks, or none.")
	}
	sl.TrackID = in.TrackID
	var chairs []Chair
	for _, e := range in.ChairEmails {
		e = account.NormalizeEmail(e)
		if e == "" || slices.ContainsFunc(chairs, func(c Chair) bool { return c.Email == e }) {
			continue
		}
		if account.EmailProblem(e) != "" {
			f.Add("chairs", "“"+e+"” is not an email address. Give each chair's address, like name@example.org, separated by commas or new lines.")
			continue
		}
		c, err := s.store.ChairByEmail(ctx, e)
		if apperr.Is(err, apperr.NotFound) {
			f.Add("chairs", "No account has the address "+e+". Chairs need an account: ask them to sign up first.")
			continue
		} else if err != nil {
			return err
		}
		chairs = append(chairs, c)
	}
	if len(chairs) > 10 {
		f.Add("chairs", "Name 10 chairs or fewer.")
	}
	sl.Chairs = chairs
	if in.Items != nil {
		if msg := placeProblem(b, sl.ID, in.Items); msg != "" {
			f.Add("items", msg)
		}
		sl.Items = append([]int64{}, in.Items...)
	}
	return f.Err()
}

// placeProblem says what is wrong with placing the proposals in the session, or "".
func placeProblem(b Board, sessionID int64, items []int64) string {
	if len(items) > 50 {
		return "A session holds 50 proposals or fewer."
	}
	seen := map[int64]bool{}
	for _, id := range items {
		c, ok := b.Candidate(id)
		if !ok {
			return fmt.Sprintf("Proposal %d is not an accepted proposal of this conference.", id)
		}
		if seen[id] {
			return fmt.Sprintf("“%s” is placed twice in the session.", c.Title)
		}
		seen[id] = true
		if c.Decision != "accepted" {
			return fmt.Sprintf("“%s” is not accepted, so it cannot be placed.", c.Title)
		}
		if c.Status == "withdrawn" && !slices.Contains(b.mustSlot(sessionID).Items, id) {
			return fmt.Sprintf("“%s” was withdrawn by its presenters, so it cannot be placed.", c.Title)
		}
		if c.SessionID != 0 && c.SessionID != sessionID {
			other, _ := b.Slot(c.SessionID)
			return fmt.Sprintf("“%s” is already placed in the session “%s”: a proposal is in one session only. Move it from there instead.", c.Title, other.Title)
		}
	}
	return ""
}

// CreateSlot adds a session. An add with the client key of one that added a session (a double
// click, a retried request) adds no other: it returns that session as it is now when it is the
// session this one would add, and apperr Conflict (apperr.ErrKeyUsed) when it is not. apperr
// Invalid with field errors.
func (s *Service) CreateSlot(ctx context.Context, p *access.Principal, conf conference.Conference, in SlotInput) (Slot, error) {
	if err := access.Check(p, access.ManageSchedule, conf.ID); err != nil {
		return Slot{}, err
	}
	if err := apperr.CheckClientKey(in.ClientKey); err != nil {
		return Slot{}, err
	}
	var sl Slot
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.Lock(ctx, conf.ID); err != nil {
			return err
		}
		b, err := s.board(ctx, conf)
		if err != nil {
			return err
		}
		if in.ClientKey != "" {
			first, err := s.store.SlotByKey(ctx, conf.ID, in.ClientKey)
			if err == nil {
				// What this one would make, judged as a change of the first: its proposals are its own.
				want := Slot{ID: first.ID, ConferenceID: conf.ID}
				if err := s.check(ctx, b, &want, in); err != nil || !sameSlot(want, first, in.Items != nil) {
					return apperr.KeyUsed("the session “" + first.Title + "”")
				}
				sl = first
				return errMadeAlready
			}
			if !apperr.Is(err, apperr.NotFound) {
				return err
			}
		}
		sl = Slot{ConferenceID: conf.ID, ClientKey: in.ClientKey}
		if in.Items == nil {
			in.Items = []int64{}
		}
		if err := s.check(ctx, b, &sl, in); err != nil {
			return err
		}
		if err := s.store.InsertSlot(ctx, &sl); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "schedule.session_created", fmt.Sprintf("session:%d", sl.ID), sl.Title)
	})
	if errors.Is(err, errMadeAlready) {
		err = nil
	}
	return sl, err
}

// sameSlot reports whether two sessions have the same title, kind, description, times, room, track
// and chairs, and, when items, the same proposals.
func sameSlot(a, b Slot, items bool) bool {
	chair := func(x, y Chair) bool { return x.UserID == y.UserID }
	return a.Title == b.Title && a.Kind == b.Kind && a.Description == b.Description && a.Start.Equal(b.Start) && a.End.Equal(b.End) &&
		a.RoomID == b.RoomID && a.TrackID == b.TrackID && slices.EqualFunc(a.Chairs, b.Chairs, chair) && (!items || slices.Equal(a.Items, b.Items))
}

// change runs fn on a session locked at the version the caller edited, and saves it. anyVersion
// skips the comparison, for changes that add to the session as it is now and so cannot undo anyone's.
func (s *Service) change(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int, anyVersion bool,
	fn func(b Board, sl *Slot) error) (Slot, error) {
	if err := access.Check(p, access.ManageSchedule, conf.ID); err != nil {
		return Slot{}, err
	}
	var sl Slot
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.Lock(ctx, conf.ID); err != nil {
			return err
		}
		var err error
		if sl, err = s.store.Slot(ctx, conf.ID, id, true); err != nil {
			return err
		}
		if !anyVersion && sl.Version != version {
			return stale(sl)
		}
		b, err := s.board(ctx, conf)
		if err != nil {
			return err
		}
		if err := fn(b, &sl); err != nil {
			return err
		}
		if err := s.store.UpdateSlot(ctx, &sl); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "schedule.session_changed", fmt.Sprintf("session:%d", sl.ID),
			fmt.Sprintf("version %d: %s, %s, room %d, %d proposals", sl.Version, sl.Title, sl.Start.Format(time.RFC3339), sl.RoomID, len(sl.Items)))
	})
	return sl, err
}

// UpdateSlot saves a session edited at the given version.
func (s *Service) UpdateSlot(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int, in SlotInput) (Slot, error) {
	return s.change(ctx, p, conf, id, version, false, func(b Board, sl *Slot) error { return s.check(ctx, b, sl, in) })
}

// MoveSlot moves a session to another start and room, keeping its length.
func (s *Service) MoveSlot(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int, start string, roomID int64) (Slot, error) {
	return s.change(ctx, p, conf, id, version, false, func(b Board, sl *Slot) error {
		var f apperr.Fields
		t, err := time.ParseInLocation(LocalLayout, strings.TrimSpace(start), conf.Location())
		if err != nil {
			f.Add("start", "Enter when the session starts, as a date and a time.")
		}
		if _, ok := b.Room(roomID); !ok {
			f.Add("room_id", "Choose one of this conference's rooms.")
		}
		if err := f.Err(); err != nil {
			return err
		}
		length := sl.End.Sub(sl.Start)
		sl.Start, sl.RoomID = t.UTC(), roomID
		sl.End = sl.Start.Add(length)
		return nil
	})
}

// PlaceItem puts a proposal into a session at a position (0: at the end), moving it from the
// session it was in, if any: the editor's drag and its "place in" control. Version 0 places it in
// the session as it is now.
func (s *Service) PlaceItem(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int, proposalID int64, position int) (Slot, error) {
	return s.change(ctx, p, conf, id, version, version == 0, func(b Board, sl *Slot) error {
		c, ok := b.Candidate(proposalID)
		if !ok || c.Decision != "accepted" {
			return apperr.Field("proposal_id", "Choose an accepted proposal of this conference.")
		}
		if c.Status == "withdrawn" && c.SessionID != sl.ID {
			return apperr.Field("proposal_id", fmt.Sprintf("“%s” was withdrawn by its presenters, so it cannot be placed.", c.Title))
		}
		if c.SessionID != 0 && c.SessionID != sl.ID {
			from, err := s.store.Slot(ctx, conf.ID, c.SessionID, true)
			if err != nil {
				return err
			}
			from.Items = slices.DeleteFunc(from.Items, func(x int64) bool { return x == proposalID })
			if err := s.store.UpdateSlot(ctx, &from); err != nil {
				return err
			}
		}
		items := slices.DeleteFunc(slices.Clone(sl.Items), func(x int64) bool { return x == proposalID })
		if position <= 0 || position > len(items) {
			position = len(items) + 1
		}
		sl.Items = slices.Insert(items, position-1, proposalID)
		if len(sl.Items) > 50 {
			return apperr.Field("proposal_id", "A session holds 50 proposals or fewer.")
		}
		return nil
	})
}

// RemoveItem takes a proposal out of a session; it is unplaced again. Version 0 takes it from the
// session as it is now.
func (s *Service) RemoveItem(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int, proposalID int64) (Slot, error) {
	return s.change(ctx, p, conf, id, version, version == 0, func(_ Board, sl *Slot) error {
		if !slices.Contains(sl.Items, proposalID) {
			return apperr.New(apperr.NotFound, "The proposal is not in this session.")
		}
		sl.Items = slices.DeleteFunc(sl.Items, func(x int64) bool { return x == proposalID })
		return nil
	})
}

// DeleteSlot removes a session edited at the given version; its proposals are unplaced again.
func (s *Service) DeleteSlot(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, version int) error {
	if err := access.Check(p, access.ManageSchedule, conf.ID); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.Lock(ctx, conf.ID); err != nil {
			return err
		}
		sl, err := s.store.Slot(ctx, conf.ID, id, true)
		if err != nil {
			return err
		}
		if sl.Version != version {
			return stale(sl)
		}
		if err := s.store.DeleteSlot(ctx, conf.ID, id); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "schedule.session_deleted", fmt.Sprintf("session:%d", id), sl.Title)
	})
}

// Hosted is a session a person chairs, with its room and the proposals in it that will appear in
// the program (accepted and confirmed), with their presenters.
type Hosted struct {
	Slot
	Room      Room
	Proposals []HostedItem
}

// HostedItem is a proposal of a hosted session as its chairs see it: what the program will show.
type HostedItem struct {
	Title      string
	Format     string
	Minutes    int
	Presenters []Person
}

// Hosted lists the sessions of the working copy that p chairs. Anyone signed in may ask; the answer
// holds only their own sessions.
func (s *Service) Hosted(ctx context.Context, p *access.Principal, conf conference.Conference) ([]Hosted, error) {
	if p == nil {
		return nil, apperr.New(apperr.Unauthenticated, "Please log in to continue.")
	}
	all, err := s.store.Slots(ctx, conf.ID)
	if err != nil {
		return nil, err
	}
	rooms, err := s.store.Rooms(ctx, conf.ID)
	if err != nil {
		return nil, err
	}
	var out []Hosted
	var cands []Candidate
	for _, sl := range all {
		if !slices.Contains(sl.ChairIDs(), p.UserID) {
			continue
		}
		if cands == nil {
			if cands, err = s.store.Candidates(ctx, conf.ID); err != nil {
				return nil, err
			}
		}
		h := Hosted{Slot: sl}
		for _, r := range rooms {
			if r.ID == sl.RoomID {
				h.Room = r
			}
		}
		for _, id := range sl.Items {
			for _, c := range cands {
				if c.ID == id && c.InProgram() {
					it := HostedItem{Title: c.Title, Format: c.Format, Minutes: c.Minutes}
					for _, pr := range c.Presenters {
						it.Presenters = append(it.Presenters, pr.Person)
					}
					h.Proposals = append(h.Proposals, it)
				}
			}
		}
		out = append(out, h)
	}
	return out, nil
}
