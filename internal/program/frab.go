package program

import (
	"bytes"
	"crypto/sha1"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"hash/fnv"
	"strconv"
	"strings"
	"time"

	"github.com/challenging-norms/conference/internal/export"
	"github.com/challenging-norms/conference/internal/schedule"
)

// The exports for conference apps follow frab's schedule format, which Giggity, ConfClerk and the
// c3voc tools read: schedule.xml (https://github.com/frab/schedule.xml) and its JSON rendering.

// Language is the program's language as the exports state it.
const Language = "en"

// frabEvent is a session as the exports describe it.
type frabEvent struct {
	GUID, Slug, URL, Title, Subtitle, Track, Type, Abstract, Description string
	ID                                                                   int64
	Date                                                                 time.Time
	Start, Duration, Room                                                string
	Persons                                                              []frabPerson
}

type frabPerson struct {
	ID   int64
	Name string
}

type frabRoom struct {
	Name   string
	GUID   string
	Events []frabEvent
}

type frabDay struct {
	Index      int
	Date       string
	Start, End time.Time
	Rooms      []frabRoom
}

// guid is a name-based UUID (version 5 layout) of a session: stable across versions and exports.
func guid(p schedule.Program, kind string, id int64) string {
	h := sha1.Sum([]byte(fmt.Sprintf("conference:%s:%s:%d", p.Slug, kind, id)))
	h[6] = (h[6] & 0x0f) | 0x50
	h[8] = (h[8] & 0x3f) | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}

// personID is a stable public number for a person: derived from their account without showing it.
func personID(p schedule.Program, person schedule.Person) int64 {
	f := fnv.New32a()
	if person.UserID != 0 {
		fmt.Fprintf(f, "%s:user:%d", p.Slug, person.UserID)
	} else {
		fmt.Fprintf(f, "%s:name:%s", p.Slug, person.Name)
	}
	return int64(f.Sum32() & 0x7fffffff)
}

func clock(d time.Duration) string {
	return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60)
}

func (s *Snapshot) frabDays(baseURL string) []frabDay {
	p := s.Program
	var out []frabDay
	for i, d := range s.Days() {
		day := frabDay{Index: i + 1, Date: d.Date}
		if t, err := time.ParseInLocation(time.DateOnly, d.Date, s.Loc); err == nil {
			day.Start, day.End = t, t.AddDate(0, 0, 1)
		}
		rooms := map[int64]*frabRoom{}
		for _, slot := range d.Slots {
			for _, ses := range slot.Sessions {
				r := rooms[ses.RoomID]
				if r == nil {
					room, _ := p.Room(ses.RoomID)
					r = &frabRoom{Name: room.Name, GUID: guid(p, "room", room.ID)}
					rooms[ses.RoomID] = r
				}
				r.Events = append(r.Events, s.frabEvent(ses, baseURL))
			}
		}
		// A day with sessions runs from its first to the end of its last; an empty one is the whole date.
		if len(d.Slots) > 0 {
			day.Start = d.Slots[0].Start
			day.End = d.Slots[0].Start
			for _, slot := range d.Slots {
				for _, ses := range slot.Sessions {
					if ses.End.After(day.End) {
						day.End = ses.End
					}
				}
			}
		}
		for _, room := range p.Rooms {
			if r := rooms[room.ID]; r != nil {
				day.Rooms = append(day.Rooms, *r)
			}
		}
		out = append(out, day)
	}
	return out
}

func (s *Snapshot) frabEvent(ses schedule.Session, baseURL string) frabEvent {
	p := s.Program
	room, _ := p.Room(ses.RoomID)
	e := frabEvent{
		GUID: guid(p, "session", ses.ID), ID: ses.ID, Date: ses.Start.In(s.Loc),
		Start: ses.Start.In(s.Loc).Format("15:04"), Duration: clock(ses.End.Sub(ses.Start)), Room: room.Name,
		Slug: fmt.Sprintf("%s-%d-%s", p.Slug, ses.ID, slugify(ses.Title)), URL: SessionURL(baseURL, p, ses.ID),
		Title: ses.Title, Type: schedule.KindLabel(ses.Kind), Description: ses.Description,
	}
	var tracks []string
	for _, t := range s.SessionTracks(ses) {
		tracks = append(tracks, t.Name)
	}
	e.Track = strings.Join(tracks, ", ")
	switch len(ses.Items) {
	case 0:
		e.Abstract = ses.Description
	case 1:
		it := ses.Items[0]
		if it.Title != ses.Title {
			e.Subtitle = it.Title
		}
		e.Abstract = it.Abstract
	default:
		var b strings.Builder
		for i, it := range ses.Items {
			if i > 0 {
				b.WriteString("\n\n")
			}
			b.WriteString(it.Title)
			if len(it.Presenters) > 0 {
				b.WriteString(" (" + names(it.Presenters) + ")")
			}
			if it.Abstract != "" {
				b.WriteString("\n" + it.Abstract)
			}
		}
		e.Abstract = b.String()
	}
	seen := map[int64]bool{}
	for _, c := range append(slicesOf(ses.Chairs), Presenters(ses)...) {
		id := personID(p, c)
		if !seen[id] {
			seen[id] = true
			e.Persons = append(e.Persons, frabPerson{ID: id, Name: c.Name})
		}
	}
	return e
}

