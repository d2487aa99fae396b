package assign

import (
	"cmp"
	"math"
	"math/bits"
	"slices"
	"strings"

	"github.com/challenging-norms/conference/internal/apperr"
)

// The status of a reviewer-proposal pair, one byte per pair: the bid level in the low bits, then
// flags. A dense matrix costs 0.9 MB for the benchmark and answers in one load.
const (
	levelMask   uint8 = 0x3 // 0 none, 1 eager, 2 willing, 3 not preferred
	conflictBit uint8 = 0x4
	existingBit uint8 = 0x8
)

// instance is a Problem made canonical: reviewers and proposals sorted by id, required categories
// sorted, everything the objective needs computed once. The solver, the evaluator and the certifier
// all read the model from here, so they cannot disagree about what is optimized.
type instance struct {
	opt    Options
	cats   []string
	revs   []rev
	props  []prop
	status []uint8 // len(revs) × len(props)
	revIdx map[int64]int
	prIdx  map[int64]int
	nTrack int

	units      int   // reviews to plan: Σ need
	needed     int   // category credits to earn: Σ |needCat|
	wUncovered int64 // weight of one category credit not earned
	wShort     int64 // weight of one review not planned
}

type rev struct {
	id         int64
	maxLoad    int
	load       int
	category   string
	cat        int      // index in cats, -1 when the category is not required
	expert     []uint64 // bitset over track indices
	existing   int
	npExisting int
	// capacity is what MaxLoad leaves for new assignments; units is that, limited to the proposals
	// the reviewer could take; npUnits limits the not-preferred ones among them.
	capacity int
	units    int
	npUnits  int
	eligible int

	nEager, nWilling     int
	share                int
	eagerVal, willingVal int64
}

type prop struct {
	id, track     int64
	tr            int
	k             int
	existing      int
	need          int
	catCovered    uint32
	expertCovered bool
	needCat       uint32
	needExpert    bool
	reviewers     []int // existing reviewers, by index
}

func invalid(format string, args ...any) error {
	return apperr.Newf(apperr.Invalid, "assign: "+format, args...)
}

