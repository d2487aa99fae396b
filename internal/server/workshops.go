package server

import (
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/registration"
)

// Organizers' workshop pages: the list with a form to add one, and one workshop with its
// participants and a form to change it.

type workshopForm struct {
	Title       string `form:"title" validate:"max=400"`
	Description string `form:"description" validate:"max=20000"`
	Capacity    string `form:"capacity" validate:"max=12"`
	StartsAt    string `form:"starts_at" validate:"max=40"`
	EndsAt      string `form:"ends_at" validate:"max=40"`
	// ClientKey is the add form's key, one per form shown, that adds the workshop once however
	// often the form is sent (the API's is its Idempotency-Key).
	ClientKey string `form:"client_key" validate:"max=100"`
}

// input is the workshop of the form; a number of places that is not one is none, which the
// service refuses with the other fields' errors.
func (f workshopForm) input() registration.WorkshopInput {
	n, _ := strconv.Atoi(strings.TrimSpace(f.Capacity))
	return registration.WorkshopInput{Title: f.Title, Description: f.Description, Capacity: n, StartsAt: f.StartsAt, EndsAt: f.EndsAt,
		ClientKey: f.ClientKey}
}

// saveWorkshop creates the workshop of the form (id 0) or saves it; a form its own rules refused is
// answered with what the service would refuse as well.
func (s *Server) saveWorkshop(c echo.Context, conf conference.Conference, id int64, f workshopForm, err error) (registration.Workshop, error) {
	ctx := c.Request().Context()
	switch {
	case err != nil:
		return registration.Workshop{}, alsoChecked(err, f, func(f workshopForm) error {
			return s.opts.Registrations.CheckWorkshop(ctx, principal(c), conf, id, f.input())
		})
	case id == 0:
		return s.opts.Registrations.CreateWorkshop(ctx, principal(c), conf, f.input())
	default:
		return s.opts.Registrations.UpdateWorkshop(ctx, principal(c), conf, id, f.input())
	}
}

func workshopFormOf(w registration.Workshop, loc *time.Location) workshopForm {
	return workshopForm{Title: w.Title, Description: w.Description, Capacity: strconv.Itoa(w.Capacity),
		StartsAt: localTime(w.StartsAt, loc), EndsAt: localTime(w.EndsAt, loc)}
}

type workshopsPage struct {
	base
	Nav        manageNav
	Conference conference.Conference
	Workshops  []registration.Workshop
	Form       workshopForm
}

// When writes a workshop's time in the conference's time zone, or "".
func (p *workshopsPage) When(w registration.Workshop) string { return workshopTime(w, p.Conference) }

func workshopTime(w registration.Workshop, c conference.Conference) string {
	if w.StartsAt == nil {
		return ""
	}
	out := registration.When(*w.StartsAt, c.Location())
	if w.EndsAt != nil {
		out += " to " + w.EndsAt.In(c.Location()).Format("15:04 MST")
	}
	return out
}

func (s *Server) workshopsPageFor(c echo.Context) (*workshopsPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return nil, err
	}
	ws, err := s.opts.Registrations.Workshops(c.Request().Context(), conf)
	if err != nil {
		return nil, err
	}
	return &workshopsPage{base: s.base(c, "Workshops"), Nav: navOf(conf.Slug, "workshops"), Conference: conf, Workshops: ws,
		Form: workshopForm{Capacity: "30", ClientKey: newClientKey()}}, nil
}

func (s *Server) workshopsShow(c echo.Context) error {
	p, err := s.workshopsPageFor(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "workshops", p)
}

func (s *Server) workshopCreate(c echo.Context) error {
	p, err := s.workshopsPageFor(c)
	if err != nil {
		return err
	}
	var f workshopForm
	err = s.bindForm(c, &f)
	p.Form = f
	w, err := s.saveWorkshop(c, p.Conference, 0, f, err)
	if errors.Is(err, apperr.ErrKeyUsed) {
		// Sent again, changed, from a form that added a workshop: sending it once more adds another.
		p.Form.ClientKey = newClientKey()
	}
	if err != nil {
		return s.renderForm(c, "workshops", p, err)
	}
	s.flash(c, "The workshop “"+w.Title+"” is added.")
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/workshops")
}

type workshopPage struct {
	base
	Nav        manageNav
	Conference conference.Conference
	Detail     registration.WorkshopDetail
	Form       workshopForm
}

// When writes the workshop's time, or "".
func (p *workshopPage) When() string { return workshopTime(p.Detail.Workshop, p.Conference) }

// Waiting is the length of the workshop's waitlist.
func (p *workshopPage) Waiting() int { return p.Detail.Counts[registration.Waitlisted] }

// Description is the workshop's description as HTML.
func (p *workshopPage) Description() template.HTML { return md(p.Detail.Workshop.Description, 3) }

// Until writes when an offer runs out.
func (p *workshopPage) Until(t *time.Time) string {
	if t == nil {
		return ""
	}
	return registration.When(*t, p.Conference.Location())
}

func (s *Server) workshopPageFor(c echo.Context) (*workshopPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return nil, err
	}
	id, err := parseID(c, "id", "workshop")
	if err != nil {
		return nil, err
	}
	d, err := s.opts.Registrations.Workshop(c.Request().Context(), principal(c), conf, id)
	if err != nil {
		return nil, err
	}
	return &workshopPage{base: s.base(c, d.Workshop.Title), Nav: navOf(conf.Slug, "workshops"), Conference: conf, Detail: d,
		Form: workshopFormOf(d.Workshop, conf.Location())}, nil
}

func (s *Server) workshopShow(c echo.Context) error {
	p, err := s.workshopPageFor(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "workshop", p)
}

func (s *Server) workshopUpdate(c echo.Context) error {
	p, err := s.workshopPageFor(c)
	if err != nil {
		return err
	}
	var f workshopForm
	err = s.bindForm(c, &f)
	p.Form = f
	_, err = s.saveWorkshop(c, p.Conference, p.Detail.Workshop.ID, f, err)
	if err != nil {
		return s.renderForm(c, "workshop", p, err)
	}
	s.flash(c, "The workshop is saved.")
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/c/%s/manage/workshops/%d", p.Conference.Slug, p.Detail.Workshop.ID))
}

func (s *Server) workshopDelete(c echo.Context) error {
	p, err := s.workshopPageFor(c)
	if err != nil {
		return err
	}
	if err := s.opts.Registrations.DeleteWorkshop(c.Request().Context(), principal(c), p.Conference, p.Detail.Workshop.ID); err != nil {
		return s.renderForm(c, "workshop", p, err)
	}
	s.flash(c, "The workshop “"+p.Detail.Workshop.Title+"” is deleted.")
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/workshops")
}
