package server

import (
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/markdown"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/registration"
)

// Shared pieces of the registration pages: the form fields a person fills in, how a registrant is
// recognised (a personal link exchanged for the session, or the signed-in account), and options.

// regForm is the registration form as a browser sends it. Answers to the organizers' questions
// ("answers.<id>") and demographic answers ("demographics.<id>") are read from the form separately.
type regForm struct {
	Name                string   `form:"name" validate:"max=200"`
	Email               string   `form:"email" validate:"max=254"`
	Pronouns            string   `form:"pronouns" validate:"max=100"`
	Role                string   `form:"participant_role" validate:"max=40"`
	RoleOther           string   `form:"role_other" validate:"max=200"`
	Institution         string   `form:"institution" validate:"max=400"`
	Accommodations      []string `form:"accommodations" validate:"max=10,dive,max=40"`
	AccommodationsOther string   `form:"accommodations_other" validate:"max=2000"`
	Workshops           []string `form:"workshops" validate:"max=100,dive,max=20"`
	Consent             string   `form:"consent" validate:"max=10"`
	// Website is the honeypot: people do not see it (and are told to leave it empty if they meet
	// it); form-filling programs fill it in.
	Website string `form:"website" validate:"max=2000"`
}

func (f regForm) input(answers, demo question.Answers) registration.Input {
	in := registration.Input{Name: f.Name, Email: f.Email, Pronouns: f.Pronouns, Role: f.Role, RoleOther: f.RoleOther,
		Institution: f.Institution, Accommodations: f.Accommodations, AccommodationsOther: f.AccommodationsOther,
		Answers: answers, Demographics: demo, Consent: f.Consent != ""}
	for _, w := range f.Workshops {
		id, err := strconv.ParseInt(w, 10, 64)
		if err != nil {
			id = -1 // not offered: the service says so
		}
		in.Workshops = append(in.Workshops, id)
	}
	return in
}

func regFormOf(r registration.Registration) regForm {
	f := regForm{Name: r.Name, Email: r.Email, Pronouns: r.Pronouns, Role: string(r.Role), RoleOther: r.RoleOther,
		Institution: r.Institution, AccommodationsOther: r.AccommodationsOther}
	for _, a := range r.Accommodations {
		f.Accommodations = append(f.Accommodations, string(a))
	}
	return f
}

// prefixed collects the form values whose names start with prefix, keyed by the rest of the name.
func prefixed(values url.Values, prefix string) question.Answers {
	out := question.Answers{}
	for k, v := range values {
		if id, ok := strings.CutPrefix(k, prefix); ok && id != "" {
			out[id] = v
		}
	}
	return out
}

// formAnswers reads the answers to the organizers' questions and the demographic answers.
func formAnswers(c echo.Context) (question.Answers, question.Answers) {
	values, err := c.FormParams()
	if err != nil {
		return question.Answers{}, question.Answers{}
	}
	return prefixed(values, "answers."), prefixed(values, "demographics.")
}

func accommodationOptions() []option {
	out := make([]option, len(registration.Accommodations))
	for i, a := range registration.Accommodations {
		out[i] = option{Value: string(a.Value), Label: a.Label}
	}
	return out
}

// demoField is one demographic question on a form: its group of options and, when it offers one,
// the field for a self-description.
type demoField struct {
	Group field
	Self  *field
}

// demographicFields builds the demographic questions' fields with the answers given so far.
func demographicFields(p interface{ FieldError(string) string }, qs []registration.DemographicQuestion, a question.Answers) []demoField {
	var out []demoField
	for _, q := range qs {
		opts := make([]option, 0, len(q.AllOptions()))
		for _, o := range q.AllOptions() {
			opts = append(opts, option{Value: o, Label: o})
		}
		name := "demographics." + q.ID
		g := newChoice(p, name, q.Label, []string(a[q.ID]), opts, "hint="+q.Help)
		g.Type = "radios"
		if q.Multiple {
			g.Type = "checkboxes"
		}
		if g.Values == nil {
			g.Values = []string{}
		}
		d := demoField{Group: g}
		if q.SelfDescribe {
			f := newField(p, "demographics."+q.SelfID(), "If you prefer to self-describe: "+strings.ToLower(q.Label[:1])+q.Label[1:]+" in your own words",
				"text", a.Value(q.SelfID()))
			d.Self = &f
		}
		out = append(out, d)
	}
	return out
}

