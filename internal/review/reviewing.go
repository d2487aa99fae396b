package review

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/cfp"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/notify"
	"github.com/challenging-norms/conference/internal/submission"
)

// Tasks is a reviewer's work in one conference.
type Tasks struct {
	Settings Settings
	// Calibration lists the calibration proposals still to review or reviewed; Assigned the
	// reviewer's own assignments. Locked is true while calibration reviews remain: live reviews
	// open once calibration is done.
	Calibration []Task
	Assigned    []Task
	Locked      bool
}

// Done counts submitted reviews of the tasks.
func Done(list []Task) int {
	n := 0
	for _, t := range list {
		if t.Status == Submitted {
			n++
		}
	}
	return n
}

// Tasks returns what the reviewer has to review, never a proposal they conflict with.
func (s *Service) Tasks(ctx context.Context, p *access.Principal, conf conference.Conference) (Tasks, error) {
	if err := access.Check(p, access.Review, conf.ID); err != nil {
		return Tasks{}, err
	}
	var out Tasks
	var err error
	if out.Settings, err = s.store.Settings(ctx, conf.ID); err != nil {
		return out, err
	}
	list, err := s.store.Tasks(ctx, conf.ID, p.UserID, out.Settings.Calibration)
	if err != nil {
		return out, err
	}
	for _, t := range list {
		if t.Calibration {
			out.Calibration = append(out.Calibration, t)
		} else {
			out.Assigned = append(out.Assigned, t)
		}
	}
	out.Locked = out.Settings.Calibration && Done(out.Calibration) < len(out.Calibration)
	return out, nil
}

// BlindProposal is a proposal as a reviewer reads it: without who proposed it, unless review is
// single-blind.
type BlindProposal struct {
	ID       int64
	Title    string
	Abstract string
	Format   cfp.Format
	Track    string
	Fields   []submission.FieldCopy
	// Presenters are "Name, Institution", in single-blind review only.
	Presenters []string
}

// Sheet is everything the review page of one proposal shows its viewer.
type Sheet struct {
	Proposal BlindProposal
	Config   FormatConfig
	Settings Settings
	// Own is the viewer's review (zero before they start); Others are the other reviews, shown once
	// the viewer submitted theirs (always to organizers), named "Reviewer 1", "Reviewer 2"… for
	// reviewers and by name for organizers.
	Own         Review
	Others      []Review
	Discussion  []Comment
	Calibration bool
	// Organizer, Reviewer: the viewer's standing on this proposal; CanReview, CanDiscuss what
	// they may do now; Closed says why reviewing is closed, if it is.
	Organizer  bool
	Reviewer   bool
	CanReview  bool
	CanDiscuss bool
	Closed     string
	Locked     bool // calibration reviews remain before this live one
	// Number is the viewer's number among the reviewers ("Reviewer 2") once their review is
	// submitted; 0 before.
	Number int
}

// Sheet returns the review page of a proposal: to an assigned reviewer (the calibration proposals are
// assigned to every reviewer who does not conflict with them) or an organizer, never to anyone in
// conflict with it (apperr NotFound, as for a proposal that does not exist).
func (s *Service) Sheet(ctx context.Context, p *access.Principal, conf conference.Conference, proposalID int64) (Sheet, error) {
	v, err := s.view(ctx, p, conf, proposalID)
	if err != nil {
		return Sheet{}, err
	}
	st, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return Sheet{}, err
	}
	calib, err := s.store.CalibrationProposals(ctx, conf.ID)
	if err != nil {
		return Sheet{}, err
	}
	isCalibration := slices.Contains(calib, proposalID)
	assigned := v.assigned || (st.Calibration && isCalibration && p.HasRole(conf.ID, access.Reviewer))
	if !assigned && !v.organizer {
		return Sheet{}, notFound
	}
	sh := Sheet{Settings: st, Organizer: v.organizer, Reviewer: assigned, Calibration: isCalibration}
	if sh.Proposal, sh.Config, err = s.blind(ctx, conf, v.prop, st.Blind, v.organizer); err != nil {
		return sh, err
	}
	if v.own != nil {
		sh.Own = *v.own
	}
	if assigned && !isCalibration && st.Calibration {
		tasks, err := s.Tasks(ctx, p, conf)
		if err != nil {
			return sh, err
		}
		sh.Locked = tasks.Locked
	}
	sh.Closed = s.reviewClosed(st, conf)
	sh.CanReview = assigned && sh.Closed == "" && !sh.Locked && v.prop.Status == submission.Submitted
	seesOthers := v.organizer || (assigned && sh.Own.Status == Submitted)
	sh.CanDiscuss = seesOthers
	if seesOthers {
		all, err := s.store.ReviewsOf(ctx, proposalID)
		if err != nil {
			return sh, err
		}
		sh.Others = others(all, p.UserID, v.organizer)
		n := 0
		for _, r := range all {
			if r.Status == Submitted && r.Counted {
				n++
				if r.UserID == p.UserID {
					sh.Number = n
				}
			}
		}
		if sh.Discussion, err = s.discussion(ctx, proposalID, all, p.UserID, v.organizer); err != nil {
			return sh, err
		}
	}
	return sh, nil
}

