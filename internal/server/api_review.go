package server

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/review"
)

// Peer review in the JSON API: invitations to review, the reviewers' own work, and what presenters
// learn of their proposal's review. The review service decides who may see and do what (a proposal
// a reviewer conflicts with, or is not assigned, does not exist for them); these handlers bind the
// request, call it and shape its answer. Reviewers never receive another reviewer's account id or
// name, nor, in double-blind review, anything about the presenters.

// apiReviewWindow is what reviewers learn of the review settings: the blind mode and the dates.
type apiReviewWindow struct {
	TimeZone        string  `json:"time_zone"`
	Blind           string  `json:"blind"`
	BiddingOpensAt  *string `json:"bidding_opens_at"`
	BiddingClosesAt *string `json:"bidding_closes_at"`
	ReviewDeadline  *string `json:"review_deadline"`
	Calibration     bool    `json:"calibration"`
}

type apiReviewTask struct {
	ProposalID  int64   `json:"proposal_id"`
	Title       string  `json:"title"`
	FormatID    int64   `json:"format_id"`
	TrackID     *int64  `json:"track_id"`
	Calibration bool    `json:"calibration"`
	Status      string  `json:"status"`
	UpdatedAt   *string `json:"updated_at"`
}

type apiReviewTasks struct {
	Settings    apiReviewWindow `json:"settings"`
	Locked      bool            `json:"locked"`
	Calibration []apiReviewTask `json:"calibration"`
	Assigned    []apiReviewTask `json:"assigned"`
	Submitted   int             `json:"submitted"`
	Total       int             `json:"total"`
}

type apiReviewerProfile struct {
	Tracks               []int64  `json:"tracks"`
	Formats              []int64  `json:"formats"`
	MaxReviews           int      `json:"max_reviews"`
	Category             string   `json:"category"`
	Institutions         []string `json:"institutions"`
	ConflictInstitutions []string `json:"conflict_institutions"`
	ConflictPeople       []string `json:"conflict_people"`
	Version              int      `json:"version"`
}

type apiReviewerProfileRequest struct {
	Tracks               []int64  `json:"tracks"`
	Formats              []int64  `json:"formats"`
	MaxReviews           int      `json:"max_reviews"`
	Category             string   `json:"category" validate:"max=40"`
	Institutions         []string `json:"institutions"`
	ConflictInstitutions []string `json:"conflict_institutions"`
	ConflictPeople       []string `json:"conflict_people"`
	// Version is the version read: 0 before the first save.
	Version *int `json:"version" validate:"required,min=0"`
}

type apiBidItem struct {
	ProposalID int64  `json:"proposal_id"`
	Title      string `json:"title"`
	Abstract   string `json:"abstract"`
	FormatID   int64  `json:"format_id"`
	TrackID    *int64 `json:"track_id"`
	Bid        string `json:"bid"`
}

type apiBidPage struct {
	Open    bool         `json:"open"`
	Message string       `json:"message"`
	Total   int          `json:"total"`
	Limit   int          `json:"limit"`
	Offset  int          `json:"offset"`
	Items   []apiBidItem `json:"items"`
}

type apiBidsRequest struct {
	// Bids maps a proposal's id to a level; "" withdraws the bid.
	Bids map[string]string `json:"bids" validate:"required"`
}

type apiFieldCopy struct {
	Label string `json:"label"`
	Value string `json:"value"`
}

type apiBlindProposal struct {
	ID       int64          `json:"id"`
	Title    string         `json:"title"`
	Abstract string         `json:"abstract"`
	FormatID int64          `json:"format_id"`
	Format   string         `json:"format"`
	Track    string         `json:"track"`
	Fields   []apiFieldCopy `json:"fields"`
	// Presenters are "Name, Institution", in single-blind review and for organizers only.
	Presenters []string `json:"presenters"`
}

type apiCriterion struct {
	ID          string   `json:"id"`
	Label       string   `json:"label"`
	Description string   `json:"description"`
	Weight      int      `json:"weight"`
	Anchors     []string `json:"anchors"`
}

