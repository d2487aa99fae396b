package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/question"
	"github.com/challenging-norms/conference/internal/review"
	"github.com/challenging-norms/conference/internal/submission"
)

// The organizers' pages of peer review: settings, rubrics, the reviewer pool and conflicts.

type reviewSettingsForm struct {
	Version            string   `form:"version" validate:"max=10"`
	Blind              string   `form:"blind" validate:"max=10"`
	BiddingOpensAt     string   `form:"bidding_opens_at" validate:"max=40"`
	BiddingClosesAt    string   `form:"bidding_closes_at" validate:"max=40"`
	ReviewDeadline     string   `form:"review_deadline" validate:"max=40"`
	ConfirmBy          string   `form:"confirm_by" validate:"max=40"`
	ReminderHours      string   `form:"reminder_hours" validate:"max=10"`
	Calibration        string   `form:"calibration" validate:"max=5"`
	NotPreferredCap    string   `form:"not_preferred_cap" validate:"max=10"`
	RequiredCategories []string `form:"required_categories" validate:"max=20,dive,max=40"`
}

// input is the settings of the form; a number that is not one is a field error, and none for
// the service.
func (f reviewSettingsForm) input() (review.SettingsInput, error) {
	// Empty means none: no automatic reminder, no cap.
	var fe apperr.Fields
	hours := wholeNumber(&fe, "reminder_hours", f.ReminderHours, 0, "Give a number of hours, or leave it empty for no automatic reminder.")
	limit := wholeNumber(&fe, "not_preferred_cap", f.NotPreferredCap, -1, "Give a whole number, or leave it empty for no cap.")
	return review.SettingsInput{Blind: f.Blind, BiddingOpensAt: f.BiddingOpensAt, BiddingClosesAt: f.BiddingClosesAt, ReviewDeadline: f.ReviewDeadline,
		ConfirmBy: f.ConfirmBy, ReminderHours: hours, Calibration: f.Calibration == "yes",
		NotPreferredCap: limit, RequiredCategories: f.RequiredCategories}, fe.Err()
}

type reviewSettingsPage struct {
	confBase
	Form       reviewSettingsForm
	Blinds     []option
	Categories []option
	// Warnings are saved dates that work against the call: reviewers would bid on, or review, a set
	// of proposals that can still grow or change.
	Warnings []string
}

func (s *Server) reviewSettingsPage(c echo.Context) (reviewSettingsPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return reviewSettingsPage{}, err
	}
	p := reviewSettingsPage{confBase: s.confBase(c, conf, "Review settings · "+conf.Name, "review"),
		Blinds: []option{{"double", "Double-blind: reviewers do not see presenters (recommended)"}, {"single", "Single-blind: reviewers see presenters' names and institutions"}}}
	for _, x := range review.Categories {
		p.Categories = append(p.Categories, option{Value: string(x.Value), Label: x.Label})
	}
	st, err := s.opts.Reviews.Settings(c.Request().Context(), conf)
	if err != nil {
		return p, err
	}
	loc := conf.Location()
	p.Form = reviewSettingsForm{Version: strconv.Itoa(st.Version), Blind: string(st.Blind), RequiredCategories: st.RequiredCategories}
	if st.ReminderHours > 0 {
		p.Form.ReminderHours = strconv.Itoa(st.ReminderHours)
	}
	if st.NotPreferredCap >= 0 {
		p.Form.NotPreferredCap = strconv.Itoa(st.NotPreferredCap)
	}
	if st.BiddingOpensAt != nil {
		p.Form.BiddingOpensAt = cfp.LocalInput(*st.BiddingOpensAt, loc)
	}
	if st.BiddingClosesAt != nil {
		p.Form.BiddingClosesAt = cfp.LocalInput(*st.BiddingClosesAt, loc)
	}
	if st.ReviewDeadline != nil {
		p.Form.ReviewDeadline = cfp.LocalInput(*st.ReviewDeadline, loc)
	}
	if st.ConfirmBy != nil {
		p.Form.ConfirmBy = cfp.LocalInput(*st.ConfirmBy, loc)
	}
	if st.Calibration {
		p.Form.Calibration = "yes"
	}
	call, err := s.opts.Calls.Call(c.Request().Context(), conf)
	if err != nil {
		return p, err
	}
	closes := submission.FormatTime(call.ClosesAt, loc)
	if st.BiddingOpensAt != nil && st.BiddingOpensAt.Before(call.ClosesAt) {
		p.Warnings = append(p.Warnings, "Bidding opens before the call closes ("+closes+"): proposals submitted or changed after reviewers bid will have no bids from them. Open bidding after the call closes unless you mean it.")
	}
	if st.ReviewDeadline != nil && st.ReviewDeadline.Before(call.ClosesAt) {
		p.Warnings = append(p.Warnings, "Reviews are due before the call closes ("+closes+"): proposals that arrive later cannot be reviewed in time.")
	}
	return p, nil
}