// others returns the reviews by others than the viewer that the viewer may read: submitted ones for
// reviewers, named by number; every one for organizers, by name.
func others(all []Review, viewer int64, organizer bool) []Review {
	var out []Review
	n := 0
	for _, r := range all {
		visible := organizer || (r.Status == Submitted && r.Counted)
		if visible {
			n++
		}
		if r.UserID == viewer || !visible {
			continue
		}
		if !organizer {
			r.ReviewerName = fmt.Sprintf("Reviewer %d", n)
			r.ToOrganizers = ""
		}
		out = append(out, r)
	}
	return out
}

// discussion names the authors of a proposal's comments as the viewer may know them.
func (s *Service) discussion(ctx context.Context, proposalID int64, reviews []Review, viewer int64, organizer bool) ([]Comment, error) {
	list, err := s.store.Discussion(ctx, proposalID)
	if err != nil {
		return nil, err
	}
	number := map[int64]int{}
	n := 0
	for _, r := range reviews {
		if organizer || (r.Status == Submitted && r.Counted) {
			n++
			number[r.UserID] = n
		}
	}
	for i, c := range list {
		switch {
		case c.UserID != nil && *c.UserID == viewer:
			list[i].Author = "You"
		case organizer:
		case c.UserID != nil && number[*c.UserID] > 0:
			list[i].Author = fmt.Sprintf("Reviewer %d", number[*c.UserID])
		default:
			list[i].Author = "An organizer"
		}
	}
	return list, nil
}

// blind is the proposal as reviewers read it: presenters shown only in single-blind review (and to
// organizers, who know them anyway).
func (s *Service) blind(ctx context.Context, conf conference.Conference, prop submission.Proposal, mode Blind, organizer bool) (BlindProposal, FormatConfig, error) {
	f, err := s.calls.Format(ctx, conf, prop.FormatID)
	if err != nil {
		return BlindProposal{}, FormatConfig{}, err
	}
	cfg, err := s.FormatConfig(ctx, conf, f)
	if err != nil {
		return BlindProposal{}, FormatConfig{}, err
	}
	bp := BlindProposal{ID: prop.ID, Title: prop.Title, Abstract: prop.Abstract, Format: f, Fields: submission.Copy(f, prop.Answers)}
	if prop.TrackID != nil {
		tracks, err := s.calls.Tracks(ctx, conf)
		if err != nil {
			return bp, cfg, err
		}
		for _, t := range tracks {
			if t.ID == *prop.TrackID {
				bp.Track = t.Name
			}
		}
	}
	if mode == SingleBlind || organizer {
		for _, x := range prop.Presenting() {
			line := x.Name
			if x.Profile.Institution != "" {
				line += ", " + x.Profile.Institution
			}
			bp.Presenters = append(bp.Presenters, line)
		}
	}
	return bp, cfg, nil
}

// reviewClosed says why reviews can no longer be changed, or "".
func (s *Service) reviewClosed(st Settings, conf conference.Conference) string {
	if st.ReviewDeadline != nil && s.now().After(*st.ReviewDeadline) {
		return "The review deadline passed on " + submission.FormatTime(*st.ReviewDeadline, conf.Location()) + "; reviews can no longer be changed."
	}
	return ""
}

// ReviewInput is a review as the reviewer writes it.
type ReviewInput struct {
	Scores         map[string]int
	Recommendation int
	Confidence     int
	ToPresenters   string
	ToOrganizers   string
	// Submit makes the review final (it stays editable until the deadline); otherwise it is a
	// draft, checked only for what cannot be saved.
	Submit bool
}

