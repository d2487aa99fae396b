package calendar_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/challenging-norms/conference/internal/calendar"
)

func TestICSRoundTrip(t *testing.T) {
	stamp := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	loc, _ := time.LoadLocation("America/New_York")
	b := calendar.ICS("Challenging Norms",
		calendar.Event{UID: "registration-7@example.org", Summary: "Challenging Norms 2027", AllDay: true,
			Description: "Join: https://meet.example.org/cn, passcode 1234; bring questions.\nSecond line.",
			Start:       time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC), End: time.Date(2027, 6, 2, 0, 0, 0, 0, time.UTC), Stamp: stamp},
		calendar.Event{UID: "workshop-3@example.org", Summary: "Workshop: Curriculum audit",
			Start: time.Date(2027, 6, 1, 13, 0, 0, 0, loc), End: time.Date(2027, 6, 1, 14, 30, 0, 0, loc), Stamp: stamp})
	if !bytes.Contains(b, []byte("\r\n")) || !strings.HasPrefix(string(b), "BEGIN:VCALENDAR") {
		t.Fatalf("not an iCalendar file:\n%s", b)
	}
	cal, err := ics.ParseCalendar(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	ev := cal.Events()
	if len(ev) != 2 {
		t.Fatalf("%d events", len(ev))
	}
	start, err := ev[0].GetAllDayStartAt()
	if err != nil || start.Format(time.DateOnly) != "2027-06-01" {
		t.Errorf("all-day start %v %v", start, err)
	}
	end, err := ev[0].GetAllDayEndAt()
	if err != nil || end.Format(time.DateOnly) != "2027-06-03" {
		t.Errorf("all-day end %v %v (want the day after the last day)", end, err)
	}
	if d := ev[0].GetProperty(ics.ComponentPropertyDescription).Value; !strings.Contains(d, "passcode 1234; bring") || !strings.Contains(d, "\nSecond line.") {
		t.Errorf("description %q", d)
	}
	s, err := ev[1].GetStartAt()
	if err != nil || !s.Equal(time.Date(2027, 6, 1, 17, 0, 0, 0, time.UTC)) {
		t.Errorf("workshop start %v %v", s, err)
	}
	if ev[1].Id() != "workshop-3@example.org" {
		t.Errorf("uid %q", ev[1].Id())
	}
}
