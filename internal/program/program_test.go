package program

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/schedule"
)

// sample is a small published program: two days in New York, two rooms, two tracks.
func sample(t *testing.T) *Snapshot {
	t.Helper()
	ny, _ := time.LoadLocation("America/New_York")
	at := func(day, hour, minute int) time.Time { return time.Date(2027, 6, day, hour, minute, 0, 0, ny).UTC() }
	ada := schedule.Person{UserID: 11, Name: "Ada Ọlábísí", Institution: "Howard University"}
	jose := schedule.Person{UserID: 12, Name: "José Martínez", Institution: "UCSF"}
	chair := schedule.Person{UserID: 13, Name: "Chidi Chair"}
	p := schedule.Program{ConferenceID: 7, Slug: "cn", Name: "Challenging Norms", TimeZone: "America/New_York", Version: 3,
		PublishedAt: time.Date(2027, 5, 1, 12, 0, 0, 0, time.UTC), Days: []string{"2027-06-01", "2027-06-02"},
		Rooms: []schedule.Room{{ID: 1, Name: "Main stage", MeetingURL: "https://meet.example.org/main", Position: 1},
			{ID: 2, Name: "Room B", MeetingURL: "https://meet.example.org/b", Position: 2}},
		Tracks: []schedule.Track{{ID: 5, Name: "Curriculum"}, {ID: 6, Name: "Community"}},
		Sessions: []schedule.Session{
			{ID: 100, Title: "Opening plenary", Kind: schedule.KindPlenary, Description: "Welcome.", Start: at(1, 9, 0), End: at(1, 10, 0), RoomID: 1, Chairs: []schedule.Person{chair}},
			{ID: 102, Title: "Posters: the hidden curriculum", Kind: schedule.KindPoster, Start: at(1, 10, 30), End: at(1, 11, 30), RoomID: 2, TrackID: 5,
				Items: []schedule.Item{
					{ProposalID: 1, Title: "Race-based eGFR, undone", Abstract: "We removed race from kidney function estimates.", Format: "Poster", TrackID: 5, Minutes: 10, Presenters: []schedule.Person{ada}},
					{ProposalID: 2, Title: "=HYPERLINK(\"x\")", Abstract: "Spreadsheet safety.", Format: "Poster", TrackID: 5, Minutes: 10, Presenters: []schedule.Person{jose}},
				}},
			{ID: 101, Title: "Workshop: community partnerships", Kind: schedule.KindWorkshop, Start: at(1, 10, 30), End: at(1, 12, 0), RoomID: 1,
				Items: []schedule.Item{{ProposalID: 3, Title: "Building trust with community clinics", Abstract: "A hands-on workshop.", Format: "Workshop", TrackID: 6, Minutes: 90, Presenters: []schedule.Person{jose}}}},
			{ID: 103, Title: "Closing", Kind: schedule.KindPlenary, Start: at(2, 16, 0), End: at(2, 17, 0), RoomID: 1},
		}}
	s, err := NewSnapshot(p)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestProgramViews(t *testing.T) {
	s := sample(t)
	days := s.Days()
	if len(days) != 2 || days[0].Date != "2027-06-01" || days[0].Label != "Tuesday 1 June 2027" {
		t.Fatalf("days: %+v", days)
	}
	if got := len(days[0].Slots); got != 2 {
		t.Fatalf("first day has %d slots, want 2", got)
	}
	if parallel := days[0].Slots[1].Sessions; len(parallel) != 2 || parallel[0].ID != 101 || parallel[1].ID != 102 {
		t.Errorf("10:30 slot should list the Main stage before Room B: %+v", parallel)
	}
	tracks := s.ByTrack()
	if len(tracks) != 3 || tracks[0].Label != "Curriculum" || tracks[1].Label != "Community" || tracks[2].Label != "For everyone" {
		t.Fatalf("tracks: %+v", tracks)
	}
	if len(tracks[1].Sessions) != 1 || tracks[1].Sessions[0].ID != 101 {
		t.Errorf("a workshop without a session track belongs to its proposal's track: %+v", tracks[1].Sessions)
	}
	formats := s.ByFormat()
	if formats[0].Label != "Plenary" || len(formats[0].Sessions) != 2 {
		t.Errorf("formats: %+v", formats)
	}
	for q, want := range map[string][]int64{"jose": {101, 102}, "EGFR kidney": {102}, "chidi": {100}, "olabisi howard": {102}, "nothing like it": nil, "  ": nil} {
		var got []int64
		for _, h := range s.Search(q) {
			got = append(got, h.Session.ID)
		}
		if !equal(got, want) {
			t.Errorf("search %q: %v, want %v", q, got, want)
		}
	}
	if h := s.Search("kidney"); len(h) != 1 || len(h[0].Items) != 1 || h[0].Items[0] != "Race-based eGFR, undone" {
		t.Errorf("the hit names the matching proposal: %+v", h)
	}
}

func equal(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestProgramMeetingLinkPolicy(t *testing.T) {
	p := sample(t).Program
	organizer := &access.Principal{UserID: 1, Roles: []access.Membership{{ConferenceID: 7, Role: access.Organizer}}}
	otherOrganizer := &access.Principal{UserID: 2, Roles: []access.Membership{{ConferenceID: 8, Role: access.Organizer}}}
	reviewer := &access.Principal{UserID: 3, Roles: []access.Membership{{ConferenceID: 7, Role: access.Reviewer}}}
	for name, c := range map[string]struct {
		v    Viewer
		want bool
	}{
		"anonymous":             {Viewer{}, false},
		"anonymous, registered": {Viewer{Registered: true}, true},
		"signed in":             {Viewer{Principal: &access.Principal{UserID: 4}}, false},
		"registered":            {Viewer{Principal: &access.Principal{UserID: 4}, Registered: true}, true},
		"presenter":             {Viewer{Principal: &access.Principal{UserID: 12}}, true},
		"chair":                 {Viewer{Principal: &access.Principal{UserID: 13}}, true},
		"organizer":             {Viewer{Principal: organizer}, true},
		"organizer of another":  {Viewer{Principal: otherOrganizer}, false},
		"reviewer":              {Viewer{Principal: reviewer}, false},
		"administrator":         {Viewer{Principal: &access.Principal{UserID: 5, Admin: true}}, true},
	} {
		if got := MeetingLinks(p, c.v); got != c.want {
			t.Errorf("%s: %v, want %v", name, got, c.want)
		}
	}
}

func TestProgramICS(t *testing.T) {
	s := sample(t)
	o := FeedOptions{Name: "Challenging Norms", Product: "Test", BaseURL: "https://c.example.org", Host: "c.example.org"}
	body := s.ICS(s.Program.Sessions, o)
	if !bytes.Contains(body, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(body, []byte("\r\n"), nil), []byte("\n")) {
		t.Error("lines must end with CRLF")
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, body)
	}
	events := cal.Events()
	if len(events) != 4 {
		t.Fatalf("%d events, want 4", len(events))
	}
	e := events[1]
	if e.Id() != "session-7-102@c.example.org" {
		t.Errorf("UID %q", e.Id())
	}
	start, err := e.GetStartAt()
	if err != nil || !start.Equal(time.Date(2027, 6, 1, 14, 30, 0, 0, time.UTC)) {
		t.Errorf("start %v %v", start, err)
	}
	for prop, want := range map[ics.ComponentProperty]string{ics.ComponentPropertySequence: "3", ics.ComponentPropertyLastModified: "20270501T120000Z",
		ics.ComponentPropertyLocation: "Room B", ics.ComponentPropertyUrl: "https://c.example.org/c/cn/program/sessions/102"} {
		if p := e.GetProperty(prop); p == nil || p.Value != want {
			t.Errorf("%s = %v, want %q", prop, p, want)
		}
	}
	if strings.Contains(string(body), "meet.example.org") {
		t.Error("a shared feed must not carry meeting links")
	}
	o.MeetingLinks = true
	if cal, _ := ics.ParseCalendar(bytes.NewReader(s.ICS(s.Program.Sessions[:1], o))); cal.Events()[0].GetProperty(ics.ComponentPropertyLocation).Value != "Main stage: https://meet.example.org/main" {
		t.Error("a personal feed of someone allowed carries the meeting link")
	}
	if !bytes.Equal(body, s.ICS(s.Program.Sessions, FeedOptions{Name: "Challenging Norms", Product: "Test", BaseURL: "https://c.example.org", Host: "c.example.org"})) {
		t.Error("a version's feed must be the same bytes every time (its ETag depends on it)")
	}
}

func TestProgramFrabXML(t *testing.T) {
	s := sample(t)
	body, err := s.FrabXML("https://c.example.org")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version    string `xml:"version"`
		Conference struct {
			Acronym  string `xml:"acronym"`
			Title    string `xml:"title"`
			Start    string `xml:"start"`
			End      string `xml:"end"`
			Days     int    `xml:"days"`
			TimeZone string `xml:"time_zone_name"`
		} `xml:"conference"`
		Days []struct {
			Index int    `xml:"index,attr"`
			Date  string `xml:"date,attr"`
			Start string `xml:"start,attr"`
			End   string `xml:"end,attr"`
			Rooms []struct {
				Name   string `xml:"name,attr"`
				Events []struct {
					GUID     string `xml:"guid,attr"`
					ID       int64  `xml:"id,attr"`
					Date     string `xml:"date"`
					Start    string `xml:"start"`
					Duration string `xml:"duration"`
					Room     string `xml:"room"`
					Slug     string `xml:"slug"`
					Title    string `xml:"title"`
					Subtitle string `xml:"subtitle"`
					Track    string `xml:"track"`
					Type     string `xml:"type"`
					Language string `xml:"language"`
					Abstract string `xml:"abstract"`
					Persons  []struct {
						ID   int64  `xml:"id,attr"`
						Name string `xml:",chardata"`
					} `xml:"persons>person"`
					Links []struct {
						Href string `xml:"href,attr"`
					} `xml:"links>link"`
				} `xml:"event"`
			} `xml:"room"`
		} `xml:"day"`
	}
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("parse: %v\n%s", err, body)
	}
	if doc.Version != "3" || doc.Conference.Acronym != "cn" || doc.Conference.Start != "2027-06-01" || doc.Conference.End != "2027-06-02" ||
		doc.Conference.Days != 2 || doc.Conference.TimeZone != "America/New_York" {
		t.Errorf("head: %+v %+v", doc.Version, doc.Conference)
	}
	if len(doc.Days) != 2 || doc.Days[0].Index != 1 || doc.Days[0].Start != "2027-06-01T09:00:00-04:00" || doc.Days[0].End != "2027-06-01T12:00:00-04:00" {
		t.Fatalf("days: %+v", doc.Days)
	}
	rooms := doc.Days[0].Rooms
	if len(rooms) != 2 || rooms[0].Name != "Main stage" || len(rooms[0].Events) != 2 || rooms[1].Name != "Room B" {
		t.Fatalf("rooms of day 1: %+v", rooms)
	}
	ws := rooms[0].Events[1]
	if ws.ID != 101 || ws.Date != "2027-06-01T10:30:00-04:00" || ws.Start != "10:30" || ws.Duration != "01:30" || ws.Room != "Main stage" ||
		ws.Type != "Workshop" || ws.Track != "Community" || ws.Language != "en" || ws.Subtitle != "Building trust with community clinics" ||
		ws.Abstract != "A hands-on workshop." || ws.Slug != "cn-101-workshop-community-partnerships" || len(ws.Persons) != 1 ||
		ws.Persons[0].Name != "José Martínez" || ws.Persons[0].ID == 0 || len(ws.Links) != 1 {
		t.Errorf("workshop event: %+v", ws)
	}
	if len(ws.GUID) != 36 || ws.GUID[14] != '5' {
		t.Errorf("guid %q is not a version-5 UUID", ws.GUID)
	}
	posters := rooms[1].Events[0]
	if len(posters.Persons) != 2 || !strings.Contains(posters.Abstract, "Race-based eGFR, undone (Ada Ọlábísí)") {
		t.Errorf("poster session: %+v", posters)
	}
	if strings.Contains(string(body), "meet.example.org") {
		t.Error("exports must not carry meeting links")
	}
}

