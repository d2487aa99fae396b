package server

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/assign"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/review"
	"github.com/challenging-norms/conference/internal/submission"
)

// reviewForm is the review form: "scores.<criterion>" radio groups are read by readScores.
type reviewForm struct {
	Version        string `form:"version" validate:"max=10"`
	Recommendation string `form:"recommendation" validate:"max=2"`
	Confidence     string `form:"confidence" validate:"max=2"`
	ToPresenters   string `form:"to_presenters" validate:"max=100000"`
	ToOrganizers   string `form:"to_organizers" validate:"max=100000"`
	Action         string `form:"action" validate:"max=20"`
	Scores         map[string]string
}

func reviewFormOf(r review.Review) reviewForm {
	f := reviewForm{Version: strconv.Itoa(r.Version), ToPresenters: r.ToPresenters, ToOrganizers: r.ToOrganizers, Scores: map[string]string{}}
	if r.Recommendation > 0 {
		f.Recommendation = strconv.Itoa(r.Recommendation)
	}
	if r.Confidence > 0 {
		f.Confidence = strconv.Itoa(r.Confidence)
	}
	for k, v := range r.Scores {
		f.Scores[k] = strconv.Itoa(v)
	}
	return f
}

type decisionForm struct {
	Decision string `form:"decision" validate:"max=20"`
	FormatID string `form:"format_id" validate:"max=20"`
	Note     string `form:"note" validate:"max=8000"`
	Reason   string `form:"reason" validate:"max=8000"`
}

type sheetPage struct {
	confBase
	Sheet           review.Sheet
	Form            reviewForm
	Recommendations []option
	Confidences     []option
	// Organizers' panels.
	Candidates []review.Candidate
	// SwapOut and SwapIn are who can leave the proposal (assigned, review not submitted) and who can
	// take their place (not assigned, no conflict, below their maximum), for the swap form.
	SwapOut, SwapIn []option
	Decision        decisionForm
	Decisions       []option
	Formats         []option
	Row             *review.Row
	Prop            submission.Proposal
	// ConflictReason is the reason a reviewer gave for a conflict, shown again with an error.
	ConflictReason string
	// AcceptedAs names the format a proposal was accepted in, when another than proposed.
	AcceptedAs string
	Answers    []option // the presenters' possible answers about participation
}

// ScoreField is the radio group of one criterion, its options labelled by the rubric's anchors.
func (p *sheetPage) ScoreField(c review.Criterion) field {
	var opts []option
	for i, a := range c.Anchors {
		label := strconv.Itoa(i + 1)
		if a != "" {
			label += ": " + a
		}
		opts = append(opts, option{Value: strconv.Itoa(i + 1), Label: label})
	}
	hint := c.Description
	if c.Weight != 1 {
		hint = strings.TrimSpace(hint + fmt.Sprintf(" Counts %d times.", c.Weight))
	}
	f := newChoice(p, "scores."+c.ID, c.Label, p.Form.Scores[c.ID], opts, "required", "hint="+hint)
	f.Type = "radios"
	return f
}

// Weighted is a review's weighted score on the page's rubric.
func (p *sheetPage) Weighted(r review.Review) string {
	w := review.WeightedScore(p.Sheet.Config.Criteria, r.Scores)
	if w == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", w)
}

// CriterionLabel names a criterion by id.
func (p *sheetPage) CriterionLabel(id string) string {
	for _, c := range p.Sheet.Config.Criteria {
		if c.ID == id {
			return c.Label
		}
	}
	return id
}

// Recommendation and Confidence name a review's answers.
func (p *sheetPage) Recommendation(n int) string { return review.Recommendations[max(0, min(n, 5))] }
func (p *sheetPage) Confidence(n int) string     { return review.Confidences[max(0, min(n, 3))] }

func reviewURL(conf conference.Conference, id int64) string {
	return fmt.Sprintf("/c/%s/review/proposals/%d", conf.Slug, id)
}

