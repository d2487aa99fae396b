package program

import (
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/challenging-norms/conference/internal/schedule"
)

// Day is a conference day with its sessions by starting time.
type Day struct {
	Date  string // "2027-06-01", in the conference's time zone
	Label string // "Tuesday 1 June 2027"
	Slots []Slot
}

// Slot is the sessions that start at the same time, in room order.
type Slot struct {
	Start    time.Time
	Sessions []schedule.Session
}

// Group is a named list of sessions: a track or a format.
type Group struct {
	Key      string // anchor: "track-3", "kind-workshop"
	Label    string
	TrackID  int64 // the track of a track's group; 0 otherwise
	Sessions []schedule.Session
}

// DayOf returns the date of t in the conference's time zone.
func (s *Snapshot) DayOf(t time.Time) string { return t.In(s.Loc).Format(time.DateOnly) }

// Days groups the sessions by day and starting time. Every conference day is listed, even one with
// nothing on it yet; sessions outside the days get a day of their own.
func (s *Snapshot) Days() []Day {
	var days []Day
	index := map[string]int{}
	add := func(date string) int {
		if i, ok := index[date]; ok {
			return i
		}
		label := date
		if d, err := time.ParseInLocation(time.DateOnly, date, s.Loc); err == nil {
			label = d.Format("Monday 2 January 2006")
		}
		days = append(days, Day{Date: date, Label: label})
		index[date] = len(days) - 1
		return len(days) - 1
	}
	for _, d := range s.Program.Days {
		add(d)
	}
	for _, ses := range s.sorted() {
		d := &days[add(s.DayOf(ses.Start))]
		if n := len(d.Slots); n > 0 && d.Slots[n-1].Start.Equal(ses.Start) {
			d.Slots[n-1].Sessions = append(d.Slots[n-1].Sessions, ses)
			continue
		}
		d.Slots = append(d.Slots, Slot{Start: ses.Start, Sessions: []schedule.Session{ses}})
	}
	slices.SortStableFunc(days, func(a, b Day) int { return strings.Compare(a.Date, b.Date) })
	return days
}

// sorted returns the sessions by start, then room position.
func (s *Snapshot) sorted() []schedule.Session {
	pos := map[int64]int{}
	for _, r := range s.Program.Rooms {
		pos[r.ID] = r.Position
	}
	out := slices.Clone(s.Program.Sessions)
	slices.SortStableFunc(out, func(a, b schedule.Session) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return pos[a.RoomID] - pos[b.RoomID]
	})
	return out
}

// SessionTracks returns the tracks a session belongs to: its own, or else those of its proposals.
// None means it is for everyone (a plenary, a break).
func (s *Snapshot) SessionTracks(ses schedule.Session) []schedule.Track {
	var ids []int64
	if ses.TrackID != 0 {
		ids = []int64{ses.TrackID}
	} else {
		for _, it := range ses.Items {
			if it.TrackID != 0 && !slices.Contains(ids, it.TrackID) {
				ids = append(ids, it.TrackID)
			}
		}
	}
	var out []schedule.Track
	for _, id := range ids {
		if t, ok := s.Program.Track(id); ok {
			out = append(out, t)
		}
	}
	return out
}

// InTrack reports whether a session belongs to the track.
func (s *Snapshot) InTrack(ses schedule.Session, trackID int64) bool {
	return slices.ContainsFunc(s.SessionTracks(ses), func(t schedule.Track) bool { return t.ID == trackID })
}

// ByTrack groups the sessions by track, in the call's track order; sessions for everyone come last.
func (s *Snapshot) ByTrack() []Group {
	var out []Group
	for _, t := range s.Program.Tracks {
		g := Group{Key: "track-" + strconv.FormatInt(t.ID, 10), Label: t.Name, TrackID: t.ID}
		for _, ses := range s.sorted() {
			if s.InTrack(ses, t.ID) {
				g.Sessions = append(g.Sessions, ses)
			}
		}
		if len(g.Sessions) > 0 {
			out = append(out, g)
		}
	}
	all := Group{Key: "track-all", Label: "For everyone"}
	for _, ses := range s.sorted() {
		if len(s.SessionTracks(ses)) == 0 {
			all.Sessions = append(all.Sessions, ses)
		}
	}
	if len(all.Sessions) > 0 {
		out = append(out, all)
	}
	return out
}

// ByFormat groups the sessions by kind, in the order organizers pick kinds.
func (s *Snapshot) ByFormat() []Group {
	var out []Group
	for _, k := range schedule.Kinds {
		g := Group{Key: "kind-" + k, Label: schedule.KindLabel(k)}
		for _, ses := range s.sorted() {
			if ses.Kind == k {
				g.Sessions = append(g.Sessions, ses)
			}
		}
		if len(g.Sessions) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// Hit is a session found by a search, with the titles of its proposals that matched.
type Hit struct {
	Session schedule.Session
	Items   []string
}

// Search finds the sessions whose title, description, proposals' titles and abstracts, or
// presenters' and chairs' names contain every word of the query, ignoring case and accents. An
// empty query finds nothing.
func (s *Snapshot) Search(query string) []Hit {
	words := strings.Fields(fold(query))
	if len(words) == 0 {
		return nil
	}
	has := func(text string) bool {
		for _, w := range words {
			if !strings.Contains(text, w) {
				return false
			}
		}
		return true
	}
	var out []Hit
	for _, ses := range s.sorted() {
		var all strings.Builder
		all.WriteString(fold(ses.Title + " " + ses.Description))
		for _, c := range ses.Chairs {
			all.WriteString(" " + fold(c.Name))
		}
		var items []string
		for _, it := range ses.Items {
			text := fold(it.Title + " " + it.Abstract + " " + it.Format)
			for _, p := range it.Presenters {
				text += " " + fold(p.Name+" "+p.Institution)
			}
			all.WriteString(" " + text)
			if has(text) {
				items = append(items, it.Title)
			}
		}
		if has(all.String()) {
			out = append(out, Hit{Session: ses, Items: items})
		}
	}
	return out
}

// fold lower-cases text and strips accents and other combining marks, so that "Jose" finds "José"
// and "Olabisi" finds "Ọlábísí".
func fold(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(s)) {
		if !unicode.Is(unicode.Mn, r) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Presenters lists the distinct presenters of a session, in order of appearance.
func Presenters(ses schedule.Session) []schedule.Person {
	var out []schedule.Person
	seen := map[string]bool{}
	for _, it := range ses.Items {
		for _, p := range it.Presenters {
			key := p.Name
			if p.UserID != 0 {
				key = strconv.FormatInt(p.UserID, 10)
			}
			if !seen[key] {
				seen[key] = true
				out = append(out, p)
			}
		}
	}
	return out
}