func TestProgramFrabJSON(t *testing.T) {
	s := sample(t)
	body, err := s.FrabJSON("https://c.example.org")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Schedule struct {
			Version    string
			Conference struct {
				Acronym   string
				DaysCount int
				Rooms     []struct{ Name string }
				Days      []struct {
					Index    int
					Date     string
					DayStart string `json:"day_start"`
					Rooms    map[string][]struct {
						GUID     string
						ID       int64
						Start    string
						Duration string
						Room     string
						Title    string
						Type     string
						Persons  []struct {
							ID         int64
							PublicName string `json:"public_name"`
						}
					}
				}
			}
		}
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("parse: %v", err)
	}
	c := doc.Schedule.Conference
	if doc.Schedule.Version != "3" || c.Acronym != "cn" || c.DaysCount != 2 || len(c.Rooms) != 2 || len(c.Days) != 2 {
		t.Fatalf("schedule: %+v", doc.Schedule)
	}
	main := c.Days[0].Rooms["Main stage"]
	if len(main) != 2 || main[0].ID != 100 || main[0].Start != "09:00" || main[0].Duration != "01:00" || main[0].Type != "Plenary" ||
		len(main[0].Persons) != 1 || main[0].Persons[0].PublicName != "Chidi Chair" {
		t.Errorf("main stage: %+v", main)
	}
	if i, j := bytes.Index(body, []byte(`"Main stage": [`)), bytes.Index(body, []byte(`"Room B": [`)); i < 0 || j < i {
		t.Error("rooms must be listed in the rooms' order")
	}
}

