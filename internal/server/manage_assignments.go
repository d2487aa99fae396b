package server

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/assign"
	"github.com/challenging-norms/conference/internal/review"
	"github.com/challenging-norms/conference/internal/submission"
)

// The organizers' pages of assignment, ranking and decisions.

type assignmentsPage struct {
	confBase
	Rows      []assignmentRow
	Reviewers int
	Missing   int
}

// assignmentRow is one proposal with its reviewers.
type assignmentRow struct {
	ID        int64
	Title     string
	Reviewers []string
	Assigned  int
	Submitted int
	Wanted    int
}

func (s *Server) manageAssignments(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := assignmentsPage{confBase: s.confBase(c, conf, "Assignments · "+conf.Name, "assignments")}
	reviewers, byProposal, err := s.opts.Reviews.Progress(ctx, principal(c), conf)
	if err != nil {
		return err
	}
	p.Reviewers = len(reviewers)
	names := map[int64]string{}
	for _, r := range reviewers {
		names[r.UserID] = r.Name
	}
	list, err := s.opts.Reviews.Assignments(ctx, principal(c), conf)
	if err != nil {
		return err
	}
	assigned := map[int64][]string{}
	for _, a := range list {
		assigned[a.ProposalID] = append(assigned[a.ProposalID], names[a.UserID])
	}
	configs, err := s.opts.Reviews.FormatConfigs(ctx, conf)
	if err != nil {
		return err
	}
	page, err := s.opts.Submissions.List(ctx, principal(c), conf, submission.Filter{Status: submission.Submitted, Limit: 10000, Sort: "oldest"})
	if err != nil {
		return err
	}
	for _, x := range page.Proposals {
		pr, visible := byProposal[x.ID]
		if !visible {
			continue // the organizer conflicts with it
		}
		row := assignmentRow{ID: x.ID, Title: x.TitleIn(conf.Location()), Reviewers: assigned[x.ID], Assigned: pr.Assigned, Submitted: pr.Submitted,
			Wanted: configs[x.FormatID].Reviewers}
		if row.Assigned < row.Wanted {
			p.Missing++
		}
		p.Rows = append(p.Rows, row)
	}
	return s.render(c, http.StatusOK, "manage_assignments", &p)
}

// manageAssignmentPreview computes a plan and shows it.
func (s *Server) manageAssignmentPreview(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	pv, err := s.opts.Reviews.PreviewAssignment(c.Request().Context(), principal(c), conf)
	if err != nil {
		if apperr.Is(err, apperr.Conflict) {
			s.flash(c, messageOf(err))
			return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/manage/assignments")
		}
		return err
	}
	return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/c/%s/manage/assignments/plans/%d", conf.Slug, pv.ID))
}

// messageOf is an error's message for people.
func messageOf(err error) string {
	if ae, ok := apperr.As(err); ok {
		return ae.Message
	}
	return err.Error()
}

type planPage struct {
	confBase
	Preview   review.Preview
	PerPerson []planPerson
	Pairs     []assign.Assignment
	PageNo    int
	PrevURL   string
	NextURL   string
	// BiddingOpen: reviewers may still bid, and bids made after the plan are not in it.
	BiddingOpen bool
}

// planPerson is one reviewer's part of a plan.
type planPerson struct {
	Name      string
	New       int
	LoadAfter int
}

const planPageSize = 200

