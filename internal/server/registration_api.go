package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/account"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/registration"
)

// The registration API under /api/v1/conferences/{slug}: the public form, registering, the
// registrant's own registration (by API token or by the personal link's token in the
// Registration-Token header), and the organizers' endpoints. JSON shapes follow api/openapi.yaml.

// apiAnswer is one answer: a string, true/false (a checkbox) or a list of strings (several choices).
type apiAnswer []string

// UnmarshalJSON accepts a string, a boolean or a list of strings.
func (a *apiAnswer) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")), bytes.Equal(b, []byte("false")):
		*a = nil
		return nil
	case bytes.Equal(b, []byte("true")):
		*a = apiAnswer{"yes"}
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*a = apiAnswer{s}
		return nil
	case len(b) > 0 && b[0] == '[':
		var ss []string
		if err := json.Unmarshal(b, &ss); err != nil {
			return &json.UnmarshalTypeError{Value: "a list of other things", Type: reflect.TypeOf([]string{})}
		}
		*a = ss
		return nil
	}
	return &json.UnmarshalTypeError{Value: jsonKindOf(b), Type: reflect.TypeOf("")}
}

// jsonShapes says what an answer may be, for a body that sends something else.
func (apiAnswer) jsonShapes() string {
	return "a string, a list of strings (for a multiple choice) or true or false (for a checkbox)"
}

func jsonKindOf(b []byte) string {
	if len(b) > 0 && b[0] == '{' {
		return "object"
	}
	return "number " + string(b)
}

// apiAnswers are answers by question id; a wrong one is named "answers.<id>" (see typeCheck).
type apiAnswers map[string]apiAnswer

func (a apiAnswers) answers() question.Answers {
	out := question.Answers{}
	for k, v := range a {
		out[k] = v
	}
	return out
}

type apiRegisterRequest struct {
	Name                string     `json:"name" validate:"max=200"`
	Email               string     `json:"email" validate:"max=254"`
	Pronouns            string     `json:"pronouns" validate:"max=100"`
	Role                string     `json:"participant_role" validate:"max=40"`
	RoleOther           string     `json:"role_other" validate:"max=200"`
	Institution         string     `json:"institution" validate:"max=400"`
	Accommodations      []string   `json:"accommodations" validate:"max=10,dive,max=40"`
	AccommodationsOther string     `json:"accommodations_other" validate:"max=2000"`
	Answers             apiAnswers `json:"answers" validate:"max=100"`
	Demographics        apiAnswers `json:"demographics" validate:"max=40"`
	Workshops           []int64    `json:"workshops" validate:"max=100"`
	Consent             bool       `json:"consent"`
}

func (r apiRegisterRequest) input() registration.Input {
	return registration.Input{Name: r.Name, Email: r.Email, Pronouns: r.Pronouns, Role: r.Role, RoleOther: r.RoleOther,
		Institution: r.Institution, Accommodations: r.Accommodations, AccommodationsOther: r.AccommodationsOther,
		Answers: r.Answers.answers(), Demographics: r.Demographics.answers(), Workshops: r.Workshops, Consent: r.Consent}
}

// apiAddRequest is what organizers send to add someone: no consent and no demographic answers,
// which are the person's own to give.
type apiAddRequest struct {
	Name                string     `json:"name" validate:"max=200"`
	Email               string     `json:"email" validate:"max=254"`
	Pronouns            string     `json:"pronouns" validate:"max=100"`
	Role                string     `json:"participant_role" validate:"max=40"`
	RoleOther           string     `json:"role_other" validate:"max=200"`
	Institution         string     `json:"institution" validate:"max=400"`
	Accommodations      []string   `json:"accommodations" validate:"max=10,dive,max=40"`
	AccommodationsOther string     `json:"accommodations_other" validate:"max=2000"`
	Answers             apiAnswers `json:"answers" validate:"max=100"`
	Workshops           []int64    `json:"workshops" validate:"max=100"`
}

type apiDetailsRequest struct {
	Name                string     `json:"name" validate:"max=200"`
	Pronouns            string     `json:"pronouns" validate:"max=100"`
	Role                string     `json:"participant_role" validate:"max=40"`
	RoleOther           string     `json:"role_other" validate:"max=200"`
	Institution         string     `json:"institution" validate:"max=400"`
	Accommodations      []string   `json:"accommodations" validate:"max=10,dive,max=40"`
	AccommodationsOther string     `json:"accommodations_other" validate:"max=2000"`
	Answers             apiAnswers `json:"answers" validate:"max=100"`
}

