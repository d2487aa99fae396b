package review_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/challenging-norms/conference/internal/apperr"
	"github.com/challenging-norms/conference/internal/assign"
	"github.com/challenging-norms/conference/internal/review"
	"github.com/challenging-norms/conference/internal/submission"
)

// TestSubmittedReviewsStayWhole: once submitted, a review is checked in full at every save, so that a
// save without the submit flag cannot leave a counted review without its scores.
func TestSubmittedReviewsStayWhole(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	revs := f.pool(1)
	prop := f.proposal(f.person("Author", "a@whole.test", "Whole"), "Whole reviews", 0)
	f.openBidding()
	f.assignAll([]submission.Proposal{prop}, revs)
	r := f.score(revs[0], prop, 4, 4)
	_, err := f.reviews.SaveReview(ctx, revs[0], f.conf, prop.ID, r.Version, review.ReviewInput{Scores: map[string]int{"relevance": 4}})
	if ae, ok := apperr.As(err); !ok || ae.Code != apperr.Invalid || len(ae.Fields) < 3 {
		t.Fatalf("emptying a submitted review: %v", err)
	}
	sh, _ := f.reviews.Sheet(ctx, revs[0], f.conf, prop.ID)
	if sh.Own.Status != review.Submitted || len(sh.Own.Scores) != len(sh.Config.Criteria) || sh.Own.Recommendation != 4 || sh.Number != 1 {
		t.Errorf("the submitted review after a refused save: %+v, number %d", sh.Own, sh.Number)
	}
}

// TestRemovedReviewersReviewsStopCounting: a conflict found after a reviewer submitted removes their
// assignment and keeps their review, which no longer counts in the ranking, for the other reviewers,
// or in what presenters receive; lifting the conflict and assigning them again brings it back.
func TestRemovedReviewersReviewsStopCounting(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	revs := f.pool(2)
	author := f.person("Author", "a@count.test", "Count")
	prop := f.proposal(author, "Counted reviews", 0)
	f.openBidding()
	f.assignAll([]submission.Proposal{prop}, revs)
	f.score(revs[0], prop, 5, 5)
	f.score(revs[1], prop, 1, 1)
	rowOf := func() review.Row {
		t.Helper()
		r, err := f.reviews.Ranking(ctx, f.org, f.conf, review.RankFilter{})
		if err != nil || len(r.Rows) != 1 {
			t.Fatalf("ranking: %+v %v", r, err)
		}
		return r.Rows[0]
	}
	if row := rowOf(); row.Reviews != 2 {
		t.Fatalf("before: %+v", row)
	}
	if err := f.reviews.ChangeAssignment(ctx, f.org, f.conf, assignChange(assign.Remove, prop.ID, revs[1].UserID, 0)); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a submitted review removed by hand: %v", err)
	}
	if err := f.reviews.SetConflict(ctx, f.org, f.conf, prop.ID, revs[1].UserID, true, "Supervised the presenter"); err != nil {
		t.Fatal(err)
	}
	if row := rowOf(); row.Reviews != 1 || row.Weighted != 5 {
		t.Errorf("after removing the harsh reviewer: %+v", row)
	}
	sh, err := f.reviews.Sheet(ctx, f.org, f.conf, prop.ID)
	if err != nil || len(sh.Others) != 2 {
		t.Fatalf("the organizer's sheet: %+v %v", sh.Others, err)
	}
	for _, o := range sh.Others {
		if o.Counted != (o.UserID == revs[0].UserID) {
			t.Errorf("review by %d counted %v", o.UserID, o.Counted)
		}
	}
	sh, _ = f.reviews.Sheet(ctx, revs[0], f.conf, prop.ID)
	if len(sh.Others) != 0 {
		t.Errorf("the remaining reviewer still sees the removed review: %+v", sh.Others)
	}
	// Released comments exclude it too; releasing needs a decision.
	if _, err := f.reviews.ReleaseComments(ctx, f.org, f.conf, prop.ID); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("comments released before a decision: %v", err)
	}
	cfg, _ := f.reviews.FormatConfig(ctx, f.conf, f.poster)
	one := 1
	cfg.Slots = &one
	if _, err := f.reviews.SaveFormatConfig(ctx, f.org, f.conf, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reviews.Decide(ctx, f.org, f.conf, prop.ID, review.DecisionInput{Decision: submission.Accept}); err != nil {
		t.Fatal(err)
	}
	if n, err := f.reviews.ReleaseComments(ctx, f.org, f.conf, prop.ID); err != nil || n != 1 {
		t.Errorf("released %d: %v", n, err)
	}
	if err := f.reviews.SetConflict(ctx, f.org, f.conf, prop.ID, revs[1].UserID, false, ""); err != nil {
		t.Fatal(err)
	}
	if err := f.reviews.ChangeAssignment(ctx, f.org, f.conf, assignChange(assign.Add, prop.ID, revs[1].UserID, 0)); !apperr.Is(err, apperr.Conflict) {
		t.Errorf("a reviewer added to a decided proposal: %v", err)
	}
	// Without a decision, assigning them again brings their review back.
	if _, err := f.reviews.Decide(ctx, f.org, f.conf, prop.ID, review.DecisionInput{}); err != nil {
		t.Fatal(err)
	}
	if err := f.reviews.ChangeAssignment(ctx, f.org, f.conf, assignChange(assign.Add, prop.ID, revs[1].UserID, 0)); err != nil {
		t.Fatal(err)
	}
	if row := rowOf(); row.Reviews != 2 {
		t.Errorf("after assigning again: %+v", row)
	}
}