// SaveReview saves the viewer's review of a proposal assigned to them. version is the version they
// edited (0 for a first save): when the review was saved since (another window), nothing is saved
// and the answer is apperr Conflict. A review is checked in full when submitted, and at every later
// save: every criterion scored from 1 to 5, a recommendation and a confidence. Returns apperr Invalid with field errors
// ("scores.<criterion>", "recommendation", …), Forbidden after the deadline or before calibration is
// done, NotFound for a proposal not assigned to them or in conflict.
func (s *Service) SaveReview(ctx context.Context, p *access.Principal, conf conference.Conference, proposalID int64, version int, in ReviewInput) (Review, error) {
	var out Review
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		sh, err := s.Sheet(ctx, p, conf, proposalID)
		if err != nil {
			return err
		}
		if !sh.Reviewer {
			return apperr.New(apperr.Forbidden, "You are not a reviewer of this proposal, so you cannot review it.")
		}
		switch {
		case sh.Closed != "":
			return apperr.New(apperr.Forbidden, sh.Closed)
		case sh.Locked:
			return apperr.New(apperr.Forbidden, "Review the calibration proposals first: your own reviews open once they are done.")
		case !sh.CanReview:
			return apperr.New(apperr.Forbidden, "This proposal can no longer be reviewed.")
		}
		// A submitted review stays submitted, and counts: every change to it is checked in full.
		if sh.Own.Status == Submitted {
			in.Submit = true
		}
		r, err := checkReview(sh.Config, in)
		if err != nil {
			return err
		}
		own := sh.Own
		if version != own.Version {
			return apperr.New(apperr.Conflict, "Your review was saved from another window after you opened this one. Reload the page to see it, then make your change again.")
		}
		r.ID, r.ProposalID, r.UserID, r.ConferenceID, r.Status, r.SubmittedAt = own.ID, proposalID, p.UserID, conf.ID, own.Status, own.SubmittedAt
		if own.ID == 0 {
			r.Status = Draft
		}
		if in.Submit && r.Status != Submitted {
			now := s.now()
			r.Status, r.SubmittedAt = Submitted, &now
		}
		if err := s.store.SaveReview(ctx, &r, version); err != nil {
			return err
		}
		if in.Submit && own.Status != Submitted {
			if err := s.record(ctx, p, conf, "review.submitted", proposalSubject(proposalID), ""); err != nil {
				return err
			}
		}
		out = r
		return nil
	})
	return out, err
}

// checkReview cleans a review and checks it: leniently for a draft, in full when submitted.
func checkReview(cfg FormatConfig, in ReviewInput) (Review, error) {
	r := Review{Scores: map[string]int{}, Recommendation: in.Recommendation, Confidence: in.Confidence,
		ToPresenters: strings.TrimSpace(strings.ReplaceAll(in.ToPresenters, "\r\n", "\n")),
		ToOrganizers: strings.TrimSpace(strings.ReplaceAll(in.ToOrganizers, "\r\n", "\n"))}
	var fe apperr.Fields
	for id, v := range in.Scores {
		if !slices.ContainsFunc(cfg.Criteria, func(c Criterion) bool { return c.ID == id }) {
			fe.Add("scores."+id, "This is not a criterion of the rubric.")
			continue
		}
		if v == 0 {
			continue
		}
		if v < 1 || v > 5 {
			fe.Add("scores."+id, "Score from 1 to 5.")
			continue
		}
		r.Scores[id] = v
	}
	if r.Recommendation < 0 || r.Recommendation > 5 {
		fe.Add("recommendation", "Choose a recommendation from strong reject (1) to strong accept (5).")
	}
	if r.Confidence < 0 || r.Confidence > 3 {
		fe.Add("confidence", "Choose your confidence: low (1), medium (2) or high (3).")
	}
	if utf8.RuneCountInString(r.ToPresenters) > 20000 {
		fe.Add("to_presenters", "Keep the comments to 20,000 characters.")
	}
	if utf8.RuneCountInString(r.ToOrganizers) > 20000 {
		fe.Add("to_organizers", "Keep the comments to 20,000 characters.")
	}
	if in.Submit {
		for _, c := range cfg.Criteria {
			if _, ok := r.Scores[c.ID]; !ok && !fe.Has("scores."+c.ID) {
				fe.Add("scores."+c.ID, "Score “"+c.Label+"” from 1 to 5.")
			}
		}
		if r.Recommendation == 0 && !fe.Has("recommendation") {
			fe.Add("recommendation", "Choose an overall recommendation.")
		}
		if r.Confidence == 0 && !fe.Has("confidence") {
			fe.Add("confidence", "Say how confident you are in your review.")
		}
	}
	return r, fe.Err()
}