func (s *Server) sheetPage(c echo.Context) (sheetPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return sheetPage{}, err
	}
	id, err := proposalID(c)
	if err != nil {
		return sheetPage{}, err
	}
	ctx := c.Request().Context()
	p := sheetPage{confBase: s.confBase(c, conf, "Review · "+conf.Name, "")}
	if p.Sheet, err = s.opts.Reviews.Sheet(ctx, principal(c), conf, id); err != nil {
		return p, err
	}
	p.Title = p.Sheet.Proposal.Title + " · Review · " + conf.Name
	p.Form = reviewFormOf(p.Sheet.Own)
	for i := 5; i >= 1; i-- {
		p.Recommendations = append(p.Recommendations, option{Value: strconv.Itoa(i), Label: review.Recommendations[i]})
	}
	for i := 3; i >= 1; i-- {
		p.Confidences = append(p.Confidences, option{Value: strconv.Itoa(i), Label: review.Confidences[i]})
	}
	if p.Sheet.Organizer {
		p.Section = "assignments"
		if p.Candidates, err = s.opts.Reviews.Candidates(ctx, principal(c), conf, id); err != nil {
			return p, err
		}
		for _, x := range p.Candidates {
			switch {
			case x.Assigned && x.Review != review.Submitted:
				p.SwapOut = append(p.SwapOut, option{Value: strconv.FormatInt(x.UserID, 10), Label: x.Name})
			case !x.Assigned && len(x.Conflicts) == 0 && !x.AtMaximum():
				p.SwapIn = append(p.SwapIn, option{Value: strconv.FormatInt(x.UserID, 10), Label: x.Name})
			}
		}
		if p.Prop, err = s.opts.Submissions.Get(ctx, principal(c), conf, id); err != nil {
			return p, err
		}
		p.Decision = decisionForm{Decision: string(p.Prop.Decision), Note: p.Prop.DecisionNote, Reason: p.Prop.DecisionReason}
		if p.Prop.DecidedFormatID != nil {
			p.Decision.FormatID = strconv.FormatInt(*p.Prop.DecidedFormatID, 10)
		}
		p.Decisions = []option{{"accepted", "Accept"}, {"waitlisted", "Waiting list"}, {"rejected", "Reject"}}
		p.Answers = []option{{"confirmed", "They will present"}, {"declined", "They cannot present"}}
		formats, err := s.opts.Calls.Formats(ctx, conf)
		if err != nil {
			return p, err
		}
		for _, f := range formats {
			p.Formats = append(p.Formats, option{Value: strconv.FormatInt(f.ID, 10), Label: f.Name})
			if p.Prop.DecidedFormatID != nil && *p.Prop.DecidedFormatID == f.ID && f.ID != p.Prop.FormatID {
				p.AcceptedAs = "a " + strings.ToLower(f.Name)
			}
		}
		r, err := s.opts.Reviews.Ranking(ctx, principal(c), conf, review.RankFilter{FormatID: p.Prop.FormatID})
		if err != nil {
			return p, err
		}
		for i := range r.Rows {
			if r.Rows[i].Proposal.ID == id {
				p.Row = &r.Rows[i]
			}
		}
	}
	return p, nil
}

func (s *Server) reviewSheet(c echo.Context) error {
	p, err := s.sheetPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "review_sheet", &p)
}

// reviewSave saves the viewer's review; a stale one comes back with their text, nothing overwritten.
func (s *Server) reviewSave(c echo.Context) error {
	p, err := s.sheetPage(c)
	if err != nil {
		return err
	}
	var f reviewForm
	err = s.bindForm(c, &f)
	if err == nil {
		f.Scores = map[string]string{}
		form, _ := c.FormParams()
		for k, v := range form {
			if id, ok := strings.CutPrefix(k, "scores."); ok && len(v) > 0 {
				f.Scores[id] = v[0]
			}
		}
	}
	p.Form = f
	if err == nil {
		in := review.ReviewInput{Scores: map[string]int{}, Recommendation: atoiZero(f.Recommendation), Confidence: atoiZero(f.Confidence),
			ToPresenters: f.ToPresenters, ToOrganizers: f.ToOrganizers, Submit: f.Action == "submit"}
		for k, v := range f.Scores {
			if v != "" {
				in.Scores[k] = atoi(v)
			}
		}
		_, err = s.opts.Reviews.SaveReview(c.Request().Context(), principal(c), p.Conference, p.Sheet.Proposal.ID, atoi(f.Version), in)
	}
	if err != nil {
		if ae, ok := apperr.As(err); ok && ae.Code == apperr.Conflict {
			// Show the saved review's version so that saving again keeps the person's text.
			p.Form.Version = strconv.Itoa(p.Sheet.Own.Version)
		}
		return s.renderForm(c, "review_sheet", &p, err)
	}
	if f.Action == "submit" {
		s.flash(c, "Your review is submitted. You can now read the other reviews and join the discussion.")
	} else {
		s.flash(c, "Your draft review is saved. It counts once you submit it.")
	}
	return c.Redirect(http.StatusSeeOther, reviewURL(p.Conference, p.Sheet.Proposal.ID))
}

