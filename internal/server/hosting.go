package server

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/schedule"
)

// hostingPage is what a session's chairs see: the sessions they host and what attendees asked for
// to take part (captions, ASL, needs in their own words), never who asked.
type hostingPage struct {
	confBase
	Sessions []hostedSession
	Needs    []needCount
	Others   []string
}

type hostedSession struct {
	schedule.Slot
	When, Room string
}

func (s *Server) hosting(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := &hostingPage{confBase: s.confBase(c, conf, "Sessions you host · "+conf.Name, "")}
	slots, err := s.opts.Schedule.Hosted(ctx, principal(c), conf)
	if err != nil {
		return err
	}
	for _, sl := range slots {
		p.Sessions = append(p.Sessions, hostedSession{Slot: sl.Slot, When: schedule.Span(sl.Start, sl.End, p.Loc), Room: sl.Room.Name})
	}
	if len(slots) > 0 {
		// Registration is for the whole conference: every session's hosts see the same needs.
		rep, err := s.opts.Registrations.HostAccommodations(ctx, principal(c), conf, slots[0].ChairIDs())
		if err != nil {
			return err
		}
		v := needsViewOf("conference", "", false, rep.Conference)
		p.Needs, p.Others = v.Counts, rep.Conference.Others
	}
	return s.render(c, http.StatusOK, "hosting", p)
}
