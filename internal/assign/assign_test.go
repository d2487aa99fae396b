package assign

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/challenging-norms/conference/internal/apperr"
)

func mustSolve(t *testing.T, p Problem) Plan {
	t.Helper()
	plan, err := Solve(p)
	if err != nil {
		t.Fatal(err)
	}
	if !plan.Optimal || plan.Bound != plan.Score.Total {
		t.Fatalf("plan not proven optimal: total %d, bound %d", plan.Score.Total, plan.Bound)
	}
	return plan
}

// mediumSpec is a conference small enough for many test runs with every feature in play.
var mediumSpec = benchSpec{
	reviewers: 30, proposals: 120, tracks: 3,
	conflictRate: 0.1, positiveBids: 12, negativeBids: 10, expertRate: 0.3,
	categories: []weighted{{"faculty", 0.5}, {"learner", 0.3}, {"community", 0.2}},
	required:   []string{"learner", "community"},
	seed:       5,
}

func withExisting(p Problem, rng *rand.Rand, n int) Problem {
	plan, err := Solve(p)
	if err != nil {
		panic(err)
	}
	pairs := plan.Pairs()
	rng.Shuffle(len(pairs), func(i, j int) { pairs[i], pairs[j] = pairs[j], pairs[i] })
	p.Existing = pairs[:n]
	return p
}

func shuffled(p Problem, rng *rand.Rand) Problem {
	q := p
	q.Reviewers = slices.Clone(p.Reviewers)
	for i := range q.Reviewers {
		q.Reviewers[i].Expertise = slices.Clone(q.Reviewers[i].Expertise)
		rng.Shuffle(len(q.Reviewers[i].Expertise), func(a, b int) {
			e := q.Reviewers[i].Expertise
			e[a], e[b] = e[b], e[a]
		})
	}
	q.Proposals = slices.Clone(p.Proposals)
	q.Bids = slices.Clone(p.Bids)
	q.Conflicts = append(slices.Clone(p.Conflicts), p.Conflicts[:len(p.Conflicts)/3]...) // repeats are harmless
	q.Existing = slices.Clone(p.Existing)
	q.Options.RequiredCategories = slices.Clone(p.Options.RequiredCategories)
	shuffle := func(n int, swap func(i, j int)) { rng.Shuffle(n, swap) }
	shuffle(len(q.Reviewers), func(i, j int) { q.Reviewers[i], q.Reviewers[j] = q.Reviewers[j], q.Reviewers[i] })
	shuffle(len(q.Proposals), func(i, j int) { q.Proposals[i], q.Proposals[j] = q.Proposals[j], q.Proposals[i] })
	shuffle(len(q.Bids), func(i, j int) { q.Bids[i], q.Bids[j] = q.Bids[j], q.Bids[i] })
	shuffle(len(q.Conflicts), func(i, j int) { q.Conflicts[i], q.Conflicts[j] = q.Conflicts[j], q.Conflicts[i] })
	shuffle(len(q.Existing), func(i, j int) { q.Existing[i], q.Existing[j] = q.Existing[j], q.Existing[i] })
	c := q.Options.RequiredCategories
	shuffle(len(c), func(i, j int) { c[i], c[j] = c[j], c[i] })
	return q
}

func TestSameProblemInAnyOrderGivesTheSamePlan(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := withExisting(generate(mediumSpec), rng, 60)
	want := mustSolve(t, p)
	if len(want.New) == 0 {
		t.Fatal("nothing planned")
	}
	for i := range 5 {
		got := mustSolve(t, shuffled(p, rng))
		if !reflect.DeepEqual(got.New, want.New) || got.Score != want.Score || !reflect.DeepEqual(got.Summary, want.Summary) {
			t.Fatalf("shuffle %d changed the plan", i)
		}
	}
}

