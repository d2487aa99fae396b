package server

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/assign"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/export"
	"github.com/challenging-norms/conference/internal/review"
	"github.com/challenging-norms/conference/internal/submission"
)

// The organizers' API for peer review: settings and rubrics, the reviewer pool, conflicts, the
// assignment, calibration, progress and reminders, the ranking, decisions and their notices. Every
// handler goes through the review service, which checks the policy again and leaves out what concerns
// the proposals the calling organizer conflicts with.

type apiReviewSettings struct {
	TimeZone           string   `json:"time_zone"`
	Blind              string   `json:"blind"`
	BiddingOpensAt     *string  `json:"bidding_opens_at"`
	BiddingClosesAt    *string  `json:"bidding_closes_at"`
	ReviewDeadline     *string  `json:"review_deadline"`
	ConfirmBy          *string  `json:"confirm_by"`
	ReminderHours      int      `json:"reminder_hours"`
	Calibration        bool     `json:"calibration"`
	NotPreferredCap    int      `json:"not_preferred_cap"`
	RequiredCategories []string `json:"required_categories"`
	Version            int      `json:"version"`
}

// apiReviewSettingsRequest replaces the settings; times are local to the conference's time zone, as
// "2027-08-01T23:59", or "" for none.
type apiReviewSettingsRequest struct {
	Blind              string   `json:"blind" validate:"max=20"`
	BiddingOpensAt     string   `json:"bidding_opens_at" validate:"max=40"`
	BiddingClosesAt    string   `json:"bidding_closes_at" validate:"max=40"`
	ReviewDeadline     string   `json:"review_deadline" validate:"max=40"`
	ConfirmBy          string   `json:"confirm_by" validate:"max=40"`
	ReminderHours      int      `json:"reminder_hours"`
	Calibration        bool     `json:"calibration"`
	NotPreferredCap    int      `json:"not_preferred_cap"`
	RequiredCategories []string `json:"required_categories"`
	Version            *int     `json:"version" validate:"required,min=0"`
}

func (r apiReviewSettingsRequest) input() review.SettingsInput {
	return review.SettingsInput{Blind: r.Blind, BiddingOpensAt: r.BiddingOpensAt, BiddingClosesAt: r.BiddingClosesAt, ReviewDeadline: r.ReviewDeadline,
		ConfirmBy: r.ConfirmBy, ReminderHours: r.ReminderHours, Calibration: r.Calibration, NotPreferredCap: r.NotPreferredCap,
		RequiredCategories: r.RequiredCategories}
}

type apiRubric struct {
	FormatID  int64          `json:"format_id"`
	Format    string         `json:"format"`
	Reviewers int            `json:"reviewers"`
	Slots     *int           `json:"slots"`
	Criteria  []apiCriterion `json:"criteria"`
	Version   int            `json:"version"`
}

type apiRubricRequest struct {
	Reviewers int                   `json:"reviewers"`
	Slots     *int                  `json:"slots"`
	Criteria  []apiCriterionRequest `json:"criteria"`
	Version   *int                  `json:"version" validate:"required,min=0"`
}

type apiCriterionRequest struct {
	ID          string   `json:"id"`
	Label       string   `json:"label"`
	Description string   `json:"description"`
	Weight      int      `json:"weight"`
	Anchors     []string `json:"anchors"`
}

type apiReviewerInvitation struct {
	ID         int64   `json:"id"`
	Name       string  `json:"name"`
	Email      string  `json:"email"`
	Status     string  `json:"status"`
	InvitedBy  string  `json:"invited_by"`
	InvitedAt  string  `json:"invited_at"`
	ExpiresAt  string  `json:"expires_at"`
	AnsweredAt *string `json:"answered_at"`
}

type apiInviteReviewersRequest struct {
	Invitees []apiInvitee `json:"invitees"`
	// Text is a pasted list: one person a line, as "Name <address>", "address, Name" or an address.
	Text    string `json:"text" validate:"max=200000"`
	Message string `json:"message" validate:"max=4000"`
}

// people are the people the request invites, listed and pasted; a pasted line without an address,
// and text that cannot be saved, are field errors.
func (r apiInviteReviewersRequest) people() ([]review.Invitee, error) {
	people := make([]review.Invitee, 0, len(r.Invitees))
	var fe apperr.Fields
	for i, x := range r.Invitees {
		textProblems(&fe, fmt.Sprintf("invitees.%d.name", i), []string{x.Name})
		textProblems(&fe, fmt.Sprintf("invitees.%d.email", i), []string{x.Email})
		people = append(people, review.Invitee{Name: x.Name, Email: x.Email})
	}
	if strings.TrimSpace(r.Text) != "" {
		parsed, bad := review.ParseInvitees(r.Text)
		if len(bad) > 0 {
			fe.Add("text", "These lines hold no email address: "+strings.Join(bad, "; ")+".")
		}
		people = append(people, parsed...)
	}
	return people, fe.Err()
}

type apiInvitee struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

