package server

import (
	"errors"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
)

// callForm is the call's settings as organizers edit them; times are in the conference's zone.
type callForm struct {
	Version      string `form:"version" validate:"max=10"`
	OpensAt      string `form:"opens_at" validate:"max=40"`
	ClosesAt     string `form:"closes_at" validate:"max=40"`
	ContactEmail string `form:"contact_email" validate:"max=254"`
	IntroMD      string `form:"intro_md"`
	GuideMD      string `form:"guide_md"`
	FAQMD        string `form:"faq_md"`
}

func (f callForm) input() cfp.CallInput {
	return cfp.CallInput{Opens: f.OpensAt, Closes: f.ClosesAt, ContactEmail: f.ContactEmail, IntroMD: f.IntroMD, GuideMD: f.GuideMD, FAQMD: f.FAQMD}
}

func callFormOf(c cfp.Call, conf conference.Conference) callForm {
	loc := conf.Location()
	return callForm{Version: strconv.Itoa(c.Version), OpensAt: cfp.LocalInput(c.OpensAt, loc), ClosesAt: cfp.LocalInput(c.ClosesAt, loc),
		ContactEmail: c.ContactEmail, IntroMD: c.IntroMD, GuideMD: c.GuideMD, FAQMD: c.FAQMD}
}

type manageCallPage struct {
	confBase
	Form callForm
	New  bool
	// Meanwhile is what someone else saved since the form was opened, when that refused it.
	Meanwhile *savedMeanwhile
}

func (s *Server) manageCallPage(c echo.Context) (manageCallPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return manageCallPage{}, err
	}
	p := manageCallPage{confBase: s.confBase(c, conf, "Call for proposals · "+conf.Name, "call")}
	call, err := s.opts.Calls.Call(c.Request().Context(), conf)
	switch {
	case err == nil:
		p.Form = callFormOf(call, conf)
	case apperr.Is(err, apperr.NotFound):
		p.New = true
		p.Form = callForm{Version: "0"}
	default:
		return p, err
	}
	return p, nil
}

func (s *Server) manageCall(c echo.Context) error {
	p, err := s.manageCallPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "manage_call", &p)
}

func (s *Server) manageCallSave(c echo.Context) error {
	p, err := s.manageCallPage(c)
	if err != nil {
		return err
	}
	var f callForm
	err = s.bindForm(c, &f)
	p.Form = f
	ctx := c.Request().Context()
	if err == nil {
		version, _ := strconv.Atoi(f.Version)
		_, err = s.opts.Calls.SaveCall(ctx, principal(c), p.Conference, version, f.input())
	} else {
		err = alsoChecked(err, f, func(f callForm) error {
			return s.opts.Calls.CheckCall(ctx, principal(c), p.Conference, func(cfp.Call) cfp.CallInput { return f.input() })
		})
	}
	if apperr.Is(err, apperr.Conflict) {
		err = s.callMeanwhile(c, &p, err)
	}
	if err != nil {
		return s.renderForm(c, "manage_call", &p, err)
	}
	s.flash(c, "The call is saved.")
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/call")
}

// callMeanwhile turns a save refused because the call changed since the form's version (or was
// created, for a form that created it) into the form as typed, next to what is saved now, carrying
// the version saved now. What is saved now being what was typed (line endings and the blanks around
// the texts aside), there is nothing to refuse: nil. Any other conflict is err.
func (s *Server) callMeanwhile(c echo.Context, p *manageCallPage, err error) error {
	call, cerr := s.opts.Calls.Call(c.Request().Context(), p.Conference)
	if cerr != nil || strconv.Itoa(call.Version) == p.Form.Version {
		return err
	}
	saved, typed := callFormOf(call, p.Conference), p.Form
	m := &savedMeanwhile{}
	m.differ("opens_at", "Opens", typed.OpensAt, saved.OpensAt)
	m.differ("closes_at", "Closes", typed.ClosesAt, saved.ClosesAt)
	m.differ("contact_email", "Contact address for questions", strings.ToLower(typed.ContactEmail), saved.ContactEmail)
	m.differ("intro_md", "Introduction", typed.IntroMD, saved.IntroMD)
	m.differ("guide_md", "Submission guide", typed.GuideMD, saved.GuideMD)
	m.differ("faq_md", "Frequently asked questions", typed.FAQMD, saved.FAQMD)
	if len(m.Changed) == 0 && atoi(typed.Version) < call.Version {
		return nil
	}
	p.Meanwhile, p.New, p.Form.Version = m, false, saved.Version
	return staleForm("the call")
}

