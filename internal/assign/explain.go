package assign

import (
	"fmt"
	"math"
)

// Assignment is one new pair of a plan with what made the solver choose it.
type Assignment struct {
	Pair
	// Bid is the reviewer's bid on the proposal; 0 when there is none.
	Bid Level
	// Expert reports expertise in the proposal's track.
	Expert bool
	// Category is the reviewer's category.
	Category string
	// Covers lists what this pair brings that the proposal lacked before the plan: required
	// categories by name, and "expertise".
	Covers []string
	// LoadAfter is the reviewer's load once the plan is committed (Load, existing and new).
	LoadAfter int
	// Why says the same for people, one reason a line.
	Why []string
}

// CoversExpertise is the name Assignment.Covers gives the expertise credit.
const CoversExpertise = "expertise"

// Summary describes a plan as a whole, for the preview organizers see before committing it.
type Summary struct {
	// Planned counts new pairs; Bids splits them by bid.
	Planned int
	Bids    BidCounts
	// MaxNotPreferred is the most not-preferred assignments any one reviewer holds after the plan.
	MaxNotPreferred int
	// Before and After are reviewers' loads (Load, existing and, after, new assignments).
	Before, After LoadStats
	// Categories is the coverage of each required category and Expertise that of experts in the
	// proposal's track, after the plan, over proposals that want reviewers.
	Categories []CategoryCoverage
	Expertise  Coverage
	// Short lists proposals left with fewer than K reviewers, Uncovered those without a required
	// category, each with the reason; both sorted by proposal (then category).
	Short     []Shortfall
	Uncovered []Gap
}

// BidCounts counts pairs by the reviewer's bid.
type BidCounts struct {
	Eager, Willing, None, NotPreferred int
}

// LoadStats describes reviewers' loads.
type LoadStats struct {
	Min, Max     int
	Mean, StdDev float64
}

// Coverage counts proposals that have what is asked, of those that want reviewers.
type Coverage struct {
	Covered, Total int
}

// CategoryCoverage is the coverage of one required category.
type CategoryCoverage struct {
	Category string
	Coverage
}

// Reason is why a proposal lacks reviewers or a perspective.
type Reason string

// The reasons. A plan is optimal, so these are the only ones: a reviewer who could fill a gap
// without breaking a hard constraint would have been used.
const (
	// ReasonNoReviewer: there is no reviewer (of the category) other than those on it.
	ReasonNoReviewer Reason = "no_reviewer"
	// ReasonConflicts: every other reviewer (of the category) has a conflict with it.
	ReasonConflicts Reason = "conflicts"
	// ReasonCapacity: those who could take it are at their MaxLoad or their not-preferred cap.
	ReasonCapacity Reason = "capacity"
	// ReasonSlots: the proposal's slots are held by kept assignments or by reviewers who bring
	// another required category.
	ReasonSlots Reason = "slots"
)

// Shortfall is a proposal with fewer reviewers than it wants.
type Shortfall struct {
	Proposal int64
	Missing  int
	Reason   Reason
	Detail   string
}

// Gap is a proposal without a reviewer of a required category.
type Gap struct {
	Proposal int64
	Category string
	Reason   Reason
	Detail   string
}

