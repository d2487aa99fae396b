package assign

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/challenging-norms/conference/internal/apperr"
)

// Constraint names a hard constraint, so that callers can tell violations apart.
type Constraint string

// The hard constraints.
const (
	ConstraintUnknown         Constraint = "unknown"           // no such reviewer or proposal
	ConstraintConflict        Constraint = "conflict"          // conflict of interest
	ConstraintDuplicate       Constraint = "duplicate"         // the reviewer is already on the proposal
	ConstraintMaxLoad         Constraint = "max_load"          // the reviewer would exceed MaxLoad
	ConstraintNotPreferredCap Constraint = "not_preferred_cap" // too many not-preferred assignments
	ConstraintK               Constraint = "k"                 // a plan gives a proposal more than K
	ConstraintNotAssigned     Constraint = "not_assigned"      // removing a pair that is not there
)

// Violation is a hard constraint that an assignment or change would break. Functions of this package
// return it inside an *apperr.Error with code Conflict; errors.As finds it.
type Violation struct {
	Constraint Constraint
	Pair       Pair
	Message    string
}

// Error returns the message, which names the pair and the constraint for people.
func (v *Violation) Error() string { return v.Message }

func violation(c Constraint, pr Pair, format string, args ...any) error {
	v := &Violation{Constraint: c, Pair: pr, Message: fmt.Sprintf(format, args...)}
	return &apperr.Error{Code: apperr.Conflict, Message: v.Message, Err: v}
}

// ChangeKind is the kind of hand edit an organizer makes.
type ChangeKind string

// The hand edits.
const (
	Add    ChangeKind = "add"
	Remove ChangeKind = "remove"
	Swap   ChangeKind = "swap" // Replacement takes Reviewer's place on Proposal
)

// Change is one hand edit of the assignments in Problem.Existing.
type Change struct {
	Kind        ChangeKind
	Proposal    int64
	Reviewer    int64
	Replacement int64
}

// CheckChange checks a hand edit of p.Existing against the hard constraints: conflicts, MaxLoad,
// the not-preferred cap and no pair twice. It returns nil when the edit may be made; an
// *apperr.Error with code Conflict holding a *Violation that names the broken constraint; or code
// Invalid when the problem itself is malformed or the change kind is unknown. Organizers may give a
// proposal more than K reviewers by hand: K is what the solver fills, not a limit on people.
func CheckChange(p Problem, ch Change) error {
	in, err := newInstance(&p)
	if err != nil {
		return fmt.Errorf("check change: %w", err)
	}
	q, ok := in.prIdx[ch.Proposal]
	if !ok {
		return violation(ConstraintUnknown, Pair{ch.Reviewer, ch.Proposal}, "There is no proposal %d.", ch.Proposal)
	}
	r, ok := in.revIdx[ch.Reviewer]
	if !ok {
		return violation(ConstraintUnknown, Pair{ch.Reviewer, ch.Proposal}, "There is no reviewer %d.", ch.Reviewer)
	}
	switch ch.Kind {
	case Add:
		return in.checkAdd(r, q, nil)
	case Remove:
		if in.st(r, q)&existingBit == 0 {
			return violation(ConstraintNotAssigned, Pair{ch.Reviewer, ch.Proposal}, "Reviewer %d is not assigned to proposal %d.", ch.Reviewer, ch.Proposal)
		}
		return nil
	case Swap:
		if in.st(r, q)&existingBit == 0 {
			return violation(ConstraintNotAssigned, Pair{ch.Reviewer, ch.Proposal}, "Reviewer %d is not assigned to proposal %d.", ch.Reviewer, ch.Proposal)
		}
		r2, ok := in.revIdx[ch.Replacement]
		if !ok {
			return violation(ConstraintUnknown, Pair{ch.Replacement, ch.Proposal}, "There is no reviewer %d.", ch.Replacement)
		}
		return in.checkAdd(r2, q, nil)
	}
	return invalid("unknown change kind %q", ch.Kind)
}

// added counts new assignments on top of p.Existing while a plan is checked pair by pair.
type added struct {
	rev, np, prop []int
	pairs         map[int]bool
}