func (s *Server) manageReviewSettings(c echo.Context) error {
	p, err := s.reviewSettingsPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "manage_review", &p)
}

func (s *Server) manageReviewSettingsSave(c echo.Context) error {
	p, err := s.reviewSettingsPage(c)
	if err != nil {
		return err
	}
	var f reviewSettingsForm
	err = s.bindForm(c, &f)
	p.Form = f
	ctx := c.Request().Context()
	// check says what else the settings would refuse, with the form's own errors.
	check := func(f reviewSettingsForm) error {
		in, err := f.input()
		return joinFieldErrors(err, s.opts.Reviews.CheckSettings(ctx, principal(c), p.Conference, in))
	}
	var before, after review.Settings
	if err != nil {
		err = alsoChecked(err, f, check)
	} else if before, err = s.opts.Reviews.Settings(ctx, p.Conference); err == nil {
		if in, ierr := f.input(); ierr != nil {
			err = check(f)
		} else {
			after, err = s.opts.Reviews.SaveSettings(ctx, principal(c), p.Conference, atoi(f.Version), in)
		}
	}
	if err != nil {
		return s.renderForm(c, "manage_review", &p, err)
	}
	msg := "The review settings are saved."
	if after.Calibration && !before.Calibration {
		msg += " Calibration is on: reviewers score the samples before their own assignments, which wait until then. Mark samples on their review pages."
	}
	s.flash(c, msg)
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/review")
}

type rubricsPage struct {
	confBase
	Formats []cfp.Format
	Configs map[int64]review.FormatConfig
}

func (s *Server) manageRubrics(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := rubricsPage{confBase: s.confBase(c, conf, "Rubrics · "+conf.Name, "review")}
	if p.Formats, err = s.opts.Calls.Formats(ctx, conf); err != nil {
		return err
	}
	if p.Configs, err = s.opts.Reviews.FormatConfigs(ctx, conf); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "manage_rubrics", &p)
}

// criterionForm is one row of the rubric form; a row with an empty label is left out.
type criterionForm struct {
	ID, Label, Description, Weight string
	Anchors                        [5]string
	Remove                         bool
}

type rubricPage struct {
	confBase
	Format    cfp.Format
	Version   string
	Reviewers string
	Slots     string
	Criteria  []criterionForm
}

// CriterionField builds the field of one criterion's attribute, named as the service names its errors.
func (p *rubricPage) CriterionField(i int, attr, label, value string, opts ...string) field {
	f := newField(p, fmt.Sprintf("criteria.%d.%s", i, attr), label, "text", value, opts...)
	if attr == "weight" {
		f.Type = "number"
	}
	return f
}

func (s *Server) rubricPage(c echo.Context) (rubricPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return rubricPage{}, err
	}
	ctx := c.Request().Context()
	id, _ := strconv.ParseInt(c.Param("id"), 10, 64)
	f, err := s.opts.Calls.Format(ctx, conf, id)
	if err != nil {
		return rubricPage{}, err
	}
	cfg, err := s.opts.Reviews.FormatConfig(ctx, conf, f)
	if err != nil {
		return rubricPage{}, err
	}
	p := rubricPage{confBase: s.confBase(c, conf, "Rubric of "+f.Name+" · "+conf.Name, "review"), Format: f, Version: strconv.Itoa(cfg.Version),
		Reviewers: strconv.Itoa(cfg.Reviewers)}
	if cfg.Slots != nil {
		p.Slots = strconv.Itoa(*cfg.Slots)
	}
	for _, cr := range cfg.Criteria {
		p.Criteria = append(p.Criteria, criterionForm{ID: cr.ID, Label: cr.Label, Description: cr.Description, Weight: strconv.Itoa(cr.Weight), Anchors: cr.Anchors})
	}
	p.Criteria = append(p.Criteria, criterionForm{Weight: "1"})
	return p, nil
}

