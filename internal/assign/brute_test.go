package assign

import (
	"math/rand/v2"
	"testing"
)

// smallProblem draws an instance small enough to enumerate, with every feature the model has:
// conflicts (declared and by bid), loads from elsewhere, tight maximum loads, the not-preferred cap,
// required categories, expertise, and existing assignments.
func smallProblem(rng *rand.Rand) Problem {
	cats := []string{"faculty", "learner", "community", ""}
	p := Problem{Options: DefaultOptions()}
	o := &p.Options
	o.Eager = int64(rng.IntN(200))
	o.Willing = int64(rng.IntN(120))
	o.NotPreferred = int64(rng.IntN(150))
	o.Expertise = int64(rng.IntN(80))
	o.FirstExpert = int64(rng.IntN(200))
	o.Load = int64(rng.IntN(40))
	o.NotPreferredCap = rng.IntN(4) - 1
	o.DefaultK = 1 + rng.IntN(3)
	switch rng.IntN(4) {
	case 1:
		o.RequiredCategories = []string{"learner"}
	case 2:
		o.RequiredCategories = []string{"learner", "community"}
	case 3:
		o.RequiredCategories = []string{"community", "faculty", "learner"}
	}
	nr, np := 2+rng.IntN(4), 1+rng.IntN(4)
	for i := range nr {
		r := Reviewer{ID: int64(100 + 7*i), MaxLoad: rng.IntN(4), Load: rng.IntN(2), Category: cats[rng.IntN(len(cats))]}
		for t := int64(1); t <= 2; t++ {
			if rng.IntN(3) == 0 {
				r.Expertise = append(r.Expertise, t)
			}
		}
		p.Reviewers = append(p.Reviewers, r)
	}
	for i := range np {
		pr := Proposal{ID: int64(1000 - 3*i), Track: int64(1 + rng.IntN(2))}
		if rng.IntN(3) == 0 {
			pr.K = 1 + rng.IntN(3)
		}
		p.Proposals = append(p.Proposals, pr)
	}
	for _, r := range p.Reviewers {
		for _, pr := range p.Proposals {
			pair := Pair{r.ID, pr.ID}
			switch x := rng.IntN(12); {
			case x == 0:
				p.Conflicts = append(p.Conflicts, pair)
			case x <= 6:
				p.Bids = append(p.Bids, Bid{r.ID, pr.ID, Level(1 + rng.IntN(4))})
			}
			if rng.IntN(8) == 0 {
				p.Existing = append(p.Existing, pair)
			}
		}
	}
	p.Existing, _ = SplitExisting(p)
	return p
}

// bruteForce returns the least Score.Total over every set of new pairs that keeps the hard
// constraints, by enumeration through the evaluator alone.
func bruteForce(t *testing.T, p Problem) (best int64, n int) {
	in, err := newInstance(&p)
	if err != nil {
		t.Fatal(err)
	}
	var cand []Pair
	for _, r := range p.Reviewers {
		for _, pr := range p.Proposals {
			ri, qi := in.revIdx[r.ID], in.prIdx[pr.ID]
			if in.st(ri, qi)&(conflictBit|existingBit) == 0 {
				cand = append(cand, Pair{r.ID, pr.ID})
			}
		}
	}
	if len(cand) > 16 {
		return 0, -1
	}
	first := true
	for mask := 0; mask < 1<<len(cand); mask++ {
		var pairs []Pair
		for i, c := range cand {
			if mask&(1<<i) != 0 {
				pairs = append(pairs, c)
			}
		}
		byProp, err := in.place(pairs)
		if err != nil {
			continue
		}
		s := in.score(byProp)
		if first || s.Total < best {
			best, first = s.Total, false
		}
		n++
	}
	return best, n
}

func TestSolveMatchesBruteForce(t *testing.T) {
	checked := 0
	for seed := range uint64(1500) {
		rng := rand.New(rand.NewPCG(seed, 11))
		p := smallProblem(rng)
		want, n := bruteForce(t, p)
		if n < 0 {
			continue
		}
		checked++
		plan, err := Solve(p)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if plan.Score.Total != want {
			t.Fatalf("seed %d: solver %d (%+v), brute force %d over %d plans\nproblem %+v", seed, plan.Score.Total, plan.Score, want, n, p)
		}
		got, err := Evaluate(p, plan.Pairs())
		if err != nil || got != plan.Score {
			t.Fatalf("seed %d: evaluate %+v, %v; plan %+v", seed, got, err, plan.Score)
		}
		bound, err := Certify(p, plan)
		if err != nil || bound != plan.Bound || !plan.Optimal {
			t.Fatalf("seed %d: certify %d, %v; plan bound %d optimal %v", seed, bound, err, plan.Bound, plan.Optimal)
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d instances were small enough", checked)
	}
}

// Certify trusts nothing the solver says: any prices at all give a bound no higher than the best
// plan, so perturbed prices can only loosen it.
func TestCertifyBoundHoldsForAnyPrices(t *testing.T) {
	checked := 0
	for seed := range uint64(400) {
		rng := rand.New(rand.NewPCG(seed, 13))
		p := smallProblem(rng)
		best, n := bruteForce(t, p)
		if n < 0 {
			continue
		}
		plan := mustSolve(t, p)
		for range 5 {
			d := *plan.cert
			perturb := func(s []int64) []int64 {
				out := append([]int64(nil), s...)
				for i := range out {
					out[i] += int64(rng.IntN(2001) - 1000)
				}
				return out
			}
			d.source += int64(rng.IntN(2001) - 1000)
			d.load, d.np, d.root = perturb(d.load), perturb(d.np), perturb(d.root)
			d.expert, d.cat, d.junc = perturb(d.expert), perturb(d.cat), perturb(d.junc)
			bound, err := Certify(p, Plan{cert: &d})
			if err != nil {
				t.Fatalf("seed %d: %v", seed, err)
			}
			if bound > best {
				t.Fatalf("seed %d: bound %d above the optimum %d", seed, bound, best)
			}
			checked++
		}
	}
	if checked < 1000 {
		t.Fatalf("only %d instances were small enough", checked)
	}
}