func (in *instance) newAdded() *added {
	return &added{rev: make([]int, len(in.revs)), np: make([]int, len(in.revs)),
		prop: make([]int, len(in.props)), pairs: map[int]bool{}}
}

// checkAdd checks one more assignment of r to q on top of p.Existing and, for a plan (a != nil), on
// top of the plan's pairs checked before it, which it then records.
func (in *instance) checkAdd(r, q int, a *added) error {
	v, pr := &in.revs[r], &in.props[q]
	pair := Pair{v.id, pr.id}
	s := in.st(r, q)
	var load, np, extra int
	dup := false
	if a != nil {
		load, np, extra = a.rev[r], a.np[r], a.prop[q]
		dup = a.pairs[r*len(in.props)+q]
	}
	if s&conflictBit != 0 {
		return violation(ConstraintConflict, pair, "Reviewer %d has a conflict with proposal %d.", v.id, pr.id)
	}
	if s&existingBit != 0 || dup {
		return violation(ConstraintDuplicate, pair, "Reviewer %d is already assigned to proposal %d.", v.id, pr.id)
	}
	if held := v.load + v.existing + load; held+1 > v.maxLoad {
		return violation(ConstraintMaxLoad, pair, "Reviewer %d already holds %d reviews, their maximum is %d.", v.id, held, v.maxLoad)
	}
	notPreferred := s&levelMask == 3
	if held := v.npExisting + np; notPreferred && in.opt.NotPreferredCap >= 0 && held+1 > in.opt.NotPreferredCap {
		return violation(ConstraintNotPreferredCap, pair, "Reviewer %d marked proposal %d not preferred and already holds %d such reviews; the cap is %d.", v.id, pr.id, held, in.opt.NotPreferredCap)
	}
	if a == nil {
		return nil
	}
	if pr.existing+extra+1 > pr.k {
		return violation(ConstraintK, pair, "Proposal %d already has the %d reviewers it wants.", pr.id, pr.k)
	}
	a.rev[r]++
	a.prop[q]++
	if notPreferred {
		a.np[r]++
	}
	a.pairs[r*len(in.props)+q] = true
	return nil
}

// Dropped is an existing assignment that can no longer be kept, and the constraint it breaks.
type Dropped struct {
	Pair       Pair
	Constraint Constraint
}

// SplitExisting separates p.Existing into the pairs a plan keeps and the ones it cannot: a conflict
// declared since (by a Conflict bid or in p.Conflicts), a reviewer or proposal no longer in the
// problem, or a pair listed twice (the second copy is dropped). Removing a dropped pair, perhaps a
// started review, is the caller's decision to record; the solver never drops one silently. Pairs
// that exceed a lowered MaxLoad are kept: the solver just adds nothing more to that reviewer. Both
// lists are sorted by proposal, then reviewer. It returns no error: malformed parts of p are the
// solver's to report.
func SplitExisting(p Problem) (kept []Pair, dropped []Dropped) {
	revs := make(map[int64]bool, len(p.Reviewers))
	for _, r := range p.Reviewers {
		revs[r.ID] = true
	}
	props := make(map[int64]bool, len(p.Proposals))
	for _, pr := range p.Proposals {
		props[pr.ID] = true
	}
	conflicts := make(map[Pair]bool, len(p.Conflicts))
	for _, c := range p.Conflicts {
		conflicts[c] = true
	}
	for _, b := range p.Bids {
		if b.Level == Conflict {
			conflicts[Pair{b.Reviewer, b.Proposal}] = true
		}
	}
	existing := slices.Clone(p.Existing)
	slices.SortStableFunc(existing, comparePairs)
	for i, e := range existing {
		switch {
		case !revs[e.Reviewer] || !props[e.Proposal]:
			dropped = append(dropped, Dropped{e, ConstraintUnknown})
		case conflicts[e]:
			dropped = append(dropped, Dropped{e, ConstraintConflict})
		case i > 0 && existing[i-1] == e:
			dropped = append(dropped, Dropped{e, ConstraintDuplicate})
		default:
			kept = append(kept, e)
		}
	}
	return kept, dropped
}

func comparePairs(a, b Pair) int {
	return cmp.Or(cmp.Compare(a.Proposal, b.Proposal), cmp.Compare(a.Reviewer, b.Reviewer))
}
