package assign

import (
	"errors"
	"math"
)

// network is a minimum-cost flow instance: nodes with supplies (positive: flow leaves, negative:
// flow arrives), arcs with a capacity and an integer cost per unit. Slices of int32 indices keep the
// benchmark instance (about 900,000 arcs) near 25 MB.
type network struct {
	supply []int32
	src    []int32
	dst    []int32
	cap    []int32
	cost   []int64
}

func (g *network) addNode(supply int32) int32 {
	g.supply = append(g.supply, supply)
	return int32(len(g.supply) - 1)
}

func (g *network) addArc(from, to, capacity int32, cost int64) int32 {
	g.src = append(g.src, from)
	g.dst = append(g.dst, to)
	g.cap = append(g.cap, capacity)
	g.cost = append(g.cost, cost)
	return int32(len(g.src) - 1)
}

var errInfeasible = errors.New("no flow satisfies the supplies")

// Arc states of the simplex: in the spanning tree, or out of it at one of its bounds. The values are
// the sign that turns a reduced cost into "negative means improving".
const (
	stateUpper int8 = -1
	stateTree  int8 = 0
	stateLower int8 = 1
)

const infCap = math.MaxInt32

// simplex is the primal network simplex method on a strongly feasible spanning tree (Cunningham's
// rule), which makes it finite without perturbation and lets the result depend on nothing but the
// order of the arcs. The tree keeps parent pointers, depths and child lists; a pivot re-hangs the
// subtree it cuts off and shifts that subtree's potentials by one constant.
type simplex struct {
	n, m int // nodes and arcs of the instance; node n is the artificial root, arcs m.. artificial
	src  []int32
	dst  []int32
	cap  []int32
	cost []int64

	flow  []int32
	state []int8

	parent     []int32
	pred       []int32 // tree arc between a node and its parent
	predUp     []bool  // pred points from the node to its parent
	depth      []int32
	firstChild []int32
	nextSib    []int32
	prevSib    []int32
	pi         []int64

	block   int
	nextArc int
	pathBuf []int32
}

// solve returns a minimum-cost flow and node potentials pi with which every arc's reduced cost
// cost + pi[src] - pi[dst] is zero on arcs strictly between their bounds, non-negative on arcs without
// flow and non-positive on saturated arcs: the optimality certificate. start, when not nil, is a
// feasible flow with every arc at a bound (empty or full) to begin with. solve appends its
// artificial arcs to g.
func (g *network) solve(start []int32) (flow []int32, pi []int64, err error) {
	n, m := len(g.supply), len(g.src)
	var total int64
	for _, s := range g.supply {
		total += int64(s)
	}
	if total != 0 {
		return nil, nil, errInfeasible
	}
	if start != nil {
		balance := make([]int64, n)
		for e, f := range start {
			if f != 0 && f != g.cap[e] {
				return nil, nil, errors.New("the starting flow has an arc between its bounds")
			}
			balance[g.src[e]] += int64(f)
			balance[g.dst[e]] -= int64(f)
		}
		for v, b := range balance {
			if b != int64(g.supply[v]) {
				return nil, nil, errors.New("the starting flow does not meet the supplies")
			}
		}
	}
	// Artificial arcs cost more than any simple path of real arcs, so they carry flow at the end only
	// when nothing else can.
	var maxAbs int64
	for _, c := range g.cost {
		maxAbs = max(maxAbs, c, -c)
	}
	if maxAbs > math.MaxInt64/8/int64(n+2) {
		return nil, nil, errors.New("costs too large for exact integer arithmetic")
	}
	art := (maxAbs + 1) * int64(n+1)

	tm := m + n
	s := &simplex{n: n, m: m}
	s.flow = make([]int32, tm)
	s.state = make([]int8, tm)
	for e := range m {
		s.state[e] = stateLower
		if start != nil && start[e] != 0 {
			s.flow[e] = start[e]
			s.state[e] = stateUpper
		}
	}
	nn := n + 1
	s.parent = make([]int32, nn)
	s.pred = make([]int32, nn)
	s.predUp = make([]bool, nn)
	s.depth = make([]int32, nn)
	s.firstChild = make([]int32, nn)
	s.nextSib = make([]int32, nn)
	s.prevSib = make([]int32, nn)
	s.pi = make([]int64, nn)
	root := int32(n)
	for i := range s.firstChild {
		s.firstChild[i] = -1
		s.nextSib[i] = -1
		s.prevSib[i] = -1
	}
	s.parent[root] = -1
	s.pred[root] = -1
	// The initial tree hangs every node from the root by an artificial arc such that every node can
	// send flow to the root: strongly feasible. From scratch, supply and transit nodes point to the
	// root and demand nodes receive their demand from it at the artificial cost. From a feasible
	// start, every artificial arc points to the root, empty, at no cost: the root then has no way
	// out, so they stay empty.
	for u := range n {
		e := g.addArc(int32(u), root, infCap, 0)
		s.predUp[u] = true
		switch {
		case start != nil:
		case g.supply[u] >= 0:
			s.flow[e] = g.supply[u]
		default:
			g.src[e], g.dst[e] = root, int32(u)
			g.cost[e] = art
			s.flow[e] = -g.supply[u]
			s.predUp[u] = false
			s.pi[u] = art
		}
		s.state[e] = stateTree
		s.parent[u] = root
		s.pred[u] = e
		s.depth[u] = 1
		s.attach(int32(u), root)
	}
	s.src, s.dst, s.cap, s.cost = g.src, g.dst, g.cap, g.cost
	s.block = max(int(math.Sqrt(float64(tm))), 10)

	for {
		e := s.findEntering()
		if e < 0 {
			break
		}
		s.pivot(e)
	}
	for e := m; e < tm; e++ {
		if s.flow[e] != 0 {
			return nil, nil, errInfeasible
		}
	}
	return s.flow[:m:m], s.pi[:n:n], nil
}

