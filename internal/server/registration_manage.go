package server

import (
	"context"
	"html/template"
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/calendar"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/registration"
)

// The attendee's own registration page: where they stand, how to join, workshops, their details,
// their demographic answers, and cancelling. Reached by the personal link from any email (exchanged
// for the session, so the link does not stay in the address bar), or from the account page.

type registrationPage struct {
	base
	Conference conference.Conference
	View       *registration.View // nil when the registration is not known in this browser
	Join       template.HTML
	Form       regForm
	Answers    question.Answers
	Demo       question.Answers
	Why        string
	LinkEmail  string
}

// Roles are the participant roles as options.
func (p *registrationPage) Roles() []option { return roleOptions() }

// AccommodationOptions are the accommodations as options.
func (p *registrationPage) AccommodationOptions() []option { return accommodationOptions() }

// DemographicFields are the demographic questions' fields.
func (p *registrationPage) DemographicFields() []demoField {
	if p.View == nil {
		return nil
	}
	return demographicFields(p, p.View.Demographics, p.Demo)
}

// Questions are the organizers' own questions.
func (p *registrationPage) Questions() []question.Question {
	if p.View == nil {
		return nil
	}
	return p.View.Questions
}

// OfferUntil is when the offer of a place runs out, in the conference's time zone.
func (p *registrationPage) OfferUntil() string {
	if p.View == nil || p.View.Registration.OfferExpiresAt == nil {
		return ""
	}
	return registration.When(*p.View.Registration.OfferExpiresAt, p.Conference.Location())
}

// ConfirmBy is when an unconfirmed registration lapses.
func (p *registrationPage) ConfirmBy() string {
	if p.View == nil || p.View.Registration.ConfirmBy == nil {
		return ""
	}
	return registration.When(*p.View.Registration.ConfirmBy, p.Conference.Location())
}

// WorkshopWhen writes a workshop's time, or "".
func (p *registrationPage) WorkshopWhen(w registration.Workshop) string {
	if w.StartsAt == nil {
		return ""
	}
	out := registration.When(*w.StartsAt, p.Conference.Location())
	if w.EndsAt != nil {
		out += " to " + w.EndsAt.In(p.Conference.Location()).Format("15:04 MST")
	}
	return out
}

// SignupUntil is when a workshop offer runs out.
func (p *registrationPage) SignupUntil(su *registration.Signup) string {
	if su == nil || su.OfferExpiresAt == nil {
		return ""
	}
	return registration.When(*su.OfferExpiresAt, p.Conference.Location())
}

// Markdown renders organizers' Markdown (a workshop's description) under the page's headings.
func (p *registrationPage) Markdown(src string) template.HTML { return md(src, 4) }

// registrationPageFor builds the page of the registration the visitor may act for, or the page that
// helps them find it.
func (s *Server) registrationPageFor(c echo.Context) (*registrationPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return nil, err
	}
	p := &registrationPage{base: s.base(c, "Your registration for "+conf.Name), Conference: conf, Why: registration.DemographicsWhy,
		Answers: question.Answers{}, Demo: question.Answers{}}
	r, err := s.ownRegistration(c, conf)
	if apperr.Is(err, apperr.NotFound) {
		p.Title = "Find your registration"
		if u, ok := currentUser(c); ok {
			p.LinkEmail = u.Email
		}
		return p, nil
	}
	if err != nil {
		return nil, err
	}
	return p, s.fillRegistrationPage(c.Request().Context(), p, r.ID)
}

func (s *Server) fillRegistrationPage(ctx context.Context, p *registrationPage, id int64) error {
	v, err := s.opts.Registrations.View(ctx, p.Conference, id)
	if err != nil {
		return err
	}
	p.View = &v
	p.Join = md(v.JoinInfo, 3)
	p.Form = regFormOf(v.Registration)
	p.Answers = v.Registration.Answers
	return nil
}