func TestPlanKeepsHardConstraints(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	p := withExisting(generate(mediumSpec), rng, 40)
	p.Options.NotPreferredCap = 1
	plan := mustSolve(t, p)
	conflict := map[Pair]bool{}
	for _, c := range p.Conflicts {
		conflict[c] = true
	}
	level := map[Pair]Level{}
	for _, b := range p.Bids {
		level[Pair{b.Reviewer, b.Proposal}] = b.Level
	}
	load := map[int64]int{}
	notPreferred := map[int64]int{}
	per := map[int64]int{}
	seen := map[Pair]bool{}
	for _, e := range p.Existing {
		load[e.Reviewer]++
		per[e.Proposal]++
		seen[e] = true
		if level[e] == NotPreferred {
			notPreferred[e.Reviewer]++
		}
	}
	for _, a := range plan.New {
		if conflict[a.Pair] || level[a.Pair] == Conflict {
			t.Errorf("%v is in conflict", a.Pair)
		}
		if seen[a.Pair] {
			t.Errorf("%v twice", a.Pair)
		}
		seen[a.Pair] = true
		load[a.Reviewer]++
		per[a.Proposal]++
		if level[a.Pair] == NotPreferred {
			notPreferred[a.Reviewer]++
		}
	}
	for _, r := range p.Reviewers {
		if load[r.ID]+r.Load > r.MaxLoad {
			t.Errorf("reviewer %d holds %d, max %d", r.ID, load[r.ID]+r.Load, r.MaxLoad)
		}
		if notPreferred[r.ID] > 1 {
			t.Errorf("reviewer %d holds %d not-preferred reviews", r.ID, notPreferred[r.ID])
		}
	}
	for _, pr := range p.Proposals {
		if per[pr.ID] > 3 {
			t.Errorf("proposal %d has %d reviewers", pr.ID, per[pr.ID])
		}
	}
	if _, err := Evaluate(p, plan.Pairs()); err != nil {
		t.Fatal(err)
	}
}

// Three reviewers, one of them in conflict with proposal 1, and a second proposal that only one
// reviewer has room for: both are planned as far as possible and reported with their reasons.
func TestShortProposalsAreReportedWithTheReason(t *testing.T) {
	p := Problem{
		Reviewers: []Reviewer{{ID: 1, MaxLoad: 5}, {ID: 2, MaxLoad: 5}, {ID: 3, MaxLoad: 1, Load: 1}},
		Proposals: []Proposal{{ID: 10}, {ID: 20}},
		Conflicts: []Pair{{2, 10}},
		Bids:      []Bid{{1, 20, Conflict}},
		Options:   DefaultOptions(),
	}
	plan := mustSolve(t, p)
	want := []Shortfall{{Proposal: 10, Missing: 2}, {Proposal: 20, Missing: 2}}
	if len(plan.Summary.Short) != 2 {
		t.Fatalf("short: %+v", plan.Summary.Short)
	}
	for i, s := range plan.Summary.Short {
		if s.Proposal != want[i].Proposal || s.Missing != want[i].Missing {
			t.Errorf("short %d: %+v, want %+v", i, s, want[i])
		}
	}
	if s := plan.Summary.Short[0]; s.Reason != ReasonCapacity || s.Detail != "1 reviewer without a conflict: 1 at their maximum load, 0 at their not-preferred cap." {
		t.Errorf("proposal 10: %+v", s)
	}
	if plan.Score.Short != 4 || len(plan.New) != 2 {
		t.Errorf("score %+v, %d new", plan.Score, len(plan.New))
	}

	// With reviewer 3 gone, proposal 10 has nobody left but reviewer 1: conflicts are the reason.
	p.Reviewers = p.Reviewers[:2]
	plan = mustSolve(t, p)
	if s := plan.Summary.Short[0]; s.Proposal != 10 || s.Reason != ReasonConflicts {
		t.Errorf("proposal 10: %+v", s)
	}
}