func newInstance(p *Problem) (*instance, error) {
	o := p.Options
	for _, w := range []struct {
		name string
		v    int64
	}{{"Eager", o.Eager}, {"Willing", o.Willing}, {"NotPreferred", o.NotPreferred},
		{"Expertise", o.Expertise}, {"FirstExpert", o.FirstExpert}, {"Load", o.Load}} {
		if w.v < 0 || w.v > MaxWeight {
			return nil, invalid("the %s weight must be between 0 and %d", w.name, MaxWeight)
		}
	}
	if o.DefaultK < 0 || o.DefaultK > MaxK {
		return nil, invalid("DefaultK must be between 0 and %d", MaxK)
	}
	in := &instance{opt: o}
	for _, c := range o.RequiredCategories {
		if strings.TrimSpace(c) == "" {
			return nil, invalid("a required category has no name")
		}
		if !slices.Contains(in.cats, c) {
			in.cats = append(in.cats, c)
		}
	}
	if len(in.cats) > MaxCategories {
		return nil, invalid("at most %d required categories", MaxCategories)
	}
	slices.Sort(in.cats)
	in.opt.RequiredCategories = in.cats

	if len(p.Reviewers) > 0 && len(p.Proposals) > MaxPairs/len(p.Reviewers) {
		return nil, invalid("%d reviewers × %d proposals is more than %d pairs", len(p.Reviewers), len(p.Proposals), MaxPairs)
	}

	// Tracks are indexed in id order so that expertise is a bitset.
	var tracks []int64
	for _, pr := range p.Proposals {
		tracks = append(tracks, pr.Track)
	}
	slices.Sort(tracks)
	tracks = slices.Compact(tracks)
	in.nTrack = len(tracks)
	trackIdx := make(map[int64]int, len(tracks))
	for i, t := range tracks {
		trackIdx[t] = i
	}

	in.revs = make([]rev, len(p.Reviewers))
	for i, r := range p.Reviewers {
		v := rev{id: r.ID, maxLoad: r.MaxLoad, load: r.Load, category: r.Category, cat: -1,
			expert: make([]uint64, (in.nTrack+63)/64)}
		if c, ok := slices.BinarySearch(in.cats, r.Category); ok {
			v.cat = c
		}
		for _, t := range r.Expertise {
			if ti, ok := trackIdx[t]; ok {
				v.expert[ti/64] |= 1 << (ti % 64)
			}
		}
		in.revs[i] = v
	}
	// Checks run in canonical order, so that a malformed problem is reported the same way whatever
	// the order of its slices.
	slices.SortFunc(in.revs, func(a, b rev) int { return cmp.Compare(a.id, b.id) })
	in.revIdx = make(map[int64]int, len(in.revs))
	for i, r := range in.revs {
		if i > 0 && in.revs[i-1].id == r.id {
			return nil, invalid("reviewer %d is listed twice", r.id)
		}
		if r.maxLoad < 0 || r.load < 0 {
			return nil, invalid("reviewer %d has a negative MaxLoad or Load", r.id)
		}
		in.revIdx[r.id] = i
	}

	in.props = make([]prop, len(p.Proposals))
	for i, pr := range p.Proposals {
		k := pr.K
		if k == 0 {
			k = o.DefaultK
		}
		in.props[i] = prop{id: pr.ID, track: pr.Track, tr: trackIdx[pr.Track], k: k}
	}
	slices.SortFunc(in.props, func(a, b prop) int { return cmp.Compare(a.id, b.id) })
	in.prIdx = make(map[int64]int, len(in.props))
	for i, pr := range in.props {
		if i > 0 && in.props[i-1].id == pr.id {
			return nil, invalid("proposal %d is listed twice", pr.id)
		}
		if pr.k < 0 || pr.k > MaxK {
			return nil, invalid("proposal %d wants %d reviewers; the limit is %d", pr.id, pr.k, MaxK)
		}
		in.prIdx[pr.id] = i
	}

	np := len(in.props)
	in.status = make([]uint8, len(in.revs)*np)
	var first firstError
	lookup := func(phase int, what string, pr Pair) int {
		r, ok := in.revIdx[pr.Reviewer]
		if !ok {
			first.add(phase, pr, invalid("%s names unknown reviewer %d", what, pr.Reviewer))
			return -1
		}
		q, ok := in.prIdx[pr.Proposal]
		if !ok {
			first.add(phase, pr, invalid("%s names unknown proposal %d", what, pr.Proposal))
			return -1
		}
		return r*np + q
	}
	for _, b := range p.Bids {
		pr := Pair{b.Reviewer, b.Proposal}
		at := lookup(0, "a bid", pr)
		if at < 0 {
			continue
		}
		var lv uint8
		switch b.Level {
		case Eager:
			lv = 1
		case Willing:
			lv = 2
		case NotPreferred:
			lv = 3
		case Conflict:
			in.status[at] |= conflictBit
			continue
		default:
			first.add(0, pr, invalid("the bid of reviewer %d on proposal %d has no valid level", b.Reviewer, b.Proposal))
			continue
		}
		if old := in.status[at] & levelMask; old != 0 && old != lv {
			first.add(0, pr, invalid("reviewer %d has two different bids on proposal %d", b.Reviewer, b.Proposal))
		}
		in.status[at] |= lv
	}
	for _, c := range p.Conflicts {
		if at := lookup(1, "a conflict", c); at >= 0 {
			in.status[at] |= conflictBit
		}
	}
	if first.err != nil {
		return nil, first.err
	}
	for _, e := range p.Existing {
		at := lookup(2, "an existing assignment", e)
		if at < 0 {
			continue
		}
		s := in.status[at]
		switch {
		case s&existingBit != 0:
			first.add(2, e, invalid("reviewer %d is assigned to proposal %d twice", e.Reviewer, e.Proposal))
		case s&conflictBit != 0:
			first.add(2, e, invalid("existing assignment of reviewer %d to proposal %d is in conflict; remove it first (see SplitExisting)", e.Reviewer, e.Proposal))
		}
		in.status[at] |= existingBit
	}
	if first.err != nil {
		return nil, first.err
	}

	// Existing assignments, in canonical order, and what they already cover.
	for r := range in.revs {
		v := &in.revs[r]
		row := in.status[r*np : (r+1)*np]
		for q, s := range row {
			if s&existingBit != 0 {
				v.existing++
				if s&levelMask == 3 {
					v.npExisting++
				}
				pr := &in.props[q]
				pr.existing++
				pr.reviewers = append(pr.reviewers, r)
				if v.cat >= 0 {
					pr.catCovered |= 1 << v.cat
				}
				if in.isExpert(r, q) {
					pr.expertCovered = true
				}
			}
			if s&conflictBit == 0 {
				switch s & levelMask {
				case 1:
					v.nEager++
				case 2:
					v.nWilling++
				}
			}
		}
		v.capacity = max(0, v.maxLoad-v.load-v.existing)
		v.npUnits = v.capacity
		if o.NotPreferredCap >= 0 {
			v.npUnits = max(0, min(v.capacity, o.NotPreferredCap-v.npExisting))
		}
	}
	allCats := uint32(1)<<len(in.cats) - 1
	sumK := 0
	for q := range in.props {
		pr := &in.props[q]
		sumK += pr.k
		pr.need = max(0, pr.k-pr.existing)
		if pr.need > 0 {
			pr.needCat = allCats &^ pr.catCovered
			pr.needExpert = o.FirstExpert > 0 && !pr.expertCovered
			in.units += pr.need
			in.needed += bits.OnesCount32(pr.needCat)
		}
	}

	// A reviewer's fair share is the reviews per available reviewer; bids beyond it are worth
	// proportionally less, so that a reviewer's bids weigh the same however many they place.
	available := 0
	for _, v := range in.revs {
		if v.maxLoad > v.load {
			available++
		}
	}
	for r := range in.revs {
		v := &in.revs[r]
		share := 1
		if available > 0 {
			share = (sumK + available - 1) / available
		}
		v.share = max(1, min(share, v.maxLoad-v.load))
		v.eagerVal = scaled(o.Eager, v.share, v.nEager)
		v.willingVal = scaled(o.Willing, v.share, v.nEager+v.nWilling)
		for q := range in.props {
			if in.eligible(r, q) {
				v.eligible++
			}
		}
		v.units = min(v.capacity, v.eligible)
		v.npUnits = min(v.npUnits, v.units)
	}

	// Lexicographic weights. Any two plans differ in their soft cost (bids, expertise, load) by less
	// than wUncovered, and in uncovered credits plus soft cost by less than wShort, so the weighted
	// optimum plans as many reviews as possible, then earns as many category credits as possible,
	// then minimizes the soft cost.
	maxPair := max(o.Eager, o.Willing) + o.NotPreferred + o.Expertise
	maxLoad := 0
	for _, v := range in.revs {
		maxLoad = max(maxLoad, v.maxLoad)
	}
	perUnit, ok1 := mul(o.Load, int64(maxLoad))
	perUnit += 2 * maxPair
	soft, ok2 := mul(int64(in.units), perUnit)
	firstExpert, ok3 := mul(o.FirstExpert, int64(len(in.props)))
	in.wUncovered = soft + firstExpert + 1
	var ok4, ok5 bool
	in.wShort, ok4 = mul(in.wUncovered, int64(in.needed+1))
	// The simplex needs room for a path of such costs through every node.
	nodes := int64(1 + 2*len(in.revs) + len(in.props)*(2+2*len(in.cats)))
	_, ok5 = mul(in.wShort, 16*(nodes+int64(in.units)+2))
	if !(ok1 && ok2 && ok3 && ok4 && ok5) || soft < 0 {
		return nil, invalid("the weights are too large for exact arithmetic at this size; lower them")
	}
	return in, nil
}