// registrationShow shows the visitor's registration. With ?token= (the personal link from an email)
// it takes the link into the session and shows the page without it.
func (s *Server) registrationShow(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	if token := c.QueryParam("token"); c.QueryParams().Has("token") {
		r, err := s.opts.Registrations.OpenLink(c.Request().Context(), conf, token)
		if err != nil {
			p := &registrationPage{base: s.base(c, "Find your registration"), Conference: conf}
			err, _ = hiddenFieldError(err, "token")
			return s.renderForm(c, "registration", p, err)
		}
		if err := s.rememberRegistration(c, conf, r.ID); err != nil {
			return err
		}
		return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/registration")
	}
	p, err := s.registrationPageFor(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "registration", p)
}

type registrationLinkForm struct {
	Email string `form:"email" validate:"max=254"`
}

// registrationLink emails the personal link (or the confirmation link) of an address's
// registration. The answer is the same whether or not the address is registered.
func (s *Server) registrationLink(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var f registrationLinkForm
	p := &registrationPage{base: s.base(c, "Find your registration"), Conference: conf}
	err = s.bindForm(c, &f)
	p.LinkEmail = f.Email
	if err == nil {
		err = s.allow(c, "register-ip", c.RealIP())
	}
	if err == nil {
		err = s.allow(c, "register-email", conf.Slug+" "+account.NormalizeEmail(f.Email))
	}
	if err == nil {
		err = s.opts.Registrations.SendLink(c.Request().Context(), conf, f.Email)
	}
	if err != nil {
		return s.renderForm(c, "registration", p, err)
	}
	s.sessions.Put(c.Request().Context(), "register_email", account.NormalizeEmail(f.Email))
	s.flash(c, "If "+account.NormalizeEmail(f.Email)+" is registered for "+conf.Name+", a link to the registration is on its way.")
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/register/sent")
}

// ownAction runs an attendee's action on their registration, then returns to the page with the
// message it gives, or shows the page with what went wrong.
func (s *Server) ownAction(c echo.Context, act func(ctx context.Context, conf conference.Conference, r registration.Registration) (string, error)) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	r, err := s.ownRegistration(c, conf)
	if err != nil {
		if apperr.Is(err, apperr.NotFound) {
			return apperr.New(apperr.NotFound, "We do not know your registration in this browser. Open the link in your registration email, or ask for a new one.")
		}
		return err
	}
	ctx := c.Request().Context()
	done, err := act(ctx, conf, r)
	if err != nil {
		p := &registrationPage{base: s.base(c, "Your registration for "+conf.Name), Conference: conf, Why: registration.DemographicsWhy,
			Answers: question.Answers{}, Demo: question.Answers{}}
		if ae, ok := apperr.As(err); !ok || ae.Code == apperr.Internal {
			return err
		}
		if ferr := s.fillRegistrationPage(ctx, p, r.ID); ferr != nil {
			return ferr
		}
		return s.renderForm(c, "registration", p, err)
	}
	s.flash(c, done)
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/registration")
}

func (s *Server) registrationCancel(c echo.Context) error {
	return s.ownAction(c, func(ctx context.Context, conf conference.Conference, r registration.Registration) (string, error) {
		return "Your registration is cancelled. Thank you for letting us know: your place passes to someone on the waitlist.",
			s.opts.Registrations.Cancel(ctx, conf, r.ID)
	})
}

func (s *Server) registrationAccept(c echo.Context) error {
	return s.ownAction(c, func(ctx context.Context, conf conference.Conference, r registration.Registration) (string, error) {
		return "The place is yours. We have emailed you how to join, with a calendar invitation.",
			s.opts.Registrations.AcceptOffer(ctx, conf, r.ID)
	})
}