type apiReviewer struct {
	UserID      int64              `json:"user_id"`
	Name        string             `json:"name"`
	Email       string             `json:"email"`
	Institution string             `json:"institution"`
	HasProfile  bool               `json:"has_profile"`
	Profile     apiReviewerProfile `json:"profile"`
	Assigned    int                `json:"assigned"`
	Submitted   int                `json:"submitted"`
	Drafts      int                `json:"drafts"`
}

type apiDeclaredConflict struct {
	ProposalID int64  `json:"proposal_id"`
	Title      string `json:"title"`
	UserID     int64  `json:"user_id"`
	Name       string `json:"name"`
	Source     string `json:"source"`
	Reason     string `json:"reason"`
	CreatedAt  string `json:"created_at"`
}

type apiLoads struct {
	Min    int     `json:"min"`
	Max    int     `json:"max"`
	Mean   float64 `json:"mean"`
	StdDev float64 `json:"std_dev"`
}

type apiCoverage struct {
	Covered int `json:"covered"`
	Total   int `json:"total"`
}

type apiCategoryCoverage struct {
	Category string `json:"category"`
	apiCoverage
}

type apiShortfall struct {
	ProposalID int64  `json:"proposal_id"`
	Title      string `json:"title"`
	Missing    int    `json:"missing"`
	Reason     string `json:"reason"`
	Detail     string `json:"detail"`
}

type apiGap struct {
	ProposalID int64  `json:"proposal_id"`
	Title      string `json:"title"`
	Category   string `json:"category"`
	Reason     string `json:"reason"`
	Detail     string `json:"detail"`
}

type apiBidCounts struct {
	Eager        int `json:"eager"`
	Willing      int `json:"willing"`
	None         int `json:"none"`
	NotPreferred int `json:"not_preferred"`
}

type apiPlanSummary struct {
	Planned         int                   `json:"planned"`
	Bids            apiBidCounts          `json:"bids"`
	MaxNotPreferred int                   `json:"max_not_preferred"`
	LoadsBefore     apiLoads              `json:"loads_before"`
	LoadsAfter      apiLoads              `json:"loads_after"`
	Categories      []apiCategoryCoverage `json:"categories"`
	Expertise       apiCoverage           `json:"expertise"`
	Short           []apiShortfall        `json:"short"`
	Uncovered       []apiGap              `json:"uncovered"`
}

type apiPlannedPair struct {
	ProposalID int64    `json:"proposal_id"`
	Title      string   `json:"title"`
	UserID     int64    `json:"user_id"`
	Reviewer   string   `json:"reviewer"`
	Bid        string   `json:"bid"`
	Expert     bool     `json:"expert"`
	Category   string   `json:"category"`
	Covers     []string `json:"covers"`
	LoadAfter  int      `json:"load_after"`
	Why        []string `json:"why"`
}

type apiDroppedPair struct {
	ProposalID int64  `json:"proposal_id"`
	Title      string `json:"title"`
	UserID     int64  `json:"user_id"`
	Reviewer   string `json:"reviewer"`
	Constraint string `json:"constraint"`
}

type apiPlan struct {
	ID          int64            `json:"id"`
	Committed   bool             `json:"committed"`
	Optimal     bool             `json:"optimal"`
	Hidden      int              `json:"hidden"`
	Assignments []apiPlannedPair `json:"assignments"`
	Dropped     []apiDroppedPair `json:"dropped"`
	Summary     apiPlanSummary   `json:"summary"`
}

type apiAssignment struct {
	ProposalID int64  `json:"proposal_id"`
	UserID     int64  `json:"user_id"`
	Round      int    `json:"round"`
	Source     string `json:"source"`
	Why        string `json:"why"`
	AssignedAt string `json:"assigned_at"`
}

type apiAssignmentChange struct {
	Change        string `json:"change" validate:"required,oneof=add remove swap"`
	ProposalID    int64  `json:"proposal_id" validate:"required,min=1"`
	UserID        int64  `json:"user_id" validate:"required,min=1"`
	ReplacementID int64  `json:"replacement_id" validate:"min=0"`
}

type apiReviewerProgress struct {
	UserID    int64  `json:"user_id"`
	Name      string `json:"name"`
	Email     string `json:"email"`
	Assigned  int    `json:"assigned"`
	Submitted int    `json:"submitted"`
	Drafts    int    `json:"drafts"`
	Pending   int    `json:"pending"`
}

type apiProposalProgress struct {
	ProposalID int64  `json:"proposal_id"`
	Title      string `json:"title"`
	Assigned   int    `json:"assigned"`
	Submitted  int    `json:"submitted"`
}

