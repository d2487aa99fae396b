package assign

import (
	"fmt"
	"math"
	"math/bits"
)

// duals are node prices of the flow model (see the package doc), by role rather than by the
// solver's node numbers, so that Certify can rebuild the model from the Problem alone.
type duals struct {
	source       int64
	load, np     []int64 // per reviewer, canonical order
	root, expert []int64 // per proposal
	cat, junc    []int64 // per proposal × required category
}

// Certify returns a lower bound on the objective (Score.Total) of every plan for p, computed from
// the prices that Solve left in plan and nothing else the solver holds: it rebuilds the flow model
// from p, and by weak linear-programming duality any prices give a valid bound, so a faulty solver
// can only make the bound weaker, never wrong. A plan whose Score.Total equals its bound is
// optimal. It returns an *apperr.Error with code Invalid when p is malformed or plan has no prices
// for a problem of p's shape (a plan not made by Solve for p).
func Certify(p Problem, plan Plan) (int64, error) {
	in, err := newInstance(&p)
	if err != nil {
		return 0, fmt.Errorf("certify: %w", err)
	}
	return in.bound(plan.cert)
}

// int128 accumulates the bound: prices can be far larger than the bound itself, since nodes the
// solver reached only through artificial arcs sit near the artificial cost.
type int128 struct {
	hi int64
	lo uint64
}

func (a *int128) addProduct(x, k int64) {
	neg := (x < 0) != (k < 0)
	ux, uk := uint64(x), uint64(k)
	if x < 0 {
		ux = -ux
	}
	if k < 0 {
		uk = -uk
	}
	hi, lo := bits.Mul64(ux, uk)
	if neg {
		var borrow uint64
		lo, borrow = bits.Sub64(0, lo, 0)
		hi, _ = bits.Sub64(0, hi, borrow)
	}
	var carry uint64
	a.lo, carry = bits.Add64(a.lo, lo, 0)
	a.hi += int64(hi) + int64(carry)
}

func (a int128) int64() (int64, bool) {
	v := int64(a.lo)
	return v, a.hi == v>>63
}

func (in *instance) bound(d *duals) (int64, error) {
	nc := len(in.cats)
	if d == nil || len(d.load) != len(in.revs) || len(d.np) != len(in.revs) ||
		len(d.root) != len(in.props) || len(d.expert) != len(in.props) ||
		len(d.cat) != len(in.props)*nc || len(d.junc) != len(in.props)*nc {
		return 0, invalid("the plan carries no prices for this problem")
	}
	const limit = math.MaxInt64 / 4
	for _, s := range [][]int64{d.load, d.np, d.root, d.expert, d.cat, d.junc, {d.source}} {
		for _, x := range s {
			if x > limit || x < -limit {
				return 0, invalid("the plan's prices are out of range")
			}
		}
	}

	// For prices π, every flow x satisfies cost(x) = Σ_arcs rc·x − Σ_nodes π·supply with
	// rc = cost + π(tail) − π(head), and 0 ≤ x ≤ capacity gives Σ rc·x ≥ Σ capacity·min(0, rc).
	var b int128
	arc := func(capacity int, cost, from, to int64) {
		if rc := cost + from - to; rc < 0 && capacity > 0 {
			b.addProduct(rc, int64(capacity))
		}
	}
	b.addProduct(-d.source, int64(in.units))
	for q := range in.props {
		pr := &in.props[q]
		if pr.need == 0 {
			continue
		}
		root := d.root[q]
		b.addProduct(root, int64(pr.need))
		arc(pr.need, in.wShort, d.source, root)
		for c := range nc {
			if pr.needCat&(1<<c) == 0 {
				continue
			}
			a := d.cat[q*nc+c]
			arc(1, -in.wUncovered, a, root)
			arc(pr.need, 0, a, root)
			if pr.needExpert {
				arc(pr.need, 0, d.junc[q*nc+c], a)
				arc(pr.need, 0, d.junc[q*nc+c], d.expert[q])
			}
		}
		if pr.needExpert {
			arc(1, -in.opt.FirstExpert, d.expert[q], root)
			arc(pr.need, 0, d.expert[q], root)
		}
	}
	for r := range in.revs {
		v := &in.revs[r]
		if v.units == 0 {
			continue
		}
		for j := range v.units {
			arc(1, in.loadCost(r, j), d.source, d.load[r])
		}
		arc(v.npUnits, 0, d.load[r], d.np[r])
		for q := range in.props {
			if !in.eligible(r, q) {
				continue
			}
			from := d.load[r]
			if in.level(r, q) == NotPreferred {
				from = d.np[r]
			}
			var to int64
			switch kind, c := in.entry(r, q); kind {
			case entryRoot:
				to = d.root[q]
			case entryCat:
				to = d.cat[q*nc+c]
			case entryExpert:
				to = d.expert[q]
			case entryJunction:
				to = d.junc[q*nc+c]
			}
			arc(1, in.pairCost(r, q), from, to)
		}
	}
	b.addProduct(in.wUncovered, int64(in.needed))
	v, ok := b.int64()
	if !ok {
		return 0, invalid("the bound is out of range")
	}
	return v, nil
}