// registrationDetails saves changes to the registrant's details; a form with errors comes back with
// what was typed.
func (s *Server) registrationDetails(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	r, err := s.ownRegistration(c, conf)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := &registrationPage{base: s.base(c, "Your registration for "+conf.Name), Conference: conf, Why: registration.DemographicsWhy}
	if err := s.fillRegistrationPage(ctx, p, r.ID); err != nil {
		return err
	}
	var f regForm
	err = s.bindForm(c, &f)
	f.Email = r.Email
	p.Form = f
	p.Answers, _ = formAnswers(c)
	if err == nil {
		_, err = s.opts.Registrations.UpdateDetails(ctx, conf, r.ID, f.input(p.Answers, nil))
	}
	if err != nil {
		return s.renderForm(c, "registration", p, err)
	}
	s.flash(c, "Your details are saved.")
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/registration#details")
}

func (s *Server) registrationDemographics(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	r, err := s.ownRegistration(c, conf)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := &registrationPage{base: s.base(c, "Your registration for "+conf.Name), Conference: conf, Why: registration.DemographicsWhy}
	if err := s.fillRegistrationPage(ctx, p, r.ID); err != nil {
		return err
	}
	if _, err := c.FormParams(); err != nil {
		return apperr.New(apperr.Malformed, "The form could not be read. Reload the page and try again.")
	}
	_, p.Demo = formAnswers(c)
	if err := s.opts.Registrations.SetDemographics(ctx, conf, r.ID, p.Demo); err != nil {
		return s.renderForm(c, "registration", p, err)
	}
	s.flash(c, "Thank you: your answers are saved, apart from your name and address.")
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/registration#demographics")
}

func (s *Server) registrationDemographicsDelete(c echo.Context) error {
	return s.ownAction(c, func(ctx context.Context, conf conference.Conference, r registration.Registration) (string, error) {
		had, err := s.opts.Registrations.DeleteDemographics(ctx, conf, r.ID)
		if !had {
			return "There were no answers to delete.", err
		}
		return "Your answers to the demographic questions are deleted.", err
	})
}

func (s *Server) workshopJoin(c echo.Context) error {
	id, err := parseID(c, "id", "workshop")
	if err != nil {
		return err
	}
	return s.ownAction(c, func(ctx context.Context, conf conference.Conference, r registration.Registration) (string, error) {
		su, err := s.opts.Registrations.JoinWorkshop(ctx, conf, r.ID, id)
		if su.Status == registration.Waitlisted {
			return "The workshop is full, so you are on its waitlist. We will email you if a place is yours to take.", err
		}
		return "You have a place in the workshop. We have emailed you the details.", err
	})
}

func (s *Server) workshopLeave(c echo.Context) error {
	id, err := parseID(c, "id", "workshop")
	if err != nil {
		return err
	}
	return s.ownAction(c, func(ctx context.Context, conf conference.Conference, r registration.Registration) (string, error) {
		return "You are no longer signed up for the workshop.", s.opts.Registrations.LeaveWorkshop(ctx, conf, r.ID, id)
	})
}

func (s *Server) workshopAccept(c echo.Context) error {
	id, err := parseID(c, "id", "workshop")
	if err != nil {
		return err
	}
	return s.ownAction(c, func(ctx context.Context, conf conference.Conference, r registration.Registration) (string, error) {
		return "The workshop place is yours. We have emailed you the details.", s.opts.Registrations.AcceptWorkshopOffer(ctx, conf, r.ID, id)
	})
}

// registrationCalendar downloads the calendar invitation of a confirmed place.
func (s *Server) registrationCalendar(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	r, err := s.ownRegistration(c, conf)
	if err != nil {
		return err
	}
	b, err := s.opts.Registrations.Calendar(c.Request().Context(), conf, r.ID)
	if err != nil {
		return err
	}
	return sendCalendar(c, conf.Slug+".ics", b)
}

func sendCalendar(c echo.Context, name string, b []byte) error {
	c.Response().Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	c.Response().Header().Set("Cache-Control", "no-store")
	return c.Blob(http.StatusOK, calendar.ContentType, b)
}