func slicesOf(ps []schedule.Person) []schedule.Person { return append([]schedule.Person(nil), ps...) }

// slugify makes a lower-case, dash-separated ASCII name of a title.
func slugify(title string) string {
	var b strings.Builder
	dash := false
	for _, r := range fold(title) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
			dash = false
		case !dash && b.Len() > 0:
			b.WriteByte('-')
			dash = true
		}
		if b.Len() >= 60 {
			break
		}
	}
	return strings.TrimRight(b.String(), "-")
}

// XML types of schedule.xml.
type xmlSchedule struct {
	XMLName    xml.Name      `xml:"schedule"`
	Generator  xmlGenerator  `xml:"generator"`
	Version    string        `xml:"version"`
	Conference xmlConference `xml:"conference"`
	Days       []xmlDay      `xml:"day"`
}

type xmlGenerator struct {
	Name string `xml:"name,attr"`
}

type xmlConference struct {
	Acronym          string `xml:"acronym"`
	Title            string `xml:"title"`
	Start            string `xml:"start"`
	End              string `xml:"end"`
	Days             int    `xml:"days"`
	TimeslotDuration string `xml:"timeslot_duration"`
	BaseURL          string `xml:"base_url"`
	TimeZoneName     string `xml:"time_zone_name"`
}

type xmlDay struct {
	Index int       `xml:"index,attr"`
	Date  string    `xml:"date,attr"`
	Start string    `xml:"start,attr"`
	End   string    `xml:"end,attr"`
	Rooms []xmlRoom `xml:"room"`
}

type xmlRoom struct {
	Name   string     `xml:"name,attr"`
	GUID   string     `xml:"guid,attr"`
	Events []xmlEvent `xml:"event"`
}

type xmlEvent struct {
	GUID        string      `xml:"guid,attr"`
	ID          int64       `xml:"id,attr"`
	Date        string      `xml:"date"`
	Start       string      `xml:"start"`
	Duration    string      `xml:"duration"`
	Room        string      `xml:"room"`
	Slug        string      `xml:"slug"`
	URL         string      `xml:"url"`
	Title       string      `xml:"title"`
	Subtitle    string      `xml:"subtitle"`
	Track       string      `xml:"track"`
	Type        string      `xml:"type"`
	Language    string      `xml:"language"`
	Abstract    string      `xml:"abstract"`
	Description string      `xml:"description"`
	Persons     []xmlPerson `xml:"persons>person"`
	Links       []xmlLink   `xml:"links>link"`
}

type xmlPerson struct {
	ID   int64  `xml:"id,attr"`
	Name string `xml:",chardata"`
}

type xmlLink struct {
	Href  string `xml:"href,attr"`
	Title string `xml:",chardata"`
}

// Generator names the software in the exports.
const Generator = "challenging-norms/conference"

func (s *Snapshot) confDates() (string, string) {
	days := s.Days()
	if len(days) == 0 {
		return "", ""
	}
	return days[0].Date, days[len(days)-1].Date
}