// atoiZero reads an optional number: "" is 0, a non-number -1 (refused with the field's message).
func atoiZero(s string) int {
	if s == "" {
		return 0
	}
	return atoi(s)
}

type conflictForm struct {
	Reason string `form:"reason" validate:"max=1000"`
}

// reviewConflict lets a reviewer mark a proposal as a conflict: it leaves their list at once.
func (s *Server) reviewConflict(c echo.Context) error {
	p, err := s.sheetPage(c)
	if err != nil {
		return err
	}
	var f conflictForm
	err = s.bindForm(c, &f)
	p.ConflictReason = f.Reason
	if err == nil {
		err = s.opts.Reviews.DeclareConflict(c.Request().Context(), principal(c), p.Conference, p.Sheet.Proposal.ID, f.Reason)
	}
	if err != nil {
		return s.renderForm(c, "review_sheet", &p, err)
	}
	s.flash(c, "Thank you: the proposal is marked as a conflict of interest and taken off your list. The organizers will find another reviewer.")
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/review")
}

type discussForm struct {
	Body string `form:"body" validate:"max=40000"`
}

func (s *Server) reviewDiscuss(c echo.Context) error {
	p, err := s.sheetPage(c)
	if err != nil {
		return err
	}
	var f discussForm
	if err := s.bindForm(c, &f); err != nil {
		return err
	}
	if _, err := s.opts.Reviews.Discuss(c.Request().Context(), principal(c), p.Conference, p.Sheet.Proposal.ID, f.Body); err != nil {
		return s.renderForm(c, "review_sheet", &p, err)
	}
	return c.Redirect(http.StatusSeeOther, reviewURL(p.Conference, p.Sheet.Proposal.ID)+"#discussion")
}

// manageDecide records a decision from the organizers' view of the sheet.
func (s *Server) manageDecide(c echo.Context) error {
	p, err := s.sheetPage(c)
	if err != nil {
		return err
	}
	var f decisionForm
	err = s.bindForm(c, &f)
	p.Decision = f
	if err == nil {
		in := review.DecisionInput{Decision: submission.Decision(f.Decision), Note: f.Note, Reason: f.Reason}
		if f.FormatID != "" {
			in.FormatID, _ = strconv.ParseInt(f.FormatID, 10, 64)
			if in.FormatID == 0 {
				err = apperr.Field("format_id", "Choose one of the call's formats.")
			}
		}
		if err == nil {
			_, err = s.opts.Reviews.Decide(c.Request().Context(), principal(c), p.Conference, p.Sheet.Proposal.ID, in)
		}
	}
	if err != nil {
		return s.renderForm(c, "review_sheet", &p, err)
	}
	s.flash(c, "The decision is recorded. Presenters learn it when its notice is sent (Decisions page).")
	return c.Redirect(http.StatusSeeOther, reviewURL(p.Conference, p.Sheet.Proposal.ID)+"#decide")
}

