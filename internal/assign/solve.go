package assign

import (
	"fmt"
	"math/bits"

	"github.com/challenging-norms/conference/internal/apperr"
)

// Plan is the solver's proposal of new assignments, a preview for organizers. To commit it, check
// Pairs with Evaluate against the problem as it is by then (a conflict may have been declared since
// the preview) and store them; they become Existing for the next plan.
type Plan struct {
	// New are the assignments to add, sorted by proposal, then reviewer, each with its reasons.
	New []Assignment
	// Score is the plan's objective; Bound is Certify's lower bound for every plan of the problem.
	// Optimal reports that they are equal, which proves the plan optimal.
	Score   Score
	Bound   int64
	Optimal bool
	Summary Summary

	cert *duals
}

// Pairs returns the new pairs of the plan, in the plan's order.
func (p Plan) Pairs() []Pair {
	out := make([]Pair, len(p.New))
	for i, a := range p.New {
		out[i] = a.Pair
	}
	return out
}

// Solve computes an optimal plan of new assignments for p (see the package doc for what optimal
// means), keeping p.Existing. It never fails for lack of reviewers: proposals left short or without
// a required perspective are listed in the summary with the reason. The same problem gives the same
// plan, whatever the order of its slices. It returns an *apperr.Error with code Invalid when p is
// malformed (unknown or duplicate ids, contradictory bids, an existing pair in conflict, weights
// out of range), and code Internal if the plan fails its own optimality check, which would be a
// fault of the solver.
func Solve(p Problem) (Plan, error) {
	in, err := newInstance(&p)
	if err != nil {
		return Plan{}, fmt.Errorf("solve: %w", err)
	}
	m := in.buildNetwork()
	flow, pi, err := m.g.solve(m.startFlow(in))
	if err != nil {
		return Plan{}, fault(err)
	}

	byProp := make([][]int, len(in.props))
	var flowCost int64
	for e, f := range flow {
		flowCost += int64(f) * m.g.cost[e]
	}
	for r := range in.revs {
		for e := m.revFirst[r]; e < m.revFirst[r+1]; e++ {
			if flow[e] == 1 {
				q := int(m.pairProp[e-m.pairBase])
				byProp[q] = append(byProp[q], r)
			}
		}
	}
	score := in.score(byProp)
	if score.Total != flowCost+in.wUncovered*int64(in.needed) {
		return Plan{}, fault(fmt.Errorf("flow cost %d disagrees with score %d", flowCost, score.Total))
	}
	d := m.duals(in, pi)
	bound, err := in.bound(d)
	if err != nil {
		return Plan{}, fault(err)
	}
	if bound != score.Total {
		return Plan{}, fault(fmt.Errorf("objective %d above its bound %d", score.Total, bound))
	}
	plan := Plan{Score: score, Bound: bound, Optimal: true, cert: d}
	in.explain(&plan, byProp)
	return plan, nil
}

// fault reports a plan that failed its own checks: a bug of the solver, never the caller's input.
func fault(err error) error {
	return apperr.Wrap(apperr.Internal, "The assignment could not be computed.", fmt.Errorf("solve: %w", err))
}

// flowModel is the network of the package doc with the node numbers of each role. Every arc has
// capacity 1 (a capacity of c is c parallel arcs), so that any integral flow has every arc at a
// bound and can start the simplex (see startFlow).
type flowModel struct {
	g        network
	source   int32
	load, np []int32
	root     []int32
	expert   []int32
	cat      []int32 // proposal × category
	junc     []int32

	// First arcs of each group of parallel arcs; a group has as many arcs as its capacity.
	loadArc, npArc       []int32 // per reviewer: units and npUnits arcs
	shortArc             []int32 // per proposal: need arcs
	xCredit, xPlain      []int32 // per proposal: 1 and need arcs
	aCredit, aPlain      []int32 // per proposal × category: 1 and need arcs
	juncToCat, juncToExp []int32 // per proposal × category: need arcs each

	revFirst []int32 // reviewer r's pair arcs are revFirst[r] .. revFirst[r+1]-1
	pairBase int32   // the first pair arc
	pairProp []int32 // proposal of each pair arc, from pairBase
}

func (g *network) addArcs(from, to, capacity int32, cost int64) int32 {
	first := int32(len(g.src))
	for range capacity {
		g.addArc(from, to, 1, cost)
	}
	return first
}

