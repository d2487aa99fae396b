package assign

import "testing"

// benchmarkSolve times Solve on a generated instance and reports the plan's quality with it: the
// spread of loads, assignments against not-preferred bids, reviews missing, proposals without a
// required perspective, and the gap between objective and bound, which must be 0.
func benchmarkSolve(b *testing.B, s benchSpec) {
	p := generate(s)
	var plan Plan
	b.ReportAllocs()
	for b.Loop() {
		var err error
		plan, err = Solve(p)
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(plan.Summary.After.Max-plan.Summary.After.Min), "load-spread")
	b.ReportMetric(plan.Summary.After.StdDev, "load-stddev")
	b.ReportMetric(float64(plan.Summary.Bids.NotPreferred), "not-preferred")
	b.ReportMetric(float64(plan.Score.Short), "short")
	b.ReportMetric(float64(len(plan.Summary.Uncovered)), "uncovered")
	b.ReportMetric(float64(plan.Score.Total-plan.Bound), "bound-gap")
}

// BenchmarkAssign3000 is the instance of the product issue; see benchCommon.
func BenchmarkAssign3000(b *testing.B) { benchmarkSolve(b, benchCommon) }

// BenchmarkAssignHard has few positive bids, scarce expertise and a scarce required category.
func BenchmarkAssignHard(b *testing.B) { benchmarkSolve(b, benchHard) }