// apiReview is a review as its reader may know it: reviewers read others' reviews as "Reviewer 2",
// without their confidential comments; organizers read every review with its reviewer.
type apiReview struct {
	ID             int64          `json:"id"`
	Reviewer       string         `json:"reviewer,omitempty"`
	UserID         *int64         `json:"user_id,omitempty"`
	Status         string         `json:"status"`
	Scores         map[string]int `json:"scores"`
	WeightedScore  float64        `json:"weighted_score"`
	Recommendation int            `json:"recommendation"`
	Confidence     int            `json:"confidence"`
	ToPresenters   string         `json:"to_presenters"`
	ToOrganizers   string         `json:"to_organizers"`
	Version        int            `json:"version"`
	SubmittedAt    *string        `json:"submitted_at"`
	UpdatedAt      *string        `json:"updated_at"`
	ReleasedAt     *string        `json:"released_at"`
}

type apiComment struct {
	ID        int64  `json:"id"`
	Author    string `json:"author"`
	UserID    *int64 `json:"user_id,omitempty"`
	Body      string `json:"body"`
	CreatedAt string `json:"created_at"`
}

type apiReviewSheet struct {
	Proposal       apiBlindProposal `json:"proposal"`
	Blind          string           `json:"blind"`
	Criteria       []apiCriterion   `json:"criteria"`
	Calibration    bool             `json:"calibration"`
	Own            apiReview        `json:"own"`
	Others         []apiReview      `json:"others"`
	Discussion     []apiComment     `json:"discussion"`
	ReviewDeadline *string          `json:"review_deadline"`
	CanReview      bool             `json:"can_review"`
	CanDiscuss     bool             `json:"can_discuss"`
	Closed         string           `json:"closed"`
	Locked         bool             `json:"locked"`
}

type apiReviewRequest struct {
	// Version is the version of the review read: 0 before the first save.
	Version        *int           `json:"version" validate:"required,min=0"`
	Scores         map[string]int `json:"scores"`
	Recommendation int            `json:"recommendation"`
	Confidence     int            `json:"confidence"`
	ToPresenters   string         `json:"to_presenters"`
	ToOrganizers   string         `json:"to_organizers"`
	Submit         bool           `json:"submit"`
}

type apiCalibrationItem struct {
	ProposalID            int64   `json:"proposal_id"`
	Title                 string  `json:"title"`
	Mine                  float64 `json:"mine"`
	MyRecommendation      int     `json:"my_recommendation"`
	OthersMean            float64 `json:"others_mean"`
	OthersMin             float64 `json:"others_min"`
	OthersMax             float64 `json:"others_max"`
	Others                int     `json:"others"`
	OthersRecommendations []int   `json:"others_recommendations"`
}

type apiCalibration struct {
	Done   bool                 `json:"done"`
	Offset float64              `json:"offset"`
	Items  []apiCalibrationItem `json:"items"`
}

type apiReviewInvitation struct {
	ID             int64   `json:"id"`
	Conference     string  `json:"conference"`
	ConferenceName string  `json:"conference_name"`
	Name           string  `json:"name"`
	Email          string  `json:"email"`
	Status         string  `json:"status"`
	InvitedBy      string  `json:"invited_by"`
	ExpiresAt      string  `json:"expires_at"`
	AnsweredAt     *string `json:"answered_at"`
}

type apiFeedback struct {
	Decision      string   `json:"decision"`
	FinalFormat   string   `json:"final_format"`
	Comments      []string `json:"comments"`
	Participation string   `json:"participation"`
	ConfirmBy     *string  `json:"confirm_by"`
	CanAnswer     bool     `json:"can_answer"`
}

// round2 keeps two decimals of a score: finer digits are noise to people and to spreadsheets.
func round2(x float64) float64 { return math.Round(x*100) / 100 }

// textProblems adds a field error for each text of a list that cannot be stored.
func textProblems(fe *apperr.Fields, field string, list []string) {
	for _, v := range list {
		if !storable(v) {
			fe.Add(field, "This contains a character that cannot be saved (a NUL byte or broken text encoding). Retype it without that character.")
		}
	}
}

