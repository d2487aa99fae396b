package main

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/schedule"
	"github.com/challenging-norms/conference/internal/store"
)

// demoProgram builds a program of the size of Challenging Norms for a conference's first two days:
// six virtual rooms, a plenary to open and close each day, five parallel slots a day (posters,
// personal narratives, a workshop and a fireside chat side by side) and a lunch break: 66 sessions
// and about 300 proposals with synthetic presenters. The same seed gives the same program.
func demoProgram(conf conference.Conference, seed uint64) schedule.Program {
	rng := rand.New(rand.NewPCG(seed, 2027))
	loc := conf.Location()
	p := schedule.Program{ConferenceID: conf.ID, Slug: conf.Slug, Name: conf.Name, TimeZone: conf.TimeZone}
	for i := range 6 {
		name := "Main stage"
		if i > 0 {
			name = fmt.Sprintf("Room %d", i)
		}
		p.Rooms = append(p.Rooms, schedule.Room{ID: int64(i + 1), Name: name, Position: i + 1, Capacity: 300,
			MeetingURL: fmt.Sprintf("https://meet.example.org/%s/room-%d", conf.Slug, i+1)})
	}
	p.Tracks = []schedule.Track{{ID: 1, Name: "Curriculum and assessment"}, {ID: 2, Name: "Clinical learning environment"},
		{ID: 3, Name: "Community partnership and accountability"}}
	formats := map[string]struct {
		name    string
		minutes int
		items   int
	}{
		schedule.KindPoster: {"Poster", 8, 8}, schedule.KindNarrative: {"Personal narrative", 12, 5},
		schedule.KindWorkshop: {"Workshop", 60, 1}, schedule.KindFireside: {"Fireside chat", 60, 1},
	}
	roomKinds := []string{schedule.KindPoster, schedule.KindNarrative, schedule.KindWorkshop, schedule.KindPoster, schedule.KindNarrative, schedule.KindFireside}
	var sid, pid int64
	person := func() schedule.Person {
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		return schedule.Person{Name: first + " " + last, Pronouns: pronouns[rng.IntN(len(pronouns))],
			Institution: institutions[rng.IntN(len(institutions))]}
	}
	title := func() string {
		topic := topics[rng.IntN(len(topics))]
		return strings.ToUpper(topic[:1]) + topic[1:] + ": " + angles[rng.IntN(len(angles))]
	}
	add := func(s schedule.Session) { sid++; s.ID = sid; p.Sessions = append(p.Sessions, s) }
	for d := range 2 {
		day := conf.StartsOn.AddDate(0, 0, d)
		p.Days = append(p.Days, day.Format(time.DateOnly))
		at := func(h, m int) time.Time { return time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc).UTC() }
		add(schedule.Session{Title: fmt.Sprintf("Day %d opening plenary", d+1), Kind: schedule.KindPlenary, Start: at(9, 0), End: at(9, 45), RoomID: 1,
			Description: "Welcome, land acknowledgement and the day's keynote.", Chairs: []schedule.Person{person()}})
		slots := [][2]int{{10, 0}, {11, 15}, {13, 30}, {14, 45}, {16, 0}}
		for i, sl := range slots {
			if i == 2 {
				add(schedule.Session{Title: "Lunch break", Kind: schedule.KindBreak, Start: at(12, 30), End: at(13, 30), RoomID: 1})
			}
			for r, kind := range roomKinds {
				f := formats[kind]
				track := int64(rng.IntN(3) + 1)
				s := schedule.Session{Kind: kind, Start: at(sl[0], sl[1]), End: at(sl[0], sl[1]).Add(time.Hour), RoomID: int64(r + 1), TrackID: track}
				if f.items > 1 {
					s.Chairs = []schedule.Person{person()}
				}
				for range f.items {
					pid++
					it := schedule.Item{ProposalID: pid, Title: title(), Format: f.name, TrackID: track, Minutes: f.minutes,
						Abstract: abstracts[rng.IntN(len(abstracts))] + " " + abstracts[rng.IntN(len(abstracts))]}
					for range 1 + rng.IntN(3) {
						it.Presenters = append(it.Presenters, person())
					}
					s.Items = append(s.Items, it)
				}
				switch f.items {
				case 1:
					s.Title = s.Items[0].Title
				default:
					s.Title = fmt.Sprintf("%s: %s", schedule.KindLabel(kind), p.Tracks[track-1].Name)
				}
				add(s)
			}
		}
		add(schedule.Session{Title: fmt.Sprintf("Day %d closing reflections", d+1), Kind: schedule.KindPlenary, Start: at(17, 15), End: at(17, 45), RoomID: 1})
	}
	return p
}

