package assign

import (
	"math"
	"slices"
)

// startFlow is a quick feasible plan made greedily, proposal by proposal, written as a flow on the
// model's arcs. The simplex starts from it rather than from an empty plan: most of the optimum's
// pairs are already in place, which saves most of the pivots. It has no say in the result, which is
// optimal whatever the start.
func (m *flowModel) startFlow(in *instance) []int32 {
	nr, nc := len(in.revs), len(in.cats)
	flow := make([]int32, len(m.g.src))
	used := make([]int, nr)
	npUsed := make([]int, nr)
	onProp := make([]bool, nr)

	// Proposals with the fewest candidates choose first, so that they are not left short by the
	// easy ones.
	cands := make([]int, len(in.props))
	order := make([]int, 0, len(in.props))
	for q, pr := range in.props {
		if pr.need == 0 {
			continue
		}
		order = append(order, q)
		for r := range in.revs {
			if in.eligible(r, q) {
				cands[q]++
			}
		}
	}
	slices.SortStableFunc(order, func(a, b int) int { return cands[a] - cands[b] })

	var chosen []int
	for _, q := range order {
		pr := &in.props[q]
		chosen = chosen[:0]
		var covered uint32
		expertDone := false
		for len(chosen) < pr.need {
			best, bestScore := -1, int64(math.MaxInt64)
			for r := range in.revs {
				v := &in.revs[r]
				if onProp[r] || used[r] >= v.units || !in.eligible(r, q) {
					continue
				}
				notPreferred := in.level(r, q) == NotPreferred
				if notPreferred && npUsed[r] >= v.npUnits {
					continue
				}
				score := in.pairCost(r, q) + in.loadCost(r, used[r])
				if c := v.cat; c >= 0 && pr.needCat&^covered&(1<<c) != 0 {
					score -= in.wUncovered
				} else if pr.needExpert && !expertDone && in.isExpert(r, q) {
					score -= in.opt.FirstExpert
				}
				if score < bestScore {
					best, bestScore = r, score
				}
			}
			if best < 0 {
				break
			}
			r := best
			chosen = append(chosen, r)
			onProp[r] = true
			used[r]++
			if c := in.revs[r].cat; c >= 0 && pr.needCat&(1<<c) != 0 {
				covered |= 1 << c
			} else if pr.needExpert && in.isExpert(r, q) {
				expertDone = true
			}
			if in.level(r, q) == NotPreferred {
				npUsed[r]++
			}
		}

		// Route the chosen units through the proposal's gadget, each credit arc taking one unit.
		var aIn [MaxCategories]int32
		var toCat, toExp [MaxCategories]int32
		var xIn int32
		var junction []int
		for _, r := range chosen {
			onProp[r] = false
			flow[m.pairArc(r, q)] = 1
			switch kind, c := in.entry(r, q); kind {
			case entryCat:
				aIn[c]++
			case entryExpert:
				xIn++
			case entryJunction:
				junction = append(junction, c)
			}
		}
		for _, c := range junction {
			switch {
			case aIn[c] == 0 || xIn > 0:
				aIn[c]++
				toCat[c]++
			default:
				xIn++
				toExp[c]++
			}
		}
		for c := range nc {
			qc := q*nc + c
			setFirst(flow, m.juncToCat[qc], toCat[c])
			setFirst(flow, m.juncToExp[qc], toExp[c])
			if aIn[c] > 0 {
				flow[m.aCredit[qc]] = 1
				setFirst(flow, m.aPlain[qc], aIn[c]-1)
			}
		}
		if xIn > 0 {
			flow[m.xCredit[q]] = 1
			setFirst(flow, m.xPlain[q], xIn-1)
		}
		setFirst(flow, m.shortArc[q], int32(pr.need-len(chosen)))
	}
	for r := range in.revs {
		setFirst(flow, m.loadArc[r], int32(used[r]))
		setFirst(flow, m.npArc[r], int32(npUsed[r]))
	}
	return flow
}

func setFirst(flow []int32, first, n int32) {
	for i := range n {
		flow[first+i] = 1
	}
}

// pairArc finds the arc of a pair among the reviewer's arcs, which are in proposal order.
func (m *flowModel) pairArc(r, q int) int32 {
	lo, hi := m.revFirst[r]-m.pairBase, m.revFirst[r+1]-m.pairBase
	i, _ := slices.BinarySearch(m.pairProp[lo:hi], int32(q))
	return m.pairBase + lo + int32(i)
}
