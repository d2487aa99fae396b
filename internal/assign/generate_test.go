package assign

import "math/rand/v2"

// benchSpec describes a generated conference: sizes, and how bids, expertise and categories are
// spread.
type benchSpec struct {
	reviewers, proposals, tracks int
	conflictRate                 float64 // share of pairs in conflict
	positiveBids, negativeBids   int     // bids per reviewer: eager or willing, and not preferred
	expertRate                   float64 // share of reviewers expert in each track
	categories                   []weighted
	required                     []string
	seed                         uint64
}

type weighted struct {
	name  string
	share float64
}

// benchCommon is the instance of the product issue: 3,000 proposals, 300 reviewers, k=3, 5%
// conflicts, 150 random bids per reviewer (a third eager, a third willing, a third not preferred),
// expertise on a third of the reviewers per track, and two required perspectives that 35% of the
// reviewers each have, enough to cover every proposal without unbalancing loads.
var benchCommon = benchSpec{
	reviewers: 300, proposals: 3000, tracks: 3,
	conflictRate: 0.05, positiveBids: 100, negativeBids: 50, expertRate: 1.0 / 3,
	categories: []weighted{{"faculty", 0.3}, {"learner", 0.35}, {"community", 0.35}},
	required:   []string{"learner", "community"},
	seed:       1,
}

// benchHard has few positive bids (10 per reviewer against 140 not-preferred), scarce expertise
// (10% of reviewers per track) and a required category only 15% of reviewers have.
var benchHard = benchSpec{
	reviewers: 300, proposals: 3000, tracks: 3,
	conflictRate: 0.05, positiveBids: 10, negativeBids: 140, expertRate: 0.10,
	categories: []weighted{{"faculty", 0.55}, {"learner", 0.15}, {"community", 0.30}},
	required:   []string{"learner"},
	seed:       2,
}

func generate(s benchSpec) Problem {
	rng := rand.New(rand.NewPCG(s.seed, 2027))
	p := Problem{Options: DefaultOptions()}
	p.Options.RequiredCategories = s.required
	for i := range s.reviewers {
		r := Reviewer{ID: int64(i + 1), MaxLoad: 35 + rng.IntN(6)}
		x := rng.Float64()
		for _, c := range s.categories {
			if x < c.share {
				r.Category = c.name
				break
			}
			x -= c.share
		}
		for t := range s.tracks {
			if rng.Float64() < s.expertRate {
				r.Expertise = append(r.Expertise, int64(t+1))
			}
		}
		p.Reviewers = append(p.Reviewers, r)
	}
	for i := range s.proposals {
		p.Proposals = append(p.Proposals, Proposal{ID: int64(i + 1), Track: int64(1 + i%s.tracks)})
	}
	for _, r := range p.Reviewers {
		perm := rng.Perm(s.proposals)
		for i, q := range perm[:s.positiveBids+s.negativeBids] {
			lv := NotPreferred
			if i < s.positiveBids {
				lv = Eager
				if i%2 == 1 {
					lv = Willing
				}
			}
			p.Bids = append(p.Bids, Bid{r.ID, int64(q + 1), lv})
		}
		for q := range s.proposals {
			if rng.Float64() < s.conflictRate {
				p.Conflicts = append(p.Conflicts, Pair{r.ID, int64(q + 1)})
			}
		}
	}
	return p
}
