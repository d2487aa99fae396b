package server

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/export"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/registration"
)

// Organizers' registration pages: settings, questions, the list with search and export, adding
// someone by hand, one registration, accommodations and demographics.

// --- Settings ---

type settingsForm struct {
	Open             string   `form:"open" validate:"max=10"`
	OpensAt          string   `form:"opens_at" validate:"max=40"`
	ClosesAt         string   `form:"closes_at" validate:"max=40"`
	Capacity         string   `form:"capacity" validate:"max=12"`
	OfferHoldHours   string   `form:"offer_hold_hours" validate:"max=6"`
	PrivacyStatement string   `form:"privacy_statement" validate:"max=40000"`
	JoinInfo         string   `form:"join_info" validate:"max=40000"`
	Demographics     []string `form:"demographics" validate:"max=20,dive,max=40"`
}

// localTime writes a time for a datetime-local field in the conference's time zone.
func localTime(t *time.Time, loc *time.Location) string {
	if t == nil {
		return ""
	}
	return t.In(loc).Format("2006-01-02T15:04")
}

func settingsFormOf(set registration.Settings, loc *time.Location) settingsForm {
	f := settingsForm{OpensAt: localTime(set.OpensAt, loc), ClosesAt: localTime(set.ClosesAt, loc),
		OfferHoldHours: strconv.Itoa(int(set.OfferHold / time.Hour)), PrivacyStatement: set.PrivacyStatement, JoinInfo: set.JoinInfo,
		Demographics: append([]string{}, set.Demographics...)}
	if set.Open {
		f.Open = "yes"
	}
	if set.Capacity != nil {
		f.Capacity = strconv.Itoa(*set.Capacity)
	}
	if f.Demographics == nil {
		f.Demographics = []string{}
	}
	return f
}

func (f settingsForm) input() (registration.SettingsInput, error) {
	in := registration.SettingsInput{Open: f.Open != "", OpensAt: f.OpensAt, ClosesAt: f.ClosesAt, PrivacyStatement: f.PrivacyStatement,
		JoinInfo: f.JoinInfo, Demographics: f.Demographics}
	var fe apperr.Fields
	if c := strings.TrimSpace(f.Capacity); c != "" {
		n, err := strconv.Atoi(c)
		if err != nil {
			fe.Add("capacity", "Enter a whole number of places, or leave it empty for no limit.")
		} else {
			in.Capacity = &n
		}
	}
	n, err := strconv.Atoi(strings.TrimSpace(f.OfferHoldHours))
	if err != nil {
		fe.Add("offer_hold_hours", "Enter a number of hours from 1 to 336 (two weeks).")
	}
	in.OfferHoldHours = n
	return in, fe.Err()
}

type settingsPage struct {
	base
	Nav        manageNav
	Conference conference.Conference
	Settings   registration.Settings
	Phase      string
	Form       settingsForm
}

// DemographicOptions are the demographic questions organizers may ask.
func (p *settingsPage) DemographicOptions() []option {
	out := make([]option, len(registration.DemographicQuestions))
	for i, q := range registration.DemographicQuestions {
		out[i] = option{Value: q.ID, Label: q.Label}
	}
	return out
}

// Capacity writes the capacity for people.
func (p *settingsPage) Capacity() string {
	if p.Settings.Capacity == nil {
		return "no limit"
	}
	return strconv.Itoa(*p.Settings.Capacity)
}

func (s *Server) settingsPageFor(c echo.Context) (*settingsPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return nil, err
	}
	set, err := s.opts.Registrations.Settings(c.Request().Context(), principal(c), conf)
	if err != nil {
		return nil, err
	}
	p := &settingsPage{base: s.base(c, "Registration settings"), Nav: navOf(conf.Slug, "registration"), Conference: conf, Settings: set,
		Form: settingsFormOf(set, conf.Location())}
	desk := registration.Desk{Conference: conf, Settings: set, Phase: set.PhaseAt(time.Now())}
	if p.Phase = registration.PhaseMessage(desk); p.Phase == "" {
		p.Phase = "Registration is open."
	}
	return p, nil
}