// workshopOptions are the workshops as choices on a form, each saying how full it is.
func workshopOptions(ws []registration.Workshop, c conference.Conference) []option {
	out := make([]option, len(ws))
	for i, w := range ws {
		label := w.Title
		if w.StartsAt != nil {
			label += " — " + registration.When(*w.StartsAt, c.Location())
		}
		if w.Full() {
			label += " (full: you join its waitlist)"
		} else {
			label += fmt.Sprintf(" (%d of %d places left)", w.PlacesLeft(), w.Capacity)
		}
		out[i] = option{Value: strconv.FormatInt(w.ID, 10), Label: label}
	}
	return out
}

// md renders organizers' Markdown with its top heading at level top (markdown.HTML).
func md(src string, top int) template.HTML { return markdown.HTML(src, top) }

// markdownCache keeps the HTML of organizers' Markdown that every visitor of a page sees (a privacy
// statement): rendering and sanitizing it is the costliest part of the registration form, and it
// changes only when organizers edit it.
type markdownCache struct {
	mu sync.Mutex
	m  map[string]template.HTML
}

// markdown renders src like md, remembering the result for the next visitor.
func (s *Server) markdown(src string, top int) template.HTML {
	key := strconv.Itoa(top) + src
	mc := &s.mdCache
	mc.mu.Lock()
	h, ok := mc.m[key]
	mc.mu.Unlock()
	if ok {
		return h
	}
	h = md(src, top)
	mc.mu.Lock()
	if mc.m == nil || len(mc.m) >= 64 {
		mc.m = map[string]template.HTML{}
	}
	mc.m[key] = h
	mc.mu.Unlock()
	return h
}

// sessionKey is the session's key for the registration a person opened with their link.
func sessionKey(conf conference.Conference) string { return fmt.Sprintf("registration:%d", conf.ID) }

// rememberRegistration lets the session act for the registration: the personal link has shown that
// the visitor reads its mailbox.
func (s *Server) rememberRegistration(c echo.Context, conf conference.Conference, id int64) error {
	ctx := c.Request().Context()
	// A new session id, as at log-in: the session now carries a right.
	if err := s.sessions.RenewToken(ctx); err != nil {
		return err
	}
	s.sessions.Put(ctx, sessionKey(conf), id)
	return nil
}

// ownRegistration finds the registration the visitor may act for: the one their personal link
// opened in this session, else their account's. apperr NotFound when there is none.
func (s *Server) ownRegistration(c echo.Context, conf conference.Conference) (registration.Registration, error) {
	ctx := c.Request().Context()
	if c.Get(ctxSession) == true {
		if id := s.sessions.GetInt64(ctx, sessionKey(conf)); id != 0 {
			r, err := s.opts.Registrations.Get(ctx, conf, id)
			if err == nil || !apperr.Is(err, apperr.NotFound) {
				return r, err
			}
		}
	}
	if a := regAccount(c); a != nil {
		return s.opts.Registrations.Mine(ctx, conf, *a)
	}
	return registration.Registration{}, apperr.New(apperr.NotFound, "We do not know your registration in this browser yet.")
}

// regAccount is the signed-in account as the registration service knows it, or nil.
func regAccount(c echo.Context) *registration.Account {
	u, ok := currentUser(c)
	if !ok {
		return nil
	}
	return &registration.Account{UserID: u.ID, Email: u.Email, Verified: u.Verified()}
}

// parseID reads a positive id from a path parameter; anything else is not found.
func parseID(c echo.Context, name, what string) (int64, error) {
	return pathID(c, name, "There is no such "+what+".")
}
