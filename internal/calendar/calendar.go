// Package calendar writes iCalendar files (RFC 5545) that calendar programs import: the invitation
// sent with a confirmed registration or a workshop place, and later the schedule's sessions.
package calendar

import (
	"strings"
	"time"

	ics "github.com/arran4/golang-ical"
)

// ContentType is the media type of what ICS returns, for a mail attachment or a download.
const ContentType = "text/calendar; charset=utf-8; method=PUBLISH"

// Event is one event of a calendar.
type Event struct {
	// UID identifies the event across updates, e.g. "registration-42@conference.example.org": a
	// calendar that imports a newer file with the same UID updates the event instead of adding one.
	UID         string
	Summary     string
	Description string
	URL         string
	Location    string
	// AllDay events run from the date of Start to the date of End, both included (a conference's
	// days); other events from Start to End.
	AllDay     bool
	Start, End time.Time
	// Stamp is when this version of the event was written.
	Stamp time.Time
}

// ICS returns a calendar holding the events, published by product (e.g. the site's name).
func ICS(product string, events ...Event) []byte {
	cal := ics.NewCalendar()
	cal.SetProductId("-//" + strings.ReplaceAll(product, "//", "/") + "//Conference Platform//EN")
	cal.SetMethod(ics.MethodPublish)
	for _, e := range events {
		ev := cal.AddEvent(e.UID)
		ev.SetDtStampTime(e.Stamp)
		ev.SetSummary(e.Summary)
		if e.Description != "" {
			ev.SetDescription(e.Description)
		}
		if e.URL != "" {
			ev.SetURL(e.URL)
		}
		if e.Location != "" {
			ev.SetLocation(e.Location)
		}
		if e.AllDay {
			ev.SetAllDayStartAt(e.Start)
			// DTEND of an all-day event is the day after the last one.
			ev.SetAllDayEndAt(e.End.AddDate(0, 0, 1))
		} else {
			ev.SetStartAt(e.Start)
			ev.SetEndAt(e.End)
		}
	}
	// RFC 5545 ends lines with CRLF.
	return []byte(cal.Serialize(ics.WithNewLine("\r\n")))
}
