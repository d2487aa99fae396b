package review

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/assign"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/notify"
	"github.com/challenging-norms/conference/internal/submission"
)

// problem builds the assignment problem from the conference's state: reviewers with their profiles,
// submitted proposals (calibration proposals aside), bids, conflicts and the assignments made so far.
// basis fingerprints that state, so that a plan is applied only to the state it was computed from.
// dropped are existing assignments that a conflict found since then invalidates.
func (s *Service) problem(ctx context.Context, conf conference.Conference) (assign.Problem, string, []assign.Dropped, error) {
	var pb assign.Problem
	st, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return pb, "", nil, err
	}
	configs, err := s.FormatConfigs(ctx, conf)
	if err != nil {
		return pb, "", nil, err
	}
	reviewers, err := s.store.Reviewers(ctx, conf.ID)
	if err != nil {
		return pb, "", nil, err
	}
	props, err := s.store.Assignable(ctx, conf.ID)
	if err != nil {
		return pb, "", nil, err
	}
	calib, err := s.store.CalibrationProposals(ctx, conf.ID)
	if err != nil {
		return pb, "", nil, err
	}
	bids, err := s.store.Bids(ctx, conf.ID)
	if err != nil {
		return pb, "", nil, err
	}
	conflicts, err := s.store.ConflictPairs(ctx, conf.ID)
	if err != nil {
		return pb, "", nil, err
	}
	existing, err := s.store.Assignments(ctx, conf.ID)
	if err != nil {
		return pb, "", nil, err
	}
	pb.Options = assign.DefaultOptions()
	pb.Options.NotPreferredCap = st.NotPreferredCap
	pb.Options.RequiredCategories = slices.Clone(st.RequiredCategories)
	// Expertise is a track and, when the reviewer names formats, only those formats: the solver's
	// "track" of a proposal is its track and format together.
	formats, err := s.calls.Formats(ctx, conf)
	if err != nil {
		return pb, "", nil, err
	}
	tracks, err := s.calls.Tracks(ctx, conf)
	if err != nil {
		return pb, "", nil, err
	}
	key := func(track, format int64) int64 { return track<<24 | format }
	inProblem := map[int64]bool{}
	for _, p := range props {
		if slices.Contains(calib, p.ProposalID) {
			continue
		}
		inProblem[p.ProposalID] = true
		pb.Proposals = append(pb.Proposals, assign.Proposal{ID: p.ProposalID, Track: key(p.TrackID, p.FormatID), K: configs[p.FormatID].Reviewers})
	}
	isReviewer := map[int64]bool{}
	for _, r := range reviewers {
		isReviewer[r.UserID] = true
		var expertise []int64
		fs := r.Profile.Formats
		if len(fs) == 0 && len(r.Profile.Tracks) > 0 {
			for _, f := range formats {
				fs = append(fs, f.ID)
			}
		}
		ts := r.Profile.Tracks
		if len(ts) == 0 && len(r.Profile.Formats) > 0 {
			ts = []int64{0}
			for _, t := range tracks {
				ts = append(ts, t.ID)
			}
		}
		for _, t := range ts {
			for _, f := range fs {
				expertise = append(expertise, key(t, f))
			}
		}
		pb.Reviewers = append(pb.Reviewers, assign.Reviewer{ID: r.UserID, MaxLoad: r.MaxLoad(), Expertise: expertise, Category: r.Profile.Category})
	}
	for k := range conflicts {
		if inProblem[k[0]] && isReviewer[k[1]] {
			pb.Conflicts = append(pb.Conflicts, assign.Pair{Reviewer: k[1], Proposal: k[0]})
		}
	}
	levels := map[BidLevel]assign.Level{Eager: assign.Eager, Willing: assign.Willing, NotPreferred: assign.NotPreferred, ConflictBid: assign.Conflict}
	for _, b := range bids {
		if inProblem[b.ProposalID] && isReviewer[b.UserID] {
			pb.Bids = append(pb.Bids, assign.Bid{Reviewer: b.UserID, Proposal: b.ProposalID, Level: levels[b.Level]})
		}
	}
	// Reviews held on calibration proposals and by people no longer reviewing count as load only.
	load := map[int64]int{}
	for _, a := range existing {
		if inProblem[a.ProposalID] && isReviewer[a.UserID] {
			pb.Existing = append(pb.Existing, assign.Pair{Reviewer: a.UserID, Proposal: a.ProposalID})
		} else {
			load[a.UserID]++
		}
	}
	for i := range pb.Reviewers {
		pb.Reviewers[i].Load = load[pb.Reviewers[i].ID]
	}
	kept, dropped := assign.SplitExisting(pb)
	pb.Existing = kept
	return pb, fingerprint(pb), dropped, nil
}

