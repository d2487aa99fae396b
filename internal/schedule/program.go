// Package schedule holds the conference program: organizers build it from accepted, confirmed
// proposals (sessions placed in time and in virtual rooms) and publish it as numbered versions.
//
// A publication freezes the program into a Program value, stored as JSON with its version number
// and the change log against the previous version. Everything the public reads (program pages,
// calendar feeds, exports for conference apps) is served from the latest published Program, never
// from the organizers' working copy, so an edit in progress is never shown and a publication is the
// one event that changes what the public sees.
package schedule

import (
	"context"
	"errors"
	"time"
)

// Session kinds.
const (
	KindPlenary   = "plenary"
	KindWorkshop  = "workshop"
	KindPoster    = "poster"
	KindNarrative = "narrative"
	KindFireside  = "fireside"
	KindBreak     = "break"
)

// Kinds lists the session kinds in the order organizers pick them.
var Kinds = []string{KindPlenary, KindWorkshop, KindPoster, KindNarrative, KindFireside, KindBreak}

// KindLabel is the name of a session kind as people read it.
func KindLabel(kind string) string {
	switch kind {
	case KindPlenary:
		return "Plenary"
	case KindWorkshop:
		return "Workshop"
	case KindPoster:
		return "Poster session"
	case KindNarrative:
		return "Personal narratives"
	case KindFireside:
		return "Fireside chat"
	case KindBreak:
		return "Break"
	}
	return kind
}

// Program is one published version of a conference's program. Times are UTC; TimeZone says how
// the conference reads them.
type Program struct {
	ConferenceID int64     `json:"conference_id"`
	Slug         string    `json:"slug"`
	Name         string    `json:"name"`
	TimeZone     string    `json:"time_zone"`
	Version      int       `json:"version"`
	PublishedAt  time.Time `json:"published_at"`
	// Days are the conference days as dates in the conference's time zone ("2026-10-16").
	Days     []string  `json:"days"`
	Rooms    []Room    `json:"rooms"`
	Tracks   []Track   `json:"tracks"`
	Sessions []Session `json:"sessions"` // ordered by start, then room position
}

// Room is a virtual room. MeetingURL is shown only to registered attendees and presenters.
type Room struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	MeetingURL string `json:"meeting_url,omitempty"`
	Capacity   int    `json:"capacity,omitempty"` // 0: no limit
	Position   int    `json:"position"`
	// ClientKey is the key of the request that added it (see RoomInput), or "".
	ClientKey string `json:"-"`
}

// Track is a track of the call, as the program shows it.
type Track struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// Session is a block of the program: one room, one time span, an ordered list of proposals
// (none for a plenary or a break, one for a workshop or fireside chat, several for posters and
// narratives).
type Session struct {
	ID          int64     `json:"id"` // stable across versions: feeds and stars refer to it
	Title       string    `json:"title"`
	Kind        string    `json:"kind"`
	Description string    `json:"description,omitempty"`
	Start       time.Time `json:"start"`
	End         time.Time `json:"end"`
	RoomID      int64     `json:"room_id"`
	TrackID     int64     `json:"track_id,omitempty"` // 0: all tracks
	Chairs      []Person  `json:"chairs,omitempty"`
	Items       []Item    `json:"items,omitempty"`
}

// Item is a proposal placed in a session.
type Item struct {
	ProposalID int64    `json:"proposal_id"`
	Title      string   `json:"title"`
	Abstract   string   `json:"abstract"`
	Format     string   `json:"format"`   // the format's name, e.g. "Workshop"
	TrackID    int64    `json:"track_id"` // the proposal's track
	Minutes    int      `json:"minutes"`  // the format's duration
	Presenters []Person `json:"presenters"`
}

// Person is a presenter or chair as the public program shows them. UserID is for the server's own
// use (who may see meeting links, whom to tell that their slot moved) and is never rendered.
type Person struct {
	UserID      int64  `json:"user_id"`
	Name        string `json:"name"`
	Pronouns    string `json:"pronouns,omitempty"`
	Institution string `json:"institution,omitempty"`
	Bio         string `json:"bio,omitempty"`
}

// Change is one line of a publication's change log against the previous version.
type Change struct {
	SessionID  int64  `json:"session_id,omitempty"`
	ProposalID int64  `json:"proposal_id,omitempty"`
	Kind       string `json:"kind"` // added, removed, moved, changed
	Text       string `json:"text"` // e.g. "“Title” moved from Fri 10:00 Room A to Sat 14:00 Room B"
}

// Publication is a stored version: the frozen program and what changed.
type Publication struct {
	Program Program  `json:"program"`
	Changes []Change `json:"changes"`
	// PublishedBy is the organizer's user id.
	PublishedBy int64 `json:"published_by"`
}

// PublishedChannel is the PostgreSQL LISTEN/NOTIFY channel on which every publication announces
// its conference id when its transaction commits; caches of the public program listen on it.
const PublishedChannel = "program_published"

// ErrNotPublished is returned when a conference has no published program yet.
var ErrNotPublished = errors.New("schedule: no published program")

// Published reads published programs. The store implements it over program_versions.
type Published interface {
	// LatestProgram returns the newest published version, or ErrNotPublished.
	LatestProgram(ctx context.Context, conferenceID int64) (Publication, error)
	// ProgramVersion returns one version by number, or ErrNotPublished.
	ProgramVersion(ctx context.Context, conferenceID int64, version int) (Publication, error)
	// ProgramVersions lists the versions, newest first, without the programs' sessions.
	ProgramVersions(ctx context.Context, conferenceID int64) ([]VersionInfo, error)
}

// VersionInfo summarizes a version for the list of publications.
type VersionInfo struct {
	Version     int       `json:"version"`
	PublishedAt time.Time `json:"published_at"`
	PublishedBy int64     `json:"published_by"`
	Changes     int       `json:"changes"`
}

// Session helpers

// Minutes is the session's length.
func (s Session) Minutes() int { return int(s.End.Sub(s.Start) / time.Minute) }

// Room returns the room with the given id.
func (p Program) Room(id int64) (Room, bool) {
	for _, r := range p.Rooms {
		if r.ID == id {
			return r, true
		}
	}
	return Room{}, false
}

// Track returns the track with the given id.
func (p Program) Track(id int64) (Track, bool) {
	for _, t := range p.Tracks {
		if t.ID == id {
			return t, true
		}
	}
	return Track{}, false
}

// Session returns the session with the given id.
func (p Program) Session(id int64) (Session, bool) {
	for _, s := range p.Sessions {
		if s.ID == id {
			return s, true
		}
	}
	return Session{}, false
}

// Involves reports whether the user presents in or chairs a session of the program.
func (p Program) Involves(userID int64) bool {
	if userID == 0 {
		return false
	}
	for _, s := range p.Sessions {
		for _, c := range s.Chairs {
			if c.UserID == userID {
				return true
			}
		}
		for _, it := range s.Items {
			for _, pr := range it.Presenters {
				if pr.UserID == userID {
					return true
				}
			}
		}
	}
	return false
}
