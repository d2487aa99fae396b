package schedule

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/notify"
)

// Preview is what publishing now would make: the program, its change log against the latest
// publication, the conflicts that remain, and the publications so far.
type Preview struct {
	Program   Program
	Changes   []Change
	Conflicts []Conflict
	Previous  *Publication // nil before the first publication
	Versions  []VersionInfo
}

// Preview builds the program from the working copy without publishing it.
func (s *Service) Preview(ctx context.Context, p *access.Principal, conf conference.Conference) (Preview, error) {
	if err := access.Check(p, access.ManageSchedule, conf.ID); err != nil {
		return Preview{}, err
	}
	return s.preview(ctx, conf)
}

func (s *Service) preview(ctx context.Context, conf conference.Conference) (Preview, error) {
	b, err := s.board(ctx, conf)
	if err != nil {
		return Preview{}, err
	}
	prog, err := s.build(ctx, b)
	if err != nil {
		return Preview{}, err
	}
	pv := Preview{Program: prog, Conflicts: b.Conflicts}
	prev, err := s.programs.LatestProgram(ctx, conf.ID)
	switch {
	case err == nil:
		pv.Previous = &prev
		pv.Changes = Diff(&prev.Program, prog)
	case errors.Is(err, ErrNotPublished):
		pv.Changes = Diff(nil, prog)
	default:
		return pv, err
	}
	if pv.Versions, err = s.programs.ProgramVersions(ctx, conf.ID); err != nil {
		return pv, err
	}
	return pv, nil
}

// Versions lists the publications, newest first.
func (s *Service) Versions(ctx context.Context, p *access.Principal, conf conference.Conference) ([]VersionInfo, error) {
	if err := access.Check(p, access.ManageSchedule, conf.ID); err != nil {
		return nil, err
	}
	return s.programs.ProgramVersions(ctx, conf.ID)
}

// Version reads one publication; apperr NotFound when there is no such version.
func (s *Service) Version(ctx context.Context, p *access.Principal, conf conference.Conference, version int) (Publication, error) {
	if err := access.Check(p, access.ManageSchedule, conf.ID); err != nil {
		return Publication{}, err
	}
	pub, err := s.programs.ProgramVersion(ctx, conf.ID, version)
	if errors.Is(err, ErrNotPublished) {
		return pub, apperr.New(apperr.NotFound, "There is no such version of the program.")
	}
	return pub, err
}

// build freezes the working copy into a Program: only accepted, confirmed proposals appear, with
// their presenters' public profiles.
func (s *Service) build(ctx context.Context, b Board) (Program, error) {
	conf := b.Conference
	prog := Program{ConferenceID: conf.ID, Slug: conf.Slug, Name: conf.Name, TimeZone: conf.TimeZone,
		Rooms: append([]Room{}, b.Rooms...), Tracks: append([]Track{}, b.Tracks...), Days: []string{}, Sessions: []Session{}}
	for _, d := range b.Days {
		prog.Days = append(prog.Days, d.Format("2006-01-02"))
	}
	var chairIDs []int64
	for _, sl := range b.Slots {
		chairIDs = append(chairIDs, sl.ChairIDs()...)
	}
	people, err := s.store.People(ctx, chairIDs)
	if err != nil {
		return prog, err
	}
	pos := map[int64]int{}
	for _, r := range b.Rooms {
		pos[r.ID] = r.Position
	}
	slots := append([]Slot{}, b.Slots...)
	sort.SliceStable(slots, func(i, j int) bool {
		if !slots[i].Start.Equal(slots[j].Start) {
			return slots[i].Start.Before(slots[j].Start)
		}
		return pos[slots[i].RoomID] < pos[slots[j].RoomID]
	})
	for _, sl := range slots {
		ses := Session{ID: sl.ID, Title: sl.Title, Kind: sl.Kind, Description: sl.Description, Start: sl.Start.UTC(), End: sl.End.UTC(),
			RoomID: sl.RoomID, TrackID: sl.TrackID}
		for _, ch := range sl.Chairs {
			person, ok := people[ch.UserID]
			if !ok {
				person = Person{UserID: ch.UserID, Name: ch.Name}
			}
			ses.Chairs = append(ses.Chairs, person)
		}
		for _, id := range sl.Items {
			c, ok := b.Candidate(id)
			if !ok || !c.InProgram() {
				continue
			}
			it := Item{ProposalID: c.ID, Title: c.Title, Abstract: c.Abstract, Format: c.Format, TrackID: c.TrackID, Minutes: c.Minutes}
			for _, pr := range c.Presenters {
				it.Presenters = append(it.Presenters, pr.Person)
			}
			ses.Items = append(ses.Items, it)
		}
		prog.Sessions = append(prog.Sessions, ses)
	}
	return prog, nil
}

