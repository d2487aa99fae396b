package server

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/registration"
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
	Proposals  []schedule.HostedItem
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
		p.Sessions = append(p.Sessions, hostedSession{Slot: sl.Slot, When: schedule.Span(sl.Start, sl.End, p.Loc), Room: sl.Room.Name,
			Proposals: sl.Proposals})
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

type apiHostedSession struct {
	ID        int64           `json:"id"`
	Title     string          `json:"title"`
	Kind      string          `json:"kind"`
	Start     time.Time       `json:"start"`
	End       time.Time       `json:"end"`
	Room      string          `json:"room"`
	Proposals []apiHostedItem `json:"proposals"`
}

type apiHostedItem struct {
	Title      string   `json:"title"`
	Format     string   `json:"format"`
	Minutes    int      `json:"minutes"`
	Presenters []string `json:"presenters"`
}

type apiNeed struct {
	Accommodation string `json:"accommodation"`
	Label         string `json:"label"`
	Places        int    `json:"places"`
	Waiting       int    `json:"waiting"`
}

// apiHosting is the hosts' page in the API: the caller's sessions and, when they chair any, the
// accommodations registered attendees asked for, without names.
func (s *Server) apiHosting(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	slots, err := s.opts.Schedule.Hosted(ctx, principal(c), conf)
	if err != nil {
		return err
	}
	out := struct {
		Sessions       []apiHostedSession `json:"sessions"`
		Accommodations []apiNeed          `json:"accommodations"`
		OtherNeeds     []string           `json:"other_needs"`
	}{Sessions: []apiHostedSession{}, Accommodations: []apiNeed{}, OtherNeeds: []string{}}
	for _, sl := range slots {
		hs := apiHostedSession{ID: sl.ID, Title: sl.Title, Kind: sl.Kind, Start: sl.Start.UTC(), End: sl.End.UTC(), Room: sl.Room.Name,
			Proposals: []apiHostedItem{}}
		for _, it := range sl.Proposals {
			item := apiHostedItem{Title: it.Title, Format: it.Format, Minutes: it.Minutes, Presenters: []string{}}
			for _, pr := range it.Presenters {
				item.Presenters = append(item.Presenters, pr.Name)
			}
			hs.Proposals = append(hs.Proposals, item)
		}
		out.Sessions = append(out.Sessions, hs)
	}
	if len(slots) > 0 {
		rep, err := s.opts.Registrations.HostAccommodations(ctx, principal(c), conf, slots[0].ChairIDs())
		if err != nil {
			return err
		}
		for _, a := range registration.Accommodations {
			out.Accommodations = append(out.Accommodations, apiNeed{Accommodation: string(a.Value), Label: a.Value.Label(),
				Places: rep.Conference.Counts[a.Value], Waiting: rep.Conference.Waiting[a.Value]})
		}
		out.OtherNeeds = append(out.OtherNeeds, rep.Conference.Others...)
	}
	return c.JSON(http.StatusOK, out)
}