// Discuss adds a comment to a proposal's discussion: organizers, and assigned reviewers once they
// submitted their own review. Returns apperr Invalid (field "body"), Forbidden, NotFound.
func (s *Service) Discuss(ctx context.Context, p *access.Principal, conf conference.Conference, proposalID int64, body string) (Comment, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		return Comment{}, apperr.Field("body", "Write your comment.")
	case n > 10000:
		return Comment{}, apperr.Field("body", "Keep a comment to 10,000 characters.")
	}
	var c Comment
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		sh, err := s.Sheet(ctx, p, conf, proposalID)
		if err != nil {
			return err
		}
		if !sh.CanDiscuss {
			return apperr.New(apperr.Forbidden, "Submit your own review first; then you can read the others and join the discussion.")
		}
		c = Comment{ProposalID: proposalID, UserID: &p.UserID, Body: body, Author: "You"}
		if err := s.store.AddComment(ctx, &c); err != nil {
			return err
		}
		return s.record(ctx, p, conf, "review.commented", proposalSubject(proposalID), "")
	})
	return c, err
}

// SetCalibration adds a proposal to the calibration round, or takes it out. Organizers only.
func (s *Service) SetCalibration(ctx context.Context, p *access.Principal, conf conference.Conference, proposalID int64, on bool) error {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		v, err := s.view(ctx, p, conf, proposalID)
		if err != nil {
			return err
		}
		if v.prop.Status != submission.Submitted {
			return apperr.New(apperr.Conflict, "Only a submitted proposal can be a calibration sample.")
		}
		if err := s.store.SetCalibration(ctx, conf.ID, proposalID, on); err != nil {
			return err
		}
		action := "calibration.removed"
		if on {
			action = "calibration.added"
		}
		return s.record(ctx, p, conf, action, proposalSubject(proposalID), "")
	})
}

// CalibrationResult is how one reviewer's calibration scores sit against the others'.
type CalibrationResult struct {
	Items []CalibrationItem
	// Offset is the reviewer's mean score minus the others' mean on the same proposals: positive
	// for a lenient reviewer, negative for a harsh one.
	Offset float64
	Done   bool
}

// CalibrationItem is one calibration proposal's scores.
type CalibrationItem struct {
	ProposalID            int64
	Title                 string
	Mine                  float64 // the reviewer's weighted score
	MyRecommendation      int
	OthersMean            float64
	OthersMin, OthersMax  float64
	Others                int
	OthersRecommendations []int
}

// Calibration returns, once the reviewer submitted every calibration review, how their scores sit
// against the other reviewers'. Reviewers only.
func (s *Service) Calibration(ctx context.Context, p *access.Principal, conf conference.Conference) (CalibrationResult, error) {
	tasks, err := s.Tasks(ctx, p, conf)
	if err != nil {
		return CalibrationResult{}, err
	}
	var out CalibrationResult
	out.Done = len(tasks.Calibration) > 0 && !tasks.Locked
	if !out.Done {
		return out, nil
	}
	var diffs []float64
	for _, t := range tasks.Calibration {
		f, err := s.calls.Format(ctx, conf, t.FormatID)
		if err != nil {
			return out, err
		}
		cfg, err := s.FormatConfig(ctx, conf, f)
		if err != nil {
			return out, err
		}
		all, err := s.store.ReviewsOf(ctx, t.ProposalID)
		if err != nil {
			return out, err
		}
		it := CalibrationItem{ProposalID: t.ProposalID, Title: t.Title, OthersMin: 6}
		var sum float64
		for _, r := range all {
			if r.Status != Submitted {
				continue
			}
			w := WeightedScore(cfg.Criteria, r.Scores)
			if r.UserID == p.UserID {
				it.Mine, it.MyRecommendation = w, r.Recommendation
				continue
			}
			it.Others++
			sum += w
			it.OthersMin, it.OthersMax = min(it.OthersMin, w), max(it.OthersMax, w)
			it.OthersRecommendations = append(it.OthersRecommendations, r.Recommendation)
		}
		if it.Others > 0 {
			it.OthersMean = sum / float64(it.Others)
			diffs = append(diffs, it.Mine-it.OthersMean)
		} else {
			it.OthersMin = 0
		}
		slices.Sort(it.OthersRecommendations)
		out.Items = append(out.Items, it)
	}
	for _, d := range diffs {
		out.Offset += d / float64(len(diffs))
	}
	return out, nil
}

// ReviewerProgress is one reviewer's progress, for organizers.
type ReviewerProgress struct {
	Reviewer
	Pending int // assigned, not yet submitted
}