// Publish makes the next numbered version of the program from the working copy, with its change log
// against the previous version. After the first publication each presenter whose slot changed is
// sent one message (through the outbox, in the same transaction) saying what moved.
func (s *Service) Publish(ctx context.Context, p *access.Principal, conf conference.Conference) (Publication, error) {
	if err := access.Check(p, access.ManageSchedule, conf.ID); err != nil {
		return Publication{}, err
	}
	var pub Publication
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.Lock(ctx, conf.ID); err != nil {
			return err
		}
		pv, err := s.preview(ctx, conf)
		if err != nil {
			return err
		}
		pub = Publication{Program: pv.Program, Changes: pv.Changes, PublishedBy: p.UserID}
		pub.Program.PublishedAt = s.now().UTC()
		v, err := s.programs.InsertProgram(ctx, pub)
		if err != nil {
			return err
		}
		pub.Program.Version = v
		if pv.Previous != nil {
			if err := s.tellPresenters(ctx, conf, pv.Previous.Program, pub.Program); err != nil {
				return err
			}
		}
		return s.record(ctx, p, conf, "program.published", fmt.Sprintf("conference:%d", conf.ID), fmt.Sprintf("version %d, %d changes", v, len(pub.Changes)))
	})
	if err == nil && s.published != nil {
		s.published(conf.ID)
	}
	return pub, err
}

// SlotMail is the data of the message telling a presenter that their slot changed.
type SlotMail struct {
	Name        string
	Conference  string
	Version     int
	Changes     []string
	ProgramLink string
}