func (in *instance) explain(plan *Plan, byProp [][]int) {
	nr := len(in.revs)
	newLoad := make([]int, nr)
	newNP := make([]int, nr)
	for q, news := range byProp {
		for _, r := range news {
			newLoad[r]++
			if in.level(r, q) == NotPreferred {
				newNP[r]++
			}
		}
	}
	after := make([]int, nr)
	before := make([]int, nr)
	sum := 0
	for r, v := range in.revs {
		before[r] = v.load + v.existing
		after[r] = before[r] + newLoad[r]
		sum += after[r]
	}
	mean := 0.0
	if nr > 0 {
		mean = float64(sum) / float64(nr)
	}
	s := &plan.Summary
	s.Before, s.After = loadStats(before), loadStats(after)
	for r, v := range in.revs {
		s.MaxNotPreferred = max(s.MaxNotPreferred, v.npExisting+newNP[r])
	}

	// onProp marks the reviewers on the current proposal, existing or new.
	onProp := make([]bool, nr)
	l := &loads{after: after, mean: mean, onProp: onProp, npSeen: make([]int, nr)}
	catCover := make([]int, len(in.cats))
	for q, news := range byProp {
		pr := &in.props[q]
		for _, r := range pr.reviewers {
			onProp[r] = true
		}
		for _, r := range news {
			onProp[r] = true
		}
		covered, expert := pr.catCovered, pr.expertCovered
		var newOfCat [MaxCategories]int
		newExperts := 0
		for _, r := range news {
			if c := in.revs[r].cat; c >= 0 {
				newOfCat[c]++
				covered |= 1 << c
			}
			if in.isExpert(r, q) {
				newExperts++
				expert = true
			}
		}
		if pr.k > 0 {
			s.Expertise.Total++
			if expert {
				s.Expertise.Covered++
			}
			for c := range in.cats {
				if covered&(1<<c) != 0 {
					catCover[c]++
				}
			}
		}

		for _, r := range news {
			a := in.assignment(r, q, l, newOfCat, newExperts)
			switch a.Bid {
			case Eager:
				s.Bids.Eager++
			case Willing:
				s.Bids.Willing++
			case NotPreferred:
				s.Bids.NotPreferred++
			default:
				s.Bids.None++
			}
			plan.New = append(plan.New, a)
		}

		if missing := pr.k - pr.existing - len(news); missing > 0 {
			reason, detail := in.why(q, onProp, after, newNP, -1)
			s.Short = append(s.Short, Shortfall{Proposal: pr.id, Missing: missing, Reason: reason, Detail: detail})
		}
		if pr.k > 0 {
			for c, name := range in.cats {
				if covered&(1<<c) == 0 {
					reason, detail := in.why(q, onProp, after, newNP, c)
					s.Uncovered = append(s.Uncovered, Gap{Proposal: pr.id, Category: name, Reason: reason, Detail: detail})
				}
			}
		}

		for _, r := range pr.reviewers {
			onProp[r] = false
		}
		for _, r := range news {
			onProp[r] = false
		}
	}
	for c, name := range in.cats {
		s.Categories = append(s.Categories, CategoryCoverage{Category: name, Coverage: Coverage{catCover[c], s.Expertise.Total}})
	}
	s.Planned = len(plan.New)
}

// loads is what explaining one pair needs to know about the plan as a whole.
type loads struct {
	after  []int   // each reviewer's load after the plan
	mean   float64 // their mean
	onProp []bool  // reviewers on the proposal, existing or new
	npSeen []int   // not-preferred pairs of each reviewer explained so far
}

// assignment describes the new pair of r and q with the reasons people read: the bid and how much
// it weighs, expertise, what the pair brings that the proposal lacked, and the load.
func (in *instance) assignment(r, q int, l *loads, newOfCat [MaxCategories]int, newExperts int) Assignment {
	v, pr := &in.revs[r], &in.props[q]
	a := Assignment{Pair: Pair{v.id, pr.id}, Bid: in.level(r, q), Expert: in.isExpert(r, q),
		Category: v.category, LoadAfter: l.after[r]}
	switch a.Bid {
	case Eager:
		a.Why = append(a.Why, bidReason("eager", v.nEager, v.share))
	case Willing:
		a.Why = append(a.Why, bidReason("willing", v.nEager+v.nWilling, v.share))
	case NotPreferred:
		l.npSeen[r]++
		why := fmt.Sprintf("against a not-preferred bid: their %s such review", ordinal(v.npExisting+l.npSeen[r]))
		if in.opt.NotPreferredCap >= 0 {
			why += fmt.Sprintf(", within the cap of %d", in.opt.NotPreferredCap)
		}
		a.Why = append(a.Why, why)
	default:
		a.Why = append(a.Why, "no bid")
	}
	if a.Expert {
		a.Why = append(a.Why, "expert in the proposal's track")
	}
	if c := v.cat; c >= 0 && pr.needCat&(1<<c) != 0 {
		a.Covers = append(a.Covers, v.category)
		if newOfCat[c] == 1 {
			a.Why = append(a.Why, fmt.Sprintf("brings the %s perspective the proposal lacked", v.category))
		} else {
			a.Why = append(a.Why, fmt.Sprintf("one of %d new %s reviewers on a proposal that lacked the perspective", newOfCat[c], v.category))
		}
	}
	if pr.needExpert && a.Expert {
		a.Covers = append(a.Covers, CoversExpertise)
		if newExperts == 1 {
			a.Why = append(a.Why, "the proposal's first reviewer with expertise in its track")
		} else {
			a.Why = append(a.Why, fmt.Sprintf("one of %d new experts on a proposal that had none", newExperts))
		}
	}
	// Compare with everyone who could have been given the proposal instead.
	others, lighter := 0, 0
	for r2 := range in.revs {
		if l.onProp[r2] || in.conflicted(r2, q) {
			continue
		}
		others++
		if l.after[r2] < l.after[r] {
			lighter++
		}
	}
	load := fmt.Sprintf("load %d of %d after this plan (mean %.1f)", l.after[r], v.maxLoad, l.mean)
	if lighter == 0 && others > 0 {
		load += fmt.Sprintf(", no heavier than any of the %s without a conflict", count(others, "other reviewer"))
	}
	a.Why = append(a.Why, load)
	return a
}