// fingerprint hashes a problem's content, independent of its slices' order.
func fingerprint(pb assign.Problem) string {
	h := sha256.New()
	lines := make([]string, 0, len(pb.Reviewers)+len(pb.Proposals)+len(pb.Bids)+len(pb.Conflicts)+len(pb.Existing))
	for _, r := range pb.Reviewers {
		lines = append(lines, fmt.Sprintf("r %d %d %d %v %s", r.ID, r.MaxLoad, r.Load, r.Expertise, r.Category))
	}
	for _, p := range pb.Proposals {
		lines = append(lines, fmt.Sprintf("p %d %d %d", p.ID, p.Track, p.K))
	}
	for _, b := range pb.Bids {
		lines = append(lines, fmt.Sprintf("b %d %d %d", b.Reviewer, b.Proposal, b.Level))
	}
	for _, c := range pb.Conflicts {
		lines = append(lines, fmt.Sprintf("c %d %d", c.Reviewer, c.Proposal))
	}
	for _, e := range pb.Existing {
		lines = append(lines, fmt.Sprintf("e %d %d", e.Reviewer, e.Proposal))
	}
	slices.Sort(lines)
	fmt.Fprintf(h, "%+v\n", pb.Options)
	for _, l := range lines {
		h.Write([]byte(l))
		h.Write([]byte{'\n'})
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Preview is a planned assignment round for organizers to read before applying it. What concerns the
// proposals the viewing organizer conflicts with (their pairs, dropped pairs, shortfalls, gaps and
// titles) is left out; Hidden counts the pairs left out, and the summary's figures stay those of the
// whole plan, which is applied as a whole.
type Preview struct {
	ID      int64
	Plan    assign.Plan
	Dropped []assign.Dropped
	// Names of reviewers and titles of proposals, for the page.
	Reviewers map[int64]string
	Titles    map[int64]string
	Committed bool
	Hidden    int
}

// storedPlan is what a plan record keeps.
type storedPlan struct {
	Plan    assign.Plan      `json:"plan"`
	Dropped []assign.Dropped `json:"dropped"`
}

// PreviewAssignment computes an optimal plan of new assignments for the conference as it is now,
// keeping every existing assignment, and stores it for organizers to read and apply. Organizers only.
func (s *Service) PreviewAssignment(ctx context.Context, p *access.Principal, conf conference.Conference) (Preview, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return Preview{}, err
	}
	pb, basis, dropped, err := s.problem(ctx, conf)
	if err != nil {
		return Preview{}, err
	}
	if len(pb.Reviewers) == 0 {
		return Preview{}, apperr.New(apperr.Conflict, "The conference has no reviewers yet. Invite reviewers first.")
	}
	if len(pb.Proposals) == 0 {
		return Preview{}, apperr.New(apperr.Conflict, "No submitted proposal waits for reviewers.")
	}
	plan, err := assign.Solve(pb)
	if err != nil {
		return Preview{}, err
	}
	b, err := json.Marshal(storedPlan{Plan: plan, Dropped: dropped})
	if err != nil {
		return Preview{}, apperr.Wrap(apperr.Internal, "Could not keep the plan.", err)
	}
	rec := PlanRecord{ConferenceID: conf.ID, CreatedBy: &p.UserID, Basis: basis, Plan: b}
	if err := s.store.SavePlan(ctx, &rec); err != nil {
		return Preview{}, err
	}
	return s.preview(ctx, p, conf, rec.ID, plan, dropped, false)
}

func (s *Service) preview(ctx context.Context, p *access.Principal, conf conference.Conference, id int64, plan assign.Plan, dropped []assign.Dropped,
	committed bool) (Preview, error) {
	hidden, err := s.conflictsOf(ctx, conf.ID, p.UserID)
	if err != nil {
		return Preview{}, err
	}
	plan, dropped, n := hide(plan, dropped, hidden)
	pv := Preview{ID: id, Plan: plan, Dropped: dropped, Reviewers: map[int64]string{}, Titles: map[int64]string{}, Committed: committed, Hidden: n}
	reviewers, err := s.store.Reviewers(ctx, conf.ID)
	if err != nil {
		return pv, err
	}
	for _, r := range reviewers {
		pv.Reviewers[r.UserID] = r.Name
	}
	page, err := s.props.List(ctx, conf.ID, submission.Filter{Status: submission.Submitted, Limit: 100000})
	if err != nil {
		return pv, err
	}
	for _, x := range page.Proposals {
		if !hidden[x.ID] {
			pv.Titles[x.ID] = x.TitleIn(conf.Location())
		}
	}
	return pv, nil
}

// hide takes out of a plan what concerns the hidden proposals, and counts the pairs it took out.
func hide(plan assign.Plan, dropped []assign.Dropped, hidden map[int64]bool) (assign.Plan, []assign.Dropped, int) {
	if len(hidden) == 0 {
		return plan, dropped, 0
	}
	var pairs []assign.Assignment
	for _, a := range plan.New {
		if !hidden[a.Proposal] {
			pairs = append(pairs, a)
		}
	}
	n := len(plan.New) - len(pairs)
	plan.New = pairs
	var short []assign.Shortfall
	for _, x := range plan.Summary.Short {
		if !hidden[x.Proposal] {
			short = append(short, x)
		}
	}
	plan.Summary.Short = short
	var gaps []assign.Gap
	for _, x := range plan.Summary.Uncovered {
		if !hidden[x.Proposal] {
			gaps = append(gaps, x)
		}
	}
	plan.Summary.Uncovered = gaps
	var kept []assign.Dropped
	for _, d := range dropped {
		if !hidden[d.Pair.Proposal] {
			kept = append(kept, d)
		}
	}
	return plan, kept, n
}

// Plan returns a stored plan as it was previewed. Organizers only.
func (s *Service) Plan(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) (Preview, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return Preview{}, err
	}
	rec, err := s.store.Plan(ctx, conf.ID, id)
	if err != nil {
		return Preview{}, err
	}
	var sp storedPlan
	if err := json.Unmarshal(rec.Plan, &sp); err != nil {
		return Preview{}, apperr.Wrap(apperr.Internal, "Could not read the plan.", err)
	}
	return s.preview(ctx, p, conf, rec.ID, sp.Plan, sp.Dropped, rec.CommittedAt != nil)
}

