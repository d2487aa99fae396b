package review

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/conference"
	"github.com/challenging-norms/conference/internal/submission"
)

// notFound is the answer about a proposal someone may not see: the same as for one that does not
// exist, so that neither its existence nor a conflict leaks.
var notFound = apperr.New(apperr.NotFound, "There is no such proposal to review.")

// ConflictReasons names the reasons of the conflict_pairs view for people.
var ConflictReasons = map[string]string{
	"presenter":            "presents it",
	"email_domain":         "shares an email domain with a presenter",
	"institution":          "shares an institution with a presenter",
	"declared_institution": "declared a conflict with a presenter's institution",
	"declared_person":      "declared a conflict with a presenter",
	"declared_by_reviewer": "marked it as a conflict",
	"set_by_organizer":     "set as a conflict by an organizer",
	"bid":                  "bid “conflict of interest”",
}

// Reasons names conflict reasons for people.
func Reasons(codes []string) string {
	var out []string
	for _, c := range codes {
		t := ConflictReasons[c]
		if t == "" {
			t = c
		}
		if !strings.Contains(strings.Join(out, "|"), t) {
			out = append(out, t)
		}
	}
	return strings.Join(out, "; ")
}

// biddingProblem says why bidding is closed at now, or "".
func (s *Service) biddingProblem(st Settings, conf conference.Conference) string {
	now := s.now()
	switch {
	case st.BiddingOpensAt == nil:
		return "Bidding has not been opened by the organizers yet."
	case now.Before(*st.BiddingOpensAt):
		return "Bidding opens on " + submission.FormatTime(*st.BiddingOpensAt, conf.Location()) + "."
	case st.BiddingClosesAt != nil && now.After(*st.BiddingClosesAt):
		return "Bidding closed on " + submission.FormatTime(*st.BiddingClosesAt, conf.Location()) + "."
	}
	return ""
}

// BiddingOpen says whether reviewers may bid now; when not, the message says why.
func (s *Service) BiddingOpen(ctx context.Context, conf conference.Conference) (bool, string, error) {
	st, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return false, "", err
	}
	msg := s.biddingProblem(st, conf)
	return msg == "", msg, nil
}

// BiddingList returns a page of the proposals the reviewer may bid on, anonymous, with their bids,
// and how many there are. Reviewers only, during the bidding window.
func (s *Service) BiddingList(ctx context.Context, p *access.Principal, conf conference.Conference, f BidFilter) ([]BidItem, int, error) {
	if err := access.Check(p, access.Review, conf.ID); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	f.Query = strings.TrimSpace(f.Query)
	if utf8.RuneCountInString(f.Query) > 200 {
		return nil, 0, apperr.Field("q", "Search for at most 200 characters.")
	}
	return s.store.BiddingList(ctx, conf.ID, p.UserID, f)
}

// SaveBids stores the reviewer's bids, by proposal id; a level "" withdraws a bid. Bids on
// proposals the reviewer may not bid on are refused as a whole (apperr NotFound), so that the answer
// says nothing about them. apperr Forbidden outside the bidding window, Invalid for a bad level.
func (s *Service) SaveBids(ctx context.Context, p *access.Principal, conf conference.Conference, bids map[int64]BidLevel) error {
	if err := access.Check(p, access.Review, conf.ID); err != nil {
		return err
	}
	st, err := s.store.Settings(ctx, conf.ID)
	if err != nil {
		return err
	}
	if msg := s.biddingProblem(st, conf); msg != "" {
		return apperr.New(apperr.Forbidden, msg)
	}
	for id, level := range bids {
		if level != "" && !level.Valid() {
			return apperr.Field(fmt.Sprintf("bid.%d", id), "Choose eager, willing, not preferred or conflict of interest.")
		}
	}
	if len(bids) > 1000 {
		return apperr.Field("bids", "Send at most 1000 bids at once.")
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		items, _, err := s.store.BiddingList(ctx, conf.ID, p.UserID, BidFilter{Limit: 100000})
		if err != nil {
			return err
		}
		allowed := make(map[int64]bool, len(items))
		for _, it := range items {
			allowed[it.ProposalID] = true
		}
		for id := range bids {
			if !allowed[id] {
				return notFound
			}
		}
		return s.store.SetBids(ctx, p.UserID, bids)
	})
}

// DeclareConflict records that the reviewer conflicts with a proposal they were assigned or may bid
// on: from then on they are never assigned it and cannot see it, and an assignment they had is
// removed with their draft. apperr NotFound for a proposal they cannot see.
func (s *Service) DeclareConflict(ctx context.Context, p *access.Principal, conf conference.Conference, proposalID int64, reason string) error {
	if err := access.Check(p, access.Review, conf.ID); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 500 {
		return apperr.Field("reason", "Keep the reason to 500 characters.")
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		v, err := s.view(ctx, p, conf, proposalID)
		if err != nil {
			return err
		}
		if !v.assigned && !v.biddable {
			return notFound
		}
		if err := s.store.SetConflict(ctx, proposalID, p.UserID, "reviewer", reason, &p.UserID, true); err != nil {
			return err
		}
		if v.assigned {
			if err := s.store.Unassign(ctx, proposalID, p.UserID); err != nil {
				return err
			}
		}
		return s.record(ctx, p, conf, "conflict.declared", proposalSubject(proposalID), fmt.Sprintf("user:%d", p.UserID))
	})
}