// why explains a missing reviewer (cat < 0) or a missing category: who else could have been
// assigned, and what stops each of them.
func (in *instance) why(q int, onProp []bool, after, newNP []int, cat int) (Reason, string) {
	what := "reviewer"
	if cat >= 0 {
		what = in.cats[cat] + " reviewer"
	}
	exists := false
	conflicted, full, capped, free := 0, 0, 0, 0
	for r, v := range in.revs {
		if cat >= 0 && v.cat != cat {
			continue
		}
		exists = true
		switch {
		case onProp[r]:
		case in.conflicted(r, q):
			conflicted++
		case after[r] >= v.maxLoad:
			full++
		case in.level(r, q) == NotPreferred && in.opt.NotPreferredCap >= 0 && v.npExisting+newNP[r] >= in.opt.NotPreferredCap:
			capped++
		default:
			free++
		}
	}
	switch {
	case !exists:
		return ReasonNoReviewer, fmt.Sprintf("There is no %s.", what)
	case conflicted+full+capped+free == 0:
		return ReasonNoReviewer, fmt.Sprintf("There is no other %s.", what)
	case full+capped+free == 0:
		return ReasonConflicts, fmt.Sprintf("Every other %s has a conflict with it (%d).", what, conflicted)
	case free == 0:
		return ReasonCapacity, fmt.Sprintf("%s without a conflict: %d at their maximum load, %d at their not-preferred cap.",
			count(full+capped, what), full, capped)
	}
	return ReasonSlots, fmt.Sprintf("%s could take it, but its %d places are held by kept assignments or by reviewers who bring another required perspective.",
		count(free, what), in.props[q].k)
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// bidReason says how much a bid weighed: in full, or less when the reviewer bid so on more proposals
// than the reviews they can expect, so that generous bidders do not outweigh sparing ones.
func bidReason(level string, n, share int) string {
	if n <= share {
		return fmt.Sprintf("%s bid, counted in full", level)
	}
	return fmt.Sprintf("%s bid, counted at %d%%: they bid so on %d proposals for about %d reviews each", level, share*100/n, n, share)
}

func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprintf("%d%s", n, suffix)
}

func loadStats(loads []int) LoadStats {
	if len(loads) == 0 {
		return LoadStats{}
	}
	st := LoadStats{Min: loads[0], Max: loads[0]}
	sum := 0
	for _, l := range loads {
		st.Min, st.Max = min(st.Min, l), max(st.Max, l)
		sum += l
	}
	st.Mean = float64(sum) / float64(len(loads))
	var sq float64
	for _, l := range loads {
		d := float64(l) - st.Mean
		sq += d * d
	}
	st.StdDev = math.Sqrt(sq / float64(len(loads)))
	return st
}