func (in *instance) buildNetwork() *flowModel {
	nc := len(in.cats)
	np, nr := len(in.props), len(in.revs)
	m := &flowModel{
		load: make([]int32, nr), np: make([]int32, nr),
		root: make([]int32, np), expert: make([]int32, np),
		cat: make([]int32, np*nc), junc: make([]int32, np*nc),
		loadArc: make([]int32, nr), npArc: make([]int32, nr),
		shortArc: make([]int32, np), xCredit: make([]int32, np), xPlain: make([]int32, np),
		aCredit: make([]int32, np*nc), aPlain: make([]int32, np*nc),
		juncToCat: make([]int32, np*nc), juncToExp: make([]int32, np*nc),
		revFirst: make([]int32, nr+1),
	}
	for _, s := range [][]int32{m.root, m.expert, m.cat, m.junc} {
		for i := range s {
			s[i] = -1
		}
	}
	g := &m.g
	pairs, nodes, arcs := 0, 1+2*nr, 0
	for _, v := range in.revs {
		if v.units > 0 {
			pairs += v.eligible
			arcs += v.units + v.npUnits
		}
	}
	for _, pr := range in.props {
		if pr.need > 0 {
			k := bits.OnesCount32(pr.needCat)
			nodes += 2 + 2*k
			arcs += (1 + 2 + 4*k) * (pr.need + 1)
		}
	}
	arcs += pairs
	g.src, g.dst = make([]int32, 0, arcs), make([]int32, 0, arcs)
	g.cap, g.cost = make([]int32, 0, arcs), make([]int64, 0, arcs)
	g.supply = make([]int32, 0, nodes)
	m.pairProp = make([]int32, 0, pairs)
	m.source = g.addNode(int32(in.units))
	for r := range in.revs {
		m.load[r] = g.addNode(0)
		m.np[r] = g.addNode(0)
	}
	for q := range in.props {
		pr := &in.props[q]
		if pr.need == 0 {
			continue
		}
		need := int32(pr.need)
		root := g.addNode(-need)
		m.root[q] = root
		m.shortArc[q] = g.addArcs(m.source, root, need, in.wShort)
		if pr.needExpert {
			x := g.addNode(0)
			m.expert[q] = x
			m.xCredit[q] = g.addArc(x, root, 1, -in.opt.FirstExpert)
			m.xPlain[q] = g.addArcs(x, root, need, 0)
		}
		for c := range nc {
			if pr.needCat&(1<<c) == 0 {
				continue
			}
			qc := q*nc + c
			a := g.addNode(0)
			m.cat[qc] = a
			m.aCredit[qc] = g.addArc(a, root, 1, -in.wUncovered)
			m.aPlain[qc] = g.addArcs(a, root, need, 0)
			if pr.needExpert {
				j := g.addNode(0)
				m.junc[qc] = j
				m.juncToCat[qc] = g.addArcs(j, a, need, 0)
				m.juncToExp[qc] = g.addArcs(j, m.expert[q], need, 0)
			}
		}
	}
	for r := range in.revs {
		v := &in.revs[r]
		m.loadArc[r] = int32(len(g.src))
		for j := range v.units {
			g.addArc(m.source, m.load[r], 1, in.loadCost(r, j))
		}
		m.npArc[r] = g.addArcs(m.load[r], m.np[r], int32(v.npUnits), 0)
	}
	m.pairBase = int32(len(g.src))
	for r := range in.revs {
		m.revFirst[r] = int32(len(g.src))
		if in.revs[r].units == 0 {
			continue
		}
		for q := range in.props {
			if !in.eligible(r, q) {
				continue
			}
			from := m.load[r]
			if in.level(r, q) == NotPreferred {
				from = m.np[r]
			}
			var to int32
			switch kind, c := in.entry(r, q); kind {
			case entryRoot:
				to = m.root[q]
			case entryCat:
				to = m.cat[q*nc+c]
			case entryExpert:
				to = m.expert[q]
			case entryJunction:
				to = m.junc[q*nc+c]
			}
			g.addArc(from, to, 1, in.pairCost(r, q))
			m.pairProp = append(m.pairProp, int32(q))
		}
	}
	m.revFirst[nr] = int32(len(g.src))
	return m
}

// duals turns node potentials into prices by role, shifted so that the source's price is zero.
func (m *flowModel) duals(in *instance, pi []int64) *duals {
	base := pi[m.source]
	at := func(nodes []int32) []int64 {
		out := make([]int64, len(nodes))
		for i, v := range nodes {
			if v >= 0 {
				out[i] = pi[v] - base
			}
		}
		return out
	}
	return &duals{
		load: at(m.load), np: at(m.np),
		root: at(m.root), expert: at(m.expert),
		cat: at(m.cat), junc: at(m.junc),
	}
}
