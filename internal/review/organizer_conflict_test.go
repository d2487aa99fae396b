package review_test

import (
	"context"
	"testing"

	"github.com/challenging-norms/conference/internal/access"
	"github.com/challenging-norms/conference/internal/apperr"
)

// TestConflictedOrganizerSeesNoTrace has an organizer who shares an email domain with a presenter:
// the assignment plan, the assignments and the declared conflicts they read leave that proposal out,
// and they cannot set who conflicts with it, while another organizer sees and does all of it.
func TestConflictedOrganizerSeesNoTrace(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	revs := f.pool(3)
	author := f.person("Kofi Author", "kofi@kinship.test", "Kinship Clinic")
	mine := f.proposal(author, "Kinship care and residency", 0)
	other := f.proposal(f.person("Other Author", "other@elsewhere.test", "Elsewhere"), "Another proposal", 0)
	org2 := f.member("Conflicted Organizer", "org2@kinship.test", "", access.Organizer)
	f.openBidding()
	for _, prop := range []int64{mine.ID, other.ID} {
		if err := f.reviews.DeclareConflict(ctx, revs[2], f.conf, prop, "I mentor the team."); err != nil {
			t.Fatal(err)
		}
	}

	pv, err := f.reviews.PreviewAssignment(ctx, org2, f.conf)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range pv.Plan.New {
		if a.Proposal == mine.ID {
			t.Error("the conflicted organizer's plan pairs someone with the proposal")
		}
	}
	if _, ok := pv.Titles[mine.ID]; ok || pv.Hidden != 2 || len(pv.Plan.New) != 2 {
		t.Errorf("the conflicted organizer's plan: %d pairs shown, %d hidden, titles %v", len(pv.Plan.New), pv.Hidden, pv.Titles)
	}
	full, err := f.reviews.Plan(ctx, f.org, f.conf, pv.ID)
	if err != nil || len(full.Plan.New) != 4 || full.Hidden != 0 || full.Titles[mine.ID] == "" {
		t.Fatalf("the same plan as another organizer reads it: %d pairs, %d hidden, %v", len(full.Plan.New), full.Hidden, err)
	}
	if n, err := f.reviews.CommitAssignment(ctx, org2, f.conf, pv.ID); err != nil || n != 4 {
		t.Fatalf("commit: %d %v", n, err)
	}

	seen := func(p *access.Principal) (assigned, declared bool) {
		list, err := f.reviews.Assignments(ctx, p, f.conf)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range list {
			assigned = assigned || a.ProposalID == mine.ID
		}
		cs, err := f.reviews.DeclaredConflicts(ctx, p, f.conf)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range cs {
			declared = declared || c.ProposalID == mine.ID
		}
		return assigned, declared
	}
	if a, d := seen(org2); a || d {
		t.Errorf("the conflicted organizer sees the proposal in the assignments (%v) or the declared conflicts (%v)", a, d)
	}
	if a, d := seen(f.org); !a || !d {
		t.Errorf("another organizer misses the proposal in the assignments (%v) or the declared conflicts (%v)", a, d)
	}
	if err := f.reviews.SetConflict(ctx, org2, f.conf, mine.ID, revs[0].UserID, true, ""); !apperr.Is(err, apperr.NotFound) {
		t.Errorf("the conflicted organizer set a conflict on the proposal: %v", err)
	}
	if err := f.reviews.SetConflict(ctx, f.org, f.conf, mine.ID, revs[0].UserID, true, "Co-author."); err != nil {
		t.Errorf("another organizer sets a conflict: %v", err)
	}
	if got := f.conflicts(mine, revs[0]); len(got) == 0 {
		t.Error("the conflict was not recorded")
	}
}