func (s *Server) manageAssignmentPlan(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.Param("plan"), 10, 64)
	p := planPage{confBase: s.confBase(c, conf, "Assignment plan · "+conf.Name, "assignments")}
	if p.Preview, err = s.opts.Reviews.Plan(c.Request().Context(), principal(c), conf, id); err != nil {
		return err
	}
	if p.BiddingOpen, _, err = s.opts.Reviews.BiddingOpen(c.Request().Context(), conf); err != nil {
		return err
	}
	per := map[int64]*planPerson{}
	for _, a := range p.Preview.Plan.New {
		pp := per[a.Reviewer]
		if pp == nil {
			pp = &planPerson{Name: p.Preview.Reviewers[a.Reviewer]}
			per[a.Reviewer] = pp
		}
		pp.New++
		pp.LoadAfter = max(pp.LoadAfter, a.LoadAfter)
	}
	for _, pp := range per {
		p.PerPerson = append(p.PerPerson, *pp)
	}
	sort.Slice(p.PerPerson, func(i, j int) bool { return p.PerPerson[i].Name < p.PerPerson[j].Name })
	p.PageNo = min(pageParam(c), max(1, (len(p.Preview.Plan.New)+planPageSize-1)/planPageSize))
	from := (p.PageNo - 1) * planPageSize
	if from < len(p.Preview.Plan.New) {
		p.Pairs = p.Preview.Plan.New[from:min(len(p.Preview.Plan.New), from+planPageSize)]
	}
	base := fmt.Sprintf("/c/%s/manage/assignments/plans/%d", conf.Slug, id)
	if p.PageNo > 1 {
		p.PrevURL = fmt.Sprintf("%s?page=%d#pairs", base, p.PageNo-1)
	}
	if from+planPageSize < len(p.Preview.Plan.New) {
		p.NextURL = fmt.Sprintf("%s?page=%d#pairs", base, p.PageNo+1)
	}
	return s.render(c, http.StatusOK, "manage_plan", &p)
}

func (s *Server) manageAssignmentCommit(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, _ := strconv.ParseInt(c.Param("plan"), 10, 64)
	n, err := s.opts.Reviews.CommitAssignment(c.Request().Context(), principal(c), conf, id)
	if err != nil {
		if apperr.Is(err, apperr.Conflict) {
			s.flash(c, messageOf(err))
			return c.Redirect(http.StatusSeeOther, fmt.Sprintf("/c/%s/manage/assignments/plans/%d", conf.Slug, id))
		}
		return err
	}
	s.flash(c, fmt.Sprintf("%s made. Each reviewer with new proposals gets one email.", plural(n, "assignment", "assignments")))
	return c.Redirect(http.StatusSeeOther, "/c/"+conf.Slug+"/manage/assignments")
}

type rankingPage struct {
	confBase
	Ranking     review.Ranking
	Formats     []option
	Tracks      []option
	Sorts       []option
	Format      string
	Track       string
	Sort        string
	ExportURL   string
	formatNames map[int64]string
}

// DecisionOf says a row's decision, with the format when accepted as another.
func (p *rankingPage) DecisionOf(r review.Row) string { return decisionText(r.Proposal, p.formatNames) }

// decisionText is a proposal's decision as organizers read it: "accepted as Poster abstract" when
// accepted in another format than proposed.
func decisionText(prop submission.Proposal, formatNames map[int64]string) string {
	d := string(prop.Decision)
	if prop.Decision == submission.Accept && prop.DecidedFormatID != nil && *prop.DecidedFormatID != prop.FormatID {
		d += " as " + formatNames[*prop.DecidedFormatID]
	}
	return d
}

// rankingFilter reads the ranking's filter from the query, for the page, its export and the API.
func rankingFilter(c echo.Context) (review.RankFilter, error) {
	var fe apperr.Fields
	f := review.RankFilter{FormatID: int64(queryInt(c, &fe, "format", 0, 1<<31-1)), TrackID: int64(queryInt(c, &fe, "track", 0, 1<<31-1)),
		Sort: c.QueryParam("sort")}
	return f, fe.Err()
}