type apiRankRow struct {
	Rank               int       `json:"rank"`
	AboveCut           bool      `json:"above_cut"`
	ProposalID         int64     `json:"proposal_id"`
	Title              string    `json:"title"`
	FormatID           int64     `json:"format_id"`
	Format             string    `json:"format"`
	TrackID            *int64    `json:"track_id"`
	Track              string    `json:"track"`
	Reviews            int       `json:"reviews"`
	Assigned           int       `json:"assigned"`
	Calibrated         float64   `json:"calibrated"`
	Weighted           float64   `json:"weighted"`
	MeanRecommendation float64   `json:"mean_recommendation"`
	Spread             float64   `json:"spread"`
	Disagreement       bool      `json:"disagreement"`
	Scores             []float64 `json:"scores"`
	Calibration        bool      `json:"calibration"`
	Decision           string    `json:"decision"`
}

type apiSlots struct {
	FormatID int64 `json:"format_id"`
	Slots    *int  `json:"slots"`
}

type apiReviewerStats struct {
	UserID          int64   `json:"user_id"`
	Name            string  `json:"name"`
	Reviews         int     `json:"reviews"`
	Mean            float64 `json:"mean"`
	StdDev          float64 `json:"std_dev"`
	Leniency        float64 `json:"leniency"`
	Recommendations []int   `json:"recommendations"`
}

type apiRanking struct {
	Rows      []apiRankRow       `json:"rows"`
	Slots     []apiSlots         `json:"slots"`
	Reviewers []apiReviewerStats `json:"reviewers"`
}

type apiDecision struct {
	ProposalID      int64   `json:"proposal_id"`
	Title           string  `json:"title"`
	Status          string  `json:"status"`
	Decision        string  `json:"decision"`
	FormatID        int64   `json:"format_id"`
	DecidedFormatID *int64  `json:"decided_format_id"`
	Note            string  `json:"note"`
	Reason          string  `json:"reason"`
	DecidedAt       *string `json:"decided_at"`
	ReleasedAt      *string `json:"released_at"`
	Participation   string  `json:"participation"`
	ConfirmBy       *string `json:"confirm_by"`
	ParticipationAt *string `json:"participation_at"`
}

type apiDecisionRequest struct {
	// Decision is "accepted", "rejected", "waitlisted", or "" to clear a decision not yet sent.
	Decision string `json:"decision" validate:"max=20"`
	FormatID int64  `json:"format_id" validate:"min=0"`
	Note     string `json:"note" validate:"max=8000"`
	Reason   string `json:"reason" validate:"max=8000"`
}

