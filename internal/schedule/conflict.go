package schedule

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"
)

// Conflict kinds. Conflicts warn organizers; they never stop a save or a publication.
const (
	ConflictPresenter = "presenter"    // a presenter in two overlapping sessions
	ConflictRoom      = "room"         // two sessions in one room at once
	ConflictOverrun   = "overrun"      // more content than the session's length
	ConflictProposal  = "proposal"     // a placed proposal withdrawn, declined or not yet confirmed
	ConflictOutside   = "outside_days" // a session outside the conference days
	ConflictShared    = "shared"       // a workshop or fireside chat with more than one proposal, a break with any
)

// Conflict is one problem of the working copy, said for people.
type Conflict struct {
	Kind       string
	SessionIDs []int64
	ProposalID int64
	Text       string
}

// ConflictsOf lists the conflicts that concern a session.
func (b Board) ConflictsOf(sessionID int64) []Conflict {
	var out []Conflict
	for _, c := range b.Conflicts {
		for _, id := range c.SessionIDs {
			if id == sessionID {
				out = append(out, c)
				break
			}
		}
	}
	return out
}

// Conflicts computes the conflicts of a board, in a stable order: by kind, then by session.
func Conflicts(b Board) []Conflict {
	loc := b.Conference.Location()
	when := func(s Slot) string { return Span(s.Start, s.End, loc) }
	var out []Conflict
	slots := append([]Slot{}, b.Slots...)
	sort.SliceStable(slots, func(i, j int) bool { return slots[i].Start.Before(slots[j].Start) })

	// Sessions outside the conference days.
	if len(b.Days) > 0 {
		first, last := b.Days[0], b.Days[len(b.Days)-1].AddDate(0, 0, 1)
		for _, s := range slots {
			if s.Start.Before(first) || s.End.After(last) {
				out = append(out, Conflict{Kind: ConflictOutside, SessionIDs: []int64{s.ID},
					Text: fmt.Sprintf("“%s” (%s) is outside the conference days.", s.Title, when(s))})
			}
		}
	}
	// Two sessions in one room at once.
	for i, a := range slots {
		for _, c := range slots[i+1:] {
			if a.RoomID == c.RoomID && a.Overlaps(c) {
				room, _ := b.Room(a.RoomID)
				out = append(out, Conflict{Kind: ConflictRoom, SessionIDs: []int64{a.ID, c.ID},
					Text: fmt.Sprintf("“%s” and “%s” are both in %s at the same time (%s and %s).", a.Title, c.Title, room.Name, when(a), when(c))})
			}
		}
	}
	// More content than time.
	for _, s := range slots {
		total := 0
		for _, id := range s.Items {
			if c, ok := b.Candidate(id); ok {
				total += c.Minutes
			}
		}
		if total > s.Minutes() {
			out = append(out, Conflict{Kind: ConflictOverrun, SessionIDs: []int64{s.ID},
				Text: fmt.Sprintf("“%s” holds %d minutes of content in %d minutes.", s.Title, total, s.Minutes())})
		}
	}
	// Workshops and fireside chats fill a session alone; a break holds none.
	for _, s := range slots {
		switch {
		case (s.Kind == KindWorkshop || s.Kind == KindFireside) && len(s.Items) > 1:
			out = append(out, Conflict{Kind: ConflictShared, SessionIDs: []int64{s.ID},
				Text: fmt.Sprintf("“%s” is a %s session holding %d proposals; a %s usually fills a session alone.", s.Title,
					strings.ToLower(KindLabel(s.Kind)), len(s.Items), strings.ToLower(KindLabel(s.Kind)))})
		case s.Kind == KindBreak && len(s.Items) > 0:
			out = append(out, Conflict{Kind: ConflictShared, SessionIDs: []int64{s.ID},
				Text: fmt.Sprintf("“%s” is a break but holds %d proposals.", s.Title, len(s.Items))})
		}
	}
	// Proposals that may not appear.
	for _, s := range slots {
		for _, id := range s.Items {
			c, ok := b.Candidate(id)
			if !ok {
				continue
			}
			var why string
			switch {
			case c.Status == "withdrawn":
				why = "was withdrawn"
			case c.Decision != "accepted":
				why = "is no longer accepted"
			case c.Participation == "declined":
				why = "was declined by its presenters"
			case c.Participation != "confirmed":
				why = "is not yet confirmed by its presenters"
			}
			if why != "" {
				out = append(out, Conflict{Kind: ConflictProposal, SessionIDs: []int64{s.ID}, ProposalID: id,
					Text: fmt.Sprintf("“%s” in “%s” %s; it stays out of the published program until it is confirmed.", c.Title, s.Title, why)})
			}
		}
	}
	// A presenter in two overlapping sessions.
	type placed struct {
		slot Slot
		prop Candidate
	}
	byPerson := map[int64][]placed{}
	names := map[int64]string{}
	var people []int64
	for _, s := range slots {
		for _, id := range s.Items {
			c, ok := b.Candidate(id)
			if !ok {
				continue
			}
			for _, pr := range c.Presenters {
				if _, seen := byPerson[pr.UserID]; !seen {
					people = append(people, pr.UserID)
				}
				byPerson[pr.UserID] = append(byPerson[pr.UserID], placed{s, c})
				names[pr.UserID] = pr.Name
			}
		}
		for _, ch := range s.Chairs {
			if _, seen := byPerson[ch.UserID]; !seen {
				people = append(people, ch.UserID)
			}
			byPerson[ch.UserID] = append(byPerson[ch.UserID], placed{slot: s})
			names[ch.UserID] = ch.Name
		}
	}
	for _, uid := range people {
		// One entry per session: a chair who also presents in it counts once.
		var list []placed
		for _, pl := range byPerson[uid] {
			if !slices.ContainsFunc(list, func(x placed) bool { return x.slot.ID == pl.slot.ID }) {
				list = append(list, pl)
			}
		}
		for i, a := range list {
			for _, c := range list[i+1:] {
				if a.slot.ID != c.slot.ID && a.slot.Overlaps(c.slot) {
					out = append(out, Conflict{Kind: ConflictPresenter, SessionIDs: []int64{a.slot.ID, c.slot.ID},
						Text: fmt.Sprintf("%s is in “%s” (%s) and in “%s” (%s) at the same time.", names[uid], a.slot.Title, when(a.slot), c.slot.Title, when(c.slot))})
				}
			}
		}
	}
	return out
}

// Span writes a session's time for people in a time zone, e.g. "Fri 8 Oct 10:00–11:30 EDT".
func Span(start, end time.Time, loc *time.Location) string {
	s, e := start.In(loc), end.In(loc)
	if s.YearDay() == e.YearDay() && s.Year() == e.Year() {
		return s.Format("Mon 2 Jan 15:04") + "–" + e.Format("15:04 MST")
	}
	return s.Format("Mon 2 Jan 15:04") + " – " + e.Format("Mon 2 Jan 15:04 MST")
}
