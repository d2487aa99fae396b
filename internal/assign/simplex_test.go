package assign

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// referenceMinCost solves a small instance by a different method: a feasible flow by augmenting paths
// from a super source, then cancelling negative residual cycles found by Bellman-Ford until none
// is left. Slow, simple, and sharing no code with the simplex.
func referenceMinCost(g *network) (cost int64, feasible []int32, ok bool) {
	n, m := len(g.supply), len(g.src)
	flow := make([]int64, m)
	excess := make([]int64, n)
	for v, s := range g.supply {
		excess[v] = int64(s)
	}
	type res struct {
		arc int
		fwd bool
	}
	resid := func(r res) int64 {
		if r.fwd {
			return int64(g.cap[r.arc]) - flow[r.arc]
		}
		return flow[r.arc]
	}
	tail := func(r res) int32 {
		if r.fwd {
			return g.src[r.arc]
		}
		return g.dst[r.arc]
	}
	head := func(r res) int32 {
		if r.fwd {
			return g.dst[r.arc]
		}
		return g.src[r.arc]
	}
	push := func(r res, d int64) {
		if r.fwd {
			flow[r.arc] += d
		} else {
			flow[r.arc] -= d
		}
	}
	var all []res
	for e := 0; e < m; e++ {
		all = append(all, res{e, true}, res{e, false})
	}
	// Feasibility: breadth-first augmenting paths from a node with excess to one with deficit.
	for {
		s := -1
		for v := range excess {
			if excess[v] > 0 {
				s = v
				break
			}
		}
		if s < 0 {
			break
		}
		prev := make([]int, n)
		for i := range prev {
			prev[i] = -2
		}
		prev[s] = -1
		queue := []int{s}
		t := -1
		for len(queue) > 0 && t < 0 {
			u := queue[0]
			queue = queue[1:]
			for i, r := range all {
				if int(tail(r)) == u && resid(r) > 0 && prev[head(r)] == -2 {
					prev[head(r)] = i
					if excess[head(r)] < 0 {
						t = int(head(r))
						break
					}
					queue = append(queue, int(head(r)))
				}
			}
		}
		if t < 0 {
			return 0, nil, false
		}
		d := min(excess[s], -excess[t])
		for v := t; v != s; v = int(tail(all[prev[v]])) {
			d = min(d, resid(all[prev[v]]))
		}
		for v := t; v != s; v = int(tail(all[prev[v]])) {
			push(all[prev[v]], d)
		}
		excess[s] -= d
		excess[t] += d
	}
	feasible = make([]int32, m)
	for e, f := range flow {
		feasible[e] = int32(f)
	}
	// Optimality: cancel negative cycles.
	for {
		dist := make([]int64, n)
		prev := make([]int, n)
		for i := range prev {
			prev[i] = -1
		}
		last := -1
		for it := 0; it < n; it++ {
			last = -1
			for i, r := range all {
				if resid(r) <= 0 {
					continue
				}
				c := g.cost[r.arc]
				if !r.fwd {
					c = -c
				}
				if dist[tail(r)]+c < dist[head(r)] {
					dist[head(r)] = dist[tail(r)] + c
					prev[head(r)] = i
					last = int(head(r))
				}
			}
			if last < 0 {
				break
			}
		}
		if last < 0 {
			break
		}
		v := last
		for i := 0; i < n; i++ {
			v = int(tail(all[prev[v]]))
		}
		d := int64(1 << 62)
		for u := v; ; {
			r := all[prev[u]]
			d = min(d, resid(r))
			u = int(tail(r))
			if u == v {
				break
			}
		}
		for u := v; ; {
			r := all[prev[u]]
			push(r, d)
			u = int(tail(r))
			if u == v {
				break
			}
		}
	}
	for e := 0; e < m; e++ {
		cost += flow[e] * g.cost[e]
	}
	return cost, feasible, true
}

func randomNetwork(rng *rand.Rand, unit bool) *network {
	g := &network{}
	n := 2 + rng.IntN(9)
	for range n {
		g.addNode(0)
	}
	for range rng.IntN(4 * n) {
		u, v := int32(rng.IntN(n)), int32(rng.IntN(n))
		if u == v {
			continue
		}
		c := int32(1 + rng.IntN(4))
		if unit {
			c = 1
		}
		g.addArc(u, v, c, int64(rng.IntN(21)-8))
	}
	for range rng.IntN(n) + 1 {
		u, v := rng.IntN(n), rng.IntN(n)
		d := int32(rng.IntN(4))
		g.supply[u] += d
		g.supply[v] -= d
	}
	return g
}

func TestSimplexMatchesCycleCancelling(t *testing.T) {
	for seed := range uint64(3000) {
		rng := rand.New(rand.NewPCG(seed, 7))
		g := randomNetwork(rng, false)
		want, _, feasible := referenceMinCost(g)
		flow, pi, err := g.solve(nil)
		checkFlow(t, fmt.Sprintf("seed %d", seed), g, want, feasible, flow, pi, err)
	}
}

// From a feasible start, as Solve runs it: unit capacities, so that every arc is at a bound.
func TestSimplexFromFeasibleStart(t *testing.T) {
	for seed := range uint64(3000) {
		rng := rand.New(rand.NewPCG(seed, 8))
		g := randomNetwork(rng, true)
		want, start, feasible := referenceMinCost(g)
		if !feasible {
			continue
		}
		flow, pi, err := g.solve(start)
		checkFlow(t, fmt.Sprintf("seed %d", seed), g, want, feasible, flow, pi, err)
	}
}

func checkFlow(t *testing.T, name string, g *network, want int64, feasible bool, flow []int32, pi []int64, err error) {
	t.Helper()
	if !feasible {
		if err == nil {
			t.Fatalf("%s: simplex found a flow for an infeasible instance", name)
		}
		return
	}
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var got int64
	balance := make([]int64, len(g.supply))
	for e, f := range flow {
		if f < 0 || f > g.cap[e] {
			t.Fatalf("%s: arc %d carries %d of %d", name, e, f, g.cap[e])
		}
		got += int64(f) * g.cost[e]
		balance[g.src[e]] += int64(f)
		balance[g.dst[e]] -= int64(f)
		rc := g.cost[e] + pi[g.src[e]] - pi[g.dst[e]]
		if (rc < 0 && f != g.cap[e]) || (rc > 0 && f != 0) {
			t.Fatalf("%s: arc %d violates complementary slackness (rc %d, flow %d/%d)", name, e, rc, f, g.cap[e])
		}
	}
	for v := range balance {
		if balance[v] != int64(g.supply[v]) {
			t.Fatalf("%s: node %d balance %d, supply %d", name, v, balance[v], g.supply[v])
		}
	}
	if got != want {
		t.Fatalf("%s: cost %d, reference %d", name, got, want)
	}
}