func (s *Server) registrationSettings(c echo.Context) error {
	p, err := s.settingsPageFor(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "registration_settings", p)
}

func (s *Server) registrationSettingsSave(c echo.Context) error {
	p, err := s.settingsPageFor(c)
	if err != nil {
		return err
	}
	var f settingsForm
	err = s.bindForm(c, &f)
	if f.Demographics == nil {
		f.Demographics = []string{}
	}
	p.Form = f
	var in registration.SettingsInput
	if err == nil {
		in, err = f.input()
	}
	if err == nil {
		_, err = s.opts.Registrations.UpdateSettings(c.Request().Context(), principal(c), p.Conference, in)
	}
	if err != nil {
		return s.renderForm(c, "registration_settings", p, err)
	}
	s.flash(c, "The registration settings are saved.")
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/registration")
}

// --- Questions ---

// questionBlock is one question on the questions form, as typed.
type questionBlock struct {
	Index    int
	ID       string
	Label    string
	Help     string
	Kind     string
	Options  string // one per line
	Required bool
	MaxWords string
	Remove   bool
}

type questionsPage struct {
	base
	Nav        manageNav
	Conference conference.Conference
	Blocks     []questionBlock
}

// Kinds are the kinds of question as options.
func (p *questionsPage) Kinds() []option {
	out := make([]option, len(question.Kinds))
	for i, k := range question.Kinds {
		out[i] = option{Value: string(k.Kind), Label: k.Label}
	}
	return out
}

// Number counts questions from 1.
func (p *questionsPage) Number(i int) int { return i + 1 }

// Yes is a ticked checkbox's value, or "".
func (p *questionsPage) Yes(b bool) string {
	if b {
		return "yes"
	}
	return ""
}

// Name is the form name of a block's attribute.
func (p *questionsPage) Name(i int, attr string) string {
	return fmt.Sprintf("questions.%d.%s", i, attr)
}

func blocksOf(qs []question.Question) []questionBlock {
	out := make([]questionBlock, 0, len(qs)+1)
	for i, q := range qs {
		b := questionBlock{Index: i, ID: q.ID, Label: q.Label, Help: q.Help, Kind: string(q.Kind), Options: strings.Join(q.Options, "\n"), Required: q.Required}
		if q.MaxWords > 0 {
			b.MaxWords = strconv.Itoa(q.MaxWords)
		}
		out = append(out, b)
	}
	return append(out, questionBlock{Index: len(qs), Kind: string(question.Text)})
}

var questionAttr = regexp.MustCompile(`^questions\.(\d+)\.([a-z_]+)$`)

// readBlocks reads the question blocks of the form, in order.
func readBlocks(values url.Values) []questionBlock {
	byIndex := map[int]*questionBlock{}
	for k, v := range values {
		m := questionAttr.FindStringSubmatch(k)
		if m == nil || len(v) == 0 {
			continue
		}
		i, err := strconv.Atoi(m[1])
		if err != nil || i > 200 {
			continue
		}
		b, ok := byIndex[i]
		if !ok {
			b = &questionBlock{Index: i}
			byIndex[i] = b
		}
		val := v[0]
		switch m[2] {
		case "id":
			b.ID = val
		case "label":
			b.Label = val
		case "help":
			b.Help = val
		case "kind":
			b.Kind = val
		case "options":
			b.Options = val
		case "required":
			b.Required = val != ""
		case "max_words":
			b.MaxWords = val
		case "remove":
			b.Remove = val != ""
		}
	}
	var out []questionBlock
	for _, b := range byIndex {
		out = append(out, *b)
	}
	slices.SortFunc(out, func(a, b questionBlock) int { return a.Index - b.Index })
	return out
}