// findEntering is block search pricing: scan arcs in blocks from where the last search stopped and
// take the most violating arc of the first block that has one.
func (s *simplex) findEntering() int {
	tm := len(s.src)
	best := int64(0)
	bestArc := -1
	e := s.nextArc
	cnt := s.block
	for i := 0; i < tm; i++ {
		if st := s.state[e]; st != stateTree {
			c := int64(st) * (s.cost[e] + s.pi[s.src[e]] - s.pi[s.dst[e]])
			if c < best {
				best = c
				bestArc = e
			}
		}
		e++
		if e == tm {
			e = 0
		}
		cnt--
		if cnt == 0 {
			if bestArc >= 0 {
				s.nextArc = e
				return bestArc
			}
			cnt = s.block
		}
	}
	s.nextArc = e
	return bestArc
}

func (s *simplex) attach(u, p int32) {
	f := s.firstChild[p]
	s.nextSib[u] = f
	s.prevSib[u] = -1
	if f >= 0 {
		s.prevSib[f] = u
	}
	s.firstChild[p] = u
}

func (s *simplex) detach(u int32) {
	p := s.parent[u]
	if ps := s.prevSib[u]; ps >= 0 {
		s.nextSib[ps] = s.nextSib[u]
	} else {
		s.firstChild[p] = s.nextSib[u]
	}
	if ns := s.nextSib[u]; ns >= 0 {
		s.prevSib[ns] = s.prevSib[u]
	}
}

// residual is how much more flow the tree arc above u can carry in the direction from u to its
// parent (up) or from the parent to u (down).
func (s *simplex) residual(u int32, up bool) int32 {
	a := s.pred[u]
	if s.predUp[u] == up {
		return s.cap[a] - s.flow[a]
	}
	return s.flow[a]
}

func (s *simplex) pivot(e int) {
	st := s.state[e]
	first, second := s.src[e], s.dst[e]
	if st == stateUpper {
		first, second = second, first
	}
	// The cycle runs from the apex (join) down to first, across e to second, and up to the apex.
	u, v := first, second
	for u != v {
		switch {
		case s.depth[u] > s.depth[v]:
			u = s.parent[u]
		case s.depth[v] > s.depth[u]:
			v = s.parent[v]
		default:
			u, v = s.parent[u], s.parent[v]
		}
	}
	join := u

	// Leaving arc: the last blocking arc met when walking the cycle from the apex in its direction,
	// which keeps the tree strongly feasible.
	delta := s.cap[e]
	out := int32(-1)
	outFirst := false
	for u := first; u != join; u = s.parent[u] {
		if d := s.residual(u, false); d < delta {
			delta, out, outFirst = d, u, true
		}
	}
	for u := second; u != join; u = s.parent[u] {
		if d := s.residual(u, true); d <= delta {
			delta, out, outFirst = d, u, false
		}
	}

	if delta > 0 {
		if st == stateLower {
			s.flow[e] += delta
		} else {
			s.flow[e] -= delta
		}
		for u := first; u != join; u = s.parent[u] {
			if s.predUp[u] {
				s.flow[s.pred[u]] -= delta
			} else {
				s.flow[s.pred[u]] += delta
			}
		}
		for u := second; u != join; u = s.parent[u] {
			if s.predUp[u] {
				s.flow[s.pred[u]] += delta
			} else {
				s.flow[s.pred[u]] -= delta
			}
		}
	}

	if out < 0 {
		// The entering arc blocks itself: it moves to its other bound and the tree stays.
		s.state[e] = -st
		return
	}
	leaving := s.pred[out]
	if s.flow[leaving] == 0 {
		s.state[leaving] = stateLower
	} else {
		s.state[leaving] = stateUpper
	}
	s.state[e] = stateTree

	// The subtree under the leaving arc holds one end of e (uIn); it is re-rooted at uIn and hung
	// from the other end (vIn) by e.
	uIn, vIn := second, first
	if outFirst {
		uIn, vIn = first, second
	}
	var newPi int64
	if s.dst[e] == uIn {
		newPi = s.pi[vIn] + s.cost[e]
	} else {
		newPi = s.pi[vIn] - s.cost[e]
	}
	sigma := newPi - s.pi[uIn]

	path := s.pathBuf[:0]
	for w := uIn; ; w = s.parent[w] {
		path = append(path, w)
		if w == out {
			break
		}
	}
	s.pathBuf = path
	carryParent, carryPred, carryUp := vIn, int32(e), s.src[e] == uIn
	for _, w := range path {
		oldPred, oldUp := s.pred[w], s.predUp[w]
		s.detach(w)
		s.parent[w], s.pred[w], s.predUp[w] = carryParent, carryPred, carryUp
		s.attach(w, carryParent)
		carryParent, carryPred, carryUp = w, oldPred, !oldUp
	}

	// Depths change along the reversed path and below it, potentials by sigma everywhere in the
	// subtree: one walk over it.
	s.depth[uIn] = s.depth[vIn] + 1
	s.pi[uIn] += sigma
	w := uIn
	for {
		if c := s.firstChild[w]; c >= 0 {
			w = c
		} else {
			for w != uIn && s.nextSib[w] < 0 {
				w = s.parent[w]
			}
			if w == uIn {
				break
			}
			w = s.nextSib[w]
		}
		s.depth[w] = s.depth[s.parent[w]] + 1
		s.pi[w] += sigma
	}
}