type apiTemplate struct {
	Kind    string `json:"kind"`
	Label   string `json:"label"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
	Version int    `json:"version"`
}

type apiTemplateRequest struct {
	Subject string `json:"subject" validate:"max=1000"`
	Body    string `json:"body" validate:"max=40000"`
	Version *int   `json:"version" validate:"required,min=0"`
}

type apiTemplatePreviewRequest struct {
	Subject    string `json:"subject" validate:"max=1000"`
	Body       string `json:"body" validate:"max=40000"`
	ProposalID int64  `json:"proposal_id" validate:"required,min=1"`
}

type apiNotice struct {
	ID            int64   `json:"id"`
	ProposalID    int64   `json:"proposal_id"`
	Title         string  `json:"title"`
	Kind          string  `json:"kind"`
	Recipient     string  `json:"recipient"`
	RecipientName string  `json:"recipient_name"`
	Subject       string  `json:"subject"`
	Body          string  `json:"body"`
	Status        string  `json:"status"`
	Delivery      string  `json:"delivery"`
	CreatedAt     string  `json:"created_at"`
	SentAt        *string `json:"sent_at"`
}

func toAPIReviewSettings(st review.Settings, tz string, loc *time.Location) apiReviewSettings {
	return apiReviewSettings{TimeZone: tz, Blind: string(st.Blind), BiddingOpensAt: stampPtr(st.BiddingOpensAt, loc),
		BiddingClosesAt: stampPtr(st.BiddingClosesAt, loc), ReviewDeadline: stampPtr(st.ReviewDeadline, loc), ConfirmBy: stampPtr(st.ConfirmBy, loc),
		ReminderHours: st.ReminderHours, Calibration: st.Calibration, NotPreferredCap: st.NotPreferredCap,
		RequiredCategories: emptyIfNil(st.RequiredCategories), Version: st.Version}
}

func (s *Server) apiReviewSettings(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	st, err := s.opts.Reviews.Settings(c.Request().Context(), conf)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIReviewSettings(st, conf.TimeZone, conf.Location()))
}

// apiReviewSettingsSave replaces the review settings read at "version".
func (s *Server) apiReviewSettingsSave(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiReviewSettingsRequest
	if err := s.bindJSON(c, &req); err != nil {
		return alsoChecked(err, req, func(req apiReviewSettingsRequest) error {
			return s.opts.Reviews.CheckSettings(c.Request().Context(), principal(c), conf, req.input())
		})
	}
	st, err := s.opts.Reviews.SaveSettings(c.Request().Context(), principal(c), conf, *req.Version, req.input())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIReviewSettings(st, conf.TimeZone, conf.Location()))
}

// apiRubrics lists how each format's proposals are reviewed, in the formats' order.
func (s *Server) apiRubrics(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	formats, err := s.opts.Calls.Formats(ctx, conf)
	if err != nil {
		return err
	}
	configs, err := s.opts.Reviews.FormatConfigs(ctx, conf)
	if err != nil {
		return err
	}
	out := struct {
		Formats []apiRubric `json:"formats"`
	}{Formats: []apiRubric{}}
	for _, f := range formats {
		cfg := configs[f.ID]
		out.Formats = append(out.Formats, apiRubric{FormatID: f.ID, Format: f.Name, Reviewers: cfg.Reviewers, Slots: cfg.Slots,
			Criteria: toAPICriteria(cfg.Criteria), Version: cfg.Version})
	}
	return c.JSON(http.StatusOK, out)
}

// apiRubricSave replaces how one format's proposals are reviewed, read at "version".
func (s *Server) apiRubricSave(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := formatID(c)
	if err != nil {
		return err
	}
	var req apiRubricRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	cfg := review.FormatConfig{FormatID: id, Reviewers: req.Reviewers, Slots: req.Slots, Version: *req.Version, Criteria: []review.Criterion{}}
	var fe apperr.Fields
	for i, x := range req.Criteria {
		field := func(name string) string { return fmt.Sprintf("criteria.%d.%s", i, name) }
		cr := review.Criterion{ID: x.ID, Label: x.Label, Description: x.Description, Weight: x.Weight}
		if len(x.Anchors) > len(cr.Anchors) {
			fe.Add(field("anchors"), "Give at most five anchors: what scores 1 to 5 mean.")
		}
		copy(cr.Anchors[:], x.Anchors)
		textProblems(&fe, field("label"), []string{x.Label})
		textProblems(&fe, field("description"), []string{x.Description})
		textProblems(&fe, field("anchors"), x.Anchors)
		cfg.Criteria = append(cfg.Criteria, cr)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	saved, err := s.opts.Reviews.SaveFormatConfig(ctx, principal(c), conf, cfg)
	if err != nil {
		return err
	}
	f, err := s.opts.Calls.Format(ctx, conf, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiRubric{FormatID: f.ID, Format: f.Name, Reviewers: saved.Reviewers, Slots: saved.Slots,
		Criteria: toAPICriteria(saved.Criteria), Version: saved.Version})
}

func toAPIReviewerInvitation(inv review.Invitation, loc *time.Location) apiReviewerInvitation {
	return apiReviewerInvitation{ID: inv.ID, Name: inv.Name, Email: inv.Email, Status: string(inv.Status), InvitedBy: inv.InvitedByName,
		InvitedAt: stampIn(inv.InvitedAt, loc), ExpiresAt: stampIn(inv.ExpiresAt, loc), AnsweredAt: stampPtr(inv.AnsweredAt, loc)}
}

func (s *Server) apiReviewerInvitations(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	list, err := s.opts.Reviews.Invitations(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	out := struct {
		Invitations []apiReviewerInvitation `json:"invitations"`
	}{Invitations: make([]apiReviewerInvitation, len(list))}
	for i, inv := range list {
		out.Invitations[i] = toAPIReviewerInvitation(inv, conf.Location())
	}
	return c.JSON(http.StatusOK, out)
}

// apiInviteReviewers invites people to review: a list of people, a pasted list, or both. An
// Idempotency-Key header makes a repeated request send nothing more to those the first invited.
func (s *Server) apiInviteReviewers(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiInviteReviewersRequest
	ctx := c.Request().Context()
	check := func(req apiInviteReviewersRequest) error {
		people, err := req.people()
		more := s.opts.Reviews.CheckInvite(ctx, principal(c), conf, people, req.Message)
		if err != nil && len(people) == 0 {
			// That the list is empty is what the pasted lines' error says already.
			more = withoutField(more, "invitees")
			if ae, ok := apperr.As(more); ok && ae.Code == apperr.Invalid && len(ae.Fields) == 0 {
				more = nil
			}
		}
		return joinFieldErrors(err, more)
	}
	if err := s.bindJSON(c, &req); err != nil {
		return alsoChecked(err, req, check)
	}
	people, err := req.people()
	if err != nil {
		return check(req)
	}
	key, err := idempotencyKey(c)
	if err != nil {
		return err
	}
	sent, err := s.opts.Reviews.InviteOnce(ctx, principal(c), conf, people, req.Message, key)
	if err != nil {
		return err
	}
	out := struct {
		Invited []apiReviewerInvitation `json:"invited"`
		Skipped int                     `json:"skipped"`
	}{Invited: make([]apiReviewerInvitation, len(sent)), Skipped: len(people) - len(sent)}
	for i, inv := range sent {
		inv.InvitedByName = principal(c).Name
		out.Invited[i] = toAPIReviewerInvitation(inv, conf.Location())
	}
	return c.JSON(http.StatusCreated, out)
}

func (s *Server) apiReviewers(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	list, err := s.opts.Reviews.Reviewers(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	out := struct {
		Reviewers []apiReviewer `json:"reviewers"`
	}{Reviewers: make([]apiReviewer, len(list))}
	for i, r := range list {
		out.Reviewers[i] = apiReviewer{UserID: r.UserID, Name: r.Name, Email: r.Email, Institution: r.Institution, HasProfile: r.HasProfile,
			Profile: toAPIReviewerProfile(r.Profile), Assigned: r.Assigned, Submitted: r.Submitted, Drafts: r.Drafts}
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiDeclaredConflicts(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	list, err := s.opts.Reviews.DeclaredConflicts(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	out := struct {
		Conflicts []apiDeclaredConflict `json:"conflicts"`
	}{Conflicts: make([]apiDeclaredConflict, len(list))}
	for i, x := range list {
		out.Conflicts[i] = apiDeclaredConflict{ProposalID: x.ProposalID, Title: x.ProposalTitle, UserID: x.UserID, Name: x.Name, Source: x.Source,
			Reason: x.Reason, CreatedAt: stampIn(x.CreatedAt, conf.Location())}
	}
	return c.JSON(http.StatusOK, out)
}

// apiConflictSet records (on) or removes an organizer's conflict between a reviewer and a proposal.
func (s *Server) apiConflictSet(on bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		conf, err := s.loadConference(c)
		if err != nil {
			return err
		}
		id, err := proposalID(c)
		if err != nil {
			return err
		}
		uid, err := strconv.ParseInt(c.Param("user_id"), 10, 64)
		if err != nil || uid <= 0 {
			return apperr.New(apperr.NotFound, "There is no such reviewer in this conference.")
		}
		var req apiReasonRequest
		if on {
			if err := s.bindOptionalJSON(c, &req); err != nil {
				return err
			}
		}
		if err := s.opts.Reviews.SetConflict(c.Request().Context(), principal(c), conf, id, uid, on, req.Reason); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}

// bidNames names the solver's bid levels as the API does.
var bidNames = map[assign.Level]string{assign.Eager: "eager", assign.Willing: "willing", assign.NotPreferred: "not_preferred",
	assign.Conflict: "conflict"}

func toAPIPlan(pv review.Preview) apiPlan {
	sum := pv.Plan.Summary
	loads := func(l assign.LoadStats) apiLoads {
		return apiLoads{Min: l.Min, Max: l.Max, Mean: round2(l.Mean), StdDev: round2(l.StdDev)}
	}
	out := apiPlan{ID: pv.ID, Committed: pv.Committed, Optimal: pv.Plan.Optimal, Hidden: pv.Hidden, Assignments: []apiPlannedPair{},
		Dropped: []apiDroppedPair{}, Summary: apiPlanSummary{Planned: sum.Planned,
			Bids:            apiBidCounts{Eager: sum.Bids.Eager, Willing: sum.Bids.Willing, None: sum.Bids.None, NotPreferred: sum.Bids.NotPreferred},
			MaxNotPreferred: sum.MaxNotPreferred, LoadsBefore: loads(sum.Before), LoadsAfter: loads(sum.After),
			Categories: []apiCategoryCoverage{}, Expertise: apiCoverage{Covered: sum.Expertise.Covered, Total: sum.Expertise.Total},
			Short: []apiShortfall{}, Uncovered: []apiGap{}}}
	for _, a := range pv.Plan.New {
		out.Assignments = append(out.Assignments, apiPlannedPair{ProposalID: a.Proposal, Title: pv.Titles[a.Proposal], UserID: a.Reviewer,
			Reviewer: pv.Reviewers[a.Reviewer], Bid: bidNames[a.Bid], Expert: a.Expert, Category: a.Category, Covers: emptyIfNil(a.Covers),
			LoadAfter: a.LoadAfter, Why: emptyIfNil(a.Why)})
	}
	for _, d := range pv.Dropped {
		out.Dropped = append(out.Dropped, apiDroppedPair{ProposalID: d.Pair.Proposal, Title: pv.Titles[d.Pair.Proposal], UserID: d.Pair.Reviewer,
			Reviewer: pv.Reviewers[d.Pair.Reviewer], Constraint: string(d.Constraint)})
	}
	for _, x := range sum.Categories {
		out.Summary.Categories = append(out.Summary.Categories, apiCategoryCoverage{Category: x.Category,
			apiCoverage: apiCoverage{Covered: x.Covered, Total: x.Total}})
	}
	for _, x := range sum.Short {
		out.Summary.Short = append(out.Summary.Short, apiShortfall{ProposalID: x.Proposal, Title: pv.Titles[x.Proposal], Missing: x.Missing,
			Reason: string(x.Reason), Detail: x.Detail})
	}
	for _, x := range sum.Uncovered {
		out.Summary.Uncovered = append(out.Summary.Uncovered, apiGap{ProposalID: x.Proposal, Title: pv.Titles[x.Proposal], Category: x.Category,
			Reason: string(x.Reason), Detail: x.Detail})
	}
	return out
}

// apiPlanPreview computes and keeps an assignment plan for the conference as it is now.
func (s *Server) apiPlanPreview(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	pv, err := s.opts.Reviews.PreviewAssignment(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIPlan(pv))
}

func planID(c echo.Context) (int64, error) {
	return pathID(c, "id", "There is no such assignment plan. Preview a new one.")
}

func (s *Server) apiPlan(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := planID(c)
	if err != nil {
		return err
	}
	pv, err := s.opts.Reviews.Plan(c.Request().Context(), principal(c), conf, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIPlan(pv))
}

// apiPlanCommit applies a previewed plan, if nothing it was computed from changed since.
func (s *Server) apiPlanCommit(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := planID(c)
	if err != nil {
		return err
	}
	n, err := s.opts.Reviews.CommitAssignment(c.Request().Context(), principal(c), conf, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		Added int `json:"added"`
	}{n})
}

func (s *Server) apiAssignments(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	list, err := s.opts.Reviews.Assignments(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	out := struct {
		Assignments []apiAssignment `json:"assignments"`
	}{Assignments: make([]apiAssignment, len(list))}
	for i, a := range list {
		out.Assignments[i] = apiAssignment{ProposalID: a.ProposalID, UserID: a.UserID, Round: a.Round, Source: string(a.Source), Why: a.Why,
			AssignedAt: stampIn(a.AssignedAt, conf.Location())}
	}
	return c.JSON(http.StatusOK, out)
}

// apiAssignmentChange adds, removes or swaps a reviewer on a proposal by hand.
func (s *Server) apiAssignmentChange(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiAssignmentChange
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	if req.Change == string(assign.Swap) && req.ReplacementID == 0 {
		return apperr.Field("replacement_id", "Choose the reviewer who takes the place.")
	}
	if req.Change != string(assign.Swap) && req.ReplacementID != 0 {
		return apperr.Field("replacement_id", "Only a swap has a replacement.")
	}
	err = s.opts.Reviews.ChangeAssignment(c.Request().Context(), principal(c), conf, assign.Change{Kind: assign.ChangeKind(req.Change),
		Proposal: req.ProposalID, Reviewer: req.UserID, Replacement: req.ReplacementID})
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiCalibrationSample adds a proposal to the calibration round (on) or takes it out.
func (s *Server) apiCalibrationSample(on bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		conf, err := s.loadConference(c)
		if err != nil {
			return err
		}
		id, err := proposalID(c)
		if err != nil {
			return err
		}
		if err := s.opts.Reviews.SetCalibration(c.Request().Context(), principal(c), conf, id, on); err != nil {
			return err
		}
		return c.NoContent(http.StatusNoContent)
	}
}

// apiReviewProgress is each reviewer's progress and each proposal's.
func (s *Server) apiReviewProgress(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	reviewers, byProposal, err := s.opts.Reviews.Progress(ctx, principal(c), conf)
	if err != nil {
		return err
	}
	page, err := s.opts.Submissions.List(ctx, principal(c), conf, submission.Filter{Status: submission.Submitted, Limit: maxExport})
	if err != nil {
		return err
	}
	titles := map[int64]string{}
	for _, p := range page.Proposals {
		titles[p.ID] = p.TitleIn(conf.Location())
	}
	out := struct {
		Reviewers []apiReviewerProgress `json:"reviewers"`
		Proposals []apiProposalProgress `json:"proposals"`
	}{Reviewers: make([]apiReviewerProgress, len(reviewers)), Proposals: []apiProposalProgress{}}
	for i, r := range reviewers {
		out.Reviewers[i] = apiReviewerProgress{UserID: r.UserID, Name: r.Name, Email: r.Email, Assigned: r.Assigned, Submitted: r.Submitted,
			Drafts: r.Drafts, Pending: r.Pending}
	}
	for id, x := range byProposal {
		out.Proposals = append(out.Proposals, apiProposalProgress{ProposalID: id, Title: titles[id], Assigned: x.Assigned, Submitted: x.Submitted})
	}
	slices.SortFunc(out.Proposals, func(a, b apiProposalProgress) int { return int(a.ProposalID - b.ProposalID) })
	return c.JSON(http.StatusOK, out)
}

type apiRemindRequest struct {
	// UserID is the one reviewer to remind; 0 or left out for everyone with reviews to submit.
	UserID int64 `json:"user_id" validate:"min=0"`
}

func (s *Server) apiRemind(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiRemindRequest
	if err := s.bindOptionalJSON(c, &req); err != nil {
		return err
	}
	n, err := s.opts.Reviews.Remind(c.Request().Context(), principal(c), conf, req.UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		Reminded int `json:"reminded"`
	}{n})
}

// rankingOf reads the ranking's filter from the query and ranks.
func (s *Server) rankingOf(c echo.Context, conf conference.Conference) (review.Ranking, error) {
	f, err := rankingFilter(c)
	if err != nil {
		return review.Ranking{}, err
	}
	return s.opts.Reviews.Ranking(c.Request().Context(), principal(c), conf, f)
}

func toAPIRankRow(r review.Row, loc *time.Location) apiRankRow {
	scores := make([]float64, len(r.Scores))
	for i, x := range r.Scores {
		scores[i] = round2(x)
	}
	return apiRankRow{Rank: r.Rank, AboveCut: r.AboveCut, ProposalID: r.Proposal.ID, Title: r.Proposal.TitleIn(loc), FormatID: r.Proposal.FormatID,
		Format: r.Format, TrackID: r.Proposal.TrackID, Track: r.Track, Reviews: r.Reviews, Assigned: r.Assigned, Calibrated: round2(r.Calibrated),
		Weighted: round2(r.Weighted), MeanRecommendation: round2(r.MeanRecommendation), Spread: round2(r.Spread), Disagreement: r.Disagreement,
		Scores: scores, Calibration: r.Calib, Decision: string(r.Proposal.Decision)}
}

// apiRanking is the calibrated ranking of the submitted proposals, with the reviewers' statistics.
func (s *Server) apiRanking(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	rk, err := s.rankingOf(c, conf)
	if err != nil {
		return err
	}
	out := apiRanking{Rows: make([]apiRankRow, len(rk.Rows)), Slots: []apiSlots{}, Reviewers: make([]apiReviewerStats, len(rk.Reviewers))}
	for i, r := range rk.Rows {
		out.Rows[i] = toAPIRankRow(r, conf.Location())
	}
	for id, n := range rk.Slots {
		out.Slots = append(out.Slots, apiSlots{FormatID: id, Slots: n})
	}
	slices.SortFunc(out.Slots, func(a, b apiSlots) int { return int(a.FormatID - b.FormatID) })
	for i, st := range rk.Reviewers {
		out.Reviewers[i] = apiReviewerStats{UserID: st.UserID, Name: st.Name, Reviews: st.Reviews, Mean: round2(st.Mean), StdDev: round2(st.StdDev),
			Leniency: round2(st.Leniency), Recommendations: st.Recommendations[1:]}
	}
	return c.JSON(http.StatusOK, out)
}

// rankingCSV is the ranking's rows as a spreadsheet, for the committee, with the reasons recorded
// for decisions that depart from it; the organizers' page and the API export it alike.
func (s *Server) rankingCSV(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	rk, err := s.rankingOf(c, conf)
	if err != nil {
		return err
	}
	formats, err := s.opts.Calls.Formats(c.Request().Context(), conf)
	if err != nil {
		return err
	}
	names := map[int64]string{}
	for _, f := range formats {
		names[f.ID] = f.Name
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/csv; charset=utf-8")
	h.Set(echo.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s-ranking-%s.csv"`, conf.Slug, time.Now().UTC().Format("20060102")))
	h.Set("Cache-Control", "no-store")
	c.Response().WriteHeader(http.StatusOK)
	w := export.NewCSV(c.Response(), "Rank in format", "Above the cut", "ID", "Title", "Format", "Track", "Reviews", "Assigned",
		"Calibrated score", "Weighted score", "Mean recommendation", "Spread", "Disagreement", "Scores", "Calibration sample", "Decision", "Reason for departing from the ranking")
	num := func(x float64) string { return strconv.FormatFloat(round2(x), 'f', 2, 64) }
	// A score of a proposal without reviews is empty, not 0.
	score := func(r review.Row, x float64) string {
		if r.Reviews == 0 {
			return ""
		}
		return num(x)
	}
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	for _, r := range rk.Rows {
		var scores []string
		for _, x := range r.Scores {
			scores = append(scores, num(x))
		}
		w.Row(strconv.Itoa(r.Rank), yes(r.AboveCut), strconv.FormatInt(r.Proposal.ID, 10), r.Proposal.TitleIn(conf.Location()), r.Format, r.Track,
			strconv.Itoa(r.Reviews), strconv.Itoa(r.Assigned), score(r, r.Calibrated), score(r, r.Weighted), score(r, r.MeanRecommendation),
			score(r, r.Spread), yes(r.Disagreement), strings.Join(scores, "; "), yes(r.Calib), decisionText(r.Proposal, names), r.Proposal.DecisionReason)
	}
	return w.Close()
}