func (s *Server) manageRanking(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := rankingPage{confBase: s.confBase(c, conf, "Ranking · "+conf.Name, "ranking"), Format: c.QueryParam("format"), Track: c.QueryParam("track"),
		Sort: c.QueryParam("sort"), Sorts: []option{{"weighted", "Weighted score"},
			{"recommendation", "Mean recommendation"}, {"spread", "Disagreement (spread)"}, {"reviews", "Number of reviews"}}}
	formats, err := s.opts.Calls.Formats(ctx, conf)
	if err != nil {
		return err
	}
	p.formatNames = map[int64]string{}
	for _, f := range formats {
		p.Formats = append(p.Formats, option{Value: strconv.FormatInt(f.ID, 10), Label: f.Name})
		p.formatNames[f.ID] = f.Name
	}
	tracks, err := s.opts.Calls.Tracks(ctx, conf)
	if err != nil {
		return err
	}
	p.Tracks = trackOptions(tracks)
	p.ExportURL = "/c/" + conf.Slug + "/manage/ranking.csv?" + c.QueryString()
	f, err := rankingFilter(c)
	if err == nil {
		p.Ranking, err = s.opts.Reviews.Ranking(ctx, principal(c), conf, f)
	}
	if err != nil {
		return s.renderForm(c, "manage_ranking", &p, err)
	}
	return s.render(c, http.StatusOK, "manage_ranking", &p)
}

type decisionsPage struct {
	confBase
	Decided   []submission.Proposal
	Notices   []review.Notice
	Templates map[review.NoticeKind]review.Template
	Kinds     []option
	Unsent    int
}

// CountOf counts decided proposals by decision and participation ("" for any).
func (p *decisionsPage) CountOf(decision, participation string) int {
	n := 0
	for _, x := range p.Decided {
		if string(x.Decision) == decision && (participation == "" || string(x.Participation) == participation) {
			n++
		}
	}
	return n
}

func (s *Server) decisionsPage(c echo.Context) (decisionsPage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return decisionsPage{}, err
	}
	ctx := c.Request().Context()
	p := decisionsPage{confBase: s.confBase(c, conf, "Decisions · "+conf.Name, "decisions")}
	if p.Decided, err = s.opts.Reviews.Decisions(ctx, principal(c), conf); err != nil {
		return p, err
	}
	if p.Notices, err = s.opts.Reviews.Notices(ctx, principal(c), conf); err != nil {
		return p, err
	}
	for _, n := range p.Notices {
		if n.Status == review.NoticeDraft {
			p.Unsent++
		}
	}
	if p.Templates, err = s.opts.Reviews.Templates(ctx, principal(c), conf); err != nil {
		return p, err
	}
	for _, k := range review.NoticeKinds {
		p.Kinds = append(p.Kinds, option{Value: string(k.Value), Label: k.Label})
	}
	return p, nil
}

func (s *Server) manageDecisions(c echo.Context) error {
	p, err := s.decisionsPage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "manage_decisions", &p)
}

func (s *Server) manageNoticesGenerate(c echo.Context) error {
	p, err := s.decisionsPage(c)
	if err != nil {
		return err
	}
	n, err := s.opts.Reviews.GenerateNotices(c.Request().Context(), principal(c), p.Conference)
	if err != nil {
		return s.renderForm(c, "manage_decisions", &p, err)
	}
	s.flash(c, fmt.Sprintf("%s written. Read them below, then send them.", plural(n, "notice", "notices")))
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/decisions#outbox")
}

func (s *Server) manageNoticesSend(c echo.Context) error {
	p, err := s.decisionsPage(c)
	if err != nil {
		return err
	}
	n, err := s.opts.Reviews.SendNotices(c.Request().Context(), principal(c), p.Conference, nil)
	if err != nil {
		return s.renderForm(c, "manage_decisions", &p, err)
	}
	s.flash(c, fmt.Sprintf("%s queued for sending. The decisions are now visible to the presenters.", plural(n, "notice", "notices")))
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/decisions#outbox")
}

type templatePage struct {
	confBase
	Kind         review.NoticeKind
	KindLabel    string
	Subject      string
	Body         string
	Version      string
	Proposal     string
	Proposals    []option
	Preview      *review.Rendered
	PreviewHTML  any
	Placeholders []string
}