// DigestMail is the data of the "review_digest" template: one message per reviewer per round.
type DigestMail struct {
	Name, Conference, Link, Deadline string
	Titles                           []string
	Total                            int
}

// CommitAssignment applies a previewed plan: the assignments a new conflict invalidated are removed,
// the new ones added (each recorded in the audit log with why it was made), and each reviewer with new
// proposals gets one email for the round. When anything the plan was computed from changed since the
// preview, nothing is applied: apperr Conflict asks for a new preview.
func (s *Service) CommitAssignment(ctx context.Context, p *access.Principal, conf conference.Conference, id int64) (int, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return 0, err
	}
	added := 0
	err := s.store.InTx(ctx, func(ctx context.Context) error {
		rec, err := s.store.Plan(ctx, conf.ID, id)
		if err != nil {
			return err
		}
		_, basis, _, err := s.problem(ctx, conf)
		if err != nil {
			return err
		}
		if basis != rec.Basis {
			return apperr.New(apperr.Conflict, "Bids, conflicts, reviewers or assignments changed since this plan was made. Preview a new plan and apply that one.")
		}
		if err := s.store.MarkPlanCommitted(ctx, rec.ID, s.now()); err != nil {
			return err
		}
		var sp storedPlan
		if err := json.Unmarshal(rec.Plan, &sp); err != nil {
			return apperr.Wrap(apperr.Internal, "Could not read the plan.", err)
		}
		for _, d := range sp.Dropped {
			if err := s.store.Unassign(ctx, d.Pair.Proposal, d.Pair.Reviewer); err != nil && !apperr.Is(err, apperr.NotFound) {
				return err
			}
			if err := s.record(ctx, p, conf, "assignment.removed", proposalSubject(d.Pair.Proposal),
				fmt.Sprintf("user:%d (%s)", d.Pair.Reviewer, d.Constraint)); err != nil {
				return err
			}
		}
		round, err := s.store.LastRound(ctx, conf.ID)
		if err != nil {
			return err
		}
		round++
		list := make([]Assignment, len(sp.Plan.New))
		perReviewer := map[int64][]int64{}
		for i, a := range sp.Plan.New {
			list[i] = Assignment{ProposalID: a.Proposal, UserID: a.Reviewer, ConferenceID: conf.ID, Round: round, Source: Automatic,
				Why: strings.Join(a.Why, "; "), AssignedBy: &p.UserID}
			perReviewer[a.Reviewer] = append(perReviewer[a.Reviewer], a.Proposal)
		}
		if err := s.store.AddAssignments(ctx, list); err != nil {
			return err
		}
		for _, a := range list {
			if err := s.record(ctx, p, conf, "assignment.added", proposalSubject(a.ProposalID), fmt.Sprintf("user:%d (automatic, round %d): %s", a.UserID, round, a.Why)); err != nil {
				return err
			}
		}
		added = len(list)
		return s.sendDigests(ctx, conf, fmt.Sprintf("round-%d", round), perReviewer)
	})
	return added, err
}