// SetConflict records (on) or removes (off) a conflict between a reviewer and a proposal, as an
// organizer. Setting one removes the reviewer's assignment to the proposal and their draft; a
// submitted review is kept but hidden from them. apperr NotFound for an unknown proposal or reviewer,
// and for a proposal the organizer conflicts with: they do not decide who reviews it.
func (s *Service) SetConflict(ctx context.Context, p *access.Principal, conf conference.Conference, proposalID, userID int64, on bool, reason string) error {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return err
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 500 {
		return apperr.Field("reason", "Keep the reason to 500 characters.")
	}
	return s.store.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.view(ctx, p, conf, proposalID); err != nil {
			return err
		}
		reviewers, err := s.store.Reviewers(ctx, conf.ID)
		if err != nil {
			return err
		}
		known := false
		for _, r := range reviewers {
			known = known || r.UserID == userID
		}
		if !known {
			return apperr.Field("user_id", "Choose a reviewer of this conference.")
		}
		if err := s.store.SetConflict(ctx, proposalID, userID, "organizer", reason, &p.UserID, on); err != nil {
			return err
		}
		action := "conflict.removed"
		if on {
			action = "conflict.set"
			if err := s.store.Unassign(ctx, proposalID, userID); err != nil && !apperr.Is(err, apperr.NotFound) {
				return err
			}
		}
		return s.record(ctx, p, conf, action, proposalSubject(proposalID), fmt.Sprintf("user:%d", userID))
	})
}

// DeclaredConflicts lists conflicts declared on proposals, for organizers, leaving out the proposals
// the organizer conflicts with.
func (s *Service) DeclaredConflicts(ctx context.Context, p *access.Principal, conf conference.Conference) ([]DeclaredConflict, error) {
	if err := access.Check(p, access.ManageReview, conf.ID); err != nil {
		return nil, err
	}
	list, err := s.store.DeclaredConflicts(ctx, conf.ID)
	if err != nil {
		return nil, err
	}
	hidden, err := s.conflictsOf(ctx, conf.ID, p.UserID)
	if err != nil {
		return nil, err
	}
	out := list[:0]
	for _, c := range list {
		if !hidden[c.ProposalID] {
			out = append(out, c)
		}
	}
	return out, nil
}

// conflictsOf returns the proposals of the conference that the person conflicts with.
func (s *Service) conflictsOf(ctx context.Context, conferenceID, userID int64) (map[int64]bool, error) {
	pairs, err := s.store.ConflictPairs(ctx, conferenceID)
	if err != nil {
		return nil, err
	}
	out := map[int64]bool{}
	for k := range pairs {
		if k[1] == userID {
			out[k[0]] = true
		}
	}
	return out, nil
}

// view is what one person may do with one proposal's review, from one query.
type view struct {
	prop       submission.Proposal
	organizer  bool // may manage review in the conference
	conflicted bool
	reasons    []string
	presenter  bool
	assigned   bool
	biddable   bool
	own        *Review
}

// view loads the proposal and the person's relation to it. A conflicted organizer is no organizer of
// this proposal's review; a conflicted reviewer, or one neither assigned nor able to bid on it, gets
// apperr NotFound. Presenters get NotFound too: they see their proposal through package submission.
func (s *Service) view(ctx context.Context, p *access.Principal, conf conference.Conference, proposalID int64) (view, error) {
	if p == nil {
		return view{}, apperr.New(apperr.Unauthenticated, "Please log in to continue.")
	}
	prop, err := s.props.Get(ctx, conf.ID, proposalID, false)
	if apperr.Is(err, apperr.NotFound) {
		return view{}, notFound
	}
	if err != nil {
		return view{}, err
	}
	v := view{prop: prop}
	_, v.presenter = prop.PresenterOf(p.UserID)
	if v.reasons, err = s.store.Conflicted(ctx, proposalID, p.UserID); err != nil {
		return v, err
	}
	v.conflicted = len(v.reasons) > 0 || v.presenter
	if v.conflicted {
		return v, notFound
	}
	v.organizer = p.Can(access.ManageReview, conf.ID)
	if p.HasRole(conf.ID, access.Reviewer) {
		a, err := s.store.Assignment(ctx, proposalID, p.UserID)
		if err != nil && !apperr.Is(err, apperr.NotFound) {
			return v, err
		}
		v.assigned = err == nil && a.ConferenceID == conf.ID
		if r, err := s.store.ReviewOf(ctx, proposalID, p.UserID); err == nil {
			v.own = &r
		} else if !apperr.Is(err, apperr.NotFound) {
			return v, err
		}
		v.biddable = prop.Status == submission.Submitted
	}
	if !v.organizer && !v.assigned && !v.biddable {
		return v, notFound
	}
	if prop.Status == submission.Draft && !v.organizer {
		return v, notFound
	}
	return v, nil
}
