package assign

import "fmt"

// Problem is everything a plan is computed from. The order of its slices does not matter: the plan
// depends on their content alone.
type Problem struct {
	Reviewers []Reviewer
	Proposals []Proposal
	Bids      []Bid
	// Conflicts are pairs that must never be assigned, beside bids at level Conflict.
	Conflicts []Pair
	// Existing are assignments already made, reviews started or not. They are kept as they are and
	// count towards loads, k and coverage. They must not be in conflict: SplitExisting separates the
	// ones a new conflict invalidated, so that the caller removes them visibly before planning.
	Existing []Pair
	Options  Options
}

// Reviewer is a person who can be assigned proposals.
type Reviewer struct {
	ID int64
	// MaxLoad caps Load plus this problem's existing and new assignments. Zero means the reviewer
	// takes nothing new.
	MaxLoad int
	// Load counts reviews held outside this problem (another round or call). It uses up MaxLoad and
	// counts in load balancing.
	Load int
	// Expertise lists the tracks the reviewer is an expert in.
	Expertise []int64
	// Category is the reviewer's perspective, such as "faculty", "learner" or "community".
	Category string
}

// Proposal is a submission that wants reviewers.
type Proposal struct {
	ID    int64
	Track int64
	// K is how many reviewers the proposal wants, set per format; 0 means Options.DefaultK.
	K int
}

// Level is a reviewer's bid on a proposal.
type Level int8

// The bid levels. A proposal without a bid is neutral, between Willing and NotPreferred.
const (
	Eager Level = iota + 1
	Willing
	NotPreferred
	// Conflict is a conflict of interest declared by the reviewer: a hard constraint, like
	// Problem.Conflicts.
	Conflict
)

// String names the level as people read it.
func (l Level) String() string {
	switch l {
	case 0:
		return "no bid"
	case Eager:
		return "eager"
	case Willing:
		return "willing"
	case NotPreferred:
		return "not preferred"
	case Conflict:
		return "conflict"
	}
	return fmt.Sprintf("Level(%d)", int8(l))
}

// Bid is one reviewer's level of interest in one proposal.
type Bid struct {
	Reviewer int64
	Proposal int64
	Level    Level
}

// Pair is a reviewer assigned to (or kept off) a proposal.
type Pair struct {
	Reviewer int64
	Proposal int64
}

// Limits that keep every weighted objective exact in 64-bit integers.
const (
	// MaxWeight bounds each weight of Options.
	MaxWeight = 100_000
	// MaxK bounds the reviewers a proposal may want.
	MaxK = 100
	// MaxCategories bounds Options.RequiredCategories.
	MaxCategories = 16
	// MaxPairs bounds reviewers times proposals of one problem.
	MaxPairs = 50_000_000
)

// Options are the organizers' knobs. Start from DefaultOptions: the zero value means no bid or
// expertise weights, no load balancing and no not-preferred assignments at all.
type Options struct {
	// DefaultK is the number of reviewers for a proposal whose K is 0.
	DefaultK int
	// Eager and Willing are the bonus of an assignment that matches such a bid, at full weight: a
	// reviewer who bids on more proposals than their fair share gets proportionally less per bid.
	Eager   int64
	Willing int64
	// NotPreferred is the penalty of an assignment against a not-preferred bid.
	NotPreferred int64
	// Expertise is the bonus of every assignment of a reviewer who is an expert in the proposal's
	// track; FirstExpert is the bonus for giving a proposal without one its first such reviewer.
	Expertise   int64
	FirstExpert int64
	// Load is the slope of the load cost: a reviewer's n-th review costs Load×(n-1), so each extra
	// review costs more than the one before and reviews spread evenly.
	Load int64
	// NotPreferredCap caps the assignments against not-preferred bids that any one reviewer holds,
	// existing ones included. Negative means no cap.
	NotPreferredCap int
	// RequiredCategories are perspectives every proposal should have: at least one reviewer of each
	// listed category, wherever the reviewers, conflicts and loads allow it.
	RequiredCategories []string
}

// DefaultOptions returns the weights the platform proposes. Bids count most; an expert is worth
// less than an eager bid on their own, more with the bonus for a proposal's first expert; and a
// review given to a reviewer three reviews busier than another costs more than an eager bid is
// worth, which keeps loads within a few reviews of each other while honouring bids. At most three
// reviews against not-preferred bids per reviewer.
func DefaultOptions() Options {
	return Options{
		DefaultK:        3,
		Eager:           100,
		Willing:         50,
		NotPreferred:    100,
		Expertise:       40,
		FirstExpert:     100,
		Load:            40,
		NotPreferredCap: 3,
	}
}