// manageRelease lets presenters read the reviewers' comments to them, once the proposal is decided.
func (s *Server) manageRelease(c echo.Context) error {
	p, err := s.sheetPage(c)
	if err != nil {
		return err
	}
	n, err := s.opts.Reviews.ReleaseComments(c.Request().Context(), principal(c), p.Conference, p.Sheet.Proposal.ID)
	if err != nil {
		return s.renderForm(c, "review_sheet", &p, err)
	}
	s.flash(c, fmt.Sprintf("%s to the presenters released.", plural(n, "review's comments", "reviews' comments")))
	return c.Redirect(http.StatusSeeOther, reviewURL(p.Conference, p.Sheet.Proposal.ID)+"#reviews")
}

type recordParticipationForm struct {
	Answer string `form:"participation" validate:"max=20"`
}

// manageParticipation records the presenters' answer given another way, e.g. by mail after the date.
func (s *Server) manageParticipation(c echo.Context) error {
	p, err := s.sheetPage(c)
	if err != nil {
		return err
	}
	var f recordParticipationForm
	err = s.bindForm(c, &f)
	if err == nil && f.Answer != "confirmed" && f.Answer != "declined" {
		err = apperr.Field("participation", "Choose whether the presenters will present.")
	}
	if err == nil {
		err = s.opts.Reviews.RecordParticipation(c.Request().Context(), principal(c), p.Conference, p.Sheet.Proposal.ID, f.Answer == "confirmed")
	}
	if err != nil {
		return s.renderForm(c, "review_sheet", &p, err)
	}
	s.flash(c, "The presenters' answer is recorded.")
	return c.Redirect(http.StatusSeeOther, reviewURL(p.Conference, p.Sheet.Proposal.ID)+"#decide")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}

type calibrationToggle struct {
	On string `form:"on" validate:"max=5"`
}

func (s *Server) manageCalibrationToggle(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	var f calibrationToggle
	if err := s.bindForm(c, &f); err != nil {
		return err
	}
	if err := s.opts.Reviews.SetCalibration(c.Request().Context(), principal(c), conf, id, f.On == "yes"); err != nil {
		return err
	}
	if f.On == "yes" {
		s.flash(c, "Every reviewer without a conflict will review this proposal first, when calibration is on.")
	} else {
		s.flash(c, "The proposal is no longer a calibration sample.")
	}
	return c.Redirect(http.StatusSeeOther, reviewURL(conf, id))
}

type changeForm struct {
	Kind        string `form:"kind" validate:"max=10"`
	Reviewer    string `form:"reviewer" validate:"max=20"`
	Replacement string `form:"replacement" validate:"max=20"`
}

// manageAssignmentChange adds, removes or swaps a reviewer of one proposal by hand.
func (s *Server) manageAssignmentChange(c echo.Context) error {
	p, err := s.sheetPage(c)
	if err != nil {
		return err
	}
	var f changeForm
	if err := s.bindForm(c, &f); err != nil {
		return err
	}
	ch := assign.Change{Kind: assign.ChangeKind(f.Kind), Proposal: p.Sheet.Proposal.ID}
	ch.Reviewer, _ = strconv.ParseInt(f.Reviewer, 10, 64)
	ch.Replacement, _ = strconv.ParseInt(f.Replacement, 10, 64)
	switch {
	case ch.Kind != assign.Add && ch.Kind != assign.Remove && ch.Kind != assign.Swap:
		err = apperr.New(apperr.Malformed, "Choose to add, remove or swap a reviewer.")
	case ch.Reviewer == 0:
		err = apperr.Field("reviewer", "Choose a reviewer.")
	case ch.Kind == assign.Swap && ch.Replacement == 0:
		err = apperr.Field("replacement", "Choose the reviewer who takes the place.")
	default:
		err = s.opts.Reviews.ChangeAssignment(c.Request().Context(), principal(c), p.Conference, ch)
	}
	if err != nil {
		if ae, ok := apperr.As(err); ok && (ae.Code == apperr.Conflict || ae.Code == apperr.Invalid) {
			return s.renderForm(c, "review_sheet", &p, err)
		}
		return err
	}
	s.flash(c, "The assignments of this proposal are changed.")
	return c.Redirect(http.StatusSeeOther, reviewURL(p.Conference, p.Sheet.Proposal.ID)+"#assignments")
}