// FrabXML writes the program as frab's schedule.xml.
func (s *Snapshot) FrabXML(baseURL string) ([]byte, error) {
	p := s.Program
	start, end := s.confDates()
	doc := xmlSchedule{Generator: xmlGenerator{Name: Generator}, Version: strconv.Itoa(p.Version),
		Conference: xmlConference{Acronym: p.Slug, Title: p.Name, Start: start, End: end, Days: len(s.Days()),
			TimeslotDuration: "00:15", BaseURL: strings.TrimRight(baseURL, "/") + "/c/" + p.Slug + "/program", TimeZoneName: p.TimeZone}}
	for _, d := range s.frabDays(baseURL) {
		xd := xmlDay{Index: d.Index, Date: d.Date, Start: d.Start.In(s.Loc).Format(time.RFC3339), End: d.End.In(s.Loc).Format(time.RFC3339)}
		for _, r := range d.Rooms {
			xr := xmlRoom{Name: r.Name, GUID: r.GUID}
			for _, e := range r.Events {
				xe := xmlEvent{GUID: e.GUID, ID: e.ID, Date: e.Date.Format(time.RFC3339), Start: e.Start, Duration: e.Duration,
					Room: e.Room, Slug: e.Slug, URL: e.URL, Title: e.Title, Subtitle: e.Subtitle, Track: e.Track, Type: e.Type,
					Language: Language, Abstract: e.Abstract, Description: e.Description,
					Links: []xmlLink{{Href: e.URL, Title: "Session page"}}}
				for _, person := range e.Persons {
					xe.Persons = append(xe.Persons, xmlPerson{ID: person.ID, Name: person.Name})
				}
				xr.Events = append(xr.Events, xe)
			}
			xd.Rooms = append(xd.Rooms, xr)
		}
		doc.Days = append(doc.Days, xd)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return nil, fmt.Errorf("program: schedule.xml: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// JSON types of the frab JSON schedule (schedule.json), as Giggity and ConfClerk read it.
type jsonDoc struct {
	Schema    string       `json:"$schema"`
	Generator jsonGen      `json:"generator"`
	Schedule  jsonSchedule `json:"schedule"`
}

type jsonGen struct {
	Name string `json:"name"`
}

type jsonSchedule struct {
	Version    string         `json:"version"`
	BaseURL    string         `json:"base_url"`
	Conference jsonConference `json:"conference"`
}

type jsonConference struct {
	Acronym          string      `json:"acronym"`
	Title            string      `json:"title"`
	Start            string      `json:"start"`
	End              string      `json:"end"`
	DaysCount        int         `json:"daysCount"`
	TimeslotDuration string      `json:"timeslot_duration"`
	TimeZoneName     string      `json:"time_zone_name"`
	URL              string      `json:"url"`
	Rooms            []jsonRoom  `json:"rooms"`
	Tracks           []jsonTrack `json:"tracks"`
	Days             []jsonDay   `json:"days"`
}

type jsonRoom struct {
	Name string `json:"name"`
	GUID string `json:"guid"`
}

type jsonTrack struct {
	Name string `json:"name"`
}

type jsonDay struct {
	Index    int       `json:"index"`
	Date     string    `json:"date"`
	DayStart string    `json:"day_start"`
	DayEnd   string    `json:"day_end"`
	Rooms    roomsJSON `json:"rooms"`
}

// roomsJSON is the day's rooms as a JSON object in the rooms' order (a Go map would sort them).
type roomsJSON []frabRoomJSON

type frabRoomJSON struct {
	Name   string
	Events []jsonEvent
}

func (r roomsJSON) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteByte('{')
	for i, room := range r {
		if i > 0 {
			buf.WriteByte(',')
		}
		k, err := json.Marshal(room.Name)
		if err != nil {
			return nil, err
		}
		v, err := json.Marshal(room.Events)
		if err != nil {
			return nil, err
		}
		buf.Write(k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

type jsonEvent struct {
	GUID        string       `json:"guid"`
	ID          int64        `json:"id"`
	Date        string       `json:"date"`
	Start       string       `json:"start"`
	Duration    string       `json:"duration"`
	Room        string       `json:"room"`
	Slug        string       `json:"slug"`
	URL         string       `json:"url"`
	Title       string       `json:"title"`
	Subtitle    string       `json:"subtitle"`
	Track       string       `json:"track"`
	Type        string       `json:"type"`
	Language    string       `json:"language"`
	Abstract    string       `json:"abstract"`
	Description string       `json:"description"`
	Persons     []jsonPerson `json:"persons"`
	Links       []jsonLink   `json:"links"`
	Attachments []jsonLink   `json:"attachments"`
}

type jsonPerson struct {
	ID         int64  `json:"id"`
	PublicName string `json:"public_name"`
}

type jsonLink struct {
	URL   string `json:"url"`
	Title string `json:"title"`
}

// FrabJSON writes the program as frab's JSON schedule.
func (s *Snapshot) FrabJSON(baseURL string) ([]byte, error) {
	p := s.Program
	start, end := s.confDates()
	programURL := strings.TrimRight(baseURL, "/") + "/c/" + p.Slug + "/program"
	c := jsonConference{Acronym: p.Slug, Title: p.Name, Start: start, End: end, DaysCount: len(s.Days()), TimeslotDuration: "00:15",
		TimeZoneName: p.TimeZone, URL: programURL, Rooms: []jsonRoom{}, Tracks: []jsonTrack{}, Days: []jsonDay{}}
	for _, r := range p.Rooms {
		c.Rooms = append(c.Rooms, jsonRoom{Name: r.Name, GUID: guid(p, "room", r.ID)})
	}
	for _, t := range p.Tracks {
		c.Tracks = append(c.Tracks, jsonTrack{Name: t.Name})
	}
	for _, d := range s.frabDays(baseURL) {
		jd := jsonDay{Index: d.Index, Date: d.Date, DayStart: d.Start.In(s.Loc).Format(time.RFC3339), DayEnd: d.End.In(s.Loc).Format(time.RFC3339),
			Rooms: roomsJSON{}}
		for _, r := range d.Rooms {
			jr := frabRoomJSON{Name: r.Name}
			for _, e := range r.Events {
				je := jsonEvent{GUID: e.GUID, ID: e.ID, Date: e.Date.Format(time.RFC3339), Start: e.Start, Duration: e.Duration, Room: e.Room,
					Slug: e.Slug, URL: e.URL, Title: e.Title, Subtitle: e.Subtitle, Track: e.Track, Type: e.Type, Language: Language,
					Abstract: e.Abstract, Description: e.Description, Persons: []jsonPerson{},
					Links: []jsonLink{{URL: e.URL, Title: "Session page"}}, Attachments: []jsonLink{}}
				for _, person := range e.Persons {
					je.Persons = append(je.Persons, jsonPerson{ID: person.ID, PublicName: person.Name})
				}
				jr.Events = append(jr.Events, je)
			}
			jd.Rooms = append(jd.Rooms, jr)
		}
		c.Days = append(c.Days, jd)
	}
	doc := jsonDoc{Schema: "https://c3voc.de/schedule/schema.json", Generator: jsonGen{Name: Generator},
		Schedule: jsonSchedule{Version: strconv.Itoa(p.Version), BaseURL: programURL, Conference: c}}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("program: schedule.json: %w", err)
	}
	return append(out, '\n'), nil
}

// CSVHeader is the header row of the CSV export.
var CSVHeader = []string{"Session ID", "Date", "Start", "End", "Time zone", "Room", "Track", "Type", "Session", "Chairs",
	"Proposal ID", "Title", "Format", "Presenters", "Abstract", "Link"}

// CSV writes the program as a spreadsheet: one row per proposal in a session, and one for a session
// without proposals. Times are in the conference's time zone. Cells are made safe for spreadsheets.
func (s *Snapshot) CSV(baseURL string) ([]byte, error) {
	p := s.Program
	var buf bytes.Buffer
	w := export.NewCSV(&buf, CSVHeader...)
	for _, ses := range s.sorted() {
		room, _ := p.Room(ses.RoomID)
		var tracks []string
		for _, t := range s.SessionTracks(ses) {
			tracks = append(tracks, t.Name)
		}
		start, end := ses.Start.In(s.Loc), ses.End.In(s.Loc)
		row := []string{strconv.FormatInt(ses.ID, 10), start.Format(time.DateOnly), start.Format("15:04"), end.Format("15:04"), p.TimeZone,
			room.Name, strings.Join(tracks, ", "), schedule.KindLabel(ses.Kind), ses.Title, names(ses.Chairs)}
		url := SessionURL(baseURL, p, ses.ID)
		if len(ses.Items) == 0 {
			w.Row(append(row, "", "", "", "", ses.Description, url)...)
			continue
		}
		for _, it := range ses.Items {
			w.Row(append(row, strconv.FormatInt(it.ProposalID, 10), it.Title, it.Format, names(it.Presenters), it.Abstract, url)...)
		}
	}
	if err := w.Close(); err != nil {
		return nil, fmt.Errorf("program: csv: %w", err)
	}
	return buf.Bytes(), nil
}