func (s *Server) templatePage(c echo.Context) (templatePage, error) {
	conf, err := s.loadConference(c)
	if err != nil {
		return templatePage{}, err
	}
	ctx := c.Request().Context()
	kind := review.NoticeKind(c.Param("kind"))
	p := templatePage{confBase: s.confBase(c, conf, "Notice template · "+conf.Name, "decisions"), Kind: kind, Placeholders: review.Placeholders}
	for _, k := range review.NoticeKinds {
		if k.Value == kind {
			p.KindLabel = k.Label
		}
	}
	if p.KindLabel == "" {
		return p, apperr.New(apperr.NotFound, "There is no such kind of notice.")
	}
	ts, err := s.opts.Reviews.Templates(ctx, principal(c), conf)
	if err != nil {
		return p, err
	}
	t := ts[kind]
	p.Subject, p.Body, p.Version = t.Subject, t.Body, strconv.Itoa(t.Version)
	decided, err := s.opts.Reviews.Decisions(ctx, principal(c), conf)
	if err != nil {
		return p, err
	}
	for _, x := range decided {
		if review.KindOf(x) == kind {
			p.Proposals = append(p.Proposals, option{Value: strconv.FormatInt(x.ID, 10), Label: x.TitleIn(conf.Location())})
		}
	}
	if len(p.Proposals) > 0 {
		p.Proposal = p.Proposals[0].Value
	}
	return p, nil
}

func (s *Server) manageTemplate(c echo.Context) error {
	p, err := s.templatePage(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, "manage_template", &p)
}

type templateForm struct {
	Version  string `form:"version" validate:"max=10"`
	Subject  string `form:"subject" validate:"max=2000"`
	Body     string `form:"body" validate:"max=80000"`
	Proposal string `form:"proposal" validate:"max=20"`
	Action   string `form:"action" validate:"max=20"`
}

// manageTemplateSave saves a notice template, or (action "preview") shows it filled in for a real
// proposal without saving.
func (s *Server) manageTemplateSave(c echo.Context) error {
	p, err := s.templatePage(c)
	if err != nil {
		return err
	}
	var f templateForm
	err = s.bindForm(c, &f)
	p.Subject, p.Body, p.Version, p.Proposal = f.Subject, f.Body, f.Version, f.Proposal
	t := review.Template{Kind: p.Kind, Subject: f.Subject, Body: f.Body, Version: atoi(f.Version)}
	ctx := c.Request().Context()
	if err == nil && f.Action == "preview" {
		id, _ := strconv.ParseInt(f.Proposal, 10, 64)
		if id == 0 {
			err = apperr.Field("proposal", "Choose a proposal with this kind of decision to preview with.")
		} else {
			var r review.Rendered
			if r, err = s.opts.Reviews.PreviewTemplate(ctx, principal(c), p.Conference, t, id); err == nil {
				p.Preview, p.PreviewHTML = &r, markdownHTML(r.Body)
				return s.render(c, http.StatusOK, "manage_template", &p)
			}
		}
	}
	if err == nil {
		_, err = s.opts.Reviews.SaveTemplate(ctx, principal(c), p.Conference, t)
	} else {
		err = alsoChecked(err, f, func(f templateForm) error {
			return s.opts.Reviews.CheckTemplate(ctx, principal(c), p.Conference, review.Template{Kind: p.Kind, Subject: f.Subject, Body: f.Body})
		})
	}
	if err != nil {
		return s.renderForm(c, "manage_template", &p, err)
	}
	s.flash(c, "The "+strings.ToLower(p.KindLabel)+" notice is saved. Notices already written keep their text: write them again to use it.")
	return c.Redirect(http.StatusSeeOther, "/c/"+p.Conference.Slug+"/manage/decisions#templates")
}

// pageParam is the page number asked for in the query: 1 for none or nonsense, at most 100,000.
func pageParam(c echo.Context) int {
	n, err := strconv.Atoi(c.QueryParam("page"))
	if err != nil || n < 1 {
		return 1
	}
	return min(n, 100000)
}