// firstError keeps, of the problems found, the first in canonical order: by phase (bids,
// conflicts, existing assignments), then proposal, then reviewer.
type firstError struct {
	key [3]int64
	err error
}

func (f *firstError) add(phase int, pr Pair, err error) {
	k := [3]int64{int64(phase), pr.Proposal, pr.Reviewer}
	if f.err == nil || slices.Compare(k[:], f.key[:]) < 0 {
		f.key, f.err = k, err
	}
}

// scaled is w × min(1, share/n), rounded down.
func scaled(w int64, share, n int) int64 {
	if n <= share {
		return w
	}
	return w * int64(share) / int64(n)
}

func mul(a, b int64) (int64, bool) {
	if a < 0 || b < 0 {
		return 0, false
	}
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi != 0 || lo > math.MaxInt64 {
		return 0, false
	}
	return int64(lo), true
}

func (in *instance) st(r, q int) uint8 { return in.status[r*len(in.props)+q] }

func (in *instance) level(r, q int) Level {
	switch in.st(r, q) & levelMask {
	case 1:
		return Eager
	case 2:
		return Willing
	case 3:
		return NotPreferred
	}
	return 0
}

func (in *instance) isExpert(r, q int) bool {
	t := in.props[q].tr
	return in.revs[r].expert[t/64]&(1<<(t%64)) != 0
}

func (in *instance) conflicted(r, q int) bool { return in.st(r, q)&conflictBit != 0 }

// eligible reports whether the pair may be planned: the proposal wants more reviewers, the pair is
// neither in conflict nor already assigned, and the reviewer has room, for a not-preferred bid
// under the cap too.
func (in *instance) eligible(r, q int) bool {
	s := in.st(r, q)
	if s&(conflictBit|existingBit) != 0 || in.props[q].need == 0 || in.revs[r].capacity == 0 {
		return false
	}
	if s&levelMask == 3 && in.revs[r].npUnits == 0 {
		return false
	}
	return true
}

// pairCost is the cost of one new assignment apart from load and coverage: bid and expertise.
func (in *instance) pairCost(r, q int) int64 {
	v := &in.revs[r]
	var c int64
	switch in.st(r, q) & levelMask {
	case 1:
		c = -v.eagerVal
	case 2:
		c = -v.willingVal
	case 3:
		c = in.opt.NotPreferred
	}
	if in.isExpert(r, q) {
		c -= in.opt.Expertise
	}
	return c
}

// loadCost is the cost of the reviewer's j-th new review (from 0): Load × (reviews held before it).
func (in *instance) loadCost(r, j int) int64 {
	v := &in.revs[r]
	return in.opt.Load * int64(v.load+v.existing+j)
}

// Where a reviewer's unit of flow enters a proposal's gadget.
const (
	entryRoot = iota
	entryCat
	entryExpert
	entryJunction
)

// entry says which node of the proposal's gadget a new assignment of r enters: one that can earn
// the category credit, the expertise credit, either (a junction), or neither.
func (in *instance) entry(r, q int) (kind, cat int) {
	pr := &in.props[q]
	c := in.revs[r].cat
	needC := c >= 0 && pr.needCat&(1<<c) != 0
	needX := pr.needExpert && in.isExpert(r, q)
	switch {
	case needC && needX:
		return entryJunction, c
	case needC:
		return entryCat, c
	case needX:
		return entryExpert, -1
	}
	return entryRoot, -1
}