func toAPIDecision(p submission.Proposal, loc *time.Location) apiDecision {
	return apiDecision{ProposalID: p.ID, Title: p.TitleIn(loc), Status: string(p.Status), Decision: string(p.Decision), FormatID: p.FormatID,
		DecidedFormatID: p.DecidedFormatID, Note: p.DecisionNote, Reason: p.DecisionReason, DecidedAt: stampPtr(p.DecidedAt, loc),
		ReleasedAt: stampPtr(p.DecisionReleasedAt, loc), Participation: string(p.Participation), ConfirmBy: stampPtr(p.ConfirmBy, loc),
		ParticipationAt: stampPtr(p.ParticipationAt, loc)}
}

// apiDecide records a decision on a proposal.
func (s *Server) apiDecide(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	var req apiDecisionRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	p, err := s.opts.Reviews.Decide(c.Request().Context(), principal(c), conf, id, review.DecisionInput{Decision: submission.Decision(req.Decision),
		FormatID: req.FormatID, Note: req.Note, Reason: req.Reason})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIDecision(p, conf.Location()))
}

// apiDecisions lists the decided proposals with the presenters' answers.
func (s *Server) apiDecisions(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	list, err := s.opts.Reviews.Decisions(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	out := struct {
		Decisions []apiDecision `json:"decisions"`
	}{Decisions: make([]apiDecision, len(list))}
	for i, p := range list {
		out.Decisions[i] = toAPIDecision(p, conf.Location())
	}
	return c.JSON(http.StatusOK, out)
}

// noticeKind reads a notice kind from the path; an unknown one is not found.
func noticeKind(c echo.Context) (review.NoticeKind, string, error) {
	for _, k := range review.NoticeKinds {
		if string(k.Value) == c.Param("kind") {
			return k.Value, k.Label, nil
		}
	}
	return "", "", apperr.New(apperr.NotFound, "There is no such kind of notice: use accept, accept_other_format, reject or waitlist.")
}

func (s *Server) apiTemplates(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	ts, err := s.opts.Reviews.Templates(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	out := struct {
		Templates    []apiTemplate `json:"templates"`
		Placeholders []string      `json:"placeholders"`
	}{Templates: []apiTemplate{}, Placeholders: review.Placeholders}
	for _, k := range review.NoticeKinds {
		t := ts[k.Value]
		out.Templates = append(out.Templates, apiTemplate{Kind: string(k.Value), Label: k.Label, Subject: t.Subject, Body: t.Body, Version: t.Version})
	}
	return c.JSON(http.StatusOK, out)
}

// apiTemplateSave replaces one kind of notice's text, read at "version" (0 while it is the default).
func (s *Server) apiTemplateSave(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	kind, label, err := noticeKind(c)
	if err != nil {
		return err
	}
	var req apiTemplateRequest
	if err := s.bindJSON(c, &req); err != nil {
		return alsoChecked(err, req, func(req apiTemplateRequest) error {
			return s.opts.Reviews.CheckTemplate(c.Request().Context(), principal(c), conf, review.Template{Kind: kind, Subject: req.Subject, Body: req.Body})
		})
	}
	t, err := s.opts.Reviews.SaveTemplate(c.Request().Context(), principal(c), conf, review.Template{Kind: kind, Subject: req.Subject, Body: req.Body,
		Version: *req.Version})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, apiTemplate{Kind: string(t.Kind), Label: label, Subject: t.Subject, Body: t.Body, Version: t.Version})
}

// apiTemplatePreview renders a template, as being edited, for a proposal and its first presenter.
func (s *Server) apiTemplatePreview(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	kind, _, err := noticeKind(c)
	if err != nil {
		return err
	}
	var req apiTemplatePreviewRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	r, err := s.opts.Reviews.PreviewTemplate(c.Request().Context(), principal(c), conf, review.Template{Kind: kind, Subject: req.Subject,
		Body: req.Body}, req.ProposalID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		Subject string `json:"subject"`
		Body    string `json:"body"`
	}{r.Subject, r.Body})
}