// emptyIfNil gives lists as [] rather than null, as the contract promises.
func emptyIfNil[T any](list []T) []T {
	if list == nil {
		return []T{}
	}
	return list
}

func toAPIReviewWindow(st review.Settings, tz string, loc *time.Location) apiReviewWindow {
	return apiReviewWindow{TimeZone: tz, Blind: string(st.Blind), BiddingOpensAt: stampPtr(st.BiddingOpensAt, loc),
		BiddingClosesAt: stampPtr(st.BiddingClosesAt, loc), ReviewDeadline: stampPtr(st.ReviewDeadline, loc), Calibration: st.Calibration}
}

func toAPIReviewerProfile(p review.Profile) apiReviewerProfile {
	return apiReviewerProfile{Tracks: emptyIfNil(p.Tracks), Formats: emptyIfNil(p.Formats), MaxReviews: p.MaxReviews, Category: p.Category,
		Institutions: emptyIfNil(p.Institutions), ConflictInstitutions: emptyIfNil(p.ConflictInstitutions),
		ConflictPeople: emptyIfNil(p.ConflictPeople), Version: p.Version}
}

func toAPICriteria(list []review.Criterion) []apiCriterion {
	out := make([]apiCriterion, len(list))
	for i, c := range list {
		out[i] = apiCriterion{ID: c.ID, Label: c.Label, Description: c.Description, Weight: c.Weight, Anchors: c.Anchors[:]}
	}
	return out
}

// toAPIReview writes a review for its reader; who wrote it is told to organizers only.
func toAPIReview(r review.Review, criteria []review.Criterion, loc *time.Location, organizer bool) apiReview {
	out := apiReview{ID: r.ID, Reviewer: r.ReviewerName, Status: string(r.Status), Scores: r.Scores,
		WeightedScore: round2(review.WeightedScore(criteria, r.Scores)), Recommendation: r.Recommendation, Confidence: r.Confidence,
		ToPresenters: r.ToPresenters, ToOrganizers: r.ToOrganizers, Version: r.Version, SubmittedAt: stampPtr(r.SubmittedAt, loc),
		ReleasedAt: stampPtr(r.ReleasedAt, loc)}
	if out.Scores == nil {
		out.Scores = map[string]int{}
	}
	if r.ID == 0 {
		out.Status = "not_started"
	} else {
		out.UpdatedAt = stampPtr(&r.UpdatedAt, loc)
	}
	if organizer && r.UserID != 0 {
		id := r.UserID
		out.UserID = &id
	}
	return out
}

func toAPIComment(c review.Comment, loc *time.Location, organizer bool) apiComment {
	out := apiComment{ID: c.ID, Author: c.Author, Body: c.Body, CreatedAt: stampIn(c.CreatedAt, loc)}
	if organizer {
		out.UserID = c.UserID
	}
	return out
}