// tellPresenters sends each presenter whose slot changed between prev and next one message. The
// event key names the version, so a message is never sent twice for one version.
func (s *Service) tellPresenters(ctx context.Context, conf conference.Conference, prev, next Program) error {
	type who struct {
		name, email string
		lines       []string
	}
	byUser := map[int64]*who{}
	var order []int64
	emails, err := s.presenterEmails(ctx, conf.ID)
	if err != nil {
		return err
	}
	for _, ch := range slotChanges(&prev, next) {
		item, ok := itemIn(next, ch.ProposalID)
		if !ok {
			item, _ = itemIn(prev, ch.ProposalID)
		}
		for _, pr := range item.Presenters {
			email := emails[pr.UserID]
			if pr.UserID == 0 || email == "" {
				continue
			}
			w, ok := byUser[pr.UserID]
			if !ok {
				w = &who{name: pr.Name, email: email}
				byUser[pr.UserID] = w
				order = append(order, pr.UserID)
			}
			w.lines = append(w.lines, ch.Text)
		}
	}
	// Chairs are told when a session they chair moved (time or room), or when they were added to or
	// taken off one, in the same one message per person.
	slots, err := s.store.Slots(ctx, conf.ID)
	if err != nil {
		return err
	}
	chairEmail := map[int64]Chair{}
	for _, sl := range slots {
		for _, c := range sl.Chairs {
			chairEmail[c.UserID] = c
		}
	}
	for _, line := range chairChanges(&prev, next) {
		c, ok := chairEmail[line.userID]
		if !ok || c.Email == "" {
			continue
		}
		w, ok := byUser[line.userID]
		if !ok {
			w = &who{name: c.Name, email: c.Email}
			byUser[line.userID] = w
			order = append(order, line.userID)
		}
		w.lines = append(w.lines, line.text)
	}
	for _, uid := range order {
		w := byUser[uid]
		err := s.outbox.Enqueue(ctx, notify.Message{
			EventKey: fmt.Sprintf("program:%d:v%d:slot:%d", conf.ID, next.Version, uid), ConferenceID: &conf.ID,
			To: w.email, ToName: w.name, Template: "program_slot_changed",
			Data: SlotMail{Name: w.name, Conference: conf.Name, Version: next.Version, Changes: w.lines,
				ProgramLink: s.baseURL + "/c/" + url.PathEscape(conf.Slug) + "/program"},
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// presenterEmails maps the placed proposals' presenters to their addresses.
func (s *Service) presenterEmails(ctx context.Context, conferenceID int64) (map[int64]string, error) {
	cands, err := s.store.Candidates(ctx, conferenceID)
	if err != nil {
		return nil, err
	}
	out := map[int64]string{}
	for _, c := range cands {
		for _, pr := range c.Presenters {
			out[pr.UserID] = pr.Email
		}
	}
	return out, nil
}

func itemIn(p Program, proposalID int64) (Item, bool) {
	for _, s := range p.Sessions {
		for _, it := range s.Items {
			if it.ProposalID == proposalID {
				return it, true
			}
		}
	}
	return Item{}, false
}

// where says where a session is, for the change log: "Fri 8 Oct 10:00–11:30 EDT, Room A".
func where(p Program, s Session) string {
	room, _ := p.Room(s.RoomID)
	return Span(s.Start, s.End, location(p.TimeZone)) + ", " + room.Name
}

// Diff is the change log from prev (nil before the first publication) to next: sessions and
// proposals added, removed, moved (another time or room) and changed (title, kind, description,
// chairs), each said in a sentence.
func Diff(prev *Program, next Program) []Change {
	var out []Change
	if prev == nil {
		for _, s := range next.Sessions {
			out = append(out, Change{SessionID: s.ID, Kind: "added", Text: fmt.Sprintf("“%s” added: %s.", s.Title, where(next, s))})
		}
		return out
	}
	for _, s := range next.Sessions {
		old, ok := prev.Session(s.ID)
		switch {
		case !ok:
			out = append(out, Change{SessionID: s.ID, Kind: "added", Text: fmt.Sprintf("“%s” added: %s.", s.Title, where(next, s))})
		case !old.Start.Equal(s.Start) || !old.End.Equal(s.End) || old.RoomID != s.RoomID:
			out = append(out, Change{SessionID: s.ID, Kind: "moved", Text: fmt.Sprintf("“%s” moved from %s to %s.", s.Title, where(*prev, old), where(next, s))})
		}
		if ok {
			var what []string
			if old.Title != s.Title {
				what = append(what, fmt.Sprintf("renamed from “%s”", old.Title))
			}
			if old.Kind != s.Kind {
				what = append(what, "now a "+strings.ToLower(KindLabel(s.Kind)))
			}
			if old.Description != s.Description {
				what = append(what, "new description")
			}
			if !slices.Equal(personIDs(old.Chairs), personIDs(s.Chairs)) {
				what = append(what, "new chairs")
			}
			if old.TrackID != s.TrackID {
				what = append(what, "another track")
			}
			if len(what) > 0 {
				out = append(out, Change{SessionID: s.ID, Kind: "changed", Text: fmt.Sprintf("“%s”: %s.", s.Title, strings.Join(what, ", "))})
			}
		}
	}
	for _, old := range prev.Sessions {
		if _, ok := next.Session(old.ID); !ok {
			out = append(out, Change{SessionID: old.ID, Kind: "removed", Text: fmt.Sprintf("“%s” removed (was %s).", old.Title, where(*prev, old))})
		}
	}
	return append(out, slotChanges(prev, next)...)
}

// slotChanges lists, per proposal, a change of its slot: placed in the program, taken out, or in a
// session that moved or in another session.
func slotChanges(prev *Program, next Program) []Change {
	var out []Change
	for _, s := range next.Sessions {
		for _, it := range s.Items {
			var was Session
			found := false
			for _, o := range prev.Sessions {
				for _, oi := range o.Items {
					if oi.ProposalID == it.ProposalID {
						was, found = o, true
					}
				}
			}
			switch {
			case !found:
				out = append(out, Change{SessionID: s.ID, ProposalID: it.ProposalID, Kind: "added",
					Text: fmt.Sprintf("“%s” is now in the program: “%s”, %s.", it.Title, s.Title, where(next, s))})
			case was.ID != s.ID || !was.Start.Equal(s.Start) || !was.End.Equal(s.End) || was.RoomID != s.RoomID:
				out = append(out, Change{SessionID: s.ID, ProposalID: it.ProposalID, Kind: "moved",
					Text: fmt.Sprintf("“%s” moved from “%s”, %s to “%s”, %s.", it.Title, was.Title, where(*prev, was), s.Title, where(next, s))})
			}
		}
	}
	for _, o := range prev.Sessions {
		for _, oi := range o.Items {
			if _, ok := itemIn(next, oi.ProposalID); !ok {
				out = append(out, Change{SessionID: o.ID, ProposalID: oi.ProposalID, Kind: "removed",
					Text: fmt.Sprintf("“%s” is no longer in the program (was in “%s”, %s).", oi.Title, o.Title, where(*prev, o))})
			}
		}
	}
	return out
}

type chairLine struct {
	userID int64
	text   string
}

// chairChanges lists, per chair, what changed about the sessions they chair between two versions.
// A chair of a session that lost them, or that left the program, is told too.
func chairChanges(prev *Program, next Program) []chairLine {
	var out []chairLine
	for _, now := range next.Sessions {
		was, had := prev.Session(now.ID)
		moved := had && (!was.Start.Equal(now.Start) || !was.End.Equal(now.End) || was.RoomID != now.RoomID)
		for _, c := range now.Chairs {
			if c.UserID == 0 {
				continue
			}
			switch {
			case !had || !chairs(was, c.UserID):
				out = append(out, chairLine{c.UserID, fmt.Sprintf("You chair “%s”, %s.", now.Title, where(next, now))})
			case moved:
				out = append(out, chairLine{c.UserID, fmt.Sprintf("“%s”, which you chair, moved from %s to %s.", now.Title, where(*prev, was), where(next, now))})
			}
		}
	}
	for _, was := range prev.Sessions {
		now, kept := next.Session(was.ID)
		for _, c := range was.Chairs {
			if c.UserID == 0 || (kept && chairs(now, c.UserID)) {
				continue
			}
			out = append(out, chairLine{c.UserID, fmt.Sprintf("You no longer chair “%s” (%s).", was.Title, where(*prev, was))})
		}
	}
	return out
}

func chairs(s Session, userID int64) bool {
	for _, c := range s.Chairs {
		if c.UserID == userID {
			return true
		}
	}
	return false
}

// location is a program's time zone, UTC when it is unknown.
func location(tz string) *time.Location {
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return time.UTC
	}
	return loc
}

func personIDs(list []Person) []int64 {
	out := make([]int64, len(list))
	for i, p := range list {
		out[i] = p.UserID
	}
	return out
}
