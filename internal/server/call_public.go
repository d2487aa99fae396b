package server

import (
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/registration"
	"github.com/challenging-norms/conference/internal/submission"
)

// confBase is what every page of one conference shows: the conference, its time zone, and which
// part of the management menu is open.
type confBase struct {
	base
	Conference conference.Conference
	Loc        *time.Location
	Section    string // the management menu's current item
	CanManage  bool
}

func (s *Server) confBase(c echo.Context, conf conference.Conference, title, section string) confBase {
	b := confBase{base: s.base(c, title), Conference: conf, Loc: conf.Location(), Section: section,
		CanManage: principal(c).Can(access.ManageCall, conf.ID)}
	// The navigation links the conference's program once there is one (a cached read).
	if s.opts.Program != nil {
		if snap, err := s.opts.Program.Latest(c.Request().Context(), conf.ID); err == nil && snap != nil {
			b.ProgramPath = "/c/" + conf.Slug + "/program"
		}
	}
	return b
}

// callState is the call's state at this moment, with the deadline that applies to the visitor.
type callState struct {
	Call     cfp.Call
	State    cfp.State
	Deadline time.Time // the visitor's: the call's close, or later with an extension
	Extended bool
	Now      time.Time
	// Once the call is closed for the visitor: the visitor's proposals that a deadline of their own
	// (or their owner's extension) still leaves to be changed, and how many others they have, which
	// are read-only.
	Changeable []changeable
	ReadOnly   int
}

// changeable is one of the visitor's proposals that can still be changed after the call closed.
type changeable struct {
	ID       int64
	Title    string
	Deadline time.Time
}

// ChangeableLead introduces the list of the visitor's proposals that can still be changed.
func (c callState) ChangeableLead() string {
	n := len(c.Changeable)
	switch {
	case c.ReadOnly == 0 && n == 1:
		return "Your proposal can still be changed until its own deadline:"
	case c.ReadOnly == 0:
		return fmt.Sprintf("Your %d proposals can still be changed, each until its own deadline:", n)
	case c.ReadOnly == 1:
		return fmt.Sprintf("%d of your %d proposals can still be changed, each until its own deadline; the other is read-only:", n, n+1)
	}
	return fmt.Sprintf("%d of your %d proposals can still be changed, each until its own deadline; the others are read-only:", n, n+c.ReadOnly)
}

// seeProposals notes, when the call is closed for the visitor, which of their proposals (props, with
// their standings) can still be changed, so that the call's status does not call them all
// read-only.
func (st *callState) seeProposals(props []submission.Proposal, standings []submission.Standing, loc *time.Location) {
	if st.State != cfp.Closed {
		return
	}
	for i, prop := range props {
		if standings[i].Editable {
			st.Changeable = append(st.Changeable, changeable{ID: prop.ID, Title: prop.TitleIn(loc), Deadline: standings[i].Deadline})
		} else {
			st.ReadOnly++
		}
	}
}

func (s *Server) callState(c echo.Context, call cfp.Call) (callState, error) {
	now := s.opts.Calls.Now()
	st := callState{Call: call, State: call.StateAt(now), Deadline: call.ClosesAt, Now: now}
	if p := principal(c); p != nil {
		d, err := s.opts.Calls.DeadlineFor(c.Request().Context(), call, p.UserID, nil)
		if err != nil {
			return st, err
		}
		if d.After(call.ClosesAt) {
			st.Deadline, st.Extended = d, true
			if st.State == cfp.Closed && now.Before(d) {
				st.State = cfp.Open
			}
		}
	}
	return st, nil
}

// Open reports whether the visitor may start a proposal now.
func (c callState) Open() bool { return c.State == cfp.Open }

type conferencePage struct {
	confBase
	HasCall bool
	cfp.Overview
	// Intro is the call's introduction, its times written in.
	Intro template.HTML
	Call  callState
	// Registration is the registration desk; Registered the visitor's own live registration.
	Registration registration.Desk
	RegisterNote string
	Registered   *registration.Registration
	// Hosting counts the sessions the visitor chairs, for the way to their hosts' page.
	Hosting int
}