func TestNotPreferredCapIsHonoured(t *testing.T) {
	// Everyone marked everything not preferred: the cap, not the objective, decides how many.
	p := Problem{Options: DefaultOptions()}
	p.Options.NotPreferredCap = 2
	for r := range 4 {
		p.Reviewers = append(p.Reviewers, Reviewer{ID: int64(r + 1), MaxLoad: 10})
	}
	for q := range 6 {
		p.Proposals = append(p.Proposals, Proposal{ID: int64(100 + q)})
		for r := range 4 {
			p.Bids = append(p.Bids, Bid{int64(r + 1), int64(100 + q), NotPreferred})
		}
	}
	plan := mustSolve(t, p)
	if plan.Summary.Bids.NotPreferred != 8 || plan.Summary.MaxNotPreferred != 2 {
		t.Fatalf("not preferred: %d, max per reviewer %d", plan.Summary.Bids.NotPreferred, plan.Summary.MaxNotPreferred)
	}
	if plan.Score.Short != 18-8 {
		t.Fatalf("short %d", plan.Score.Short)
	}
	for _, s := range plan.Summary.Short {
		if s.Reason != ReasonCapacity || !strings.Contains(s.Detail, "at their not-preferred cap") {
			t.Fatalf("%+v", s)
		}
	}
	// An existing not-preferred assignment uses up the cap too.
	p.Existing = []Pair{{1, 100}}
	plan = mustSolve(t, p)
	if plan.Summary.Bids.NotPreferred != 7 {
		t.Fatalf("not preferred with one existing: %d", plan.Summary.Bids.NotPreferred)
	}
	// A negative cap means none.
	p.Options.NotPreferredCap = -1
	plan = mustSolve(t, p)
	if plan.Score.Short != 0 {
		t.Fatalf("without a cap, short %d", plan.Score.Short)
	}
}

func TestRequiredCategoriesAreCoveredWhenPossible(t *testing.T) {
	p := generate(mediumSpec)
	plan := mustSolve(t, p)
	for _, c := range plan.Summary.Categories {
		if c.Covered != c.Total {
			t.Errorf("%s covered on %d of %d", c.Category, c.Covered, c.Total)
		}
	}
	if plan.Score.Uncovered != 0 || len(plan.Summary.Uncovered) != 0 {
		t.Errorf("uncovered %d: %+v", plan.Score.Uncovered, plan.Summary.Uncovered)
	}

	// Only two learners with room for 5 reviews each: exactly 10 proposals get one, the capacity
	// is the reason for the others, and the learners are full.
	learners := 0
	for i := range p.Reviewers {
		if p.Reviewers[i].Category == "learner" {
			learners++
			p.Reviewers[i].Category = "faculty"
			if learners <= 2 {
				p.Reviewers[i].Category = "learner"
				p.Reviewers[i].MaxLoad = 5
			}
		}
	}
	p.Options.RequiredCategories = []string{"learner"}
	plan = mustSolve(t, p)
	if c := plan.Summary.Categories[0]; c.Category != "learner" || c.Covered != 10 {
		t.Fatalf("learner coverage %+v", c)
	}
	if plan.Score.Uncovered != len(p.Proposals)-10 || len(plan.Summary.Uncovered) != len(p.Proposals)-10 {
		t.Fatalf("uncovered %d, reported %d", plan.Score.Uncovered, len(plan.Summary.Uncovered))
	}
	for _, g := range plan.Summary.Uncovered {
		if g.Category != "learner" || (g.Reason != ReasonCapacity && g.Reason != ReasonConflicts) {
			t.Fatalf("%+v", g)
		}
	}

	// A category nobody has is reported as such.
	p.Options.RequiredCategories = []string{"industry"}
	plan = mustSolve(t, p)
	if g := plan.Summary.Uncovered[0]; g.Reason != ReasonNoReviewer || g.Detail != "There is no industry reviewer." {
		t.Fatalf("%+v", g)
	}
}

func TestCoverageOutranksBidsAndExpertise(t *testing.T) {
	// Reviewer 1 is eager, reviewer 2 is a learner without a bid, reviewer 3 an expert without a
	// bid. One place: the learner gets it, because the category comes first.
	p := Problem{
		Reviewers: []Reviewer{{ID: 1, MaxLoad: 3}, {ID: 2, MaxLoad: 3, Category: "learner"}, {ID: 3, MaxLoad: 3, Expertise: []int64{7}}},
		Proposals: []Proposal{{ID: 10, Track: 7, K: 1}},
		Bids:      []Bid{{1, 10, Eager}},
		Options:   DefaultOptions(),
	}
	p.Options.RequiredCategories = []string{"learner"}
	plan := mustSolve(t, p)
	if len(plan.New) != 1 || plan.New[0].Reviewer != 2 || !slices.Equal(plan.New[0].Covers, []string{"learner"}) {
		t.Fatalf("%+v", plan.New)
	}
	// Two places: the learner, then the expert (40, and 100 for the proposal's first expert) rather
	// than the eager bid (100).
	p.Proposals[0].K = 2
	plan = mustSolve(t, p)
	if got := plan.Pairs(); !slices.Equal(got, []Pair{{2, 10}, {3, 10}}) {
		t.Fatalf("%v", got)
	}
	if why := strings.Join(plan.New[1].Why, "; "); !strings.Contains(why, "first reviewer with expertise") {
		t.Fatalf("why: %s", why)
	}
}

