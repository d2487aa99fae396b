package server

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
)

const ctxConference = "conference"

// conferenceAccess loads the conference named in the path and lets through only those the access
// policy allows the action in it. Others get 404 when they hold no role there, so that the page does
// not confirm what exists behind it.
func (s *Server) conferenceAccess(a access.Action) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			conf, err := s.loadConference(c)
			if err != nil {
				return err
			}
			if err := access.Check(principal(c), a, conf.ID); err != nil {
				return err
			}
			return next(c)
		}
	}
}

func (s *Server) loadConference(c echo.Context) (conference.Conference, error) {
	if conf, ok := c.Get(ctxConference).(conference.Conference); ok {
		return conf, nil
	}
	conf, err := s.opts.Conferences.Get(c.Request().Context(), c.Param("slug"))
	if err != nil {
		return conf, err
	}
	c.Set(ctxConference, conf)
	return conf, nil
}

type conferenceListPage struct {
	base
	Conferences []conference.Conference
}

func (s *Server) conferenceList(c echo.Context) error {
	list, err := s.opts.Conferences.List(c.Request().Context())
	if err != nil {
		return err
	}
	p := conferenceListPage{base: s.base(c, "Conferences"), Conferences: list}
	return s.render(c, http.StatusOK, "conferences", &p)
}

func (s *Server) manageHome(c echo.Context) error {
	conf, _ := s.loadConference(c)
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/manage/proposals")
}

type teamForm struct {
	Email string `form:"email" validate:"max=254"`
	Role  string `form:"role" validate:"max=20"`
}

type teamPage struct {
	base
	Conference conference.Conference
	Members    []conference.Member
	Form       teamForm
}

func (s *Server) teamPage(c echo.Context) (teamPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return teamPage{}, err
	}
	p := teamPage{base: s.base(c, "Team of "+conf.Name), Conference: conf, Form: teamForm{Role: "reviewer"}}
	p.Members, err = s.opts.Conferences.Members(c.Request().Context(), principal(c), conf)
	return p, err
}

func (s *Server) teamShow(c echo.Context) error {
	p, err := s.teamPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "team", &p)
}

func (s *Server) teamAdd(c echo.Context) error {
	p, err := s.teamPage(c)
	if err != nil {
		return err
	}
	var f teamForm
	err = s.bindForm(c, &f)
	p.Form = f
	ctx := c.Request().Context()
	if err == nil {
		err = s.opts.Conferences.Grant(ctx, principal(c), p.Conference, f.Email, access.Role(f.Role))
	} else {
		err = alsoChecked(err, f, func(f teamForm) error {
			return s.opts.Conferences.CheckGrant(ctx, principal(c), p.Conference, f.Email, access.Role(f.Role))
		})
	}
	if err != nil {
		return s.renderForm(c, "team", &p, err)
	}
	s.flash(c, f.Email+" is now "+f.Role+" of "+p.Conference.Name+".")
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/team")
}

type teamRemoveForm struct {
	UserID string `form:"user_id" validate:"max=20"`
	Role   string `form:"role" validate:"max=20"`
}

func (s *Server) teamRemove(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var f teamRemoveForm
	if err := s.bindForm(c, &f); err != nil {
		return err
	}
	id, err := strconv.ParseInt(f.UserID, 10, 64)
	if err != nil {
		return apperr.New(apperr.NotFound, "The person does not have this role.")
	}
	if err := s.opts.Conferences.Revoke(c.Request().Context(), principal(c), conf, id, access.Role(f.Role)); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			p, perr := s.teamPage(c)
			if perr != nil {
				return perr
			}
			return s.renderForm(c, "team", &p, err)
		}
		return err
	}
	s.flash(c, "The role was removed.")
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/manage/team")
}

func (s *Server) conferenceMailLog(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	return s.mailLogPage(c, "Mail log of "+conf.Name, &conf)
}

type conferenceForm struct {
	Slug     string `form:"slug" validate:"max=60"`
	Name     string `form:"name" validate:"max=200"`
	TimeZone string `form:"time_zone" validate:"max=64"`
	StartsOn string `form:"starts_on" validate:"max=10"`
	EndsOn   string `form:"ends_on" validate:"max=10"`
	// Organizer is the email of the account to make the first organizer (optional).
	Organizer string `form:"organizer" validate:"max=254"`
}

type conferenceNewPage struct {
	base
	Form conferenceForm
}

func (s *Server) conferenceNewForm(c echo.Context) error {
	p := conferenceNewPage{base: s.base(c, "New conference"), Form: conferenceForm{TimeZone: "America/New_York"}}
	return s.render(c, http.StatusOK, "conference_new", &p)
}

func (s *Server) conferenceCreate(c echo.Context) error {
	var f conferenceForm
	p := conferenceNewPage{base: s.base(c, "New conference")}
	err := s.bindForm(c, &f)
	p.Form = f
	ctx := c.Request().Context()
	var conf conference.Conference
	if err == nil {
		conf, err = s.opts.Conferences.Create(ctx, principal(c), f.input())
	} else {
		err = alsoChecked(err, f, func(f conferenceForm) error { return s.opts.Conferences.CheckCreate(ctx, principal(c), f.input()) })
	}
	if err != nil {
		return s.renderForm(c, "conference_new", &p, err)
	}
	msg := conf.Name + " is created."
	if o := strings.ToLower(strings.TrimSpace(f.Organizer)); o != "" {
		msg += " " + o + " is its organizer."
	}
	s.flash(c, msg)
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/manage/team")
}

func (f conferenceForm) input() conference.CreateInput {
	return conference.CreateInput{Slug: f.Slug, Name: f.Name, TimeZone: f.TimeZone, StartsOn: f.StartsOn, EndsOn: f.EndsOn, Organizer: f.Organizer}
}