// conferenceShow is a conference's home: registration, and its call for proposals with the formats,
// tracks and deadline, and the way in for submitters.
func (s *Server) conferenceShow(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	p := conferencePage{confBase: s.confBase(c, conf, conf.Name, "")}
	o, err := s.opts.Calls.Overview(c.Request().Context(), conf)
	switch {
	case err == nil:
		p.HasCall, p.Overview = true, o
		p.Intro = s.callHTML(o.Call, o.Call.IntroMD, 3, conf.Location())
		if p.Call, err = s.callState(c, o.Call); err != nil {
			return err
		}
		if p.Call.State == cfp.Closed && p.User != nil {
			mine, err := s.opts.Submissions.Mine(c.Request().Context(), p.User, conf)
			if err != nil {
				return err
			}
			standings, err := s.opts.Submissions.Standings(c.Request().Context(), conf, mine)
			if err != nil {
				return err
			}
			p.Call.seeProposals(mine, standings, conf.Location())
		}
	case !apperr.Is(err, apperr.NotFound):
		return err
	}
	if p.Registration, err = s.opts.Registrations.Desk(c.Request().Context(), conf); err != nil {
		return err
	}
	p.RegisterNote = registration.PhaseMessage(p.Registration)
	if r, err := s.ownRegistration(c, conf); err == nil && r.Status.Live() {
		p.Registered = &r
	}
	if p.User != nil {
		hosted, err := s.opts.Schedule.Hosted(c.Request().Context(), p.User, conf)
		if err != nil {
			return err
		}
		p.Hosting = len(hosted)
	}
	return s.render(c, http.StatusOK, "conference", &p)
}

type callPage struct {
	confBase
	Heading string
	// Page is the guide or the FAQ, its times written in; empty when the organizers wrote nothing.
	Page    template.HTML
	Contact string
	// Open: the call takes proposals now, until Closes, so the page ends with the way to start one.
	Open   bool
	Closes time.Time
}

// callHTML renders md, one of the call's pages, with its top heading at level top and the call's
// times written in where it has placeholders. They are written into the HTML, not the Markdown, so
// that a heading that names the deadline keeps its anchor when the deadline moves, and the rendered
// Markdown is kept for the next reader until organizers change it.
func (s *Server) callHTML(call cfp.Call, md string, top int, loc *time.Location) template.HTML {
	return template.HTML(call.Fill(string(s.markdown(md, top)), loc)) //nolint:gosec // the times are text without markup
}

// callGuide and callFAQ show the call's guide and FAQ pages.
func (s *Server) callGuide(c echo.Context) error {
	return s.callPage(c, "Submission guide", func(x cfp.Call) string { return x.GuideMD })
}
func (s *Server) callFAQ(c echo.Context) error {
	return s.callPage(c, "Frequently asked questions", func(x cfp.Call) string { return x.FAQMD })
}

func (s *Server) callPage(c echo.Context, heading string, text func(cfp.Call) string) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	call, err := s.opts.Calls.Call(c.Request().Context(), conf)
	if err != nil {
		return err
	}
	p := callPage{confBase: s.confBase(c, conf, heading+" · "+conf.Name, ""), Heading: heading, Page: s.callHTML(call, text(call), 2, conf.Location()), Contact: call.ContactEmail,
		Open: call.StateAt(s.opts.Calls.Now()) == cfp.Open, Closes: call.ClosesAt}
	return s.render(c, http.StatusOK, "call_page", &p)
}

type accessLinkPage struct {
	confBase
	Link    cfp.AccessLink
	Secret  string
	Formats []cfp.Format // those the link starts proposals of
}

// callAccess is where an access link leads: it says what the link allows and starts a proposal.
func (s *Server) callAccess(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	l, err := s.opts.Calls.CheckAccessLink(c.Request().Context(), conf, c.Param("token"))
	if err != nil {
		return err
	}
	all, err := s.opts.Calls.Formats(c.Request().Context(), conf)
	if err != nil {
		return err
	}
	c.Response().Header().Set("Referrer-Policy", "no-referrer")
	p := accessLinkPage{confBase: s.confBase(c, conf, "Propose to "+conf.Name, ""), Link: l, Secret: c.Param("token"), Formats: l.FormatsOf(all)}
	return s.render(c, http.StatusOK, "call_access", &p)
}