func (s *Server) questionsPageFor(c echo.Context) (*questionsPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return nil, err
	}
	set, err := s.opts.Registrations.Settings(c.Request().Context(), principal(c), conf)
	if err != nil {
		return nil, err
	}
	return &questionsPage{base: s.base(c, "Registration questions"), Nav: navOf(conf.Slug, "registration/questions"), Conference: conf,
		Blocks: blocksOf(set.Questions)}, nil
}

func (s *Server) registrationQuestions(c echo.Context) error {
	p, err := s.questionsPageFor(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "registration_questions", p)
}

func (s *Server) registrationQuestionsSave(c echo.Context) error {
	p, err := s.questionsPageFor(c)
	if err != nil {
		return err
	}
	values, err := c.FormParams()
	if err != nil {
		return apperr.New(apperr.Malformed, "The form could not be read. Reload the page and try again.")
	}
	blocks := readBlocks(values)
	var qs []question.Question
	var at []int // the block of each question
	var taken []string
	var fe apperr.Fields
	for _, b := range blocks {
		if b.ID != "" {
			taken = append(taken, b.ID)
		}
	}
	for _, b := range blocks {
		if b.Remove || (b.ID == "" && strings.TrimSpace(b.Label) == "") {
			continue
		}
		q := question.Question{ID: b.ID, Label: b.Label, Help: b.Help, Kind: question.Kind(b.Kind), Required: b.Required}
		if q.ID == "" {
			q.ID = question.NewID(b.Label, taken)
			taken = append(taken, q.ID)
		}
		for _, line := range strings.Split(b.Options, "\n") {
			q.Options = append(q.Options, strings.TrimSpace(line))
		}
		if mw := strings.TrimSpace(b.MaxWords); mw != "" {
			n, err := strconv.Atoi(mw)
			if err != nil {
				fe.Add(p.Name(b.Index, "max_words"), "Enter a whole number of words, or leave it empty for no limit.")
			}
			q.MaxWords = n
		}
		qs = append(qs, q)
		at = append(at, b.Index)
	}
	p.Blocks = blocks
	if len(p.Blocks) == 0 || p.Blocks[len(p.Blocks)-1].ID != "" || p.Blocks[len(p.Blocks)-1].Label != "" {
		p.Blocks = append(p.Blocks, questionBlock{Index: len(values) + 1, Kind: string(question.Text)})
	}
	err = fe.Err()
	if err == nil {
		_, err = s.opts.Registrations.UpdateQuestions(c.Request().Context(), principal(c), p.Conference, qs)
		// Field names count the questions sent; the form counts its blocks.
		if ae, ok := apperr.As(err); ok {
			for i, f := range ae.Fields {
				if m := questionAttr.FindStringSubmatch(f.Field); m != nil {
					if n, _ := strconv.Atoi(m[1]); n < len(at) {
						ae.Fields[i].Field = p.Name(at[n], m[2])
					}
				}
			}
		}
	}
	if err != nil {
		return s.renderForm(c, "registration_questions", p, err)
	}
	s.flash(c, "The questions are saved.")
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/registration/questions")
}

// --- The list ---

const pageSize = 100

type registrationsPage struct {
	base
	Nav        manageNav
	Conference conference.Conference
	List       registration.Page
	Query      string
	Status     string
	Page       int
	Pages      int
	Statuses   []option
}

// Capacity writes the capacity for people.
func (p *registrationsPage) Capacity() string {
	if p.List.Settings.Capacity == nil {
		return "no limit"
	}
	return strconv.Itoa(*p.List.Settings.Capacity)
}

// PageLink is the list's address for another page, keeping the search.
func (p *registrationsPage) PageLink(n int) string {
	v := url.Values{}
	if p.Query != "" {
		v.Set("q", p.Query)
	}
	if p.Status != "" {
		v.Set("status", p.Status)
	}
	v.Set("page", strconv.Itoa(n))
	return "/c/" + p.Conference.Slug + "/manage/registrations?" + v.Encode()
}

// PrevLink and NextLink are the neighbouring pages' addresses.
func (p *registrationsPage) PrevLink() string { return p.PageLink(p.Page - 1) }