// Progress returns each reviewer's progress and each proposal's, for organizers. The counts leave out
// the proposals the viewing organizer conflicts with.
func (s *Service) Progress(ctx context.Context, p *access.Principal, conf conference.Conference) ([]ReviewerProgress, map[int64]ProposalProgress, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return nil, nil, err
	}
	reviewers, err := s.store.Reviewers(ctx, conf.ID)
	if err != nil {
		return nil, nil, err
	}
	pending, err := s.store.Pending(ctx, conf.ID)
	if err != nil {
		return nil, nil, err
	}
	byProposal, err := s.store.Progress(ctx, conf.ID)
	if err != nil {
		return nil, nil, err
	}
	conflicts, err := s.store.ConflictsOf(ctx, conf.ID, p.UserID)
	if err != nil {
		return nil, nil, err
	}
	for id := range conflicts {
		delete(byProposal, id)
	}
	out := make([]ReviewerProgress, len(reviewers))
	for i, r := range reviewers {
		out[i] = ReviewerProgress{Reviewer: r, Pending: pending[r.UserID]}
	}
	return out, byProposal, nil
}

// ReminderMail is the data of the "review_reminder" template.
type ReminderMail struct {
	Name, Conference, Link, Deadline string
	Pending                          int
}

// Remind emails reviewers who still have reviews to submit: one (userID) or all (userID 0). Returns
// how many were reminded. Organizers only.
func (s *Service) Remind(ctx context.Context, p *access.Principal, conf conference.Conference, userID int64) (int, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return 0, err
	}
	n := 0
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		var err error
		// One reminder by hand per reviewer every six hours, however often the button is pressed.
		n, err = s.remind(ctx, conf, userID, fmt.Sprintf("manual-%d", s.now().Unix()/(6*3600)))
		if err != nil {
			return err
		}
		return s.record(ctx, p, conf, "review.reminded", "conference:"+conf.Slug, fmt.Sprintf("%d reviewers", n))
	})
	return n, err
}

func (s *Service) remind(ctx context.Context, conf conference.Conference, userID int64, event string) (int, error) {
	st, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return 0, err
	}
	pending, err := s.store.Pending(ctx, conf.ID)
	if err != nil {
		return 0, err
	}
	reviewers, err := s.store.Reviewers(ctx, conf.ID)
	if err != nil {
		return 0, err
	}
	deadline := ""
	if st.ReviewDeadline != nil {
		deadline = submission.FormatTime(*st.ReviewDeadline, conf.Location())
	}
	n, due := 0, 0
	for _, r := range reviewers {
		if (userID != 0 && r.UserID != userID) || pending[r.UserID] == 0 {
			continue
		}
		due++
		queued, err := notify.EnqueueNew(ctx, s.outbox, notify.Message{EventKey: fmt.Sprintf("review-reminder:%d:%d:%s", conf.ID, r.UserID, event),
			ConferenceID: &conf.ID, To: r.Email, ToName: r.Name, Template: "review_reminder",
			Data: ReminderMail{Name: r.Name, Conference: conf.Name, Link: s.baseURL + "/c/" + conf.Slug + "/review", Deadline: deadline,
				Pending: pending[r.UserID]}})
		if err != nil {
			return n, err
		}
		if queued {
			n++
		}
	}
	switch {
	case userID != 0 && due == 0:
		return 0, apperr.New(apperr.Conflict, "This reviewer has no review left to submit.")
	case userID != 0 && n == 0:
		return 0, apperr.New(apperr.Conflict, "This reviewer was reminded less than six hours ago; they are not reminded again so soon.")
	}
	return n, nil
}

// RemindBeforeDeadlines reminds, once per deadline, the reviewers of every conference whose review
// deadline is within its reminder window: the periodic job calls it. Returns how many were reminded.
func (s *Service) RemindBeforeDeadlines(ctx context.Context, confs []conference.Conference) (int, error) {
	total := 0
	now := s.now()
	for _, conf := range confs {
		st, err := s.store.Settings(ctx, conf.ID)
		if err != nil {
			return total, err
		}
		if st.ReviewDeadline == nil || st.ReminderHours == 0 || now.After(*st.ReviewDeadline) ||
			now.Before(st.ReviewDeadline.Add(-time.Duration(st.ReminderHours)*time.Hour)) {
			continue
		}
		err = s.store.InTx(ctx, func(ctx context.Context) error {
			n, err := s.remind(ctx, conf, 0, "deadline-"+st.ReviewDeadline.UTC().Format(time.RFC3339))
			total += n
			return err
		})
		if err != nil {
			return total, err
		}
	}
	return total, nil
}