// sendDigests emails each reviewer the proposals assigned to them at once (a round, or one by hand,
// named by event), by title only: review is blind.
func (s *Service) sendDigests(ctx context.Context, conf conference.Conference, event string, perReviewer map[int64][]int64) error {
	if len(perReviewer) == 0 {
		return nil
	}
	reviewers, err := s.store.Reviewers(ctx, conf.ID)
	if err != nil {
		return err
	}
	st, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return err
	}
	deadline := ""
	if st.ReviewDeadline != nil {
		deadline = submission.FormatTime(*st.ReviewDeadline, conf.Location())
	}
	titles := map[int64]string{}
	page, err := s.props.List(ctx, conf.ID, submission.Filter{Status: submission.Submitted, Limit: 100000})
	if err != nil {
		return err
	}
	for _, x := range page.Proposals {
		titles[x.ID] = x.TitleIn(conf.Location())
	}
	for _, r := range reviewers {
		ids := perReviewer[r.UserID]
		if len(ids) == 0 {
			continue
		}
		data := DigestMail{Name: r.Name, Conference: conf.Name, Link: s.baseURL + "/c/" + conf.Slug + "/review", Deadline: deadline, Total: r.Assigned}
		for _, id := range ids {
			data.Titles = append(data.Titles, titles[id])
		}
		if err := s.outbox.Enqueue(ctx, notify.Message{EventKey: fmt.Sprintf("review-digest:%d:%s:%d", conf.ID, event, r.UserID),
			ConferenceID: &conf.ID, To: r.Email, ToName: r.Name, Template: "review_digest", Data: data}); err != nil {
			return err
		}
	}
	return nil
}