// NextLink is the next page's address.
func (p *registrationsPage) NextLink() string { return p.PageLink(p.Page + 1) }

// Needs lists a registration's accommodations for people.
func (p *registrationsPage) Needs(r registration.Registration) string {
	var out []string
	for _, a := range r.Accommodations {
		switch a {
		case registration.Captions:
			out = append(out, "captions")
		case registration.ASL:
			out = append(out, "ASL")
		case registration.OtherAccommodation:
			out = append(out, "other")
		}
	}
	return strings.Join(out, ", ")
}

func statusOptions() []option {
	out := []option{{Value: "unconfirmed", Label: "Address not confirmed"}}
	for _, st := range registration.Statuses {
		out = append(out, option{Value: string(st), Label: st.Label()})
	}
	return out
}

// filterOf reads the list's filter from the query string.
func filterOf(q, status string) (registration.Filter, error) {
	f := registration.Filter{Query: q}
	switch {
	case status == "":
	case status == "unconfirmed":
		f.Unconfirmed = true
	case slices.Contains(registration.Statuses, registration.Status(status)):
		f.Status = registration.Status(status)
	case status == "attended":
		yes := true
		f.Attended = &yes
	default:
		return f, apperr.Field("status", "Choose one of the statuses listed.")
	}
	return f, nil
}

func (s *Server) registrationList(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	p := &registrationsPage{base: s.base(c, "Registrations"), Nav: navOf(conf.Slug, "registrations"), Conference: conf,
		Query: strings.TrimSpace(c.QueryParam("q")), Status: c.QueryParam("status"), Statuses: statusOptions(), Page: 1}
	if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n > 1 && n < 100000 {
		p.Page = n
	}
	if len(p.Query) > 200 {
		p.Query = p.Query[:200]
	}
	f, ferr := filterOf(p.Query, p.Status)
	f.Limit, f.Offset = pageSize, (p.Page-1)*pageSize
	if ferr != nil {
		p.Status = ""
		f, _ = filterOf(p.Query, "")
		f.Limit = pageSize
	}
	if p.List, err = s.opts.Registrations.List(c.Request().Context(), principal(c), conf, f); err != nil {
		return err
	}
	p.Pages = max(1, (p.List.Total+pageSize-1)/pageSize)
	if ferr != nil {
		return s.renderForm(c, "registrations", p, ferr)
	}
	return s.render(c, http.StatusOK, "registrations", p)
}

// registrationExport downloads every registration as a CSV file that opens correctly in Excel.
func (s *Server) registrationExport(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	pg, err := s.opts.Registrations.Export(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s-registrations.csv"`, conf.Slug))
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	return writeRegistrationsCSV(c.Response(), pg, conf)
}

func writeRegistrationsCSV(w interface{ Write([]byte) (int, error) }, pg registration.Page, conf conference.Conference) error {
	header := []string{"ID", "Status", "Address confirmed", "Name", "Email", "Pronouns", "Role", "Institution",
		"Captions", "ASL interpretation", "Other accommodation", "Workshops", "Attended", "Registered at (" + conf.TimeZone + ")", "Added by"}
	for _, q := range pg.Settings.Questions {
		header = append(header, q.Label)
	}
	out := export.NewCSV(w, header...)
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	loc := conf.Location()
	for _, r := range pg.Registrations {
		source := "self"
		if r.Source == registration.ByOrganizer {
			source = "organizer"
		}
		other := ""
		if r.Needs(registration.OtherAccommodation) {
			other = r.AccommodationsOther
		}
		row := []string{strconv.FormatInt(r.ID, 10), r.Status.Label(), yes(r.Confirmed()), r.Name, r.Email, r.Pronouns, r.RoleText(), r.Institution,
			yes(r.Needs(registration.Captions)), yes(r.Needs(registration.ASL)), other, strings.Join(pg.Workshops[r.ID], "; "),
			yes(r.Attended()), r.CreatedAt.In(loc).Format("2006-01-02 15:04"), source}
		for _, q := range pg.Settings.Questions {
			row = append(row, strings.Join(r.Answers[q.ID], "; "))
		}
		out.Row(row...)
	}
	return out.Close()
}

// --- Adding someone by hand ---

type registrationNewPage struct {
	base
	Nav        manageNav
	Conference conference.Conference
	Form       regForm
	Answers    question.Answers
	Questions  []question.Question
	Workshops  []registration.Workshop
	Full       bool
}

// Roles are the participant roles as options.
func (p *registrationNewPage) Roles() []option { return roleOptions() }

// AccommodationOptions are the accommodations as options.
func (p *registrationNewPage) AccommodationOptions() []option { return accommodationOptions() }

// WorkshopOptions are the workshops as options.
func (p *registrationNewPage) WorkshopOptions() []option {
	return workshopOptions(p.Workshops, p.Conference)
}

func (s *Server) registrationNewPageFor(c echo.Context) (*registrationNewPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return nil, err
	}
	d, err := s.opts.Registrations.Desk(c.Request().Context(), conf)
	if err != nil {
		return nil, err
	}
	return &registrationNewPage{base: s.base(c, "Add a registration"), Nav: navOf(conf.Slug, "registrations"), Conference: conf,
		Answers: question.Answers{}, Questions: d.Settings.Questions, Workshops: d.Workshops, Full: d.Settings.Full()}, nil
}