// apiNoticesGenerate writes the notices of every decision not yet sent, for organizers to read.
func (s *Server) apiNoticesGenerate(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	n, err := s.opts.Reviews.GenerateNotices(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		Generated int `json:"generated"`
	}{n})
}

// apiNotices is the outbox of decision notices, with each sent one's delivery.
func (s *Server) apiNotices(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	list, err := s.opts.Reviews.Notices(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	loc := conf.Location()
	out := struct {
		Notices []apiNotice `json:"notices"`
	}{Notices: make([]apiNotice, len(list))}
	for i, n := range list {
		out.Notices[i] = apiNotice{ID: n.ID, ProposalID: n.ProposalID, Title: n.ProposalTitle, Kind: string(n.Kind), Recipient: n.Recipient,
			RecipientName: n.RecipientName, Subject: n.Subject, Body: n.Body, Status: string(n.Status), Delivery: n.Delivery,
			CreatedAt: stampIn(n.CreatedAt, loc), SentAt: stampPtr(n.SentAt, loc)}
	}
	return c.JSON(http.StatusOK, out)
}

type apiSendNoticesRequest struct {
	// IDs are the notices to send; left out or empty, every unsent one.
	IDs []int64 `json:"ids" validate:"max=10000"`
}

// apiNoticesSend sends the unsent notices, all or those listed, and releases their decisions.
func (s *Server) apiNoticesSend(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiSendNoticesRequest
	if err := s.bindOptionalJSON(c, &req); err != nil {
		return err
	}
	n, err := s.opts.Reviews.SendNotices(c.Request().Context(), principal(c), conf, req.IDs)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		Sent int `json:"sent"`
	}{n})
}

// apiReleaseComments lets a proposal's presenters read the reviewers' comments to them.
func (s *Server) apiReleaseComments(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	n, err := s.opts.Reviews.ReleaseComments(c.Request().Context(), principal(c), conf, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, struct {
		Released int `json:"released"`
	}{n})
}