type apiOption struct {
	Value string `json:"value"`
	Label string `json:"label"`
}

type apiDemographicQuestion struct {
	ID           string   `json:"id"`
	Label        string   `json:"label"`
	Help         string   `json:"help"`
	Options      []string `json:"options"`
	Multiple     bool     `json:"multiple"`
	SelfDescribe bool     `json:"self_describe"`
}

type apiWorkshop struct {
	ID          int64      `json:"id"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	Capacity    int        `json:"capacity"`
	PlacesLeft  int        `json:"places_left"`
	StartsAt    *time.Time `json:"starts_at"`
	EndsAt      *time.Time `json:"ends_at"`
}

func toAPIWorkshop(w registration.Workshop) apiWorkshop {
	return apiWorkshop{ID: w.ID, Title: w.Title, Description: w.Description, Capacity: w.Capacity, PlacesLeft: w.PlacesLeft(),
		StartsAt: w.StartsAt, EndsAt: w.EndsAt}
}

type apiDesk struct {
	Conference            string                   `json:"conference"`
	Open                  bool                     `json:"open"`
	Phase                 string                   `json:"phase"`
	Message               string                   `json:"message"`
	OpensAt               *time.Time               `json:"opens_at"`
	ClosesAt              *time.Time               `json:"closes_at"`
	Capacity              *int                     `json:"capacity"`
	PlacesLeft            *int                     `json:"places_left"`
	Waitlist              bool                     `json:"waitlist"`
	PrivacyStatement      string                   `json:"privacy_statement"`
	ParticipantRoles      []apiOption              `json:"participant_roles"`
	Accommodations        []apiOption              `json:"accommodations"`
	Questions             []apiQuestion            `json:"questions"`
	DemographicQuestions  []apiDemographicQuestion `json:"demographic_questions"`
	DemographicsStatement string                   `json:"demographics_statement"`
	Workshops             []apiWorkshop            `json:"workshops"`
}

func optionsJSON(opts []option) []apiOption {
	out := make([]apiOption, len(opts))
	for i, o := range opts {
		out[i] = apiOption(o)
	}
	return out
}

// apiRegistrationDesk describes the registration form. Public.
func (s *Server) apiRegistrationDesk(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	d, err := s.opts.Registrations.Desk(c.Request().Context(), conf)
	if err != nil {
		return err
	}
	out := apiDesk{Conference: conf.Slug, Open: d.Phase == registration.Open, Phase: string(d.Phase), Message: registration.PhaseMessage(d),
		OpensAt: d.Settings.OpensAt, ClosesAt: d.Settings.ClosesAt, Capacity: d.Settings.Capacity, Waitlist: d.Settings.Full(),
		PrivacyStatement: d.Settings.PrivacyStatement, ParticipantRoles: optionsJSON(roleOptions()),
		Accommodations: optionsJSON(accommodationOptions()), Questions: toAPIQuestions(d.Settings.Questions),
		DemographicsStatement: registration.DemographicsWhy, DemographicQuestions: []apiDemographicQuestion{}, Workshops: []apiWorkshop{}}
	if n, limited := d.Settings.PlacesLeft(); limited {
		out.PlacesLeft = &n
	}
	for _, q := range d.Demographics {
		out.DemographicQuestions = append(out.DemographicQuestions, apiDemographicQuestion{ID: q.ID, Label: q.Label, Help: q.Help,
			Options: q.AllOptions(), Multiple: q.Multiple, SelfDescribe: q.SelfDescribe})
	}
	for _, w := range d.Workshops {
		out.Workshops = append(out.Workshops, toAPIWorkshop(w))
	}
	return c.JSON(http.StatusOK, out)
}

type apiSignup struct {
	WorkshopID       int64      `json:"workshop_id"`
	Title            string     `json:"title"`
	Status           string     `json:"status"`
	WaitlistPosition *int       `json:"waitlist_position"`
	OfferExpiresAt   *time.Time `json:"offer_expires_at"`
}

type apiRegistration struct {
	ID                  int64            `json:"id"`
	Conference          string           `json:"conference"`
	Status              string           `json:"status"`
	EmailConfirmed      bool             `json:"email_confirmed"`
	Name                string           `json:"name"`
	Email               string           `json:"email"`
	Pronouns            string           `json:"pronouns"`
	Role                string           `json:"participant_role"`
	RoleOther           string           `json:"role_other"`
	Institution         string           `json:"institution"`
	Accommodations      []string         `json:"accommodations"`
	AccommodationsOther string           `json:"accommodations_other"`
	Answers             question.Answers `json:"answers"`
	WaitlistPosition    *int             `json:"waitlist_position"`
	ConfirmBy           *time.Time       `json:"confirm_by"`
	OfferExpiresAt      *time.Time       `json:"offer_expires_at"`
	Attended            bool             `json:"attended"`
	Source              string           `json:"source"`
	CreatedAt           time.Time        `json:"created_at"`
	Workshops           []apiSignup      `json:"workshops"`
}

// apiOwnRegistration is a registration as its owner sees it.
type apiOwnRegistration struct {
	apiRegistration
	// JoinInfo is set only for a confirmed registrant with a place.
	JoinInfo *string `json:"join_info"`
	// DemographicsAnswered tells the owner (and only the owner) whether answers are stored.
	DemographicsAnswered bool `json:"demographics_answered"`
}

func toAPIRegistration(conf conference.Conference, r registration.Registration, position int, ws []registration.WorkshopChoice) apiRegistration {
	out := apiRegistration{ID: r.ID, Conference: conf.Slug, Status: string(r.Status), EmailConfirmed: r.Confirmed(), Name: r.Name, Email: r.Email,
		Pronouns: r.Pronouns, Role: string(r.Role), RoleOther: r.RoleOther, Institution: r.Institution, Accommodations: []string{},
		AccommodationsOther: r.AccommodationsOther, Answers: r.Answers, ConfirmBy: r.ConfirmBy, OfferExpiresAt: r.OfferExpiresAt,
		Attended: r.Attended(), Source: string(r.Source), CreatedAt: r.CreatedAt, Workshops: []apiSignup{}}
	if out.Answers == nil {
		out.Answers = question.Answers{}
	}
	for _, a := range r.Accommodations {
		out.Accommodations = append(out.Accommodations, string(a))
	}
	if r.Status == registration.Waitlisted && position > 0 {
		out.WaitlistPosition = &position
	}
	for _, w := range ws {
		if w.Signup == nil {
			continue
		}
		su := apiSignup{WorkshopID: w.Workshop.ID, Title: w.Workshop.Title, Status: string(w.Signup.Status), OfferExpiresAt: w.Signup.OfferExpiresAt}
		if w.Signup.Status == registration.Waitlisted {
			pos := w.Position
			su.WaitlistPosition = &pos
		}
		out.Workshops = append(out.Workshops, su)
	}
	return out
}

func toAPIOwn(v registration.View) apiOwnRegistration {
	out := apiOwnRegistration{apiRegistration: toAPIRegistration(v.Conference, v.Registration, v.Position, v.Workshops),
		DemographicsAnswered: v.HasDemographics}
	if v.Registration.Status == registration.Registered && v.Registration.Confirmed() {
		j := v.JoinInfo
		out.JoinInfo = &j
	}
	return out
}

type apiAccepted struct {
	Message      string              `json:"message"`
	Registration *apiOwnRegistration `json:"registration,omitempty"`
}

// apiRegister registers the caller. The answer is the same whether or not the address was registered
// already (its owner learns the rest by email), except for a signed-in caller registering with their
// account's confirmed address, who gets their registration.
func (s *Server) apiRegister(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiRegisterRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	if err := s.allow(c, "register-ip", c.RealIP()); err != nil {
		return err
	}
	if err := s.allow(c, "register-email", conf.Slug+" "+account.NormalizeEmail(req.Email)); err != nil {
		return err
	}
	ctx := c.Request().Context()
	res, err := s.opts.Registrations.Register(ctx, conf, regAccount(c), req.input())
	if err != nil {
		return err
	}
	out := apiAccepted{Message: "Thank you. Unless the address is registered already, a link to confirm it is on its way: " +
		"the registration is complete once it is opened. If it is registered already, its link was sent again."}
	if u, ok := currentUser(c); ok && u.Verified() && res.Registration.Email == u.Email {
		v, err := s.opts.Registrations.View(ctx, conf, res.Registration.ID)
		if err != nil {
			return err
		}
		own := toAPIOwn(v)
		out.Registration = &own
		out.Message = "Registered with your account's confirmed address."
	}
	return c.JSON(http.StatusAccepted, out)
}

type apiTokenRequestBody struct {
	Token string `json:"token" validate:"required,max=200"`
}

// apiConfirm confirms a registration's address with the token from the emailed link.
func (s *Server) apiConfirm(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiTokenRequestBody
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := s.opts.Registrations.Confirm(ctx, conf, req.Token)
	if err != nil {
		return err
	}
	v, err := s.opts.Registrations.View(ctx, conf, r.ID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIOwn(v))
}

type apiEmailRequest struct {
	Email string `json:"email" validate:"required,max=254"`
}

// apiRegistrationLink emails an address's registration link. The answer is the same either way.
func (s *Server) apiRegistrationLink(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiEmailRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	if err := s.allow(c, "register-ip", c.RealIP()); err != nil {
		return err
	}
	if err := s.allow(c, "register-email", conf.Slug+" "+account.NormalizeEmail(req.Email)); err != nil {
		return err
	}
	if err := s.opts.Registrations.SendLink(c.Request().Context(), conf, req.Email); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, apiAccepted{Message: "If the address is registered, a link to its registration is on its way."})
}

// registrationTokenHeader carries the token of a registrant's personal link.
const registrationTokenHeader = "Registration-Token"

// apiOwnWorkshop is apiOwn for the routes about one workshop: the registration and the workshop's id.
func (s *Server) apiOwnWorkshop(c echo.Context) (conference.Conference, registration.Registration, int64, error) {
	conf, r, err := s.apiOwn(c)
	if err != nil {
		return conf, r, 0, err
	}
	id, err := parseID(c, "id", "workshop")
	return conf, r, id, err
}

// apiOwn finds the caller's registration: by the personal link's token, or by the API token's account.
func (s *Server) apiOwn(c echo.Context) (conference.Conference, registration.Registration, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return conf, registration.Registration{}, err
	}
	ctx := c.Request().Context()
	if tok := strings.TrimSpace(c.Request().Header.Get(registrationTokenHeader)); tok != "" {
		r, err := s.opts.Registrations.OpenLink(ctx, conf, tok)
		if apperr.Is(err, apperr.Invalid) {
			return conf, r, apperr.New(apperr.Unauthenticated, "The Registration-Token is not valid for this conference, or has expired. Ask for a new link with POST /conferences/{slug}/registration/link.")
		}
		return conf, r, err
	}
	if a := regAccount(c); a != nil {
		r, err := s.opts.Registrations.Mine(ctx, conf, *a)
		return conf, r, err
	}
	return conf, registration.Registration{}, apperr.New(apperr.Unauthenticated,
		"Send the token of your personal registration link (the token= part of the link in your email) as 'Registration-Token: <token>', or an API token.")
}

func (s *Server) apiOwnView(c echo.Context, conf conference.Conference, id int64, status int) error {
	v, err := s.opts.Registrations.View(c.Request().Context(), conf, id)
	if err != nil {
		return err
	}
	return c.JSON(status, toAPIOwn(v))
}

func (s *Server) apiMyRegistration(c echo.Context) error {
	conf, r, err := s.apiOwn(c)
	if err != nil {
		return err
	}
	return s.apiOwnView(c, conf, r.ID, http.StatusOK)
}

func (s *Server) apiMyRegistrationUpdate(c echo.Context) error {
	conf, r, err := s.apiOwn(c)
	if err != nil {
		return err
	}
	var req apiDetailsRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	in := registration.Input{Name: req.Name, Pronouns: req.Pronouns, Role: req.Role, RoleOther: req.RoleOther, Institution: req.Institution,
		Accommodations: req.Accommodations, AccommodationsOther: req.AccommodationsOther, Answers: req.Answers.answers()}
	if _, err := s.opts.Registrations.UpdateDetails(c.Request().Context(), conf, r.ID, in); err != nil {
		return err
	}
	return s.apiOwnView(c, conf, r.ID, http.StatusOK)
}

func (s *Server) apiMyRegistrationCancel(c echo.Context) error {
	conf, r, err := s.apiOwn(c)
	if err != nil {
		return err
	}
	if err := s.opts.Registrations.Cancel(c.Request().Context(), conf, r.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiMyRegistrationAccept(c echo.Context) error {
	conf, r, err := s.apiOwn(c)
	if err != nil {
		return err
	}
	if err := s.opts.Registrations.AcceptOffer(c.Request().Context(), conf, r.ID); err != nil {
		return err
	}
	return s.apiOwnView(c, conf, r.ID, http.StatusOK)
}

type apiDemographicsRequest struct {
	Answers apiAnswers `json:"answers" validate:"max=40"`
}

func (s *Server) apiMyDemographics(c echo.Context) error {
	conf, r, err := s.apiOwn(c)
	if err != nil {
		return err
	}
	var req apiDemographicsRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	if err := s.opts.Registrations.SetDemographics(c.Request().Context(), conf, r.ID, req.Answers.answers()); err != nil {
		// Field names in the body are under "answers".
		if ae, ok := apperr.As(err); ok {
			for i := range ae.Fields {
				ae.Fields[i].Field = "answers." + strings.TrimPrefix(ae.Fields[i].Field, "demographics.")
			}
		}
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiMyDemographicsDelete(c echo.Context) error {
	conf, r, err := s.apiOwn(c)
	if err != nil {
		return err
	}
	if _, err := s.opts.Registrations.DeleteDemographics(c.Request().Context(), conf, r.ID); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiMyWorkshopJoin(c echo.Context) error {
	conf, r, id, err := s.apiOwnWorkshop(c)
	if err != nil {
		return err
	}
	if _, err := s.opts.Registrations.JoinWorkshop(c.Request().Context(), conf, r.ID, id); err != nil {
		return err
	}
	return s.apiOwnView(c, conf, r.ID, http.StatusOK)
}

func (s *Server) apiMyWorkshopLeave(c echo.Context) error {
	conf, r, id, err := s.apiOwnWorkshop(c)
	if err != nil {
		return err
	}
	if err := s.opts.Registrations.LeaveWorkshop(c.Request().Context(), conf, r.ID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) apiMyWorkshopAccept(c echo.Context) error {
	conf, r, id, err := s.apiOwnWorkshop(c)
	if err != nil {
		return err
	}
	if err := s.opts.Registrations.AcceptWorkshopOffer(c.Request().Context(), conf, r.ID, id); err != nil {
		return err
	}
	return s.apiOwnView(c, conf, r.ID, http.StatusOK)
}

func (s *Server) apiMyCalendar(c echo.Context) error {
	conf, r, err := s.apiOwn(c)
	if err != nil {
		return err
	}
	b, err := s.opts.Registrations.Calendar(c.Request().Context(), conf, r.ID)
	if err != nil {
		return err
	}
	return sendCalendar(c, conf.Slug+".ics", b)
}

type apiWorkshopList struct {
	Workshops []apiWorkshop `json:"workshops"`
}

func (s *Server) apiWorkshops(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	ws, err := s.opts.Registrations.Workshops(c.Request().Context(), conf)
	if err != nil {
		return err
	}
	out := apiWorkshopList{Workshops: make([]apiWorkshop, len(ws))}
	for i, w := range ws {
		out.Workshops[i] = toAPIWorkshop(w)
	}
	return c.JSON(http.StatusOK, out)
}

// --- Organizers ---

type apiSettings struct {
	Configured       bool          `json:"configured"`
	Open             bool          `json:"open"`
	OpensAt          *time.Time    `json:"opens_at"`
	ClosesAt         *time.Time    `json:"closes_at"`
	Capacity         *int          `json:"capacity"`
	PlacesTaken      int           `json:"places_taken"`
	OfferHoldHours   int           `json:"offer_hold_hours"`
	PrivacyStatement string        `json:"privacy_statement"`
	JoinInfo         string        `json:"join_info"`
	Demographics     []string      `json:"demographics"`
	Questions        []apiQuestion `json:"questions"`
}

func toAPISettings(s registration.Settings) apiSettings {
	out := apiSettings{Configured: s.Exists, Open: s.Open, OpensAt: s.OpensAt, ClosesAt: s.ClosesAt, Capacity: s.Capacity, PlacesTaken: s.PlacesTaken,
		OfferHoldHours: int(s.OfferHold / time.Hour), PrivacyStatement: s.PrivacyStatement, JoinInfo: s.JoinInfo,
		Demographics: append([]string{}, s.Demographics...), Questions: toAPIQuestions(s.Questions)}
	return out
}

type apiSettingsRequest struct {
	Open             bool             `json:"open"`
	OpensAt          *string          `json:"opens_at" validate:"omitnil,max=40"`
	ClosesAt         *string          `json:"closes_at" validate:"omitnil,max=40"`
	Capacity         *int             `json:"capacity"`
	OfferHoldHours   int              `json:"offer_hold_hours"`
	PrivacyStatement string           `json:"privacy_statement" validate:"max=40000"`
	JoinInfo         string           `json:"join_info" validate:"max=40000"`
	Demographics     []string         `json:"demographics" validate:"max=20,dive,max=40"`
	Questions        *[]apiQuestionIn `json:"questions" validate:"omitnil,max=100,dive"`
}

func (s *Server) apiSettings(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	set, err := s.opts.Registrations.Settings(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPISettings(set))
}

func (s *Server) apiSettingsUpdate(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiSettingsRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	in := registration.SettingsInput{Open: req.Open, Capacity: req.Capacity, OfferHoldHours: req.OfferHoldHours,
		PrivacyStatement: req.PrivacyStatement, JoinInfo: req.JoinInfo, Demographics: req.Demographics}
	if req.OpensAt != nil {
		in.OpensAt = *req.OpensAt
	}
	if req.ClosesAt != nil {
		in.ClosesAt = *req.ClosesAt
	}
	if req.Questions != nil {
		qs := questionsIn(*req.Questions, nil)
		in.Questions = &qs
	}
	set, err := s.opts.Registrations.UpdateSettings(c.Request().Context(), principal(c), conf, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPISettings(set))
}

type apiCounts struct {
	Registered  int `json:"registered"`
	Unconfirmed int `json:"unconfirmed"`
	Offered     int `json:"offered"`
	Waitlisted  int `json:"waitlisted"`
	Cancelled   int `json:"cancelled"`
	Expired     int `json:"expired"`
	Attended    int `json:"attended"`
}

type apiRegistrationList struct {
	Registrations []apiRegistration `json:"registrations"`
	Total         int               `json:"total"`
	Counts        apiCounts         `json:"counts"`
	Capacity      *int              `json:"capacity"`
	PlacesTaken   int               `json:"places_taken"`
}

func (s *Server) apiRegistrations(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	f, err := filterOf(c.QueryParam("q"), c.QueryParam("status"))
	if err != nil {
		return err
	}
	f.Limit, f.Offset = 100, 0
	if v := c.QueryParam("limit"); v != "" {
		if f.Limit, err = strconv.Atoi(v); err != nil || f.Limit < 1 || f.Limit > 1000 {
			return apperr.Field("limit", "Give a number from 1 to 1000.")
		}
	}
	if v := c.QueryParam("offset"); v != "" {
		if f.Offset, err = strconv.Atoi(v); err != nil || f.Offset < 0 {
			return apperr.Field("offset", "Give a number from 0 up.")
		}
	}
	if len(f.Query) > 200 {
		return apperr.Field("q", "Search for at most 200 characters.")
	}
	pg, err := s.opts.Registrations.List(c.Request().Context(), principal(c), conf, f)
	if err != nil {
		return err
	}
	out := apiRegistrationList{Registrations: make([]apiRegistration, len(pg.Registrations)), Total: pg.Total,
		Counts: apiCounts(pg.Counts), Capacity: pg.Settings.Capacity, PlacesTaken: pg.Settings.PlacesTaken}
	for i, r := range pg.Registrations {
		out.Registrations[i] = toAPIRegistration(conf, r, 0, nil)
		out.Registrations[i].Workshops = nil
		for _, t := range pg.Workshops[r.ID] {
			out.Registrations[i].Workshops = append(out.Registrations[i].Workshops, apiSignup{Title: t})
		}
		if out.Registrations[i].Workshops == nil {
			out.Registrations[i].Workshops = []apiSignup{}
		}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiRegistrationAdd(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiAddRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	in := registration.Input{Name: req.Name, Email: req.Email, Pronouns: req.Pronouns, Role: req.Role, RoleOther: req.RoleOther,
		Institution: req.Institution, Accommodations: req.Accommodations, AccommodationsOther: req.AccommodationsOther,
		Answers: req.Answers.answers(), Workshops: req.Workshops}
	r, err := s.opts.Registrations.Add(c.Request().Context(), principal(c), conf, in)
	if err != nil {
		return err
	}
	return s.apiRegistrationJSON(c, conf, r.ID, http.StatusCreated)
}

func (s *Server) apiRegistrationJSON(c echo.Context, conf conference.Conference, id int64, status int) error {
	d, err := s.opts.Registrations.Registration(c.Request().Context(), principal(c), conf, id)
	if err != nil {
		return err
	}
	return c.JSON(status, toAPIRegistration(conf, d.Registration, d.Position, d.Workshops))
}

func (s *Server) apiRegistration(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "id", "registration")
	if err != nil {
		return err
	}
	return s.apiRegistrationJSON(c, conf, id, http.StatusOK)
}

func (s *Server) apiRegistrationExport(c echo.Context) error {
	return s.registrationExport(c)
}

func (s *Server) apiRegistrationResend(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "id", "registration")
	if err != nil {
		return err
	}
	if err := s.opts.Registrations.Resend(c.Request().Context(), principal(c), conf, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusAccepted)
}

func (s *Server) apiRegistrationCancel(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "id", "registration")
	if err != nil {
		return err
	}
	if err := s.opts.Registrations.CancelFor(c.Request().Context(), principal(c), conf, id); err != nil {
		return err
	}
	return s.apiRegistrationJSON(c, conf, id, http.StatusOK)
}

type apiAttendanceRequest struct {
	Attended *bool `json:"attended" validate:"required"`
}

func (s *Server) apiRegistrationAttendance(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "id", "registration")
	if err != nil {
		return err
	}
	var req apiAttendanceRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	if _, err := s.opts.Registrations.MarkAttendance(c.Request().Context(), principal(c), conf, id, *req.Attended); err != nil {
		return err
	}
	return s.apiRegistrationJSON(c, conf, id, http.StatusOK)
}

type apiNeedCounts struct {
	Captions int `json:"captions"`
	ASL      int `json:"asl"`
	Other    int `json:"other"`
}

type apiNeedPerson struct {
	RegistrationID      int64    `json:"registration_id"`
	Name                string   `json:"name"`
	Email               string   `json:"email"`
	Status              string   `json:"status"`
	Accommodations      []string `json:"accommodations"`
	AccommodationsOther string   `json:"accommodations_other"`
}

type apiNeeds struct {
	Counts  apiNeedCounts   `json:"counts"`
	Waiting apiNeedCounts   `json:"waiting"`
	People  []apiNeedPerson `json:"people,omitempty"`
}

type apiWorkshopNeeds struct {
	Workshop apiWorkshop `json:"workshop"`
	apiNeeds
}

type apiAccommodations struct {
	Conference apiNeeds           `json:"conference"`
	Workshops  []apiWorkshopNeeds `json:"workshops"`
}

func toAPINeeds(g registration.NeedsGroup) apiNeeds {
	cnt := func(m map[registration.Accommodation]int) apiNeedCounts {
		return apiNeedCounts{Captions: m[registration.Captions], ASL: m[registration.ASL], Other: m[registration.OtherAccommodation]}
	}
	out := apiNeeds{Counts: cnt(g.Counts), Waiting: cnt(g.Waiting)}
	for _, p := range g.People {
		person := apiNeedPerson{RegistrationID: p.RegistrationID, Name: p.Name, Email: p.Email, Status: string(p.Status), AccommodationsOther: p.AccommodationsOther}
		for _, a := range p.Accommodations {
			person.Accommodations = append(person.Accommodations, string(a))
		}
		out.People = append(out.People, person)
	}
	if g.People != nil && out.People == nil {
		out.People = []apiNeedPerson{}
	}
	return out
}

func (s *Server) apiAccommodations(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	rep, err := s.opts.Registrations.Accommodations(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	out := apiAccommodations{Conference: toAPINeeds(rep.Conference), Workshops: []apiWorkshopNeeds{}}
	for _, w := range rep.Workshops {
		out.Workshops = append(out.Workshops, apiWorkshopNeeds{Workshop: toAPIWorkshop(w.Workshop), apiNeeds: toAPINeeds(w.Needs)})
	}
	return c.JSON(http.StatusOK, out)
}

type apiFigure struct {
	Label      string `json:"label"`
	Count      *int   `json:"count"`
	Percent    *int   `json:"percent"`
	Suppressed bool   `json:"suppressed"`
}

type apiQuestionFigures struct {
	ID               string      `json:"id"`
	Label            string      `json:"label"`
	Respondents      *int        `json:"respondents"`
	Suppressed       bool        `json:"suppressed"`
	Figures          []apiFigure `json:"figures"`
	SelfDescriptions []apiFigure `json:"self_descriptions"`
}

type apiDemographics struct {
	Respondents *int                 `json:"respondents"`
	Suppressed  bool                 `json:"suppressed"`
	Threshold   int                  `json:"threshold"`
	Questions   []apiQuestionFigures `json:"questions"`
}

func toAPIFigures(fs []registration.Figure) []apiFigure {
	out := []apiFigure{}
	for _, f := range fs {
		a := apiFigure{Label: f.Label, Suppressed: f.Suppressed}
		if !f.Suppressed {
			n, p := f.Count, f.Percent
			a.Count, a.Percent = &n, &p
		}
		out = append(out, a)
	}
	return out
}

func (s *Server) apiDemographics(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	d, err := s.opts.Registrations.Demographics(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	out := apiDemographics{Suppressed: d.Suppressed, Threshold: d.Threshold, Questions: []apiQuestionFigures{}}
	if !d.Suppressed {
		n := d.Respondents
		out.Respondents = &n
	}
	for _, q := range d.Questions {
		qf := apiQuestionFigures{ID: q.Question.ID, Label: q.Question.Label, Suppressed: q.Suppressed, Figures: toAPIFigures(q.Figures),
			SelfDescriptions: toAPIFigures(q.SelfDescriptions)}
		if !q.Suppressed {
			n := q.Respondents
			qf.Respondents = &n
		}
		out.Questions = append(out.Questions, qf)
	}
	return c.JSON(http.StatusOK, out)
}

type apiWorkshopRequest struct {
	Title       string  `json:"title" validate:"max=400"`
	Description string  `json:"description" validate:"max=20000"`
	Capacity    int     `json:"capacity"`
	StartsAt    *string `json:"starts_at" validate:"omitnil,max=40"`
	EndsAt      *string `json:"ends_at" validate:"omitnil,max=40"`
}

func (r apiWorkshopRequest) input() registration.WorkshopInput {
	in := registration.WorkshopInput{Title: r.Title, Description: r.Description, Capacity: r.Capacity}
	if r.StartsAt != nil {
		in.StartsAt = *r.StartsAt
	}
	if r.EndsAt != nil {
		in.EndsAt = *r.EndsAt
	}
	return in
}

// alsoCheckedWorkshop is alsoChecked for the workshop id (0 for a new one).
func (s *Server) alsoCheckedWorkshop(c echo.Context, conf conference.Conference, id int64, err error, req apiWorkshopRequest) error {
	return alsoChecked(err, req, func(req apiWorkshopRequest) error {
		return s.opts.Registrations.CheckWorkshop(c.Request().Context(), principal(c), conf, id, req.input())
	})
}

type apiParticipant struct {
	RegistrationID     int64      `json:"registration_id"`
	Name               string     `json:"name"`
	Email              string     `json:"email"`
	Status             string     `json:"status"`
	OfferExpiresAt     *time.Time `json:"offer_expires_at"`
	Accommodations     []string   `json:"accommodations"`
	RegistrationStatus string     `json:"registration_status"`
}

type apiWorkshopDetail struct {
	apiWorkshop
	Participants []apiParticipant `json:"participants"`
}

func (s *Server) apiWorkshopCreate(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiWorkshopRequest
	if err := s.bindJSON(c, &req); err != nil {
		return s.alsoCheckedWorkshop(c, conf, 0, err, req)
	}
	in := req.input()
	if in.ClientKey, err = idempotencyKey(c); err != nil {
		return err
	}
	w, err := s.opts.Registrations.CreateWorkshop(c.Request().Context(), principal(c), conf, in)
	if err != nil {
		return keyUsedByAnother(err, in.ClientKey, "workshop", w.ID)
	}
	return s.apiWorkshopJSON(c, conf, w.ID, http.StatusCreated)
}

func (s *Server) apiWorkshopJSON(c echo.Context, conf conference.Conference, id int64, status int) error {
	d, err := s.opts.Registrations.Workshop(c.Request().Context(), principal(c), conf, id)
	if err != nil {
		return err
	}
	out := apiWorkshopDetail{apiWorkshop: toAPIWorkshop(d.Workshop), Participants: []apiParticipant{}}
	for _, p := range d.Participants {
		ap := apiParticipant{RegistrationID: p.Registration.ID, Name: p.Registration.Name, Email: p.Registration.Email,
			Status: string(p.Signup.Status), OfferExpiresAt: p.Signup.OfferExpiresAt, Accommodations: []string{},
			RegistrationStatus: string(p.Registration.Status)}
		for _, a := range p.Registration.Accommodations {
			ap.Accommodations = append(ap.Accommodations, string(a))
		}
		out.Participants = append(out.Participants, ap)
	}
	return c.JSON(status, out)
}

func (s *Server) apiWorkshop(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "id", "workshop")
	if err != nil {
		return err
	}
	return s.apiWorkshopJSON(c, conf, id, http.StatusOK)
}

func (s *Server) apiWorkshopUpdate(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "id", "workshop")
	if err != nil {
		return err
	}
	var req apiWorkshopRequest
	if err := s.bindJSON(c, &req); err != nil {
		return s.alsoCheckedWorkshop(c, conf, id, err, req)
	}
	if _, err := s.opts.Registrations.UpdateWorkshop(c.Request().Context(), principal(c), conf, id, req.input()); err != nil {
		return err
	}
	return s.apiWorkshopJSON(c, conf, id, http.StatusOK)
}

func (s *Server) apiWorkshopDelete(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "id", "workshop")
	if err != nil {
		return err
	}
	if err := s.opts.Registrations.DeleteWorkshop(c.Request().Context(), principal(c), conf, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