func (s *Server) registrationNew(c echo.Context) error {
	p, err := s.registrationNewPageFor(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "registration_new", p)
}

func (s *Server) registrationAdd(c echo.Context) error {
	p, err := s.registrationNewPageFor(c)
	if err != nil {
		return err
	}
	var f regForm
	err = s.bindForm(c, &f)
	p.Form = f
	p.Answers, _ = formAnswers(c)
	var r registration.Registration
	if err == nil {
		r, err = s.opts.Registrations.Add(c.Request().Context(), principal(c), p.Conference, f.input(p.Answers, nil))
	}
	if err != nil {
		return s.renderForm(c, "registration_new", p, err)
	}
	if r.Status == registration.Registered {
		s.flash(c, r.Name+" is registered and has been emailed how to join.")
	} else {
		s.flash(c, "The conference is full, so "+r.Name+" is on the waitlist and has been told so by email.")
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/c/%s/manage/registrations/%d", p.Conference.Slug, r.ID))
}

// --- One registration ---

type registrationDetailPage struct {
	base
	Nav        manageNav
	Conference conference.Conference
	Detail     registration.Detail
}

// When writes a time in the conference's time zone.
func (p *registrationDetailPage) When(t *time.Time) string {
	if t == nil {
		return ""
	}
	return registration.When(*t, p.Conference.Location())
}

// Created is when the registration was made.
func (p *registrationDetailPage) Created() string {
	return registration.When(p.Detail.Registration.CreatedAt, p.Conference.Location())
}

func (s *Server) registrationDetailFor(c echo.Context) (*registrationDetailPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return nil, err
	}
	id, err := parseID(c, "id", "registration")
	if err != nil {
		return nil, err
	}
	d, err := s.opts.Registrations.Registration(c.Request().Context(), principal(c), conf, id)
	if err != nil {
		return nil, err
	}
	return &registrationDetailPage{base: s.base(c, d.Registration.Name), Nav: navOf(conf.Slug, "registrations"), Conference: conf, Detail: d}, nil
}

func (s *Server) registrationDetail(c echo.Context) error {
	p, err := s.registrationDetailFor(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "registration_detail", p)
}