func TestExplanations(t *testing.T) {
	p := generate(mediumSpec)
	p.Options.NotPreferredCap = -1
	plan := mustSolve(t, p)
	for _, a := range plan.New {
		if len(a.Why) < 2 {
			t.Fatalf("%+v", a)
		}
		first := a.Why[0]
		switch a.Bid {
		case Eager:
			if !strings.HasPrefix(first, "eager bid, counted ") {
				t.Fatalf("%q", first)
			}
		case Willing:
			if !strings.HasPrefix(first, "willing bid, counted ") {
				t.Fatalf("%q", first)
			}
		case NotPreferred:
			if !strings.HasPrefix(first, "against a not-preferred bid") {
				t.Fatalf("%q", first)
			}
		default:
			if first != "no bid" {
				t.Fatalf("%q", first)
			}
		}
		if last := a.Why[len(a.Why)-1]; !strings.HasPrefix(last, "load ") {
			t.Fatalf("%q", last)
		}
	}
	s := plan.Summary
	if s.Planned != len(plan.New) || s.Bids.Eager+s.Bids.Willing+s.Bids.None+s.Bids.NotPreferred != s.Planned {
		t.Fatalf("%+v", s)
	}
	if s.After.Mean <= s.Before.Mean || s.After.Max > 40 {
		t.Fatalf("loads %+v → %+v", s.Before, s.After)
	}
}

func TestIncrementalPlanning(t *testing.T) {
	p := generate(mediumSpec)
	first := mustSolve(t, p)
	p.Existing = first.Pairs()

	// Nothing is missing: nothing is planned, and a late reviewer changes nothing either.
	if again := mustSolve(t, p); len(again.New) != 0 {
		t.Fatalf("re-planning a complete plan added %d pairs", len(again.New))
	}
	late := p
	late.Reviewers = append(slices.Clone(p.Reviewers), Reviewer{ID: 999, MaxLoad: 20, Category: "learner"})
	if again := mustSolve(t, late); len(again.New) != 0 {
		t.Fatalf("a late reviewer moved %d pairs", len(again.New))
	}

	// A new conflict invalidates exactly its pair; re-planning fills exactly that place.
	gone := p.Existing[17]
	conflicted := p
	conflicted.Conflicts = append(slices.Clone(p.Conflicts), gone)
	kept, dropped := SplitExisting(conflicted)
	if len(dropped) != 1 || dropped[0] != (Dropped{gone, ConstraintConflict}) || len(kept) != len(p.Existing)-1 {
		t.Fatalf("dropped %+v, kept %d", dropped, len(kept))
	}
	if _, err := Solve(conflicted); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("an existing pair in conflict must be refused, got %v", err)
	}
	conflicted.Existing = kept
	again := mustSolve(t, conflicted)
	if len(again.New) != 1 || again.New[0].Proposal != gone.Proposal || again.New[0].Reviewer == gone.Reviewer {
		t.Fatalf("re-planned %+v after dropping %v", again.New, gone)
	}

	// The late reviewer is used when a place is free.
	late.Existing = kept
	late.Conflicts = conflicted.Conflicts
	again = mustSolve(t, late)
	if len(again.New) != 1 || again.New[0].Proposal != gone.Proposal {
		t.Fatalf("%+v", again.New)
	}
}

func TestSplitExisting(t *testing.T) {
	p := Problem{
		Reviewers: []Reviewer{{ID: 1, MaxLoad: 1}, {ID: 2, MaxLoad: 1}},
		Proposals: []Proposal{{ID: 10}, {ID: 20}},
		Bids:      []Bid{{2, 20, Conflict}},
		Existing:  []Pair{{2, 20}, {1, 10}, {3, 10}, {1, 20}, {1, 10}, {1, 30}},
	}
	kept, dropped := SplitExisting(p)
	// Reviewer 1 is over MaxLoad with two pairs: both are kept; only the solver's additions stop.
	if !slices.Equal(kept, []Pair{{1, 10}, {1, 20}}) {
		t.Errorf("kept %v", kept)
	}
	want := []Dropped{{Pair{1, 10}, ConstraintDuplicate}, {Pair{3, 10}, ConstraintUnknown},
		{Pair{2, 20}, ConstraintConflict}, {Pair{1, 30}, ConstraintUnknown}}
	if !slices.Equal(dropped, want) {
		t.Errorf("dropped %v", dropped)
	}
}