// TestLateParticipation: after the date, presenters are told whom to write to, and organizers record
// the answer they give.
func TestLateParticipation(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	revs := f.pool(1)
	author := f.person("Late Author", "late@late.test", "Late")
	prop := f.proposal(author, "A late answer", 0)
	f.openBidding()
	f.assignAll([]submission.Proposal{prop}, revs)
	f.score(revs[0], prop, 5, 5)
	cfg, _ := f.reviews.FormatConfig(ctx, f.conf, f.poster)
	one := 1
	cfg.Slots = &one
	if _, err := f.reviews.SaveFormatConfig(ctx, f.org, f.conf, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reviews.Decide(ctx, f.org, f.conf, prop.ID, review.DecisionInput{Decision: submission.Accept}); err != nil {
		t.Fatal(err)
	}
	if err := f.reviews.RecordParticipation(ctx, f.org, f.conf, prop.ID, true); !apperr.Is(err, apperr.Invalid) {
		t.Errorf("an answer recorded before the decision is told: %v", err)
	}
	if _, err := f.reviews.GenerateNotices(ctx, f.org, f.conf); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reviews.SendNotices(ctx, f.org, f.conf, nil); err != nil {
		t.Fatal(err)
	}
	f.clock.set(time.Date(2027, 9, 2, 12, 0, 0, 0, ny)) // after confirm-by (September 1)
	fb, err := f.reviews.Feedback(ctx, author, f.conf, prop.ID)
	if err != nil || fb.CanAnswer || !fb.Late {
		t.Fatalf("feedback after the date: %+v %v", fb, err)
	}
	err = f.reviews.Participate(ctx, author, f.conf, prop.ID, true)
	if !apperr.Is(err, apperr.Forbidden) || !strings.Contains(err.Error(), "Write to the organizers") {
		t.Errorf("a late answer: %v", err)
	}
	if err := f.reviews.RecordParticipation(ctx, f.org, f.conf, prop.ID, true); err != nil {
		t.Fatal(err)
	}
	got, _ := f.subs.Get(ctx, author, f.conf, prop.ID)
	if got.Participation != submission.ParticipationConfirmed {
		t.Errorf("participation %q", got.Participation)
	}
}

// TestInvitationsMergeRepeatedAddresses: an address pasted twice is invited once, and the person
// answers from their account, without the link.
func TestInvitationsMergeRepeatedAddresses(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	rob := f.person("Rob Reviewer", "rob@rev.test", "Rev")
	sent, err := f.reviews.Invite(ctx, f.org, f.conf, []review.Invitee{{Email: rob.Email}, {Name: "Rob R.", Email: strings.ToUpper(rob.Email)}}, "")
	if err != nil || len(sent) != 1 || sent[0].Name != "Rob R." {
		t.Fatalf("invited %+v: %v", sent, err)
	}
	var mails int
	_ = f.db.SQL.QueryRow(`SELECT count(*) FROM email_messages WHERE recipient = $1`, rob.Email).Scan(&mails)
	if mails != 1 {
		t.Errorf("%d invitations mailed", mails)
	}
	open, err := f.reviews.OpenInvitations(ctx, rob)
	if err != nil || len(open) != 1 {
		t.Fatalf("open invitations: %+v %v", open, err)
	}
	other := f.person("Someone Else", "else@rev.test", "Rev")
	if _, err := f.reviews.AnswerOpenInvitation(ctx, other, open[0].ID, true); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("someone else answered: %v", err)
	}
	if _, err := f.reviews.AnswerOpenInvitation(ctx, rob, open[0].ID, true); err != nil {
		t.Fatal(err)
	}
	if p := f.principal(rob.UserID); !p.HasRole(f.conf.ID, "reviewer") {
		t.Errorf("not a reviewer after accepting: %+v", p.Roles)
	}
}

// TestDecidedProposalsAreFrozen: reviewers and the committee judged a proposal's text as it stood, so
// once decided it cannot be changed, even by a presenter whose own extension is still running.
func TestDecidedProposalsAreFrozen(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	revs := f.pool(1)
	author := f.person("Author", "a@frozen.test", "Frozen")
	prop := f.proposal(author, "Frozen after the decision", 0)
	f.openBidding()
	f.assignAll([]submission.Proposal{prop}, revs)
	f.score(revs[0], prop, 5, 5)
	until := "2027-07-03T23:59" // three days past the call's close
	if _, _, err := f.subs.Extend(ctx, f.org, f.conf, prop.ID, until); err != nil {
		t.Fatal(err)
	}
	prop, _ = f.subs.Get(ctx, author, f.conf, prop.ID)
	if editable, _, _ := f.subs.Editable(ctx, f.conf, prop); !editable {
		t.Fatal("the extension does not reopen the proposal")
	}
	cfg, _ := f.reviews.FormatConfig(ctx, f.conf, f.poster)
	one := 1
	cfg.Slots = &one
	if _, err := f.reviews.SaveFormatConfig(ctx, f.org, f.conf, cfg); err != nil {
		t.Fatal(err)
	}
	if _, err := f.reviews.Decide(ctx, f.org, f.conf, prop.ID, review.DecisionInput{Decision: submission.Accept}); err != nil {
		t.Fatal(err)
	}
	prop, _ = f.subs.Get(ctx, author, f.conf, prop.ID)
	c := prop.Content()
	c.Title = "Changed after acceptance"
	_, _, err := f.subs.Save(ctx, author, f.conf, prop.ID, prop.Version, c)
	if ae, ok := apperr.As(err); !ok || ae.Code != apperr.Forbidden || !strings.Contains(ae.Message, "decision has been made") {
		t.Fatalf("saving a decided proposal: %v", err)
	}
	after, _ := f.subs.Get(ctx, author, f.conf, prop.ID)
	if after.Title != "Frozen after the decision" || after.Version != prop.Version {
		t.Errorf("the decided proposal changed: %q v%d", after.Title, after.Version)
	}
}
