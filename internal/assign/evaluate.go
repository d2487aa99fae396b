package assign

import (
	"fmt"
	"math/bits"
	"slices"
)

// Score is the value of a plan under the objective the solver minimizes (see the package doc),
// split into its lexicographic parts.
type Score struct {
	// Short counts reviews wanted (K per proposal) but not planned.
	Short int
	// Uncovered counts category credits not earned: required categories a proposal still lacks.
	Uncovered int
	// ExpertCredits counts proposals given their first expert in their track by new assignments.
	ExpertCredits int
	// Cost is the soft part: bid and expertise terms of the new pairs, the load cost of the new
	// reviews, minus FirstExpert per expertise credit.
	Cost int64
	// ShortWeight and UncoveredWeight are the weights that make the parts lexicographic: each
	// exceeds every possible difference in the parts after it.
	ShortWeight     int64
	UncoveredWeight int64
	// Total is ShortWeight×Short + UncoveredWeight×Uncovered + Cost, the number the solver
	// minimizes and Certify bounds from below.
	Total int64
}

// Evaluate scores a set of new pairs on top of p.Existing, as the solver would: it is how a hand-made
// or edited plan compares with the solver's. It returns an *apperr.Error with code Invalid for a
// malformed problem, or with code Conflict holding a *Violation when a pair breaks a hard
// constraint (including giving a proposal more than K reviewers).
func Evaluate(p Problem, pairs []Pair) (Score, error) {
	in, err := newInstance(&p)
	if err != nil {
		return Score{}, fmt.Errorf("evaluate: %w", err)
	}
	byProp, err := in.place(pairs)
	if err != nil {
		return Score{}, err
	}
	return in.score(byProp), nil
}

// place checks new pairs in canonical order, so that the reported violation does not depend on
// the order given, and returns each proposal's new reviewers (by index).
func (in *instance) place(pairs []Pair) ([][]int, error) {
	sorted := slices.Clone(pairs)
	slices.SortFunc(sorted, comparePairs)
	a := in.newAdded()
	byProp := make([][]int, len(in.props))
	for _, pr := range sorted {
		r, ok := in.revIdx[pr.Reviewer]
		if !ok {
			return nil, violation(ConstraintUnknown, pr, "There is no reviewer %d.", pr.Reviewer)
		}
		q, ok := in.prIdx[pr.Proposal]
		if !ok {
			return nil, violation(ConstraintUnknown, pr, "There is no proposal %d.", pr.Proposal)
		}
		if err := in.checkAdd(r, q, a); err != nil {
			return nil, err
		}
		byProp[q] = append(byProp[q], r)
	}
	for q := range byProp {
		slices.Sort(byProp[q])
	}
	return byProp, nil
}

// credits returns the category credits (a bit per required category) and the expertise credit that
// new reviewers earn for proposal q, each carried by a different new reviewer: categories first,
// because one is worth more than any expertise credit, then expertise if a new expert is not the
// only carrier of a category it earns.
func (in *instance) credits(q int, news []int) (cats uint32, expert bool) {
	pr := &in.props[q]
	var count [MaxCategories]int
	for _, r := range news {
		if c := in.revs[r].cat; c >= 0 && pr.needCat&(1<<c) != 0 {
			cats |= 1 << c
			count[c]++
		}
	}
	if !pr.needExpert {
		return cats, false
	}
	for _, r := range news {
		if !in.isExpert(r, q) {
			continue
		}
		c := in.revs[r].cat
		if c < 0 || pr.needCat&(1<<c) == 0 || count[c] >= 2 {
			return cats, true
		}
	}
	return cats, false
}

func (in *instance) score(byProp [][]int) Score {
	s := Score{ShortWeight: in.wShort, UncoveredWeight: in.wUncovered}
	perRev := make([]int, len(in.revs))
	for q, news := range byProp {
		pr := &in.props[q]
		s.Short += pr.need - len(news)
		if pr.need == 0 {
			continue
		}
		cats, expert := in.credits(q, news)
		s.Uncovered += bits.OnesCount32(pr.needCat) - bits.OnesCount32(cats)
		if expert {
			s.ExpertCredits++
			s.Cost -= in.opt.FirstExpert
		}
		for _, r := range news {
			s.Cost += in.pairCost(r, q)
			perRev[r]++
		}
	}
	for r, n := range perRev {
		for j := range n {
			s.Cost += in.loadCost(r, j)
		}
	}
	s.Total = s.ShortWeight*int64(s.Short) + s.UncoveredWeight*int64(s.Uncovered) + s.Cost
	return s
}