func violationOf(t *testing.T, err error) Constraint {
	t.Helper()
	var v *Violation
	if !errors.As(err, &v) || !apperr.Is(err, apperr.Conflict) {
		t.Fatalf("want a violation, got %v", err)
	}
	return v.Constraint
}

func TestCheckChange(t *testing.T) {
	p := Problem{
		Reviewers: []Reviewer{{ID: 1, MaxLoad: 2}, {ID: 2, MaxLoad: 1, Load: 1}, {ID: 3, MaxLoad: 5}},
		Proposals: []Proposal{{ID: 10}, {ID: 20}, {ID: 30}},
		Bids:      []Bid{{3, 10, NotPreferred}, {3, 20, NotPreferred}, {1, 30, Conflict}},
		Conflicts: []Pair{{1, 20}},
		Existing:  []Pair{{1, 10}, {3, 20}},
		Options:   DefaultOptions(),
	}
	p.Options.NotPreferredCap = 1
	cases := []struct {
		ch   Change
		want Constraint
	}{
		{Change{Kind: Add, Reviewer: 1, Proposal: 20}, ConstraintConflict},
		{Change{Kind: Add, Reviewer: 1, Proposal: 30}, ConstraintConflict},
		{Change{Kind: Add, Reviewer: 1, Proposal: 10}, ConstraintDuplicate},
		{Change{Kind: Add, Reviewer: 2, Proposal: 10}, ConstraintMaxLoad},
		{Change{Kind: Add, Reviewer: 3, Proposal: 10}, ConstraintNotPreferredCap},
		{Change{Kind: Add, Reviewer: 9, Proposal: 10}, ConstraintUnknown},
		{Change{Kind: Add, Reviewer: 1, Proposal: 99}, ConstraintUnknown},
		{Change{Kind: Remove, Reviewer: 3, Proposal: 10}, ConstraintNotAssigned},
		{Change{Kind: Swap, Reviewer: 3, Proposal: 10, Replacement: 1}, ConstraintNotAssigned},
		{Change{Kind: Swap, Reviewer: 1, Proposal: 10, Replacement: 2}, ConstraintMaxLoad},
		{Change{Kind: Swap, Reviewer: 1, Proposal: 10, Replacement: 1}, ConstraintDuplicate},
		{Change{Kind: Add, Reviewer: 1, Proposal: 10}, ConstraintDuplicate},
		{Change{Kind: Add, Reviewer: 3, Proposal: 30}, ""},
		{Change{Kind: Remove, Reviewer: 1, Proposal: 10}, ""},
		{Change{Kind: Swap, Reviewer: 1, Proposal: 10, Replacement: 3}, ConstraintNotPreferredCap},
		{Change{Kind: Swap, Reviewer: 3, Proposal: 20, Replacement: 1}, ConstraintConflict},
	}
	for _, c := range cases {
		err := CheckChange(p, c.ch)
		if c.want == "" {
			if err != nil {
				t.Errorf("%+v: %v", c.ch, err)
			}
			continue
		}
		if got := violationOf(t, err); got != c.want {
			t.Errorf("%+v: %s, want %s (%v)", c.ch, got, c.want, err)
		}
	}
	// A fourth reviewer by hand is the organizers' call.
	p.Proposals[2].K = 1
	p.Existing = append(p.Existing, Pair{3, 30})
	if err := CheckChange(p, Change{Kind: Add, Reviewer: 2, Proposal: 30}); violationOf(t, err) != ConstraintMaxLoad {
		t.Fatal(err)
	}
	p.Reviewers[1].MaxLoad = 2
	if err := CheckChange(p, Change{Kind: Add, Reviewer: 2, Proposal: 30}); err != nil {
		t.Fatal(err)
	}
	if err := CheckChange(p, Change{Kind: "move", Reviewer: 2, Proposal: 30}); !apperr.Is(err, apperr.Invalid) {
		t.Fatal(err)
	}
}