// apiMyReviewInvitationAnswer accepts or declines an invitation sent to the caller's own address.
func (s *Server) apiMyReviewInvitationAnswer(accept bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := strconv.ParseInt(c.Param("id"), 10, 64)
		if err != nil || id <= 0 {
			return apperr.New(apperr.NotFound, "There is no such invitation waiting for your answer.")
		}
		inv, err := s.opts.Reviews.AnswerOpenInvitation(c.Request().Context(), principal(c), id, accept)
		if err != nil {
			return err
		}
		out, err := s.toAPIReviewInvitation(c, inv)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

// apiMyReviewInvitations lists the invitations to review waiting for the caller's answer.
func (s *Server) apiMyReviewInvitations(c echo.Context) error {
	list, err := s.opts.Reviews.OpenInvitations(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	out := struct {
		Invitations []apiReviewInvitation `json:"invitations"`
	}{Invitations: []apiReviewInvitation{}}
	for _, inv := range list {
		x, err := s.toAPIReviewInvitation(c, inv)
		if err != nil {
			return err
		}
		out.Invitations = append(out.Invitations, x)
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) toAPIReviewInvitation(c echo.Context, inv review.Invitation) (apiReviewInvitation, error) {
	conf, err := s.opts.Conferences.Get(c.Request().Context(), inv.ConferenceSlug)
	if err != nil {
		return apiReviewInvitation{}, err
	}
	loc := conf.Location()
	return apiReviewInvitation{ID: inv.ID, Conference: inv.ConferenceSlug, ConferenceName: inv.ConferenceName, Name: inv.Name, Email: inv.Email,
		Status: string(inv.Status), InvitedBy: inv.InvitedByName, ExpiresAt: stampIn(inv.ExpiresAt, loc), AnsweredAt: stampPtr(inv.AnsweredAt, loc)}, nil
}

// apiReviewInvitation shows what an invitation link offers, to whoever holds it.
func (s *Server) apiReviewInvitation(c echo.Context) error {
	inv, err := s.opts.Reviews.Invitation(c.Request().Context(), c.Param("token"))
	if err != nil {
		return err
	}
	out, err := s.toAPIReviewInvitation(c, inv)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, out)
}

// apiReviewInvitationAnswer accepts (the caller becomes a reviewer of the conference) or declines an
// invitation to review by its secret.
func (s *Server) apiReviewInvitationAnswer(accept bool) echo.HandlerFunc {
	return func(c echo.Context) error {
		inv, err := s.opts.Reviews.AnswerInvitation(c.Request().Context(), principal(c), c.Param("token"), accept)
		if err != nil {
			return err
		}
		out, err := s.toAPIReviewInvitation(c, inv)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, out)
	}
}

func (s *Server) apiReviewTasks(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	tasks, err := s.opts.Reviews.Tasks(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	loc := conf.Location()
	task := func(list []review.Task) []apiReviewTask {
		out := make([]apiReviewTask, len(list))
		for i, t := range list {
			status := string(t.Status)
			if status == "" {
				status = "not_started"
			}
			out[i] = apiReviewTask{ProposalID: t.ProposalID, Title: t.Title, FormatID: t.FormatID, TrackID: t.TrackID, Calibration: t.Calibration,
				Status: status, UpdatedAt: stampPtr(t.UpdatedAt, loc)}
		}
		return out
	}
	out := apiReviewTasks{Settings: toAPIReviewWindow(tasks.Settings, conf.TimeZone, loc), Locked: tasks.Locked,
		Calibration: task(tasks.Calibration), Assigned: task(tasks.Assigned),
		Submitted: review.Done(tasks.Calibration) + review.Done(tasks.Assigned), Total: len(tasks.Calibration) + len(tasks.Assigned)}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) apiReviewerProfile(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	p, err := s.opts.Reviews.Profile(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIReviewerProfile(p))
}

// apiReviewerProfileSave replaces the caller's reviewer profile read at "version".
func (s *Server) apiReviewerProfileSave(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiReviewerProfileRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	var fe apperr.Fields
	textProblems(&fe, "institutions", req.Institutions)
	textProblems(&fe, "conflict_institutions", req.ConflictInstitutions)
	textProblems(&fe, "conflict_people", req.ConflictPeople)
	if err := fe.Err(); err != nil {
		return err
	}
	p, err := s.opts.Reviews.SaveProfile(c.Request().Context(), principal(c), conf, review.Profile{Tracks: req.Tracks, Formats: req.Formats,
		MaxReviews: req.MaxReviews, Category: req.Category, Institutions: req.Institutions, ConflictInstitutions: req.ConflictInstitutions,
		ConflictPeople: req.ConflictPeople, Version: *req.Version})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIReviewerProfile(p))
}

// queryInt reads a whole number from the query, from 0 to maxv, or def when it is not given.
func queryInt(c echo.Context, fe *apperr.Fields, name string, def, maxv int) int {
	v := c.QueryParam(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 || n > maxv {
		fe.Add(name, fmt.Sprintf("Give a whole number from 0 to %d.", maxv))
		return def
	}
	return n
}

// apiBids lists, anonymously, the proposals the caller may bid on, with their bids.
func (s *Server) apiBids(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var fe apperr.Fields
	f := review.BidFilter{TrackID: int64(queryInt(c, &fe, "track", 0, 1<<31-1)), Query: c.QueryParam("q"),
		Limit: queryInt(c, &fe, "limit", 50, 500), Offset: queryInt(c, &fe, "offset", 0, 1<<31-1)}
	switch c.QueryParam("unbid") {
	case "", "false":
	case "true":
		f.Unbid = true
	default:
		fe.Add("unbid", "Give true or false.")
	}
	if f.Limit == 0 {
		fe.Add("limit", "Give a whole number from 1 to 500.")
	}
	if !storable(f.Query) {
		fe.Add("q", "The search contains a character that cannot be searched for.")
	}
	if err := fe.Err(); err != nil {
		return err
	}
	ctx := c.Request().Context()
	items, total, err := s.opts.Reviews.BiddingList(ctx, principal(c), conf, f)
	if err != nil {
		return err
	}
	open, msg, err := s.opts.Reviews.BiddingOpen(ctx, conf)
	if err != nil {
		return err
	}
	out := apiBidPage{Open: open, Message: msg, Total: total, Limit: f.Limit, Offset: f.Offset, Items: make([]apiBidItem, len(items))}
	for i, it := range items {
		out.Items[i] = apiBidItem{ProposalID: it.ProposalID, Title: it.Title, Abstract: it.Abstract, FormatID: it.FormatID, TrackID: it.TrackID,
			Bid: string(it.Level)}
	}
	return c.JSON(http.StatusOK, out)
}

// apiBidsSave stores the caller's bids, all or none.
func (s *Server) apiBidsSave(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	var req apiBidsRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	bids := make(map[int64]review.BidLevel, len(req.Bids))
	var fe apperr.Fields
	for k, v := range req.Bids {
		id, err := strconv.ParseInt(k, 10, 64)
		if err != nil || id <= 0 {
			fe.Add("bids."+k, "Name the proposal by its id.")
			continue
		}
		bids[id] = review.BidLevel(v)
	}
	if err := fe.Err(); err != nil {
		return err
	}
	err = s.opts.Reviews.SaveBids(c.Request().Context(), principal(c), conf, bids)
	if ae, ok := apperr.As(err); ok {
		// The service names a bid's field as the form does ("bid.12"); the body's is "bids.12".
		for i, f := range ae.Fields {
			if rest, ok := strings.CutPrefix(f.Field, "bid."); ok {
				ae.Fields[i].Field = "bids." + rest
			}
		}
	}
	if err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// apiReviewSheet is a proposal's review page: the proposal (blind to reviewers in double-blind
// review), the rubric, the caller's review and, once they submitted it, the others and the
// discussion. Reviewers and organizers reach it by their own routes; the service decides.
func (s *Server) apiReviewSheet(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	sh, err := s.opts.Reviews.Sheet(c.Request().Context(), principal(c), conf, id)
	if err != nil {
		return err
	}
	loc := conf.Location()
	bp := sh.Proposal
	out := apiReviewSheet{
		Proposal: apiBlindProposal{ID: bp.ID, Title: bp.Title, Abstract: bp.Abstract, FormatID: bp.Format.ID, Format: bp.Format.Name, Track: bp.Track,
			Fields: []apiFieldCopy{}, Presenters: emptyIfNil(bp.Presenters)},
		Blind: string(sh.Settings.Blind), Criteria: toAPICriteria(sh.Config.Criteria), Calibration: sh.Calibration,
		Own: toAPIReview(sh.Own, sh.Config.Criteria, loc, false), Others: []apiReview{}, Discussion: []apiComment{},
		ReviewDeadline: stampPtr(sh.Settings.ReviewDeadline, loc), CanReview: sh.CanReview, CanDiscuss: sh.CanDiscuss, Closed: sh.Closed, Locked: sh.Locked}
	for _, f := range bp.Fields {
		out.Proposal.Fields = append(out.Proposal.Fields, apiFieldCopy{Label: f.Label, Value: f.Value})
	}
	for _, r := range sh.Others {
		out.Others = append(out.Others, toAPIReview(r, sh.Config.Criteria, loc, sh.Organizer))
	}
	for _, x := range sh.Discussion {
		out.Discussion = append(out.Discussion, toAPIComment(x, loc, sh.Organizer))
	}
	return c.JSON(http.StatusOK, out)
}

// apiReviewSave saves the caller's review of a proposal assigned to them, read at "version".
func (s *Server) apiReviewSave(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	var req apiReviewRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := s.opts.Reviews.SaveReview(ctx, principal(c), conf, id, *req.Version, review.ReviewInput{Scores: req.Scores,
		Recommendation: req.Recommendation, Confidence: req.Confidence, ToPresenters: req.ToPresenters, ToOrganizers: req.ToOrganizers,
		Submit: req.Submit})
	if err != nil {
		return err
	}
	// The weighted score needs the rubric: the sheet, which the save just allowed, has it.
	sh, err := s.opts.Reviews.Sheet(ctx, principal(c), conf, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIReview(r, sh.Config.Criteria, conf.Location(), false))
}

type apiReasonRequest struct {
	Reason string `json:"reason" validate:"max=2000"`
}

// apiConflictDeclare records that the caller conflicts with a proposal: it leaves their work.
func (s *Server) apiConflictDeclare(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	var req apiReasonRequest
	if err := s.bindOptionalJSON(c, &req); err != nil {
		return err
	}
	if err := s.opts.Reviews.DeclareConflict(c.Request().Context(), principal(c), conf, id, req.Reason); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

type apiCommentRequest struct {
	Body string `json:"body" validate:"max=20000"`
}

// apiDiscuss adds to a proposal's discussion: organizers, and its reviewers once they submitted.
func (s *Server) apiDiscuss(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	var req apiCommentRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	x, err := s.opts.Reviews.Discuss(c.Request().Context(), principal(c), conf, id, req.Body)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAPIComment(x, conf.Location(), false))
}

// apiCalibrationResult shows the caller how their calibration scores sit against the others'.
func (s *Server) apiCalibrationResult(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	res, err := s.opts.Reviews.Calibration(c.Request().Context(), principal(c), conf)
	if err != nil {
		return err
	}
	out := apiCalibration{Done: res.Done, Offset: round2(res.Offset), Items: []apiCalibrationItem{}}
	for _, it := range res.Items {
		out.Items = append(out.Items, apiCalibrationItem{ProposalID: it.ProposalID, Title: it.Title, Mine: round2(it.Mine),
			MyRecommendation: it.MyRecommendation, OthersMean: round2(it.OthersMean), OthersMin: round2(it.OthersMin),
			OthersMax: round2(it.OthersMax), Others: it.Others, OthersRecommendations: emptyIfNil(it.OthersRecommendations)})
	}
	return c.JSON(http.StatusOK, out)
}

func toAPIFeedback(fb review.Feedback, loc *time.Location) apiFeedback {
	return apiFeedback{Decision: string(fb.Decision), FinalFormat: fb.FinalFormat, Comments: emptyIfNil(fb.Comments),
		Participation: string(fb.Participation), ConfirmBy: stampPtr(fb.ConfirmBy, loc), CanAnswer: fb.CanAnswer}
}

// apiFeedback is what the presenters may know of their proposal's review.
func (s *Server) apiFeedback(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	fb, err := s.opts.Reviews.Feedback(c.Request().Context(), principal(c), conf, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIFeedback(fb, conf.Location()))
}

type apiParticipationRequest struct {
	Confirm *bool `json:"confirm" validate:"required"`
}

// apiParticipation records whether the presenters of an accepted proposal take part.
func (s *Server) apiParticipation(c echo.Context) error {
	conf, err := s.loadConference(c)
	if err != nil {
		return err
	}
	id, err := proposalID(c)
	if err != nil {
		return err
	}
	var req apiParticipationRequest
	if err := s.bindJSON(c, &req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := s.opts.Reviews.Participate(ctx, principal(c), conf, id, *req.Confirm); err != nil {
		return err
	}
	fb, err := s.opts.Reviews.Feedback(ctx, principal(c), conf, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAPIFeedback(fb, conf.Location()))
}