func (s *Server) manageRubric(c echo.Context) error {
	p, err := s.rubricPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "manage_rubric", &p)
}

// manageRubricSave reads the rubric form: criteria.N.{id,label,description,weight,anchor1..5,remove}.
func (s *Server) manageRubricSave(c echo.Context) error {
	p, err := s.rubricPage(c)
	if err != nil {
		return err
	}
	form, err := c.FormParams()
	if err != nil {
		return apperr.New(apperr.Malformed, "The form could not be read. Reload the page and try again.")
	}
	for k, v := range form {
		for _, x := range v {
			if !storable(x) || len(x) > 4000 {
				return s.renderForm(c, "manage_rubric", &p, apperr.Field(k, "This holds a character that cannot be saved, or is too long."))
			}
		}
	}
	p.Version, p.Reviewers, p.Slots = form.Get("version"), form.Get("reviewers"), form.Get("slots")
	p.Criteria = nil
	cfg := review.FormatConfig{FormatID: p.Format.ID, Reviewers: atoi(p.Reviewers), Version: atoi(p.Version)}
	if strings.TrimSpace(p.Slots) != "" {
		n := atoi(p.Slots)
		cfg.Slots = &n
	}
	var taken []string
	for i := 0; i < 13; i++ {
		pre := fmt.Sprintf("criteria.%d.", i)
		cf := criterionForm{ID: form.Get(pre + "id"), Label: form.Get(pre + "label"), Description: form.Get(pre + "description"),
			Weight: form.Get(pre + "weight"), Remove: form.Get(pre+"remove") == "yes"}
		for j := range cf.Anchors {
			cf.Anchors[j] = form.Get(fmt.Sprintf("%sanchor%d", pre, j+1))
		}
		if strings.TrimSpace(cf.Label) == "" && cf.ID == "" {
			continue
		}
		p.Criteria = append(p.Criteria, cf)
		if cf.Remove {
			continue
		}
		if cf.ID != "" {
			taken = append(taken, cf.ID)
		}
	}
	for _, cf := range p.Criteria {
		if cf.Remove {
			continue
		}
		id := cf.ID
		if id == "" {
			id = question.NewID(cf.Label, taken)
			taken = append(taken, id)
		}
		cfg.Criteria = append(cfg.Criteria, review.Criterion{ID: id, Label: cf.Label, Description: cf.Description, Weight: atoi(cf.Weight), Anchors: cf.Anchors})
	}
	if _, err := s.opts.Reviews.SaveFormatConfig(c.Request().Context(), principal(c), p.Conference, cfg); err != nil {
		p.Criteria = append(p.Criteria, criterionForm{Weight: "1"})
		return s.renderForm(c, "manage_rubric", &p, err)
	}
	s.flash(c, "The rubric of "+p.Format.Name+" is saved.")
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/review/rubrics")
}

type reviewersPage struct {
	confBase
	Progress    []review.ReviewerProgress
	Invitations []review.Invitation
	Invitees    string
	Message     string
	// ClientKey is the invitation form's key, one per form shown, that sends its invitations once
	// however often the form is sent.
	ClientKey string
	Conflicts []review.DeclaredConflict
}

func (s *Server) reviewersPage(c echo.Context) (reviewersPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return reviewersPage{}, err
	}
	ctx := c.Request().Context()
	p := reviewersPage{confBase: s.confBase(c, conf, "Reviewers · "+conf.Name, "reviewers"), ClientKey: newClientKey()}
	if p.Progress, _, err = s.opts.Reviews.Progress(ctx, principal(c), conf); err != nil {
		return p, err
	}
	if p.Invitations, err = s.opts.Reviews.Invitations(ctx, principal(c), conf); err != nil {
		return p, err
	}
	p.Conflicts, err = s.opts.Reviews.DeclaredConflicts(ctx, principal(c), conf)
	return p, err
}

func (s *Server) manageReviewers(c echo.Context) error {
	p, err := s.reviewersPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "manage_reviewers", &p)
}