// ChangeAssignment adds, removes or swaps a reviewer on a proposal by hand. Conflicts, the reviewers'
// most reviews and their not-preferred cap still hold (apperr Conflict naming the one broken); a
// reviewer who submitted their review cannot be removed. The new reviewer gets an email. A change
// that is so already (adding a reviewer the proposal has, removing one it has not, a swap whose
// first reviewer is off it and replacement on it) is done already: it changes nothing and emails no
// one, so that the same request sent twice (a double click, a retry) answers as the first time.
func (s *Service) ChangeAssignment(ctx context.Context, p *access.Principal, conf conference.Conference, ch assign.Change) error {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return err
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		v, err := s.view(ctx, p, conf, ch.Proposal)
		if err != nil {
			return err
		}
		if v.prop.Decision != "" {
			return apperr.New(apperr.Conflict, "This proposal is decided: its reviewers no longer change.")
		}
		pb, _, _, err := s.problem(ctx, conf)
		if err != nil {
			return err
		}
		if err := assign.CheckChange(pb, ch); err != nil {
			if changeMade(pb, ch, err) {
				return nil
			}
			return s.changeProblem(ctx, conf, err)
		}
		removed := int64(0)
		switch ch.Kind {
		case assign.Remove:
			removed = ch.Reviewer
		case assign.Swap:
			removed = ch.Reviewer
		}
		gone := false // removed by another request between our check and our delete
		if removed != 0 {
			if r, err := s.store.ReviewOf(ctx, ch.Proposal, removed); err == nil && r.Status == Submitted {
				return apperr.New(apperr.Conflict, "This reviewer has submitted their review; it stays. Add another reviewer instead.")
			}
			if err := s.store.Unassign(ctx, ch.Proposal, removed); apperr.Is(err, apperr.NotFound) {
				// A removal is then done, its record the other's. A swap is done only if the other
				// request was the same swap, which added the replacement (found below).
				if ch.Kind == assign.Remove {
					return nil
				}
				gone = true
			} else if err != nil {
				return err
			} else if err := s.record(ctx, p, conf, "assignment.removed", proposalSubject(ch.Proposal), fmt.Sprintf("user:%d (by hand)", removed)); err != nil {
				return err
			}
		}
		added := ch.Reviewer
		if ch.Kind == assign.Swap {
			added = ch.Replacement
		}
		if ch.Kind == assign.Remove {
			return nil
		}
		round, err := s.store.LastRound(ctx, conf.ID)
		if err != nil {
			return err
		}
		made, err := s.store.Assign(ctx, Assignment{ProposalID: ch.Proposal, UserID: added, ConferenceID: conf.ID, Round: round,
			Source: Manual, Why: "assigned by hand by " + p.Name, AssignedBy: &p.UserID})
		if err != nil {
			return err
		}
		if !made {
			// The same change, sent twice at once, made it between our check and our insert; its
			// record and email are the first one's.
			return nil
		}
		if gone {
			// Another change took the first reviewer off (another swap, a removal): this swap is
			// not what happened, and the replacement added is undone with the transaction.
			now, _, _, err := s.problem(ctx, conf)
			if err != nil {
				return err
			}
			if err := assign.CheckChange(now, ch); err != nil {
				return s.changeProblem(ctx, conf, err)
			}
			return apperr.New(apperr.Conflict, "The reviewers of this proposal changed meanwhile. Look at them again and choose anew.")
		}
		if err := s.record(ctx, p, conf, "assignment.added", proposalSubject(ch.Proposal), fmt.Sprintf("user:%d (by hand)", added)); err != nil {
			return err
		}
		return s.sendDigests(ctx, conf, fmt.Sprintf("manual-%d-%d", ch.Proposal, s.now().UnixNano()), map[int64][]int64{added: {ch.Proposal}})
	})
}

// changeMade reports whether ch, refused by assign.CheckChange with err, asks for what is so already,
// as the same change sent twice (a double click, a retried call) finds it: the reviewer added is on
// the proposal, the reviewer removed is not, or a swap's first reviewer is off it and its replacement
// on it. Such a request is done, and changes, records and emails nothing.
func changeMade(pb assign.Problem, ch assign.Change, err error) bool {
	switch {
	case ch.Kind == assign.Add:
		return violates(err, assign.ConstraintDuplicate)
	case ch.Kind == assign.Remove:
		return violates(err, assign.ConstraintNotAssigned)
	case ch.Kind == assign.Swap && violates(err, assign.ConstraintNotAssigned):
		in := assign.CheckChange(pb, assign.Change{Kind: assign.Add, Proposal: ch.Proposal, Reviewer: ch.Replacement})
		return violates(in, assign.ConstraintDuplicate)
	}
	return false
}

// Assignments lists every assignment of the conference, for organizers, leaving out the proposals the
// organizer conflicts with.
func (s *Service) Assignments(ctx context.Context, p *access.Principal, conf conference.Conference) ([]Assignment, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return nil, err
	}
	list, err := s.store.Assignments(ctx, conf.ID)
	if err != nil {
		return nil, err
	}
	hidden, err := s.conflictsOf(ctx, conf.ID, p.UserID)
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, a := range list {
		if !hidden[a.ProposalID] {
			out = append(out, a)
		}
	}
	return out, nil
}