// seedProgram publishes a demo program for the conference, as a new version.
func seedProgram(ctx context.Context, a *app, slug string) (int, int, int, error) {
	conf, err := a.confs.Get(ctx, slug)
	if err != nil {
		return 0, 0, 0, err
	}
	p := demoProgram(conf, uint64(conf.ID))
	var version int
	err = a.db.InTx(ctx, func(ctx context.Context) error {
		version, err = store.Programs{DB: a.db}.InsertProgram(ctx, schedule.Publication{Program: p})
		return err
	})
	items := 0
	for _, s := range p.Sessions {
		items += len(s.Items)
	}
	a.program.Invalidate(conf.ID)
	return version, len(p.Sessions), items, err
}

var (
	firstNames = []string{"Ama", "Kwame", "Lucía", "Thandiwe", "Aroha", "Jamal", "Mei", "Oluwaseun", "Priya", "Tomás", "Nia", "Diego",
		"Fatima", "Keanu", "Ayesha", "Marcus", "Ngozi", "Hana", "Ife", "Rafael", "Zainab", "Leilani", "Kofi", "Imani"}
	lastNames = []string{"Mensah", "Okafor", "García", "Nguyen", "Begay", "Johnson", "Haddad", "Tuhiwai", "Adeyemi", "Ramírez",
		"Chen", "Washington", "Osei", "Kealoha", "Patel", "Yazzie", "Boateng", "Santos", "Ọlábísí", "Williams"}
	pronouns     = []string{"she/her", "he/him", "they/them", "", "she/they", ""}
	institutions = []string{"Morehouse School of Medicine", "Howard University College of Medicine", "Meharry Medical College",
		"University of New Mexico", "UCSF School of Medicine", "University of Toronto", "Charles R. Drew University", "Community Health Collective"}
	topics = []string{"race-based clinical algorithms", "the hidden curriculum", "holistic admissions", "anti-racist assessment",
		"bias in clinical evaluations", "community-engaged curricula", "structural competency", "language justice in the clinic",
		"mentorship for underrepresented students", "Indigenous health education", "teaching the history of medical racism",
		"equity in residency selection", "trauma-informed teaching", "patient partners as educators"}
	angles = []string{"lessons from three cohorts", "a student-led redesign", "what changed and what did not", "a mixed-methods evaluation",
		"building accountability", "from audit to action", "a faculty development model", "centering community voices",
		"a narrative from the wards", "measuring what matters"}
	abstracts = []string{
		"We describe how our school reviewed its pre-clinical curriculum for race-based content and replaced it with teaching on structural drivers of health.",
		"Students, faculty and community partners co-designed the sessions; we report what they changed and how learners responded.",
		"Clerkship evaluations showed differences by race that did not track examination performance; we share the redesign that followed.",
		"This narrative follows one resident's first year and the moments where the institution's norms were questioned.",
		"Participants will practise naming and interrupting bias in case presentations, with scripts they can use the next day.",
		"We analysed five years of admissions data after adopting holistic review and discuss the trade-offs we met.",
		"Community health workers taught alongside physicians; learners rated the sessions among the most useful of the year.",
		"We offer a framework for auditing assessment items and a toolkit other programs can adopt.",
	}
)
