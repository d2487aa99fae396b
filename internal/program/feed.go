package program

import (
	"fmt"
	"strings"

	ics "github.com/arran4/golang-ical"

	"github.com/challenging-norms/conference/internal/schedule"
)

// FeedOptions says how to write a calendar feed.
type FeedOptions struct {
	// Name is the calendar's name as calendar programs show it, e.g. "Challenging Norms: Equity track".
	Name string
	// Product is the publisher in PRODID (the site's name).
	Product string
	// BaseURL is the site's address, for each event's link to its session page.
	BaseURL string
	// Host names the UIDs' domain, e.g. "conference.example.org".
	Host string
	// MeetingLinks puts the rooms' meeting links in the events: only for a viewer who may see them
	// (a personal feed), never in a shared one.
	MeetingLinks bool
}

// SessionURL is the address of a session's page.
func SessionURL(baseURL string, p schedule.Program, id int64) string {
	return fmt.Sprintf("%s/c/%s/program/sessions/%d", strings.TrimRight(baseURL, "/"), p.Slug, id)
}

// SessionUID is a session's UID in every feed: stable across published versions, so that a
// calendar updates the event when a new version moves it.
func SessionUID(p schedule.Program, id int64, host string) string {
	return fmt.Sprintf("session-%d-%d@%s", p.ConferenceID, id, host)
}

// ICS writes the sessions as an iCalendar feed (RFC 5545). Times are in UTC, which every calendar
// shows in its own zone; X-WR-TIMEZONE names the conference's zone for those that show it.
// SEQUENCE is the published version and LAST-MODIFIED its publication time, so a newer version
// replaces the events a calendar already holds, and the same version always writes the same bytes.
func (s *Snapshot) ICS(sessions []schedule.Session, o FeedOptions) []byte {
	p := s.Program
	cal := ics.NewCalendar()
	cal.SetProductId("-//" + strings.ReplaceAll(o.Product, "//", "/") + "//Conference Program//EN")
	cal.SetMethod(ics.MethodPublish)
	cal.SetName(o.Name)
	cal.SetXWRCalName(o.Name)
	cal.SetXWRTimezone(p.TimeZone)
	cal.SetLastModified(p.PublishedAt)
	// Subscribed calendars re-read the feed this often (RFC 7986 and its common predecessor).
	cal.SetRefreshInterval("PT1H", ics.WithValue("DURATION"))
	cal.SetXPublishedTTL("PT1H")
	for _, ses := range sessions {
		ev := cal.AddEvent(SessionUID(p, ses.ID, o.Host))
		ev.SetDtStampTime(p.PublishedAt)
		ev.SetLastModifiedAt(p.PublishedAt)
		ev.SetSequence(p.Version)
		ev.SetStartAt(ses.Start)
		ev.SetEndAt(ses.End)
		ev.SetSummary(ses.Title)
		url := SessionURL(o.BaseURL, p, ses.ID)
		ev.SetURL(url)
		room, _ := p.Room(ses.RoomID)
		location := room.Name
		if o.MeetingLinks && room.MeetingURL != "" {
			location = room.Name + ": " + room.MeetingURL
		}
		ev.SetLocation(location)
		ev.AddCategory(schedule.KindLabel(ses.Kind))
		for _, t := range s.SessionTracks(ses) {
			ev.AddCategory(t.Name)
		}
		ev.SetDescription(s.describe(ses, url, o.MeetingLinks))
	}
	// RFC 5545 ends lines with CRLF.
	return []byte(cal.Serialize(ics.WithNewLine("\r\n")))
}

// describe is an event's description: what the session holds, who presents, where to read more.
func (s *Snapshot) describe(ses schedule.Session, url string, links bool) string {
	var b strings.Builder
	b.WriteString(schedule.KindLabel(ses.Kind))
	if ses.Description != "" {
		b.WriteString("\n\n" + ses.Description)
	}
	if len(ses.Chairs) > 0 {
		b.WriteString("\n\nChaired by " + names(ses.Chairs))
	}
	for i, it := range ses.Items {
		if i == 0 {
			b.WriteString("\n")
		}
		b.WriteString("\n• " + it.Title)
		if len(it.Presenters) > 0 {
			b.WriteString(" (" + names(it.Presenters) + ")")
		}
	}
	if links {
		if room, ok := s.Program.Room(ses.RoomID); ok && room.MeetingURL != "" {
			b.WriteString("\n\nJoin: " + room.MeetingURL)
		}
	}
	b.WriteString("\n\n" + url)
	return b.String()
}

func names(ps []schedule.Person) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return strings.Join(out, ", ")
}