// trackForm is a track as organizers edit it. ClientKey is the add form's key, one per form shown,
// that makes the track once however often the form is sent (the API's is its Idempotency-Key).
type trackForm struct {
	Name        string `form:"name" json:"name" validate:"max=400"`
	Description string `form:"description" json:"description" validate:"max=4000"`
	ClientKey   string `form:"client_key" json:"-" validate:"max=100"`
}

type manageTracksPage struct {
	confBase
	Tracks []cfp.Track
	Form   trackForm
	// Editing is the track whose form is shown, or 0 for the form that adds one.
	Editing int64
}

func (s *Server) manageTracksPage(c echo.Context) (manageTracksPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return manageTracksPage{}, err
	}
	p := manageTracksPage{confBase: s.confBase(c, conf, "Tracks · "+conf.Name, "tracks"), Form: trackForm{ClientKey: newClientKey()}}
	p.Tracks, err = s.opts.Calls.Tracks(c.Request().Context(), conf)
	return p, err
}

func (s *Server) manageTracks(c echo.Context) error {
	p, err := s.manageTracksPage(c)
	if err != nil {
		return err
	}
	if id, _ := strconv.ParseInt(c.QueryParam("edit"), 10, 64); id > 0 {
		for _, t := range p.Tracks {
			if t.ID == id {
				p.Editing, p.Form = id, trackForm{Name: t.Name, Description: t.Description}
			}
		}
	}
	return s.render(c, http.StatusOK, "manage_tracks", &p)
}

// manageTrackSave adds a track, or saves one (id in the path).
func (s *Server) manageTrackSave(c echo.Context) error {
	p, err := s.manageTracksPage(c)
	if err != nil {
		return err
	}
	var f trackForm
	err = s.bindForm(c, &f)
	p.Form = f
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	p.Editing = id
	ctx := c.Request().Context()
	var saved cfp.Track
	switch {
	case err != nil:
		err = alsoChecked(err, f, func(f trackForm) error {
			return s.opts.Calls.CheckTrack(ctx, principal(c), p.Conference, cfp.TrackInput(f))
		})
	// The same form sent twice (a double click) makes one track, and both answers say so.
	case id == 0:
		saved, err = s.opts.Calls.CreateTrack(ctx, principal(c), p.Conference, cfp.TrackInput(f))
	default:
		saved, err = s.opts.Calls.UpdateTrack(ctx, principal(c), p.Conference, id, cfp.TrackInput(f))
	}
	if errors.Is(err, cfp.ErrKeyUsed) {
		// Sent again, changed, from a form that added a track: sending it once more adds another.
		p.Form.ClientKey = newClientKey()
	}
	if err != nil {
		return s.renderForm(c, "manage_tracks", &p, err)
	}
	s.flash(c, "The track “"+saved.Name+"” is saved.")
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/tracks")
}

// moveForm moves an item of a list up or down.
type moveForm struct {
	Direction string `form:"direction" validate:"max=10"`
}

func (s *Server) moveDelta(c echo.Context) (int, error) {
	var f moveForm
	if err := s.bindForm(c, &f); err != nil {
		return 0, err
	}
	switch f.Direction {
	case "up":
		return -1, nil
	case "down":
		return 1, nil
	}
	return 0, apperr.New(apperr.Malformed, "Move the item up or down.")
}

func (s *Server) manageTrackMove(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	delta, err := s.moveDelta(c)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	if err := s.opts.Calls.MoveTrack(c.Request().Context(), principal(c), conf, id, delta); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/manage/tracks")
}

func (s *Server) manageTrackDelete(c echo.Context) error {
	p, err := s.manageTracksPage(c)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	if err := s.opts.Calls.DeleteTrack(c.Request().Context(), principal(c), p.Conference, id); err != nil {
		if apperr.Is(err, apperr.Conflict) {
			return s.renderForm(c, "manage_tracks", &p, err)
		}
		return err
	}
	msg := "The track is deleted."
	for _, t := range p.Tracks {
		if t.ID == id {
			msg = "The track “" + t.Name + "” is deleted."
		}
	}
	s.flash(c, msg)
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/tracks")
}