// registrationOrganizerAction runs an organizer's action on one registration and returns to where
// the form says (the list or the registration), or shows the registration with what went wrong.
func (s *Server) registrationOrganizerAction(c echo.Context, act func(conf conference.Conference, id int64) (string, error)) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := parseID(c, "id", "registration")
	if err != nil {
		return err
	}
	msg, err := act(conf, id)
	if err != nil {
		if ae, ok := apperr.As(err); ok && (ae.Code == apperr.Conflict || ae.Code == apperr.Invalid) {
			p, perr := s.registrationDetailFor(c)
			if perr != nil {
				return perr
			}
			return s.renderForm(c, "registration_detail", p, err)
		}
		return err
	}
	s.flash(c, msg)
	back := fmt.Sprintf("/c/%s/manage/registrations/%d", conf.Slug, id)
	if next := c.FormValue("next"); strings.HasPrefix(next, "/c/"+conf.Slug+"/manage/registrations") && !strings.HasPrefix(next, "//") {
		back = next
	}
	return c.Redirect(http.StatusSeeOther, back)
}

func (s *Server) registrationResend(c echo.Context) error {
	return s.registrationOrganizerAction(c, func(conf conference.Conference, id int64) (string, error) {
		return "The message is sent again.", s.opts.Registrations.Resend(c.Request().Context(), principal(c), conf, id)
	})
}

func (s *Server) registrationCancelFor(c echo.Context) error {
	return s.registrationOrganizerAction(c, func(conf conference.Conference, id int64) (string, error) {
		return "The registration is cancelled; the place passes to the waitlist.", s.opts.Registrations.CancelFor(c.Request().Context(), principal(c), conf, id)
	})
}

func (s *Server) registrationAttendance(c echo.Context) error {
	return s.registrationOrganizerAction(c, func(conf conference.Conference, id int64) (string, error) {
		attended := c.FormValue("attended") == "yes"
		r, err := s.opts.Registrations.MarkAttendance(c.Request().Context(), principal(c), conf, id, attended)
		if attended {
			return r.Name + " is marked as attending.", err
		}
		return r.Name + " is no longer marked as attending.", err
	})
}

// --- Accommodations and demographics ---

type accommodationsPage struct {
	base
	Nav        manageNav
	Conference conference.Conference
	Groups     []needsView
}

// needsView is the report of the conference or of one workshop.
type needsView struct {
	ID, Title  string
	Workshop   bool
	Counts     []needCount
	People     []registration.NeedRow
	ShowPeople bool
}

type needCount struct {
	Label           string
	Places, Waiting int
}

func needsViewOf(id, title string, workshop bool, g registration.NeedsGroup) needsView {
	v := needsView{ID: id, Title: title, Workshop: workshop, People: g.People, ShowPeople: g.People != nil}
	for _, a := range registration.Accommodations {
		label := a.Label
		if a.Value == registration.OtherAccommodation {
			label = "Something else"
		}
		v.Counts = append(v.Counts, needCount{Label: label, Places: g.Counts[a.Value], Waiting: g.Waiting[a.Value]})
	}
	return v
}

// Needs lists a row's accommodations for people.
func (p *accommodationsPage) Needs(row registration.NeedRow) string {
	var out []string
	for _, a := range row.Accommodations {
		out = append(out, a.Label())
	}
	return strings.Join(out, "; ")
}

func (s *Server) accommodationsShow(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	rep, err := s.opts.Registrations.Accommodations(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	p := &accommodationsPage{base: s.base(c, "Accommodations"), Nav: navOf(conf.Slug, "accommodations"), Conference: conf}
	p.Groups = append(p.Groups, needsViewOf("conference", "The conference", false, rep.Conference))
	for _, w := range rep.Workshops {
		p.Groups = append(p.Groups, needsViewOf(fmt.Sprintf("workshop-%d", w.Workshop.ID), "Workshop: "+w.Workshop.Title, true, w.Needs))
	}
	return s.render(c, http.StatusOK, "accommodations", p)
}

type demographicsPage struct {
	base
	Nav        manageNav
	Conference conference.Conference
	Figures    registration.Demographics
}

func (s *Server) demographicsShow(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	d, err := s.opts.Registrations.Demographics(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	p := &demographicsPage{base: s.base(c, "Demographics"), Nav: navOf(conf.Slug, "demographics"), Conference: conf, Figures: d}
	return s.render(c, http.StatusOK, "demographics", p)
}