func TestProgramCSV(t *testing.T) {
	s := sample(t)
	body, err := s.CSV("https://c.example.org")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(body, []byte("\ufeff")) {
		t.Error("no byte-order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(body, []byte("\ufeff")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1+1+1+2+1 || strings.Join(rows[0], "|") != strings.Join(CSVHeader, "|") {
		t.Fatalf("rows: %q", rows)
	}
	if r := rows[3]; r[0] != "102" || r[1] != "2027-06-01" || r[2] != "10:30" || r[3] != "11:30" || r[5] != "Room B" || r[11] != "Race-based eGFR, undone" ||
		r[13] != "Ada Ọlábísí" {
		t.Errorf("poster row: %q", r)
	}
	if rows[4][11] != `'=HYPERLINK("x")` {
		t.Errorf("a formula must stay text: %q", rows[4][11])
	}
}

func TestProgramArtifactETag(t *testing.T) {
	s := sample(t)
	calls := 0
	build := func() ([]byte, error) { calls++; return []byte("body"), nil }
	a, _ := s.Artifact("x", build)
	b, _ := s.Artifact("x", build)
	if calls != 1 || a.ETag != b.ETag || !strings.HasPrefix(a.ETag, `"v3-`) || !a.Modified.Equal(s.Program.PublishedAt) {
		t.Errorf("artifact built %d times, %+v", calls, a)
	}
}