func TestEvaluateRejectsWhatSolveNeverPlans(t *testing.T) {
	p := Problem{
		Reviewers: []Reviewer{{ID: 1, MaxLoad: 5}, {ID: 2, MaxLoad: 5}},
		Proposals: []Proposal{{ID: 10, K: 1}},
		Options:   DefaultOptions(),
	}
	if _, err := Evaluate(p, []Pair{{1, 10}, {2, 10}}); violationOf(t, err) != ConstraintK {
		t.Fatal(err)
	}
	if _, err := Evaluate(p, []Pair{{1, 10}, {1, 10}}); violationOf(t, err) != ConstraintDuplicate {
		t.Fatal(err)
	}
	s, err := Evaluate(p, nil)
	if err != nil || s.Short != 1 || s.Total != s.ShortWeight {
		t.Fatalf("%+v %v", s, err)
	}
}

func TestMalformedProblems(t *testing.T) {
	base := func() Problem {
		return Problem{
			Reviewers: []Reviewer{{ID: 1, MaxLoad: 5}, {ID: 2, MaxLoad: 5}},
			Proposals: []Proposal{{ID: 10}},
			Options:   DefaultOptions(),
		}
	}
	cases := map[string]func(p *Problem){
		"repeated reviewer":   func(p *Problem) { p.Reviewers = append(p.Reviewers, Reviewer{ID: 1}) },
		"repeated proposal":   func(p *Problem) { p.Proposals = append(p.Proposals, Proposal{ID: 10}) },
		"unknown in a bid":    func(p *Problem) { p.Bids = []Bid{{3, 10, Eager}} },
		"unknown proposal":    func(p *Problem) { p.Conflicts = []Pair{{1, 11}} },
		"two bids":            func(p *Problem) { p.Bids = []Bid{{1, 10, Eager}, {1, 10, Willing}} },
		"no level":            func(p *Problem) { p.Bids = []Bid{{1, 10, 0}} },
		"existing conflict":   func(p *Problem) { p.Existing = []Pair{{1, 10}}; p.Conflicts = []Pair{{1, 10}} },
		"existing twice":      func(p *Problem) { p.Existing = []Pair{{1, 10}, {1, 10}} },
		"negative weight":     func(p *Problem) { p.Options.Load = -1 },
		"huge weight":         func(p *Problem) { p.Options.Eager = MaxWeight + 1 },
		"negative max load":   func(p *Problem) { p.Reviewers[0].MaxLoad = -1 },
		"too many reviewers":  func(p *Problem) { p.Proposals[0].K = MaxK + 1 },
		"blank category":      func(p *Problem) { p.Options.RequiredCategories = []string{" "} },
		"negative default k":  func(p *Problem) { p.Options.DefaultK = -1 },
		"too many categories": func(p *Problem) { p.Options.RequiredCategories = strings.Split("abcdefghijklmnopq", "") },
	}
	for name, mutate := range cases {
		p := base()
		mutate(&p)
		if _, err := Solve(p); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := Solve(base()); err != nil {
		t.Fatal(err)
	}
	// Several faults are reported the same way whatever the order.
	p := base()
	p.Bids = []Bid{{7, 10, Eager}, {1, 10, Eager}, {1, 10, Willing}, {5, 10, Eager}}
	_, want := Solve(p)
	slices.Reverse(p.Bids)
	if _, err := Solve(p); err == nil || err.Error() != want.Error() || !strings.Contains(err.Error(), "two different bids") {
		t.Fatalf("%v, then %v", want, err)
	}
	if _, err := Certify(base(), Plan{}); !apperr.Is(err, apperr.Invalid) {
		t.Fatalf("certify without prices: %v", err)
	}
}

func TestEmptyProblems(t *testing.T) {
	for _, p := range []Problem{
		{},
		{Reviewers: []Reviewer{{ID: 1, MaxLoad: 3}}},
		{Proposals: []Proposal{{ID: 1, K: 2}}},
	} {
		plan := mustSolve(t, p)
		if len(plan.New) != 0 {
			t.Fatalf("%+v", plan.New)
		}
	}
}
