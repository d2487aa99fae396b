package server

import (
	"html/template"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/registration"
)

// The public registration form, the "check your email" page and the confirmation of an address.

type registerPage struct {
	base
	Conference conference.Conference
	Desk       registration.Desk
	Closed     string // why the form is closed, when it is
	Form       regForm
	Answers    question.Answers
	Demo       question.Answers
	Privacy    template.HTML
	Why        string
	// Existing is the signed-in person's live registration, when they have one.
	Existing *registration.Registration
}

// Roles are the participant roles as options.
func (p *registerPage) Roles() []option { return roleOptions() }

// AccommodationOptions are the accommodations as options.
func (p *registerPage) AccommodationOptions() []option { return accommodationOptions() }

// WorkshopOptions are the workshops as options.
func (p *registerPage) WorkshopOptions() []option {
	return workshopOptions(p.Desk.Workshops, p.Conference)
}

// DemographicFields are the demographic questions' fields.
func (p *registerPage) DemographicFields() []demoField {
	return demographicFields(p, p.Desk.Demographics, p.Demo)
}

// Questions are the organizers' own questions.
func (p *registerPage) Questions() []question.Question { return p.Desk.Settings.Questions }

// Full reports whether new registrations join the waitlist.
func (p *registerPage) Full() bool { return p.Desk.Settings.Full() }

// PlacesLeft is the number of free places, or -1 without a limit.
func (p *registerPage) PlacesLeft() int {
	n, limited := p.Desk.Settings.PlacesLeft()
	if !limited {
		return -1
	}
	return n
}

func (s *Server) registerPage(c echo.Context) (*registerPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return nil, err
	}
	d, err := s.opts.Registrations.Desk(c.Request().Context(), conf)
	if err != nil {
		return nil, err
	}
	p := &registerPage{base: s.base(c, "Register for "+conf.Name), Conference: conf, Desk: d, Answers: question.Answers{},
		Demo: question.Answers{}, Privacy: s.markdown(d.Settings.PrivacyStatement, 3), Why: registration.DemographicsWhy}
	if d.Phase != registration.Open {
		p.Closed = registration.PhaseMessage(d)
	}
	if a := regAccount(c); a != nil {
		if r, err := s.opts.Registrations.Mine(c.Request().Context(), conf, *a); err == nil && r.Status.Live() {
			p.Existing = &r
		}
	}
	return p, nil
}

func (s *Server) registerForm(c echo.Context) error {
	p, err := s.registerPage(c)
	if err != nil {
		return err
	}
	if u, ok := currentUser(c); ok {
		p.Form = regForm{Name: u.Name, Email: u.Email, Pronouns: u.Profile.Pronouns, Role: string(u.Profile.Role),
			RoleOther: u.Profile.RoleOther, Institution: u.Profile.Institution}
	}
	return s.render(c, http.StatusOK, "register", p)
}

// register takes a registration from the form. The answer does not say whether the address was
// registered already: its owner learns that by email. The form page is built only when it has to be
// shown again.
func (s *Server) register(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	var f regForm
	err = s.bindForm(c, &f)
	answers, demo := formAnswers(c)
	if err == nil {
		err = s.allow(c, "register-ip", c.RealIP())
	}
	if err == nil {
		err = s.allow(c, "register-email", conf.Slug+" "+account.NormalizeEmail(f.Email))
	}
	if err == nil && f.Website != "" {
		// A program filled in the field people do not see: answer as for anyone, keep nothing.
		s.log.InfoContext(ctx, "registration honeypot filled", "conference", conf.Slug, "ip", c.RealIP())
		s.sessions.Put(ctx, "register_email", account.NormalizeEmail(f.Email))
		return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/register/sent")
	}
	var res registration.Result
	if err == nil {
		res, err = s.opts.Registrations.Register(ctx, conf, regAccount(c), f.input(answers, demo))
	}
	if err != nil {
		if ae, ok := apperr.As(err); !ok || ae.Code == apperr.Internal {
			return err
		}
		p, perr := s.registerPage(c)
		if perr != nil {
			return perr
		}
		p.Form, p.Answers, p.Demo = f, answers, demo
		return s.renderForm(c, "register", p, err)
	}
	if u, ok := currentUser(c); ok && u.Verified() && res.Registration.Email == u.Email {
		// The account's own confirmed address: no link to wait for.
		if err := s.rememberRegistration(c, conf, res.Registration.ID); err != nil {
			return err
		}
		switch {
		case res.Existing:
			s.flash(c, "You are registered already: here is your registration.")
		case res.Registration.Status == registration.Registered:
			s.flash(c, "You are registered for "+conf.Name+". We have emailed you how to join, with a calendar invitation.")
		default:
			s.flash(c, "The conference is full, so you are on the waitlist. We will email you as soon as a place is yours to take.")
		}
		return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/registration")
	}
	s.sessions.Put(ctx, "register_email", res.Registration.Email)
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/register/sent")
}

type registerSentPage struct {
	base
	Conference conference.Conference
	Email      string
	Hours      int
}

// registerSent asks the person to open the link we sent, and offers to send it again.
func (s *Server) registerSent(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	p := registerSentPage{base: s.base(c, "Check your email"), Conference: conf, Hours: int(registration.ConfirmWithin.Hours()),
		Email: s.sessions.GetString(c.Request().Context(), "register_email")}
	return s.render(c, http.StatusOK, "register_sent", &p)
}

type confirmPage struct {
	base
	Conference conference.Conference
	Token      string
	Name       string
	Email      string // for asking for a new link
}

func (s *Server) confirmForm(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	token := c.QueryParam("token")
	p := confirmPage{base: s.base(c, "Confirm your registration"), Conference: conf, Token: token}
	r, err := s.opts.Registrations.CheckConfirm(c.Request().Context(), conf, token)
	if err != nil {
		p.Token = ""
		err, _ = hiddenFieldError(err, "token")
		return s.renderForm(c, "register_confirm", &p, err)
	}
	if r.Confirmed() {
		// The link was used before: show the registration.
		if err := s.rememberRegistration(c, conf, r.ID); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/registration")
	}
	p.Name = r.Name
	return s.render(c, http.StatusOK, "register_confirm", &p)
}

type confirmForm struct {
	Token string `form:"token" validate:"max=200"`
}

// confirm confirms the address with a button press, not on opening the link: mail scanners that
// open every link cannot confirm registrations for people.
func (s *Server) confirm(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var f confirmForm
	p := confirmPage{base: s.base(c, "Confirm your registration"), Conference: conf}
	err = s.bindForm(c, &f)
	var r registration.Registration
	if err == nil {
		r, err = s.opts.Registrations.Confirm(c.Request().Context(), conf, f.Token)
	}
	if err != nil {
		err, _ = hiddenFieldError(err, "token")
		return s.renderForm(c, "register_confirm", &p, err)
	}
	if err := s.rememberRegistration(c, conf, r.ID); err != nil {
		return err
	}
	switch r.Status {
	case registration.Registered:
		s.flash(c, "Your registration is confirmed. We have emailed you how to join, with a calendar invitation.")
	case registration.Waitlisted:
		s.flash(c, "Your address is confirmed and you are on the waitlist. We will email you as soon as a place is yours to take.")
	default:
		s.flash(c, "Your address is confirmed.")
	}
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/registration")
}