// violates reports whether err is a violation of constraint c.
func violates(err error, c assign.Constraint) bool {
	var v *assign.Violation
	return errors.As(err, &v) && v.Constraint == c
}

// changeProblem says, naming the reviewer, why a change by hand breaks a rule of the assignment.
func (s *Service) changeProblem(ctx context.Context, conf conference.Conference, err error) error {
	var v *assign.Violation
	if !errors.As(err, &v) {
		return err
	}
	if v.Constraint == assign.ConstraintUnknown {
		return apperr.Field("user_id", "Choose a reviewer of this conference for a submitted proposal.")
	}
	reviewers, rerr := s.store.Reviewers(ctx, conf.ID)
	if rerr != nil {
		return rerr
	}
	name, load, maxLoad := "This reviewer", 0, 0
	if i := slices.IndexFunc(reviewers, func(r Reviewer) bool { return r.UserID == v.Pair.Reviewer }); i >= 0 {
		name, load, maxLoad = reviewers[i].Name, reviewers[i].Assigned, reviewers[i].MaxLoad()
	}
	switch v.Constraint {
	case assign.ConstraintConflict:
		return apperr.New(apperr.Conflict, name+" has a conflict of interest with this proposal.")
	case assign.ConstraintDuplicate:
		return apperr.New(apperr.Conflict, name+" is already assigned to this proposal.")
	case assign.ConstraintMaxLoad:
		return apperr.New(apperr.Conflict, fmt.Sprintf("%s already holds %d reviews, the most their profile allows (%d). Choose another reviewer.", name, load, maxLoad))
	case assign.ConstraintNotPreferredCap:
		return apperr.New(apperr.Conflict, name+" marked this proposal “not preferred” and already holds as many such reviews as the review settings allow.")
	case assign.ConstraintNotAssigned:
		return apperr.New(apperr.Conflict, name+" is not assigned to this proposal.")
	}
	return apperr.New(apperr.Conflict, v.Message)
}

// Candidate is a reviewer as an organizer sees them for one proposal: assigned or not, their bid,
// their load, and their conflicts with it.
type Candidate struct {
	Reviewer
	Assigned  bool
	Bid       BidLevel
	Conflicts []string // reasons, for people
	Review    Status   // of their review of the proposal, "" for none
}

// AtMaximum reports whether the reviewer holds as many reviews as their profile allows.
func (c Candidate) AtMaximum() bool { return c.Reviewer.Assigned >= c.MaxLoad() }

// Candidates lists the conference's reviewers for one proposal, for organizers assigning by hand.
// apperr NotFound when the organizer conflicts with the proposal.
func (s *Service) Candidates(ctx context.Context, p *access.Principal, conf conference.Conference, proposalID int64) ([]Candidate, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return nil, err
	}
	if _, err := s.view(ctx, p, conf, proposalID); err != nil {
		return nil, err
	}
	reviewers, err := s.store.Reviewers(ctx, conf.ID)
	if err != nil {
		return nil, err
	}
	conflicts, err := s.store.ConflictPairs(ctx, conf.ID)
	if err != nil {
		return nil, err
	}
	assigned, err := s.store.Assignments(ctx, conf.ID)
	if err != nil {
		return nil, err
	}
	bids, err := s.store.Bids(ctx, conf.ID)
	if err != nil {
		return nil, err
	}
	reviews, err := s.store.ReviewsOf(ctx, proposalID)
	if err != nil {
		return nil, err
	}
	out := make([]Candidate, len(reviewers))
	for i, r := range reviewers {
		c := Candidate{Reviewer: r}
		if reasons := conflicts[[2]int64{proposalID, r.UserID}]; len(reasons) > 0 {
			c.Conflicts = []string{Reasons(reasons)}
		}
		c.Assigned = slices.ContainsFunc(assigned, func(a Assignment) bool { return a.ProposalID == proposalID && a.UserID == r.UserID })
		for _, b := range bids {
			if b.ProposalID == proposalID && b.UserID == r.UserID {
				c.Bid = b.Level
			}
		}
		for _, rv := range reviews {
			if rv.UserID == r.UserID {
				c.Review = rv.Status
			}
		}
		out[i] = c
	}
	return out, nil
}
