// Package assign plans which reviewers review which proposals. It takes reviewers, proposals, bids,
// conflicts and the assignments already made, and returns the new assignments of an optimal plan
// with the reasons for each and a summary for organizers to preview before they commit it. It is
// exact: the plan comes with a lower bound that equals its objective, a proof that no plan is better.
//
// # What is a plan
//
// A plan is a set of new reviewer-proposal pairs. Every plan keeps these hard constraints:
//
//   - no pair in conflict (Problem.Conflicts, or a bid at level Conflict);
//   - no pair twice, and every existing pair kept as it is;
//   - no reviewer above MaxLoad, counting Load, existing and new assignments;
//   - no reviewer above Options.NotPreferredCap assignments against their not-preferred bids,
//     existing ones included;
//   - no proposal above its K reviewers, existing ones included (organizers may add more by hand).
//
// # What is optimized
//
// Among all plans, the solver minimizes three things in strict order of priority:
//
//  1. Short: reviews missing, summed over proposals with fewer than K reviewers.
//  2. Uncovered: category credits not earned. A proposal whose existing reviewers lack a category of
//     Options.RequiredCategories earns its credit by a new reviewer of that category.
//  3. Cost: the sum of the pair terms of the new pairs, the load terms of the reviewers, and
//     −FirstExpert for each proposal without an expert before the plan that gets one (its
//     expertise credit).
//
// The pair term of a new pair is its bid term plus −Expertise if the reviewer is an expert in the
// proposal's track. The bid term is −Eager×min(1, s/e) for an eager bid, −Willing×min(1, s/(e+w))
// for a willing one, +NotPreferred for a not-preferred one, and 0 without a bid. The load term of a
// reviewer is Load×(h+j) summed over their new reviews j = 0, 1, ..., where h is the reviews they
// held before the plan: each review costs more than the one before, so loads even out.
//
// Here e and w count the reviewer's eager and willing bids and s is their fair share of reviews
// (all reviews wanted divided by the reviewers available, capped by what MaxLoad leaves). This is
// each reviewer's own ranking of proposals, normalized: bids up to the fair share count in full, and
// a reviewer who marks more proposals eager than they could review gets proportionally less per
// bid, so that every reviewer's bids weigh about the same whether they bid sparingly or on
// everything.
//
// The order is exact, not a matter of tuning: Score.Total is ShortWeight×Short +
// UncoveredWeight×Uncovered + Cost, and each weight exceeds every possible difference in the parts
// after it for this problem. So the plan fills as many reviews as possible; among those plans it
// covers as many required perspectives as possible; among those it has the least Cost. A required
// category is thus a hard constraint wherever it can be met, and a plan never fails: what cannot be
// met is reported (Summary.Short, Summary.Uncovered) with the reason.
//
// # One carrier per credit
//
// Credits that new reviewers earn are carried by distinct new reviewers: a new reviewer who is both
// a learner and an expert earns a proposal the learner credit or the expertise credit, not both.
// This is what a minimum-cost flow can represent exactly, and no flow can do better: the least cost
// of routing units through any network, as a function of how many units of each kind enter it, is
// M♮-convex (Murota, Discrete Convex Analysis), while "one reviewer counts twice" is not: with an
// expert learner X, an expert E and a learner L, the sets {X} and {E, L} earn 2 credits each, 4
// together, but moving X to the other set, or swapping it with E or L, leaves 2 or 3, which breaks
// the exchange property. What existing reviewers cover
// counts in full. In practice the rule makes plans give each perspective its own person; Expertise,
// the per-pair bonus, still prefers an expert among reviewers of a needed category. The summary
// reports actual coverage, in which one person may count for two.
//
// # The network
//
// A source sends one unit per planned review. To reviewer r it has one arc per possible new review,
// the j-th costing Load×(h+j); since these costs grow, the cheapest are used first, which makes the
// sum the load cost above. Reviewer r reaches each proposal it may review by an arc with the pair's
// bid and expertise term, from a second node of r behind an arc of capacity NotPreferredCap for
// not-preferred pairs. The arc enters the proposal at one of four nodes: the root; a category node
// that reaches the root by one credit arc of cost −UncoveredWeight and plain arcs of cost 0; an
// expertise node, the same with −FirstExpert; or, for a reviewer who could carry either credit, a
// junction that leads to both. The root takes the units the proposal wants, and the source reaches
// it directly by arcs of cost ShortWeight for reviews left unplanned. Integral flows are exactly
// the plans, and the cheapest flow for a plan costs its Total minus UncoveredWeight times the credits
// wanted, so a minimum-cost flow is an optimal plan. Network matrices are totally unimodular: the
// linear relaxation has the same optimum, which is what makes the dual bound tight.
//
// The solver is the primal network simplex method with strongly feasible spanning trees and block
// search pricing, started from a greedy plan, on int32 indices and int64 costs: no rounding
// anywhere. For 3,000 proposals and 300 reviewers the network has about 950,000 arcs; see
// docs/benchmarks.md for time and memory.
//
// # Proof of optimality
//
// The simplex ends with a price for every node. Certify rebuilds the network from the Problem and
// computes, from those prices alone, the value of the dual linear program: a lower bound on every
// plan's Total, whatever the prices, by weak duality. Solve checks that the plan's Total, computed by
// Evaluate without the network, equals that bound. Tests also compare with brute force on thousands
// of small random problems.
//
// # Determinism
//
// The plan is a function of the problem's content: reviewers and proposals are taken in order of id,
// bids and conflicts are looked up, never iterated from a map, and the simplex is deterministic.
// Among equally good plans, the one returned is fixed by that canonical order.
//
// # Incremental use and hand edits
//
// Existing assignments, started reviews included, are inputs that are kept: a late reviewer or a
// freed place makes the solver plan only the reviews missing. When conflicts change, SplitExisting
// tells which existing pairs can no longer be kept; the caller removes them (a visible, recorded
// decision) and plans again. CheckChange checks an organizer's add, remove or swap against the hard
// constraints, and Evaluate scores any set of new pairs as the solver does.
//
// # Errors
//
// Functions return *apperr.Error values: code Invalid for a malformed problem (unknown or repeated
// ids, contradictory bids, an existing pair in conflict, weights out of range), code Conflict with a
// *Violation for a pair or change that breaks a hard constraint, and code Internal only if a plan
// fails its own optimality check.
package assign