type inviteReviewersForm struct {
	Invitees  string `form:"invitees" validate:"max=100000"`
	Message   string `form:"message" validate:"max=8000"`
	ClientKey string `form:"client_key" validate:"max=100"`
}

// people are the people of the pasted list; a line without an address is a field error.
func (f inviteReviewersForm) people() ([]review.Invitee, error) {
	people, bad := review.ParseInvitees(f.Invitees)
	if len(bad) > 0 {
		return people, apperr.Field("invitees", "These lines hold no email address: "+strings.Join(bad, ", ")+".")
	}
	return people, nil
}

func (s *Server) manageReviewersInvite(c echo.Context) error {
	p, err := s.reviewersPage(c)
	if err != nil {
		return err
	}
	var f inviteReviewersForm
	err = s.bindForm(c, &f)
	p.Invitees, p.Message = f.Invitees, f.Message
	ctx := c.Request().Context()
	check := func(f inviteReviewersForm) error {
		people, err := f.people()
		return joinFieldErrors(err, s.opts.Reviews.CheckInvite(ctx, principal(c), p.Conference, people, f.Message))
	}
	var sent []review.Invitation
	if err != nil {
		err = alsoChecked(err, f, check)
	} else if people, perr := f.people(); perr != nil {
		err = check(f)
	} else {
		// The same form sent twice (a double click) sends its invitations once, and both answers say so.
		sent, err = s.opts.Reviews.InviteOnce(ctx, principal(c), p.Conference, people, f.Message, f.ClientKey)
	}
	if err != nil {
		return s.renderForm(c, "manage_reviewers", &p, err)
	}
	s.flash(c, fmt.Sprintf("%s sent. People who already review were skipped.", plural(len(sent), "invitation", "invitations")))
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/reviewers")
}

type remindForm struct {
	UserID string `form:"user_id" validate:"max=20"`
}

func (s *Server) manageReviewersRemind(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var f remindForm
	if err := s.bindForm(c, &f); err != nil {
		return err
	}
	id, _ := strconv.ParseInt(f.UserID, 10, 64)
	n, err := s.opts.Reviews.Remind(c.Request().Context(), principal(c), conf, id)
	if err != nil {
		return err
	}
	if n == 1 {
		s.flash(c, "Reminder queued.")
	} else {
		s.flash(c, plural(n, "reminder", "reminders")+" queued.")
	}
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/manage/reviewers")
}

type setConflictForm struct {
	ProposalID string `form:"proposal_id" validate:"max=20"`
	UserID     string `form:"user_id" validate:"max=20"`
	On         string `form:"on" validate:"max=5"`
	Reason     string `form:"reason" validate:"max=1000"`
}

// manageConflictSet sets or removes a conflict as an organizer, from the reviewers page.
func (s *Server) manageConflictSet(c echo.Context) error {
	p, err := s.reviewersPage(c)
	if err != nil {
		return err
	}
	var f setConflictForm
	if err := s.bindForm(c, &f); err != nil {
		return err
	}
	pid, _ := strconv.ParseInt(f.ProposalID, 10, 64)
	uid, _ := strconv.ParseInt(f.UserID, 10, 64)
	if pid == 0 {
		return s.renderForm(c, "manage_reviewers", &p, apperr.Field("proposal_id", "Enter the proposal's number."))
	}
	if err := s.opts.Reviews.SetConflict(c.Request().Context(), principal(c), p.Conference, pid, uid, f.On != "no", f.Reason); err != nil {
		if ae, ok := apperr.As(err); ok && (ae.Code == apperr.Invalid || ae.Code == apperr.NotFound) {
			if ae.Code == apperr.NotFound {
				err = apperr.Field("proposal_id", "There is no such submitted proposal you may manage.")
			}
			return s.renderForm(c, "manage_reviewers", &p, err)
		}
		return err
	}
	if f.On == "no" {
		s.flash(c, "The conflict is removed.")
	} else {
		s.flash(c, "The conflict is recorded; the reviewer's assignment to the proposal, if any, is removed.")
	}
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/reviewers#conflicts")
}

// wholeNumber reads an optional whole number of a form: empty is none; anything else but a number
// is a field error.
func wholeNumber(fe *apperr.Fields, field, v string, none int, problem string) int {
	v = strings.TrimSpace(v)
	if v == "" {
		return none
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		fe.Add(field, problem)
		return none
	}
	return n
}
